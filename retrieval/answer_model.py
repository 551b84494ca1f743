"""The learned answer models (LightGBM text files shipped in the package) and the answer layer's configuration."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.reading import KIND_IDS, SENTENCE_FEATURES, SPAN_FEATURES, Prepared, Span

MODEL_VERSION = 1
MODEL_DIR = "resources/answer_model"
SENTENCES_FOR_SPANS = 3  # best-ranked sentences whose spans compete; more finds more answers but costs time

ANSWERABILITY_FEATURES = (
    "question_kind",
    "question_en",
    "question_terms",
    "missing_share",
    "best_sentence_score",
    "sentence_margin",
    "best_coverage",
    "best_bigram_overlap",
    "best_lcs_share",
    "best_anchor_share",
    "best_hit_lexical_rel",
    "best_span_score",
    "span_margin",
    "span_entity_expected",
    "span_left_match",
    "span_right_match",
    "span_chars",
    "span_chars_in_question",
    "sentences",
)


def answerability_features(p: Prepared, spans: list[Span]) -> list[float]:
    """Question-level evidence for the answerability model (ANSWERABILITY_FEATURES order)."""
    sents = sorted(p.sentences, key=lambda s: -s.score)
    best = sents[0] if sents else None
    second = sents[1].score if len(sents) > 1 else (best.score - 1 if best else 0.0)
    ranked = sorted(spans, key=lambda s: -s.score)
    top = ranked[0] if ranked else None
    span_second = ranked[1].score if len(ranked) > 1 else (top.score - 1 if top else 0.0)
    sf = best.features if best else [0.0] * len(SENTENCE_FEATURES)
    pf = top.features if top else [0.0] * len(SPAN_FEATURES)
    s_at = SENTENCE_FEATURES.index
    p_at = SPAN_FEATURES.index
    return [
        float(KIND_IDS.get(p.question.kind, 0)),
        float(p.question.lang == "en"),
        float(len(p.weights)),
        p.missing,
        best.score if best else -10.0,
        (best.score - second) if best else 0.0,
        sf[s_at("coverage")],
        sf[s_at("bigram_overlap")],
        sf[s_at("lcs_share")],
        sf[s_at("anchor_share")],
        sf[s_at("hit_lexical_rel")],
        top.score if top else -10.0,
        (top.score - span_second) if top else 0.0,
        pf[p_at("entity_expected")],
        pf[p_at("left_match")],
        pf[p_at("right_match")],
        pf[p_at("chars")],
        pf[p_at("chars_in_question")],
        float(len(sents)),
    ]


@dataclass(frozen=True)
class AnswerConfig:
    """Every remaining knob of the answer layer, named, with its trade-off."""

    # Refuse when the answerability model's probability is below this. Chosen by training (meta.json) so that at
    # most 5% of answerable questions are refused out of fold; lower answers more and refuses fewer unanswerables.
    refusal_threshold: float = 0.5
    # Sentences whose spans compete for the answer.
    sentences_for_spans: int = SENTENCES_FOR_SPANS
    # Extra evidence sentences quoted after the answer's own, if the sentence model scores them this close.
    evidence_margin: float = 1.0
    evidence_extra: int = 2
    # Span scoring in two stages: the span model's first `shortlist_trees` trees score every candidate, the
    # `span_shortlist` best are scored by all its trees. A sentence has hundreds of candidates and scoring is linear
    # in trees x rows; measured on 500 training questions, 80 trees and 20 candidates picked the same answer as the
    # whole model 99.6% of the time at about a quarter of the time. 0 scores every candidate with every tree.
    span_shortlist: int = 30
    shortlist_trees: int = 80


class AnswerModel:
    """The three boosters and their metadata, loaded once per process; prediction is single-threaded (a
    question's few hundred rows gain nothing from threads, and OpenMP threads slow down on a busy machine)."""

    def __init__(self, directory: Path | None = None) -> None:
        import lightgbm as lgb

        base = Path(str(resources.files("retrieval").joinpath(MODEL_DIR))) if directory is None else directory
        self.meta: dict[str, Any] = json.loads((base / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("version") != MODEL_VERSION:
            raise ValueError(f"answer model version {self.meta.get('version')} != {MODEL_VERSION}: retrain it")
        feats = self.meta["features"]
        if feats["sentence"] != list(SENTENCE_FEATURES) or feats["span"] != list(SPAN_FEATURES):
            raise ValueError("answer model features differ from the code's: retrain it (newsbot train)")
        self.sentence = lgb.Booster(model_file=str(base / "sentence.txt"))
        self.span = lgb.Booster(model_file=str(base / "span.txt"))
        self.answerable = lgb.Booster(model_file=str(base / "answerable.txt"))
        self.config = AnswerConfig(refusal_threshold=float(self.meta["refusal_threshold"]))
        self._lock = threading.Lock()

    def _predict(self, booster: Any, rows: list[list[float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        with self._lock:
            return np.asarray(booster.predict(np.asarray(rows, dtype=np.float64), num_threads=1))

    def score_sentences(self, p: Prepared) -> None:
        for s, sc in zip(p.sentences, self._predict(self.sentence, [s.features for s in p.sentences]), strict=True):
            s.score = float(sc)

    def score_spans(self, spans: list[Span]) -> None:
        """Score candidates (see AnswerConfig.span_shortlist); the shortlist's scores are the whole model's, the
        others rank below them in their first-stage order."""
        if not spans:
            return
        rows = np.asarray([sp.features for sp in spans], dtype=np.float64)
        k, trees = self.config.span_shortlist, self.config.shortlist_trees
        with self._lock:
            if k <= 0 or len(spans) <= k or trees >= self.span.num_trees():
                scores = np.asarray(self.span.predict(rows, num_threads=1))
            else:
                scores = np.asarray(self.span.predict(rows, num_iteration=trees, num_threads=1))
                top = np.argsort(-scores, kind="stable")[:k]
                full = np.asarray(self.span.predict(rows[top], num_threads=1))
                rest = np.ones(len(spans), dtype=bool)
                rest[top] = False
                scores[rest] += float(full.min()) - float(scores[rest].max()) - 1.0
                scores[top] = full
        for sp, sc in zip(spans, scores, strict=True):
            sp.score = float(sc)

    def p_answerable(self, p: Prepared, spans: list[Span]) -> float:
        return float(self._predict(self.answerable, [answerability_features(p, spans)])[0])

    @staticmethod
    def save(directory: Path, sentence: Any, span: Any, answerable: Any, meta: dict[str, Any]) -> None:
        """Write the three models as LightGBM text files and meta.json beside them."""
        directory.mkdir(parents=True, exist_ok=True)
        sentence.save_model(str(directory / "sentence.txt"))
        span.save_model(str(directory / "span.txt"))
        answerable.save_model(str(directory / "answerable.txt"))
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@cache
def default_model() -> AnswerModel:
    """The bundled model, loaded on first use."""
    return AnswerModel()
