"""The ONNX embedding backend: CPU checks, offline export, fusion, int8 quantisation and the onnxruntime embedder."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.embedding import MINILM, PrefixedEmbedder, _read_card, card_languages, resolve_model
from retrieval.errors import ConfigError

log = logging.getLogger(__name__)


def cpu_flags() -> frozenset[str]:
    """The CPU's instruction-set flags from /proc/cpuinfo (empty where it cannot be read, e.g. not Linux)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def int8_instructions(flags: frozenset[str] | None = None) -> str | None:
    """The best int8 instruction set onnxruntime can use here: "avx512_vnni", "avx2" or None."""
    flags = cpu_flags() if flags is None else flags
    if "avx512_vnni" in flags or "avx_vnni" in flags:
        return "avx512_vnni"
    if "avx2" in flags:
        return "avx2"
    return None


def default_onnx_cache() -> Path:
    """Where exported ONNX models go when no index dir is given: $XDG_CACHE_HOME/newsbot/onnx or ~/.cache/..."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsbot" / "onnx"


def onnx_cache_dir(index_dir: Path) -> Path:
    """Exported ONNX models: one per machine under ~/.cache (shared by every index), else under the index dir."""
    shared = default_onnx_cache()
    try:
        shared.mkdir(parents=True, exist_ok=True)
        if os.access(shared, os.W_OK):
            return shared
    except OSError:
        pass
    return index_dir / "cache" / "onnx"


_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
ONNX_EXPORT_VERSION = 2  # bump when the export recipe changes, so cached files are rebuilt


def _model_fingerprint(location: str) -> str:
    """Identifies a local model's files (names, sizes, mtimes) plus the export recipe version."""
    digest = hashlib.sha256(f"v{ONNX_EXPORT_VERSION}\x00{Path(location).resolve()}".encode())
    for path in sorted(Path(location).rglob("*")):
        if path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(location)}\x00{stat.st_size}\x00{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def export_onnx(location: str, target: Path) -> None:
    """Export the sentence-transformers model at location (transformer + pooling + normalise) to target.

    Runs torch once; the graph takes input_ids/attention_mask/token_type_ids and returns unit sentence vectors.
    Written aside and renamed into place, so concurrent processes never read a half-written file.
    """
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:  # eager attention exports as plain MatMul/Softmax, which onnxruntime fuses into its Attention kernel
        model = SentenceTransformer(location, device="cpu", model_kwargs={"attn_implementation": "eager"}).eval()
    except (TypeError, ValueError):
        model = SentenceTransformer(location, device="cpu").eval()

    class _Graph(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            features = {"input_ids": input_ids, "attention_mask": attention_mask, "token_type_ids": token_type_ids}
            out = self.model(features)["sentence_embedding"]
            return torch.nn.functional.normalize(out, p=2.0, dim=1)

    sample = model.tokenizer(["示例 text", "x"], padding=True, return_tensors="pt")
    args = tuple(sample.get(name, torch.zeros_like(sample["input_ids"])) for name in _ONNX_INPUTS)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Graph().eval(),
            args,
            str(tmp),
            input_names=list(_ONNX_INPUTS),
            output_names=["sentence_embedding"],
            dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in _ONNX_INPUTS}, "sentence_embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, target)


def optimize_onnx(location: str, source: Path, target: Path) -> bool:
    """Fuse attention, GELU and layer norms with onnxruntime's transformer optimizer; False if it cannot.

    Measured on the zh QA benchmark's chunks: the fused int8 graph ran 1.5-1.8× torch where the unfused one ran
    1.2-1.45× (2-core Xeon with AVX-512 VNNI; noisy shared machine, see docs/performance.md).
    """
    import json

    try:
        from onnxruntime.transformers import optimizer

        config = json.loads((Path(location) / "config.json").read_text(encoding="utf-8"))
        model_type = config.get("model_type")
        if model_type not in ("bert", "distilbert"):  # the fusions verified here; others run unfused
            return False
        optimized = optimizer.optimize_model(
            str(source),
            model_type=model_type,
            num_heads=int(config.get("num_attention_heads", 0)),
            hidden_size=int(config.get("hidden_size", 0)),
        )
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        optimized.save_model_to_file(str(tmp))
        os.replace(tmp, target)
        return True
    except Exception as exc:  # an optimisation, never a reason to fail: the plain export still works
        log.info("onnxruntime transformer optimisation skipped: %s: %s", type(exc).__name__, exc)
        return False


def quantize_onnx(source: Path, target: Path, instructions: str) -> None:
    """Dynamic int8 quantisation of source's weights (activations quantised at run time) into target.

    Per-channel weight scales (measured: cosine to fp32 0.986 vs 0.88 per-tensor on benchmark chunks). With VNNI,
    full-range int8 weights; with AVX2 only, 7-bit weights (reduce_range) because the u8s8 multiply
    without VNNI can saturate (onnxruntime's quantisation docs).
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    import onnx

    quantize_dynamic(
        str(source),
        str(tmp),
        weight_type=QuantType.QInt8,
        per_channel=True,
        reduce_range=instructions != "avx512_vnni",
        # fused ops (com.microsoft domain) defeat shape inference; their outputs are float
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    os.replace(tmp, target)


class OnnxEmbedder(PrefixedEmbedder):
    """The same sentence-transformers network run by onnxruntime (fp32, or int8 with quantize=True).

    Needs only onnxruntime and tokenizers at query time: torch is imported only to export the model the first
    time (into cache_dir, keyed by the model files' fingerprint).
    """

    def __init__(
        self,
        model: str = MINILM,
        query_prefix: str = "",
        passage_prefix: str = "",
        quantize: bool = False,
        cache_dir: Path | None = None,
        batch_size: int = 64,
        threads: int = 0,
    ) -> None:
        location, local = resolve_model(model)
        if not local:
            raise ConfigError(f"the ONNX backend needs a local model directory; {model!r} is not one")
        import onnxruntime as ort
        from tokenizers import Tokenizer

        instructions = int8_instructions() if quantize else None
        if quantize and instructions is None:
            raise ConfigError("int8 ONNX needs AVX-512 VNNI or AVX2; use NEWSBOT_EMBEDDING_BACKEND=onnx or torch")
        folder = (cache_dir or default_onnx_cache()) / _model_fingerprint(location)
        exported = folder / "model.onnx"
        fp32 = folder / "model-opt.onnx"
        try:
            if not exported.is_file():
                log.info("exporting %s to ONNX in %s", model, folder)
                export_onnx(location, exported)
            if not fp32.is_file() and not optimize_onnx(location, exported, fp32):
                fp32 = exported
            path = fp32
            if quantize:
                path = folder / f"model-int8-{instructions}.onnx"
                if not path.is_file():
                    quantize_onnx(fp32, path, str(instructions))
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError(f"cannot export {model!r} to ONNX: {type(exc).__name__}: {exc}") from exc
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._wanted = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(Path(location) / "tokenizer.json"))
        max_len = 512
        try:
            import json

            config = json.loads((Path(location) / "sentence_bert_config.json").read_text(encoding="utf-8"))
            max_len = int(config.get("max_seq_length") or max_len)
        except (OSError, ValueError):
            pass
        self._tokenizer.enable_truncation(max_length=max_len)
        self._tokenizer.no_padding()
        self.path = path
        self.backend = "onnx-int8" if quantize else "onnx"
        self._name = model
        self._languages = card_languages(_read_card(location, local))
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        self._batch_size = batch_size
        self._dimension = int(self._encode(["x"]).shape[1])

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(list(texts))
        # Batches of similar length waste less work on padding (sentence-transformers sorts the same way).
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out: np.ndarray | None = None
        for start in range(0, len(order), self._batch_size):
            batch = [encodings[int(i)] for i in order[start : start + self._batch_size]]
            width = max(len(e.ids) for e in batch)
            feeds = {name: np.zeros((len(batch), width), dtype=np.int64) for name in _ONNX_INPUTS}
            for row, enc in enumerate(batch):
                n = len(enc.ids)
                feeds["input_ids"][row, :n] = enc.ids
                feeds["attention_mask"][row, :n] = 1
                feeds["token_type_ids"][row, :n] = enc.type_ids
            vectors = self._session.run(None, {k: v for k, v in feeds.items() if k in self._wanted})[0]
            if out is None:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[order[start : start + self._batch_size]] = vectors
        return out if out is not None else np.zeros((0, getattr(self, "_dimension", 0)), dtype=np.float32)
