"""Small builders shared by the core tests: article files and engines on tmp directories."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.config import Settings
from retrieval.engine import Engine


class CountingEmbedder:
    """Wraps an embedder and counts the passages it is asked to embed."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.passages = 0
        self.queries = 0

    @property
    def name(self) -> str:
        return self.inner.name  # type: ignore[attr-defined,no-any-return]

    @property
    def dimension(self) -> int:
        return self.inner.dimension  # type: ignore[attr-defined,no-any-return]

    @property
    def languages(self) -> frozenset[str] | None:
        return self.inner.languages  # type: ignore[attr-defined,no-any-return]

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.queries += len(texts)
        return self.inner.encode_queries(texts)  # type: ignore[attr-defined,no-any-return]

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.passages += len(texts)
        return self.inner.encode_passages(texts)  # type: ignore[attr-defined,no-any-return]


def write_jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def make_engine(tmp_path: Path, embedder: object, **overrides: object) -> Engine:
    paths: dict[str, object] = {"data_dir": tmp_path / "articles", "index_dir": tmp_path / "index"}
    settings = Settings(**{**paths, **overrides})  # type: ignore[arg-type]
    return Engine(settings, embedder=embedder)  # type: ignore[arg-type]


def indexed_engine(root: Path, articles: list[dict[str, object]], embedder: object) -> Engine:
    """An engine over these JSON Lines articles, indexed under root."""
    write_jsonl(root / "articles" / "news.jsonl", articles)
    built = make_engine(root, embedder)
    built.reindex()
    return built
