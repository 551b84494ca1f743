"""Vector index type by size: flat below FLAT_MAX, HNSW above, with recall@10 against flat measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers import make_engine, write_jsonl

import retrieval.vectors as vectors_mod
from retrieval.vectors import FLAT_MAX, VectorIndex


def _clustered(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Unit vectors around topic centres, like passage embeddings (not uniform noise)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(n // 50, 4), d))
    x = centres[rng.integers(0, len(centres), n)] + 0.35 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_kind_follows_size() -> None:
    assert VectorIndex.choose_kind(0) == "flat"
    assert VectorIndex.choose_kind(FLAT_MAX) == "flat"
    assert VectorIndex.choose_kind(FLAT_MAX + 1) == "hnsw"
    assert VectorIndex.build(_clustered(10, 8), 8).kind == "flat"
    with pytest.raises(ValueError, match="valid choices: flat, hnsw"):
        VectorIndex.build(_clustered(10, 8), 8, kind="ivf-pq")


def test_hnsw_recall_at_10_against_flat() -> None:
    x = _clustered(4000, 64)
    flat = VectorIndex.build(x, 64, "flat")
    hnsw = VectorIndex.build(x, 64, "hnsw")
    rng = np.random.default_rng(1)
    queries = x[rng.choice(len(x), 100, replace=False)] + 0.2 * rng.normal(size=(100, 64)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    found = sum(len(set(flat.search(q, 10)[1]) & set(hnsw.search(q, 10)[1])) for q in queries)
    assert found / 1000 >= 0.98


def test_save_load_keeps_kind_and_exact_similarity(tmp_path: Path) -> None:
    x = _clustered(300, 16)
    for kind in ("flat", "hnsw"):
        built = VectorIndex.build(x, 16, kind)
        built.save(tmp_path / f"{kind}.faiss")
        loaded = VectorIndex.load(tmp_path / f"{kind}.faiss", 16)
        assert loaded.kind == kind and len(loaded) == 300
        np.testing.assert_allclose(loaded.vectors, x, atol=1e-6)
        np.testing.assert_allclose(loaded.similarity(x[3], np.array([3, 7])), x[[3, 7]] @ x[3], atol=1e-5)
        _, ids = loaded.search(x[3], 500)  # k above the size: clipped, no -1 padding
        assert len(ids) == 300 and ids[0] == 3
    with pytest.raises(ValueError, match="dimension"):
        VectorIndex.load(tmp_path / "flat.faiss", 17)


def test_engine_switches_to_hnsw_above_the_threshold(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vectors_mod, "FLAT_MAX", 2)
    write_jsonl(
        tmp_path / "articles" / "a.jsonl",
        [
            {"id": "w1", "title": "港口重新开放", "text": "暴雨过后，港口于周一重新开放。修复工程耗资四百万元。"},
            {"id": "w2", "title": "新图书馆", "text": "市图书馆新馆今天开放，共有藏书五十万册。馆长是王丽。"},
            {"id": "w3", "title": "Bridge", "text": "The new bridge over the river opened on Friday."},
        ],
    )
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    assert engine.index.vectors.kind == "hnsw" and engine.stats().index_type == "hnsw"
    assert engine.index.manifest.index_type == "hnsw"
    assert make_engine(tmp_path, embedder).index.vectors.kind == "hnsw"  # reloads as HNSW
    assert engine.search("When did the bridge open?", k=1)[0].chunk.article_id == "w3"
