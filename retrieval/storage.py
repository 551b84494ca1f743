"""The store interface: what search, answers and the engine need from an index, whichever store holds it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from retrieval.models import Article, Chunk, IndexManifest

# Called with a build phase's name when it ends ("index_vectors", "write", …): the engine times its phases with it.
Lap = Callable[[str], None]


class LexicalHits(Protocol):
    """BM25 candidates of one query: the best `pool` chunk ids with a positive score, best first."""

    ids: np.ndarray
    scores: np.ndarray

    def score(self, ids: np.ndarray) -> np.ndarray:
        """The BM25 score of any chunks by id (0 where no query token occurs)."""
        ...


class Index(Protocol):
    """One serving index: articles, chunks, BM25 and vectors as of one generation (read-only, thread-safe)."""

    generation: str
    manifest: IndexManifest
    articles_by_id: dict[str, Article]

    def article(self, article_id: str) -> Article: ...

    def articles(self) -> list[Article]: ...

    def chunks_of(self, article_id: str) -> list[Chunk]: ...

    @property
    def chunk_count(self) -> int: ...

    @property
    def index_type(self) -> str:
        """The dense index kind ("flat", "hnsw", …)."""
        ...

    def lexical(self, tokens: Sequence[str], pool: int) -> LexicalHits: ...

    def dense(self, query: np.ndarray, pool: int) -> np.ndarray:
        """Ids of the `pool` nearest chunks to a normalised query vector, nearest first."""
        ...

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosine between the query and the chunks with these ids."""
        ...

    def chunks_by_id(self, ids: np.ndarray) -> list[Chunk]: ...


@dataclass
class Build:
    """Everything one rebuild computed, in chunk order: what a store turns into a generation."""

    articles: list[Article]
    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray
    manifest: IndexManifest


class Store(Protocol):
    """Where generations live: built aside, switched atomically, loaded for serving.

    `current()` names the serving generation cheaply (the engine polls it to notice a switch made by another
    process); `replace` writes a complete generation and switches to it only once it is valid, so a failed build
    leaves the previous one serving. Stores that `updates_in_place` also apply changed and removed articles to
    the serving generation (`update`) instead of writing a new one.
    """

    kind: str
    updates_in_place: bool

    @property
    def lock_path(self) -> Path: ...

    @property
    def cache_path(self) -> Path: ...

    def describe(self) -> str:
        """Where the index lives, for stats and logs (never a secret)."""
        ...

    def current(self) -> str | None: ...

    def current_manifest(self) -> IndexManifest | None:
        """The serving generation's manifest when it is valid, else None (cheap: no chunks or vectors)."""
        ...

    def load(self) -> Index: ...

    def load_generation(self, name: str) -> Index: ...

    def replace(self, build: Build, lap: Lap) -> Index: ...

    def update(self, previous: Index, build: Build, removed: Sequence[str], lap: Lap) -> Index:
        """Apply `build` (the changed articles only, with the full new manifest) and drop `removed` articles."""
        ...

    def remove_temporary(self) -> None: ...

    def write_failure(self, exc: BaseException) -> str: ...
