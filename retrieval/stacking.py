"""Refusing and choosing with both answerers, trained on their out-of-fold outputs (reader_training.py): a small
LightGBM model that refuses (the span reader's margin, the trees' answerability probability, how far their two answers
agree) and one that picks the answer among the reader's span in each passage and the trees' top spans."""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.evaluation import f1_score
from retrieval.extract import ENTITY_FUNCS
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
    # Whether each answer is of the kind the question asks for (retrieval/extract.py's entity finders): the share of
    # its characters inside a person / place / org / date / number / title of the expected kinds; missing when the
    # question expects none.
    "reader_typed",
    "trees_typed",
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


def typed_share(answer: str, expected: Sequence[str]) -> float:
    """The share of an answer's characters inside entities of the expected kinds (NaN when none is expected)."""
    if not expected:
        return math.nan
    if not answer:
        return 0.0
    covered = np.zeros(len(answer), dtype=bool)
    for kind in expected:
        for sp in ENTITY_FUNCS[kind](answer):
            covered[sp.start : sp.end] = True
    return float(covered.mean())


def features(
    margin: float, probability: float, reader: str, trees: str, kind: str, expected: Sequence[str]
) -> list[float]:
    """FEATURES for one question: the reader's best span (and its margin), the trees' best span (and probability);
    expected: the entity kinds that answer the question (extract.expected_entities; required, so that answering and
    training cannot disagree on it)."""
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
        typed_share(r, expected),
        typed_share(t, expected),
    ]


# One row per candidate answer of a question: the reader's best span in each passage it read, the trees' best span,
# then the trees' other top spans. Out of fold (reader folds 0-2, 2,627 questions, refusals as shipped), against the
# chooser before (a binary "right short answer" model over the reader's spans and the trees' best): the ranking
# objective alone 63.3 -> 63.2 short / 52.8 -> 53.9 EM; with the trees' other spans as candidates as well 64.8 / 54.5
# (F1 71.1 -> 72.3), each fold gaining. Also tried: the entities of the asked kind inside each reader span as
# candidates (extract.ENTITY_FUNCS, tagged in their sentence): 64.3 / 53.7, not kept.
# With the MONOTONE priors below: 65.1 / 54.5 (F1 72.2), even with it out of fold and kept for the priors.
CANDIDATE_FEATURES = (
    "from_trees",
    "passage_rank",  # the reader's passage (0 = first retrieved); 3 + the trees' rank for the trees' spans
    "reader_margin",  # missing for the trees' spans
    "below_best_margin",  # the best reader margin of the question minus this one's; missing for the trees' spans
    "trees_probability",
    "chars",
    "agreement_trees",  # F1 with the trees' best span
    "agreement_best",  # F1 with the reader's best span
    "in_trees",
    "holds_trees",
    "same_text",  # reader spans with exactly this text
    "overlapping",  # reader spans that hold this one or are held by it
    "question_kind",
    "has_digit",
    "best_margin",
    "passages_read",
    # How the trees' span ranker scored this extent: its top TREE_SPANS spans (text, score) against the candidate.
    "trees_score_same",  # the score of a trees span with exactly this text; missing when none
    "trees_same_below_top",  # that score minus the trees' top score
    "trees_best_f1",  # the best F1 of this candidate with any of the trees' spans
    "trees_best_f1_below_top",  # that span's score minus the trees' top score
    "trees_inside_below_top",  # the best trees span inside this candidate, below the top; missing when none
    "trees_holding_below_top",  # the best trees span holding this candidate, below the top; missing when none
    "source",  # READER, TREES_BEST or TREES_OTHER
    "typed",  # typed_share: its share of characters inside entities of the kinds the question asks for
)
# The trees' spans the chooser compares each candidate with (best first). Adding these six features lifted out-of-fold
# short answers 63.1 -> 64.1, EM 52.0 -> 53.5, F1 71.3 -> 72.3 (reader folds 0-2, no refusals; every fold gained).
TREE_SPANS = 10
CANDIDATE_CATEGORICAL = [CANDIDATE_FEATURES.index("question_kind"), CANDIDATE_FEATURES.index("source")]
READER, TREES_BEST, TREES_OTHER = 0, 1, 2


@dataclass(frozen=True)
class Candidate:
    """One answer the chooser may pick, as found (the article's script), and where it comes from: index is the
    position in the reader's list (READER) or in the trees' spans (TREES_OTHER)."""

    source: int
    index: int
    text: str


def candidates(
    reader: Sequence[tuple[int, float, str]],
    trees: str,
    tree_spans: Sequence[tuple[str, float]] = (),
) -> list[Candidate]:
    """Every candidate once (by its Simplified text): the reader's spans, the trees' best, then the trees' other top
    spans."""
    out = [Candidate(READER, n, a) for n, (_, _, a) in enumerate(reader)]
    out.append(Candidate(TREES_BEST, 0, trees))
    seen = {to_simplified(c.text) for c in out}
    for n, (x, _) in enumerate(tree_spans[:TREE_SPANS]):
        x = x.strip()
        if x and to_simplified(x) not in seen:
            seen.add(to_simplified(x))
            out.append(Candidate(TREES_OTHER, n, x))
    return out


