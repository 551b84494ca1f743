"""Part-of-speech tags (jieba.posseg) per sentence: computed once at build time, kept beside the index, looked up.

Tagging is the slowest step of reading a sentence (jieba's HMM finds unknown names, ~1–2 ms a sentence), and every
answer reads the sentences of its top passages. Index builds tag each article sentence once (in the form the answer
layer reads it: Simplified, lower-cased) and store the tags in the index's cache database, keyed by a hash of the
text and the tagger's version; an engine attaches that database when it loads an index, and `pos_tokens` answers
from it, tagging only what it has never seen (questions, text outside the index).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import jieba
import jieba.posseg as pseg

jieba.setLogLevel(60)  # silence "Building prefix dict" on stderr

log = logging.getLogger(__name__)

# Bumped when the tags of the same text could differ (a new jieba, a user dictionary): old rows are then ignored.
TAGGER_VERSION = f"1:{getattr(jieba, '__version__', '?')}"
Tags = tuple[tuple[str, str], ...]
_SEP = "\x1f"  # between words in the stored form
_FLAG = "\x1e"  # between a word and its flag


def tag(text: str) -> Tags:
    """(word, POS flag) pairs from jieba.posseg, computed now."""
    return tuple((p.word, p.flag) for p in pseg.cut(text))


def tag_key(text: str) -> str:
    return hashlib.sha256(f"pos{TAGGER_VERSION}\x00{text}".encode()).hexdigest()[:32]


def encode(tags: Tags) -> str:
    return _SEP.join(f"{w}{_FLAG}{f}" for w, f in tags)


def decode(stored: str) -> Tags:
    if not stored:
        return ()
    return tuple((w, f) for w, _, f in (part.partition(_FLAG) for part in stored.split(_SEP)))


class TagStore(Protocol):
    """Where build-time tags are kept (the index's cache database)."""

    def get_tags(self, keys: Sequence[str]) -> dict[str, str]: ...

    def put_tags(self, items: Sequence[tuple[str, str]]) -> None: ...


def tag_all(texts: Iterable[str], store: TagStore) -> int:
    """Tag every text the store does not hold yet; returns how many were tagged now."""
    # Texts holding the stored form's separators are left to on-the-fly tagging (articles never do: normalised).
    todo = {tag_key(t): t for t in dict.fromkeys(texts) if t and _SEP not in t and _FLAG not in t}
    keys = list(todo)
    have: set[str] = set()
    for i in range(0, len(keys), 5000):
        have.update(store.get_tags(keys[i : i + 5000]))
    fresh = [(k, t) for k, t in todo.items() if k not in have]
    for i in range(0, len(fresh), 2000):
        store.put_tags([(k, encode(tag(t))) for k, t in fresh[i : i + 2000]])
    return len(fresh)


class _Reader:
    """A read-only view of a cache database's tags table, shared by the threads of one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def get(self, text: str) -> Tags | None:
        with self._lock:
            row = self._db.execute("SELECT tags FROM tags WHERE key = ?", (tag_key(text),)).fetchone()
        return None if row is None else decode(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


_reader: _Reader | None = None
_reader_lock = threading.Lock()


def attach(path: Path | None) -> None:
    """Answer pos_tokens from the tags stored in this cache database (None detaches); a missing or unreadable
    database only means tagging on the fly."""
    global _reader
    with _reader_lock:
        if _reader is not None and path is not None and _reader.path == path:
            return
        old, _reader = _reader, None
        if old is not None:
            old.close()
        if path is None or not path.exists():
            return
        try:
            reader = _Reader(path)
            reader.get("")  # fails now, not per question, when the table is missing or the file unreadable
        except sqlite3.Error as exc:
            log.info("stored POS tags not used (%s): tagging on the fly", exc)
            return
        _reader = reader


@lru_cache(maxsize=65536)
def pos_tokens(text: str) -> Tags:
    """(word, POS flag) pairs of a text: the stored build-time tags when there are some, else jieba now."""
    reader = _reader
    if reader is not None:
        try:
            found = reader.get(text)
        except sqlite3.Error:
            found = None
        if found is not None:
            return found
    return tag(text)
