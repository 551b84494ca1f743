"""Embedding backends: the setting and its validation, clean fallback to torch, ONNX fp32/int8 vectors."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

import retrieval.embedding as emb
from bot.cli import main
from retrieval.config import Settings
from retrieval.embedding import BACKENDS, backend_unavailable, make_embedder
from retrieval.onnx_backend import int8_instructions

HAS_ONNX = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason="onnxruntime/onnx not installed (pip install 'newsbot[onnx]')")
TEXTS = ["港口于周一重新开放。", "市图书馆新馆今天开放，共有藏书五十万册。", "The new bridge opened on Friday.", "x"]


def test_setting_is_validated_with_the_valid_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().embedding_backend in BACKENDS
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "ONNX-Int8")
    assert Settings().embedding_backend == "onnx-int8"
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "tensorrt")
    with pytest.raises(ValidationError, match="valid choices: torch, onnx, onnx-int8"):
        Settings()


def test_cli_names_the_valid_backends(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "gpu")
    assert main(["ask", "港口"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "embedding_backend" in err and "torch, onnx, onnx-int8" in err


def test_instruction_set_detection() -> None:
    assert int8_instructions(frozenset({"avx2", "avx512_vnni"})) == "avx512_vnni"
    assert int8_instructions(frozenset({"avx2", "sse4_2"})) == "avx2"
    assert int8_instructions(frozenset({"sse4_2"})) is None
    assert backend_unavailable("torch") is None
    with pytest.raises(Exception, match="valid choices"):
        backend_unavailable("tpu")


def test_int8_without_instructions_or_runtime_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    if HAS_ONNX:
        assert "AVX2" in str(backend_unavailable("onnx-int8", frozenset({"sse4_2"})))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a)
    )
    for backend in ("onnx", "onnx-int8"):
        assert "onnxruntime is not installed" in str(backend_unavailable(backend))


def test_unavailable_backend_falls_back_to_torch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(emb, "backend_unavailable", lambda backend, flags=None: "no onnxruntime here")
    with caplog.at_level(logging.WARNING, logger="retrieval.embedding"):
        embedder = make_embedder(backend="onnx-int8")
    assert getattr(embedder, "backend", None) == "torch"
    assert "onnx-int8 unavailable (no onnxruntime here); using torch" in caplog.text
    assert embedder.encode_queries(["港口"]).shape == (1, embedder.dimension)


@needs_onnx
def test_onnx_fp32_matches_torch_and_export_is_cached(tmp_path: Path, embedder: object) -> None:
    onnx = make_embedder(backend="onnx", cache_dir=tmp_path / "onnx")
    assert getattr(onnx, "backend", None) == "onnx"
    path = onnx.path  # type: ignore[attr-defined]
    mtime = path.stat().st_mtime_ns
    ref = embedder.encode_passages(TEXTS)  # type: ignore[attr-defined]
    got = onnx.encode_passages(TEXTS)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert (got * ref).sum(1).min() > 0.9999
    again = make_embedder(backend="onnx", cache_dir=tmp_path / "onnx")
    assert again.path == path and path.stat().st_mtime_ns == mtime  # type: ignore[attr-defined]
    assert onnx.encode_queries([]).shape[0] == 0


@needs_onnx
@pytest.mark.skipif(int8_instructions() is None, reason="CPU without AVX2 / AVX-512 VNNI")
def test_onnx_int8_is_close_to_torch(tmp_path: Path, embedder: object) -> None:
    int8 = make_embedder(backend="onnx-int8", cache_dir=tmp_path / "onnx")
    assert getattr(int8, "backend", None) == "onnx-int8"
    assert int8.path.name.startswith("model-int8-")  # type: ignore[attr-defined]
    ref = embedder.encode_passages(TEXTS)  # type: ignore[attr-defined]
    got = int8.encode_passages(TEXTS)
    assert (got * ref).sum(1).mean() > 0.95
    # Ranking survives: each text is still its own nearest neighbour among the torch vectors.
    assert list(np.argmax(got @ ref.T, axis=1)) == list(range(len(TEXTS)))
