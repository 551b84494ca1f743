"""Refusal from both answerers: a small LightGBM model over the span reader's margin, the trees' answerability
probability and how far their two answers agree, trained on their out-of-fold outputs (reader_training.py)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.evaluation import f1_score
from retrieval.reading import KIND_IDS
from retrieval.text import to_simplified

FEATURES = (
    "reader_margin",
    "trees_probability",
    "agreement_f1",
    "reader_in_trees",
    "trees_in_reader",
    "reader_chars",
    "trees_chars",
    "question_kind",
)
CATEGORICAL = [FEATURES.index("question_kind")]
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 7,
    "min_data_in_leaf": 20,
    "verbose": -1,
    "seed": 13,
    "num_threads": 1,
    "deterministic": True,
}
ROUNDS = 100


def features(margin: float, probability: float, reader: str, trees: str, kind: str) -> list[float]:
    """FEATURES for one question: the reader's best span (and its margin), the trees' best span (and probability)."""
    r, t = to_simplified(reader), to_simplified(trees)
    return [
        margin,
        probability,
        f1_score(r, [t]) if r and t else 0.0,
        float(bool(r) and r in t),
        float(bool(t) and t in r),
        float(len(r)),
        float(len(t)),
        float(KIND_IDS.get(kind, 0)),
    ]


def train(x: np.ndarray, y: np.ndarray) -> Any:
    import lightgbm as lgb

    return lgb.train(PARAMS, lgb.Dataset(x, y, categorical_feature=CATEGORICAL), ROUNDS)


class Stack:
    """The shipped refusal model (LightGBM text file), loaded once; predictions single-threaded under a lock."""

    def __init__(self, path: Path) -> None:
        import lightgbm as lgb

        self.booster = lgb.Booster(model_file=str(path))
        self._lock = threading.Lock()

    def probability(self, row: list[float]) -> float:
        with self._lock:
            return float(self.booster.predict(np.asarray([row], dtype=np.float64), num_threads=1)[0])
