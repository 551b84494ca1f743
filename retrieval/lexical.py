"""Lexical side of retrieval: jieba search-mode tokens with stopwords, and a BM25 index from bm25s."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from sys import intern
from typing import Protocol

import bm25s
import jieba
import numpy as np

from retrieval.text import stem_en, stopwords, to_simplified

_WORD = re.compile(r"\w", re.UNICODE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
_LATIN = re.compile(r"[a-z]+")

jieba.setLogLevel(logging.WARNING)
logging.getLogger("bm25s").setLevel(logging.WARNING)


def tokenize(text: str) -> list[str]:
    """BM25 tokens: jieba search-mode words, lower-cased, without stopwords or punctuation, plus CJK bigrams.

    Character bigrams catch names and terms that jieba's dictionary splits differently in question and passage;
    measured on the zh QA benchmark they lift top-5 context recall from 0.988 to 0.994 (docs/results.md "Results").
    Traditional characters are folded to Simplified first (OpenCC), so either script finds the other.
    Latin words are Snowball-stemmed (PyStemmer, the stemmer bm25s recommends) so "replace" finds "replaces".
    Tokens are interned: a build holds every chunk's token list at once, and one shared string per distinct token
    instead of one per occurrence cut that from ~18 KB to ~10 KB per chunk on 500 chunks (less at scale).
    """
    stop = stopwords("index")
    text = to_simplified(text.lower())
    tokens: list[str] = []
    for token in jieba.cut_for_search(text):
        token = token.strip()
        if not token or token in stop or not _WORD.search(token):
            continue
        tokens.append(intern(stem_en(token) if _LATIN.fullmatch(token) else token))
    for run in _CJK_RUN.findall(text):
        tokens.extend(intern(run[i : i + 2]) for i in range(len(run) - 1) if run[i : i + 2] not in stop)
    return tokens


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    """tokenize() over many texts."""
    return [tokenize(t) for t in texts]


# Bump when tokenize() changes (dictionary, stopwords, bigrams), so cached token lists are not reused.
TOKENIZER_VERSION = 3


class TokenStore(Protocol):
    """Somewhere to keep token lists by key (EmbeddingCache implements it in the same SQLite file)."""

    def get_tokens(self, keys: Sequence[str]) -> dict[str, list[str]]: ...

    def put_tokens(self, items: Sequence[tuple[str, list[str]]]) -> None: ...


def token_key(text: str) -> str:
    return hashlib.sha256(f"tok{TOKENIZER_VERSION}\x00{text}".encode()).hexdigest()


def tokenize_cached(texts: Sequence[str], store: TokenStore | None) -> list[list[str]]:
    """tokenize() over many texts, reusing token lists stored for identical text (jieba is ~1.5 ms per chunk)."""
    if store is None:
        return tokenize_many(texts)
    keys = [token_key(t) for t in texts]
    found = store.get_tokens(keys)
    out: list[list[str]] = []
    fresh: dict[str, list[str]] = {}
    for key, text in zip(keys, texts, strict=True):
        tokens = found.get(key)
        if tokens is None:
            tokens = fresh.get(key)
            if tokens is None:
                tokens = fresh[key] = tokenize(text)
        out.append(tokens)
    if fresh:
        store.put_tokens(list(fresh.items()))
    return out


class LexicalIndex:
    """A BM25 index (bm25s, saved as numpy arrays and JSON, no pickle) over pre-tokenised documents."""

    def __init__(self, retriever: object, size: int) -> None:
        self._retriever = retriever
        self._size = size
        self._vocab: dict[str, int] = getattr(retriever, "vocab_dict", {}) or {}

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> LexicalIndex:
        # k1/b are BM25's usual defaults; "lucene" scoring is bm25s's default and the best documented variant.
        retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        if documents:
            retriever.index([list(d) for d in documents], show_progress=False)
        return cls(retriever, len(documents))

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        if size == 0:
            return cls.build([])
        retriever = bm25s.BM25.load(str(directory), mmap=False, allow_pickle=False, show_progress=False)
        return cls(retriever, size)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        if self._size:
            self._retriever.save(str(directory), allow_pickle=False, show_progress=False)  # type: ignore[attr-defined]

    def __len__(self) -> int:
        return self._size

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros when no query token is in the vocabulary)."""
        known = [t for t in query_tokens if t in self._vocab]
        if not self._size or not known:
            return np.zeros(self._size, dtype=np.float32)
        result = self._retriever.get_scores(known)  # type: ignore[attr-defined]
        return np.asarray(result, dtype=np.float32)


def is_cjk(text: str) -> bool:
    """Whether text contains any CJK ideograph."""
    return _CJK.search(text) is not None
