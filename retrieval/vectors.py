"""The dense side of retrieval: a FAISS inner-product index over normalised vectors, flat or HNSW by size."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Index type trade-off: a flat index is exact and costs O(n·d) per query (at 100k × 384 about 15-20 ms on two
# cores); HNSW costs O(log n) per query but takes longer to build and is approximate. Below FLAT_MAX vectors the
# flat scan is already fast (a few ms), so exactness wins; above it HNSW keeps queries in milliseconds.
FLAT_MAX = 20_000
# HNSW graph degree: more links raise recall and memory (M·2·4 bytes per vector) and build time.
HNSW_M = 32
# Candidate list while building: higher builds a better graph, more slowly.
HNSW_EF_CONSTRUCTION = 80
# Candidate list while searching: more raises recall and latency. Measured at 100k chunks (benchmarks/run.py,
# docs/performance.md), tie-aware recall@10 against flat: chunk-like queries 0.994 already at 128; the bundled
# English model's vectors of Chinese questions (out of distribution, near-flat similarities) 0.81 at 128, 0.92 at
# 512, 0.95 at 1024 (~1.2 ms/query; flat costs ~15 ms), 0.96 at 2048 (~3 ms).
HNSW_EF_SEARCH = 1024
# OpenMP threads for one query's search. FAISS parallelises even a single query; on a shared 2-core machine its
# threads then wait for each other (and spin, stealing the core the query encoder or a reindex needs). Measured with
# 100k vectors while other work ran: flat 69 -> 22 ms p50 with one thread, HNSW 21 -> 14 ms; builds keep every core.
SEARCH_THREADS = 1


def _flat_view(index: faiss.Index, n: int, dimension: int) -> np.ndarray:
    """The stored vectors of a flat (or HNSW-over-flat) index as a read-only numpy view, without a copy."""
    storage = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    if n == 0:
        return np.zeros((0, dimension), np.float32)
    pointer = storage.get_xb()  # type: ignore[attr-defined]
    view = faiss.rev_swig_ptr(pointer, n * dimension).reshape(n, dimension)
    view.flags.writeable = False
    return view


class VectorIndex:
    """FAISS index plus a view of its raw vectors (to score any candidate chunk exactly)."""

    def __init__(self, index: faiss.Index, vectors: np.ndarray, kind: str) -> None:
        self.index = index
        self.vectors = vectors  # a view into index's storage: keep index alive with it
        self.kind = kind
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH

    @staticmethod
    def choose_kind(n: int, flat_max: int | None = None) -> str:
        """The index kind for n vectors: flat up to flat_max (default FLAT_MAX), hnsw above."""
        return "flat" if n <= (FLAT_MAX if flat_max is None else flat_max) else "hnsw"

    @classmethod
    def build(cls, vectors: np.ndarray, dimension: int, kind: str | None = None) -> VectorIndex:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, dimension)
        kind = kind or cls.choose_kind(len(vectors))
        if kind == "flat":
            index: faiss.Index = faiss.IndexFlatIP(dimension)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dimension, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        else:
            raise ValueError(f"unknown vector index kind {kind!r}; valid choices: flat, hnsw")
        if len(vectors):
            index.add(vectors)
        return cls(index, _flat_view(index, len(vectors), dimension), kind)

    def save(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int) -> VectorIndex:
        index = faiss.read_index(str(path))
        if index.d != dimension:
            raise ValueError(f"vector index has dimension {index.d}, manifest says {dimension}")
        kind = "hnsw" if isinstance(index, faiss.IndexHNSW) else "flat"
        if kind == "flat" and not isinstance(index, faiss.IndexFlat):
            raise ValueError(f"unsupported vector index type {type(index).__name__}")
        return cls(index, _flat_view(index, int(index.ntotal), dimension), kind)

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest vectors; FAISS's -1 padding ids are removed."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        if isinstance(self.index, faiss.IndexHNSW) and self.index.hnsw.efSearch < k:
            self.index.hnsw.efSearch = k
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(SEARCH_THREADS)  # per calling thread: a build in another thread keeps its cores
        try:
            scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        finally:
            faiss.omp_set_num_threads(before)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep]

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosine between the query and the given vectors."""
        if len(ids) == 0:
            return np.zeros(0, np.float32)
        return self.vectors[ids] @ query.reshape(-1).astype(np.float32)
