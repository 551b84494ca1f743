"""POS tags: tagged once at build time, stored beside the index, read back when answering."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from helpers import make_engine, write_jsonl

from retrieval import tagging
from retrieval.reading import reading_forms

TEXT = "新华社北京3月5日电。国务院总理在人民大会堂作政府工作报告，代表们认真审议。"


class DictStore:
    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.puts = 0

    def get_tags(self, keys: Sequence[str]) -> dict[str, str]:
        return {k: self.rows[k] for k in keys if k in self.rows}

    def put_tags(self, items: Sequence[tuple[str, str]]) -> None:
        self.puts += len(items)
        self.rows.update(items)


@pytest.fixture(autouse=True)
def _detached() -> Iterator[None]:
    tagging.attach(None)
    tagging.pos_tokens.cache_clear()
    yield
    tagging.attach(None)
    tagging.pos_tokens.cache_clear()


def test_stored_form_round_trips_and_known_text_is_not_tagged_twice() -> None:
    store = DictStore()
    forms = reading_forms(TEXT)
    assert len(forms) == 2
    assert tagging.tag_all(forms + forms, store) == 2
    assert tagging.tag_all(forms, store) == 0  # already stored: nothing tagged again
    assert store.puts == 2
    for f in forms:
        assert tagging.decode(store.rows[tagging.tag_key(f)]) == tagging.tag(f)


def test_reindex_stores_tags_and_answering_reads_them(tmp_path: Path, embedder: object) -> None:
    write_jsonl(tmp_path / "articles" / "a.jsonl", [{"id": "a", "title": "报告", "text": TEXT}])
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    db = engine.store.cache_path
    forms = reading_forms(TEXT)
    with sqlite3.connect(db) as con:
        for f in forms:
            (stored,) = con.execute("SELECT tags FROM tags WHERE key = ?", (tagging.tag_key(f),)).fetchone()
            assert tagging.decode(stored) == tagging.tag(f)
        # Replace one sentence's tags with a marker: the answer layer must read the stored row, not re-tag.
        con.execute("UPDATE tags SET tags = ? WHERE key = ?", ("标记\x1etest", tagging.tag_key(forms[0])))
    tagging.pos_tokens.cache_clear()
    assert tagging.pos_tokens(forms[0]) == (("标记", "test"),)
    assert tagging.pos_tokens("没有存过的句子") == tagging.tag("没有存过的句子")  # unknown text: tagged now


def test_a_cache_without_tags_means_tagging_on_the_fly(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    sqlite3.connect(db).execute("CREATE TABLE vectors (key TEXT PRIMARY KEY)").connection.close()
    tagging.attach(db)  # an index built before tags were stored: no table, no error
    assert tagging.pos_tokens("人民大会堂") == tagging.tag("人民大会堂")


def test_a_reindex_tags_new_articles_and_a_full_one_tags_all(tmp_path: Path, embedder: object) -> None:
    write_jsonl(tmp_path / "articles" / "a.jsonl", [{"id": "a", "title": "报告", "text": TEXT}])
    engine = make_engine(tmp_path, embedder)
    engine.reindex()
    first = tagging.tag_key(reading_forms(TEXT)[0])
    with sqlite3.connect(engine.store.cache_path) as con:
        con.execute("DELETE FROM tags WHERE key = ?", (first,))
    more = "青石镇位于山区。全镇海拔500米至900米。"
    write_jsonl(tmp_path / "articles" / "b.jsonl", [{"id": "b", "title": "青石镇", "text": more}])
    engine.reindex()  # one new article: only its sentences are read and tagged

    def stored(key: str) -> bool:
        with sqlite3.connect(engine.store.cache_path) as con:
            return con.execute("SELECT 1 FROM tags WHERE key = ?", (key,)).fetchone() is not None

    assert all(stored(tagging.tag_key(f)) for f in reading_forms(more))
    assert not stored(first)  # the unchanged article was not read again
    engine.reindex(full=True)
    assert stored(first)