def candidate_features(
    reader: Sequence[tuple[int, float, str]],
    trees: str,
    probability: float,
    kind: str,
    tree_spans: Sequence[tuple[str, float]] = (),
    expected: Sequence[str] = (),
) -> tuple[list[Candidate], list[list[float]]]:
    """The candidates (see candidates()) and their CANDIDATE_FEATURES rows. reader: (passage rank, margin, span) for
    each passage the reader found a span in; tree_spans: the trees' best spans as (text, score), best first;
    expected: the entity kinds that answer the question (extract.expected_entities)."""
    found = candidates(reader, trees, tree_spans)
    texts = [to_simplified(a) for _, _, a in reader]
    t = to_simplified(trees)
    scored = [(to_simplified(x.strip()), float(sc)) for x, sc in tree_spans[:TREE_SPANS]]
    best_margin = max((m for _, m, _ in reader), default=math.nan)
    best = texts[max(range(len(reader)), key=lambda n: reader[n][1])] if reader else ""
    rows = []
    for c in found:
        a = to_simplified(c.text)
        if c.source == READER:
            rank, margin = float(reader[c.index][0]), reader[c.index][1]
        else:
            rank, margin = 3.0 + (c.index if c.source == TREES_OTHER else 0), math.nan
        rows.append(
            [
                float(c.source in (TREES_BEST, TREES_OTHER)),
                rank,
                margin,
                best_margin - margin,
                probability,
                float(len(a)),
                f1_score(a, [t]) if a and t else 0.0,
                f1_score(a, [best]) if a and best else 0.0,
                float(bool(a) and a in t),
                float(bool(t) and t in a),
                float(sum(1 for x in texts if x == a)),
                float(sum(1 for x in texts if a and x and (x in a or a in x))),
                float(KIND_IDS.get(kind, 0)),
                float(any(ch.isdigit() for ch in a)),
                best_margin,
                float(len(reader)),
                *_against_trees(a, scored),
                float(c.source),
                typed_share(a, expected),
            ]
        )
    return found, rows


def _against_trees(a: str, scored: list[tuple[str, float]]) -> list[float]:
    """The six trees_* CANDIDATE_FEATURES of candidate a (Simplified) against the trees' scored spans."""
    nan = math.nan
    if not scored:
        return [nan] * 6
    top = max(sc for _, sc in scored)
    same = max((sc for x, sc in scored if x == a), default=nan)
    f1, f1_score_of = max(((f1_score(a, [x]) if a and x else 0.0), sc) for x, sc in scored)
    inside = max((sc for x, sc in scored if a and x and x in a), default=nan)
    holding = max((sc for x, sc in scored if a and x and a in x), default=nan)
    return [same, same - top, f1, f1_score_of - top, inside - top, holding - top]


def train(x: np.ndarray, y: np.ndarray, categorical: list[int] = CATEGORICAL) -> Any:
    import lightgbm as lgb

    return lgb.train(PARAMS, lgb.Dataset(x, y, categorical_feature=categorical), ROUNDS)


# The chooser ranks a question's candidates (LambdaRank) by a grade: SHORT_GRADE for a right short answer (it holds a
# gold answer and is at most max(2x, +10 chars) long) plus 1 for an exact one. Chosen out of fold on the reader's folds
# 0 and 1 among grades 1-3 x (100, 200, 300 rounds) x (15, 31 leaves), all against the binary "right short answer"
# chooser it replaced; fold 2, held out of that choice, gained as much (short answers 568 -> 586, exact 478 -> 495).
SHORT_GRADE = 2
# Two priors as monotone constraints: a span the reader is surer of, or more of the kind asked, never ranks lower
# for it, all else equal.
MONOTONE = {"reader_margin": 1, "typed": 1}
RANK_PARAMS = PARAMS | {
    "objective": "lambdarank",
    "num_leaves": 15,
    "eval_at": [1],
    "monotone_constraints": [MONOTONE.get(name, 0) for name in CANDIDATE_FEATURES],
}
RANK_ROUNDS = 200


def train_ranker(x: np.ndarray, grades: np.ndarray, groups: np.ndarray) -> Any:
    """The chooser: x one row per candidate, grades as above, groups the candidates per question (in row order)."""
    import lightgbm as lgb

    data = lgb.Dataset(x, grades, group=groups, categorical_feature=CANDIDATE_CATEGORICAL)
    return lgb.train(RANK_PARAMS, data, RANK_ROUNDS)


class Stack:
    """The shipped refusal model (LightGBM text file), loaded once; predictions single-threaded under a lock."""

    def __init__(self, path: Path) -> None:
        import lightgbm as lgb

        self.booster = lgb.Booster(model_file=str(path))
        self._lock = threading.Lock()

    def probability(self, row: list[float]) -> float:
        with self._lock:
            return float(self.booster.predict(np.asarray([row], dtype=np.float64), num_threads=1)[0])


class Selector(Stack):
    """The shipped answer chooser (select.txt): the candidate it ranks first."""

    def choose(self, rows: list[list[float]]) -> int:
        with self._lock:
            scores = self.booster.predict(np.asarray(rows, dtype=np.float64), num_threads=1)
        return int(np.argmax(scores))
