"""The dense side of retrieval: a FAISS inner-product index over normalised vectors."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np


class VectorIndex:
    """FAISS index plus the raw vectors (kept to score any candidate chunk exactly)."""

    def __init__(self, index: faiss.Index, vectors: np.ndarray, kind: str) -> None:
        self.index = index
        self.vectors = vectors
        self.kind = kind

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
        index = faiss.IndexFlatIP(dimension)
        if len(vectors):
            index.add(vectors)
        return cls(index, vectors, "flat")

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int) -> VectorIndex:
        index = faiss.read_index(str(path))
        if index.d != dimension:
            raise ValueError(f"vector index has dimension {index.d}, manifest says {dimension}")
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, dimension), np.float32)
        return cls(index, np.ascontiguousarray(vectors, dtype=np.float32), "flat")

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors; FAISS's -1 padding ids are removed."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosine between the query and the given vectors."""
        if len(ids) == 0:
            return np.zeros(0, np.float32)
        return self.vectors[ids] @ query.reshape(-1).astype(np.float32)
