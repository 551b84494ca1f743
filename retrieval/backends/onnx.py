"""The ONNX backends: a sentence-transformers model exported to ONNX (fp32) or int8-quantised, under onnxruntime."""

from __future__ import annotations

import importlib.util

from retrieval.embedding import Embedder, SentenceTransformersBackend, effective_prefixes, model_problem
from retrieval.registry import ModelRequest


class OnnxBackend(SentenceTransformersBackend):
    """Same models and vector space as torch; where onnxruntime or the CPU's int8 instructions are missing, the
    engine falls back to torch with a warning (`fallback`)."""

    fallback = "torch"

    def __init__(self, quantize: bool) -> None:
        self.quantize = quantize
        self.name = "onnx-int8" if quantize else "onnx"

    def problem(self, request: ModelRequest) -> str | None:
        return model_problem(request.model) or self.unavailable()

    def unavailable(self, flags: frozenset[str] | None = None) -> str | None:
        """Why onnxruntime cannot run this backend here (missing package or CPU instructions), or None."""
        for module in ("onnxruntime", "onnx") if self.quantize else ("onnxruntime",):
            if importlib.util.find_spec(module) is None:
                return f"{module} is not installed (pip install 'newsbot[onnx]')"
        from retrieval.onnx_backend import int8_instructions

        if self.quantize and int8_instructions(flags) is None:
            return "the CPU has neither AVX-512 VNNI nor AVX2 for int8 inference"
        return None

    def identity(self, request: ModelRequest) -> str:
        return f"{self.space(request)}|{self.name}"  # int8 vectors differ slightly; fp32 to ~1e-6, kept apart too

    def load(self, request: ModelRequest) -> Embedder:
        from retrieval.onnx_backend import OnnxEmbedder

        query, passage = effective_prefixes(request)
        return OnnxEmbedder(
            request.model,
            query_prefix=query,
            passage_prefix=passage,
            quantize=self.quantize,
            cache_dir=request.cache_dir,
        )


FP32 = OnnxBackend(quantize=False)
INT8 = OnnxBackend(quantize=True)
