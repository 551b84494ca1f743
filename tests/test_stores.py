"""Both stores behind one interface: the same builds, updates and answers on the local store and on Milvus Lite."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLE
from helpers import CountingEmbedder, make_engine, write_jsonl

from bot.cli import main
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.errors import IndexWriteError, StoreUnavailable
from retrieval.milvus_store import MilvusStore, bm25_terms, redact

STORES = ["local", "milvus"]
# "milvus-in-place": Milvus Lite driven through the in-place update path a Milvus server takes (Lite itself
# rewrites the collection on each reindex, because it keeps BM25 statistics per segment).
BUILD_PATHS = [*STORES, "milvus-in-place"]

WIRE = [
    {"id": "w1", "title": "港口重新开放", "text": "暴雨过后，港口于周一重新开放。修复工程耗资四百万元。"},
    {"id": "w2", "title": "新图书馆", "text": "市图书馆新馆今天开放，共有藏书五十万册。馆长是王丽。"},
    {
        "id": "e1",
        "title": "Bridge reopens",
        "text": "The old river bridge reopened on Friday after repairs costing 3.5 million dollars. "
        "The mayor, Anna Berg, cut the ribbon.",
    },
]
QUESTIONS = ["港口什么时候重新开放？", "图书馆的馆长是谁？", "修复工程耗资多少？", "Who cut the ribbon at the bridge?"]


def _corpus(tmp_path: Path) -> Path:
    data = tmp_path / "articles"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(SAMPLE, data / SAMPLE.name)
    write_jsonl(data / "wire.jsonl", WIRE)
    return data


def _rounded(contract: dict[str, Any]) -> dict[str, Any]:
    """The JSON answer with source scores to 4 decimals (float32 sums differ in the last bits between stores)."""
    sources = [dict(s, score=round(s["score"], 4)) for s in contract["sources"]]  # type: ignore[union-attr]
    return dict(contract, sources=sources)


def _engine(tmp_path: Path, embedder: object, store: str) -> Engine:
    engine = make_engine(tmp_path, embedder, store=store.removesuffix("-in-place"))
    if store.endswith("-in-place"):
        engine.store.updates_in_place = True  # type: ignore[misc]
    return engine


@pytest.mark.parametrize("store", BUILD_PATHS)
def test_incremental_reindex_updates_the_store(tmp_path: Path, embedder: object, store: str) -> None:
    data = _corpus(tmp_path)
    counting = CountingEmbedder(embedder)
    engine = _engine(tmp_path, counting, store)
    first = engine.reindex()
    assert (first.added, first.changed, first.removed) == (4, 0, 0)
    assert engine.stats().chunks == first.chunks == counting.passages > 0
    assert engine.ask("修复工程耗资多少？").answer == "四百万元"

    counting.passages = 0
    assert engine.reindex().generation == first.generation and counting.passages == 0

    edited = [dict(WIRE[0], text="暴雨过后，港口于周二重新开放。修复工程耗资五百万元。"), WIRE[2]]
    write_jsonl(data / "wire.jsonl", edited)  # w1 changed, w2 removed, e1 unchanged
    changed = engine.reindex()
    assert (changed.added, changed.changed, changed.removed, changed.unchanged) == (0, 1, 1, 2)
    assert changed.embedded == counting.passages == 1, "only the edited article is embedded"
    assert changed.generation != first.generation
    assert engine.ask("修复工程耗资多少？").answer == "五百万元"
    assert not any(h.chunk.article_id == "w2" for h in engine.search("图书馆的馆长是谁？")), "w2 was removed"
    assert {a.id for a in engine.index.articles()} == {SAMPLE.name, "w1", "e1"}
    assert engine.stats().chunks == changed.chunks

    # Another process sees the same index (the Milvus one through the alias and the revision).
    reopened = _engine(tmp_path, embedder, store)
    assert reopened.index.generation == changed.generation
    assert reopened.ask("修复工程耗资多少？").answer == "五百万元"

    full = engine.reindex(full=True)
    assert full.full and full.generation != changed.generation and full.chunks == changed.chunks
    assert engine.ask("Who cut the ribbon at the bridge?").answered


def _same_ranking(local: Engine, milvus: Engine, questions: list[str]) -> None:
    for question in questions:
        want = local.search(question, k=8)
        got = milvus.search(question, k=8)
        assert want, question
        assert [(h.chunk.article_id, h.chunk.ord) for h in got] == [(h.chunk.article_id, h.chunk.ord) for h in want]
        for a, b in zip(got, want, strict=True):
            assert a.score == pytest.approx(b.score, abs=1e-4)
            assert a.dense == pytest.approx(b.dense, abs=1e-4)
            assert a.lexical == pytest.approx(b.lexical, rel=1e-4), "the same BM25: terms, k1, b and statistics"
        assert _rounded(milvus.ask(question).contract()) == _rounded(local.ask(question).contract())


def test_both_stores_rank_the_same(tmp_path: Path, embedder: object) -> None:
    """The same corpus through both stores gives the same chunks in the same order with the same scores."""
    data = _corpus(tmp_path)
    local = make_engine(tmp_path, embedder, store="local", index_dir=tmp_path / "local")
    milvus = make_engine(tmp_path, embedder, store="milvus", index_dir=tmp_path / "milvus")
    local.reindex()
    milvus.reindex()
    _same_ranking(local, milvus, [*QUESTIONS, "bridge repairs million", "开放"])
    # After an incremental reindex too (new rows must be scored with the whole collection's statistics).
    edited = dict(WIRE[0], text="暴雨过后，港口于周二重新开放。修复工程耗资五百万元。")
    write_jsonl(data / "wire.jsonl", [edited, WIRE[2], {"id": "n1", "title": "港口新闻", "text": "新码头今天开工。"}])
    local.reindex()
    milvus.reindex()
    _same_ranking(
        local, milvus, ["港口什么时候重新开放？", "修复工程耗资多少？", "Who cut the ribbon at the bridge?", "港口开放"]
    )


def test_failed_full_build_leaves_the_alias_serving(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _corpus(tmp_path)
    engine = _engine(tmp_path, embedder, "milvus")
    first = engine.reindex()
    store = engine.store
    assert isinstance(store, MilvusStore)
    before = store._collections()
    real_write = MilvusStore._write

    def dies_midway(self: MilvusStore, method: str, collection: str, rows: Any) -> None:
        if collection.endswith("_docs"):
            raise StoreUnavailable("cannot reach Milvus Lite (connection reset)")
        real_write(self, method, collection, rows)

    monkeypatch.setattr(MilvusStore, "_write", dies_midway)
    with pytest.raises(IndexWriteError, match="previous index keeps serving"):
        engine.reindex(full=True)
    monkeypatch.setattr(MilvusStore, "_write", real_write)
    assert store._collections() == before, "the half-built collection was dropped"
    fresh = _engine(tmp_path, embedder, "milvus")
    assert fresh.index.generation == first.generation
    assert fresh.ask("修复工程耗资多少？").answer == "四百万元"


def test_questions_are_answered_during_a_full_milvus_rebuild(tmp_path: Path, embedder: object) -> None:
    _corpus(tmp_path)
    engine = _engine(tmp_path, embedder, "milvus")
    engine.reindex()
    engine.refresh_interval = 0.0  # poll the alias on every question, as a second process would
    answers: list[str] = []
    failures: list[BaseException] = []
    done = threading.Event()

    def ask_loop() -> None:
        while not done.is_set() or len(answers) < 5:
            try:
                answers.append(engine.ask("修复工程耗资多少？").answer)
            except BaseException as exc:
                failures.append(exc)
                return

    asker = threading.Thread(target=ask_loop)
    asker.start()
    try:
        builder = _engine(tmp_path, embedder, "milvus")
        reports = [builder.reindex(full=True) for _ in range(2)]
    finally:
        done.set()
        asker.join(timeout=60)
    assert not failures, failures
    assert answers and set(answers) == {"四百万元"}, "every question during the rebuilds was answered"
    assert engine.index.generation == reports[-1].generation, "the asking engine followed the alias"


def test_transient_failures_are_retried(tmp_path: Path) -> None:
    from pymilvus.exceptions import MilvusUnavailableException

    class Flaky:
        calls = 0

        def list_aliases(self) -> dict[str, list[str]]:
            Flaky.calls += 1
            if Flaky.calls < 3:
                raise MilvusUnavailableException(message="server unavailable")
            return {"aliases": []}

    store = MilvusStore("http://milvus.invalid:19530", tmp_path, client_factory=Flaky)
    assert store.current() is None and Flaky.calls == 3


def test_refused_credentials_are_one_line_without_the_token(tmp_path: Path) -> None:
    from pymilvus.exceptions import MilvusException

    class Refusing:
        def list_aliases(self) -> dict[str, list[str]]:
            raise MilvusException(code=1800, message="auth check failure, please check username and password")

    store = MilvusStore("https://milvus.example.org:19530", tmp_path, token="root:s3cret", client_factory=Refusing)
    with pytest.raises(StoreUnavailable) as caught:
        store.load()
    message = str(caught.value)
    assert message == (
        "the Milvus server at https://milvus.example.org:19530 refused the credentials (NEWSBOT_MILVUS_TOKEN); "
        "the index there is untouched"
    )


def test_bm25_terms_survive_either_analyzer() -> None:
    assert bm25_terms(["港口", "3.5", "covid-19", "open"]) == "港口 3_5 covid_19 open"


def test_unreachable_server_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSBOT_STORE", "milvus")
    monkeypatch.setenv("NEWSBOT_MILVUS_URI", "http://admin:hunter2@127.0.0.1:9")
    monkeypatch.setenv("NEWSBOT_MILVUS_TOKEN", "s3cret-token")
    monkeypatch.setattr("retrieval.milvus_store.BACKOFF", 0.01)
    assert main(["stats"]) == 1
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsbot: error: cannot reach the Milvus server at"), err
    assert "127.0.0.1:9" in err and "hunter2" not in err and "s3cret" not in err and "Traceback" not in err
    assert redact("https://u:p@host:19530/db") == "https://host:19530/db"


@pytest.mark.parametrize("store", STORES)
def test_stats_name_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], store: str
) -> None:
    data = tmp_path / "articles"
    write_jsonl(data / "wire.jsonl", WIRE[:1])
    monkeypatch.setenv("NEWSBOT_STORE", store)
    assert main(["reindex"]) == 0
    capsys.readouterr()
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    if store == "local":
        assert f"store: local {tmp_path / 'index'}" in out
    else:
        assert f"store: milvus lite {tmp_path / 'index' / 'milvus.db'}, alias newsbot → collection newsbot_" in out
    assert "articles: 1" in out


def test_bot_replies_politely_when_milvus_is_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.service import ChatService, Incoming
    from tests.botfixtures import ADMIN_ID, USER_ID, make_settings

    monkeypatch.setattr("retrieval.milvus_store.BACKOFF", 0.01)
    settings = make_settings(
        tmp_path, store="milvus", milvus_uri="http://127.0.0.1:9", milvus_token="root:s3cret-token"
    )
    service = ChatService(Engine(settings), settings)
    (reply,) = service.handle(
        Incoming(user_id=USER_ID, text="When did the port reopen?", is_admin=False, language_code="en")
    )
    assert "cannot be reached right now" in reply.html
    (stats,) = service.handle(Incoming(user_id=ADMIN_ID, text="/stats", is_admin=True, language_code="en"))
    assert "cannot reach the Milvus server at http://127.0.0.1:9" in stats.html
    assert "s3cret" not in reply.html + stats.html and "Traceback" not in stats.html


def test_an_interrupted_milvus_update_is_redone_by_the_next_reindex(
    tmp_path: Path, embedder: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _corpus(tmp_path)
    engine = _engine(tmp_path, embedder, "milvus-in-place")
    first = engine.reindex()
    write_jsonl(data / "wire.jsonl", [dict(WIRE[0], text="暴雨过后，港口于周二重新开放。修复工程耗资五百万元。")])
    real_call = MilvusStore.call

    def dies_before_the_commit(self: MilvusStore, method: str, *args: Any, **kwargs: Any) -> Any:
        if method == "upsert" and args[1][0].get("kind") == "head":  # everything else of the update is written
            raise StoreUnavailable("cannot reach Milvus Lite (connection reset)")
        return real_call(self, method, *args, **kwargs)

    monkeypatch.setattr(MilvusStore, "call", dies_before_the_commit)
    with pytest.raises(StoreUnavailable):
        engine.reindex()
    monkeypatch.setattr(MilvusStore, "call", real_call)
    before = _engine(tmp_path, embedder, "milvus")
    assert before.index.generation == first.generation, "the old manifest and revision still serve"
    assert {a.id for a in before.index.articles()} == {SAMPLE.name, "w1", "w2", "e1"}
    again = engine.reindex()
    assert (again.changed, again.removed) == (1, 2) and again.generation != first.generation
    fresh = _engine(tmp_path, embedder, "milvus")
    assert fresh.ask("修复工程耗资多少？").answer == "五百万元"
    assert {a.id for a in fresh.index.articles()} == {SAMPLE.name, "w1"}
    assert fresh.stats().chunks == again.chunks


def test_a_missing_collection_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_jsonl(tmp_path / "articles" / "wire.jsonl", WIRE[:1])
    monkeypatch.setenv("NEWSBOT_STORE", "milvus")
    assert main(["reindex"]) == 0
    engine = Engine(Settings())
    store = engine.store
    assert isinstance(store, MilvusStore)
    serving = store.serving_collection()
    store.call("drop_collection", f"{serving}_docs")  # e.g. dropped by hand on the server
    store.call("release_collection", serving)
    capsys.readouterr()
    assert main(["stats"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"newsbot: error: the index collection is missing in Milvus Lite at {tmp_path / 'index' / 'milvus.db'}; "
        "run `newsbot reindex --full`"
    ]
    assert main(["reindex", "--full"]) == 0, "a full reindex repairs it"
    capsys.readouterr()
    assert main(["stats"]) == 0 and "articles: 1" in capsys.readouterr().out
