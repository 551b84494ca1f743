"""Train the answer models on SQuAD-format reading-comprehension sets, cross-validated by document.

    newsbot train ../shared/data/cmrc2018_trial.json ../shared/data/drcd_test.json

Every context of a set goes into one index, built by the real engine, and every question is asked through it,
so the models learn from what retrieval really returns. Three LightGBM models (text format, no pickle):
sentence ranking (which pooled sentence holds the answer), span ranking (which stretch of the best sentences is the
answer, graded by its F1 against the gold answers) and answerability (the question asked with its context, against
the same question asked without its context or without its answer sentence). Folds split by document title, so no
document is both trained and tested on; the figures printed are out-of-fold. Seeded and single-threaded where it
matters, so the same data gives the same models.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.answer_model import (
    ANSWERABILITY_FEATURES,
    MODEL_VERSION,
    SENTENCES_FOR_SPANS,
    AnswerModel,
    answerability_features,
)
from retrieval.evaluation import exact_match, f1_score, normalize, short_answer_ok
from retrieval.models import Hit
from retrieval.reading import (
    SENTENCE_FEATURES,
    SPAN_FEATURES,
    Corpus,
    Prepared,
    Sentence,
    Span,
    candidates,
    prepare,
    span_features,
)
from retrieval.text import to_simplified

if TYPE_CHECKING:
    from retrieval.engine import Engine


FOLDS = 5
SEED = 13


@dataclass
class Item:
    """One question of a training set, asked in one condition."""

    qid: str
    question: str
    answers: list[str]
    context_id: str
    group: str  # fold unit: the set and the document title
    mode: str  # "asked" (context in the index), "no_context", "no_sentence"
    prepared: Prepared | None = None
    spans: list[Span] = field(default_factory=list)
    span_x: np.ndarray | None = None  # span features (float32: millions of rows), kept apart from the spans
    span_y: np.ndarray | None = None  # graded span labels
    # Spans from the top SENTENCES_FOR_SPANS sentences: what answering sees. The rest (a gold sentence ranked lower,
    # added for training the span ranker) never reach an outcome or the answerability model.
    visible: int = 0
    fold: int = 0
    baseline: tuple[bool, str, str] | None = None  # the rule-based answer: answered, answer, first evidence


def load_squad(path: Path, name: str) -> tuple[list[dict[str, str]], list[Item]]:
    """Contexts (as article dicts) and questions of a SQuAD-format file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    articles: list[dict[str, str]] = []
    items: list[Item] = []
    for d_no, doc in enumerate(data["data"]):
        title = doc.get("title", "")
        for p_no, para in enumerate(doc["paragraphs"]):
            cid = f"{name}:{para.get('id') or f'{d_no}-{p_no}'}"
            articles.append({"id": cid, "title": title, "text": para["context"]})
            for qa in para["qas"]:
                answers = list(dict.fromkeys(a["text"] for a in qa["answers"] if a["text"].strip()))
                if answers:
                    items.append(Item(str(qa["id"]), qa["question"], answers, cid, f"{name}:{title}", "asked"))
    return articles, items


def assign_folds(items: Sequence[Item], folds: int = FOLDS, seed: int = SEED) -> None:
    """Fold per document title: groups shuffled with a fixed seed, dealt round-robin."""
    groups = sorted({i.group for i in items})
    random.Random(seed).shuffle(groups)
    fold_of = {g: n % folds for n, g in enumerate(groups)}
    for i in items:
        i.fold = fold_of[i.group]


def contains(text: str, golds: Sequence[str]) -> bool:
    t = normalize(to_simplified(text))
    return any(normalize(to_simplified(g)) in t for g in golds if normalize(g))


def span_label(text: str, golds: Sequence[str]) -> int:
    """Graded relevance of a span: 4 exact, else its F1 in quarters (0..3)."""
    simp = to_simplified(text)
    gs = [to_simplified(g) for g in golds]
    if exact_match(simp, gs):
        return 4
    return min(3, int(f1_score(simp, gs) * 4))


def index_set(articles: list[dict[str, str]], d: Path) -> Engine:
    """Every context of a set as one JSONL articles file under d, indexed by the real engine (built or reused)."""
    from retrieval.config import Settings
    from retrieval.engine import Engine

    (d / "articles").mkdir(parents=True, exist_ok=True)
    body = "\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n"
    (d / "articles" / "contexts.jsonl").write_text(body, encoding="utf-8")
    engine = Engine(Settings(data_dir=d / "articles", index_dir=d / "index"))
    engine.reindex()
    return engine


def _search(engine: Engine, question: str, exclude: str | None, k: int = 8) -> list[Hit]:
    """What the engine retrieves for the question; with exclude, as if that article were not in the index."""
    hits = engine.search(question, k=k + (24 if exclude else 0))
    if exclude:
        hits = [h for h in hits if h.chunk.article_id != exclude][:k]
    return hits


def _baseline(question: str, hits: list[Hit], corpus: Corpus) -> tuple[bool, str, str]:
    from retrieval.rules import answer_question as rule_answer

    a = rule_answer(question, hits, corpus)
    return a.answered, a.answer, a.evidence[0] if a.evidence else ""


def collect(
    engine: Engine, items: list[Item], negatives: float, baseline: bool = False, seed: int = SEED
) -> list[Item]:
    """Ask every question (and, for a share of them, its two unanswerable variants); sentence features filled.
    With baseline, the rule-based answerer answers the same questions from the same hits."""
    rng = random.Random(seed)
    corpus = engine.index
    out: list[Item] = []
    for item in items:
        hits = _search(engine, item.question, None)
        item.prepared = prepare(item.question, hits, corpus)
        if baseline:
            item.baseline = _baseline(item.question, hits, corpus)
        out.append(item)
        if rng.random() >= negatives:
            continue
        neg = Item(item.qid, item.question, item.answers, item.context_id, item.group, "no_context", fold=item.fold)
        neg_hits = _search(engine, item.question, item.context_id)
        neg.prepared = prepare(item.question, neg_hits, corpus)
        if not any(contains(s.text, item.answers) for s in neg.prepared.sentences):
            if baseline:
                neg.baseline = _baseline(item.question, neg_hits, corpus)
            out.append(neg)
        in_ctx = [s for s in item.prepared.sentences if s.article_id == item.context_id]
        if in_ctx:
            gone = Item(item.qid, item.question, item.answers, item.context_id, item.group, "no_sentence")
            gone.fold = item.fold
            p = prepare(item.question, hits, corpus)
            p.sentences = [s for s in p.sentences if not contains(s.text, item.answers)]
            if p.sentences:
                gone.prepared = p
                out.append(gone)  # no baseline: the rule answerer reads whole hits, which still hold the sentence
    return out


def _matrix(rows: list[list[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64)


def _train_ranker(
    x: np.ndarray, y: np.ndarray, groups: list[int], categorical: list[int], rounds: int, leaves: int
) -> object:
    import lightgbm as lgb

    # LightGBM's usual starting point, not tuned: a slower learning rate with a few hundred rounds, leaves of at
    # least 50 rows (the rarer question kinds are small), row and feature sampling against over-fitting one set's
    # style; one thread keeps training deterministic (and OpenMP threads spin badly on a busy 2-core machine).
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "ndcg_eval_at": [1],
        "learning_rate": 0.05,
        "num_leaves": leaves,
        "min_data_in_leaf": 50,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambdarank_truncation_level": 10,
        "seed": SEED,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "verbosity": -1,
    }
    data = lgb.Dataset(x, y, group=groups, categorical_feature=categorical, free_raw_data=False)
    return lgb.train(params, data, num_boost_round=rounds)


def _train_binary(x: np.ndarray, y: np.ndarray, categorical: list[int], rounds: int) -> object:
    import lightgbm as lgb

    params = {
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "seed": SEED,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 1,
        "verbosity": -1,
    }
    data = lgb.Dataset(x, y, categorical_feature=categorical, free_raw_data=False)
    return lgb.train(params, data, num_boost_round=rounds)


SENTENCE_CATEGORICAL = [SENTENCE_FEATURES.index("question_kind")]
SPAN_CATEGORICAL = [
    SPAN_FEATURES.index(n)
    for n in ("question_kind", "entity", "pos_first", "pos_last", "pos_before", "pos_after", "question_word")
]
ANSWERABILITY_CATEGORICAL = [ANSWERABILITY_FEATURES.index("question_kind")]
ROUNDS = {"sentence": 300, "span": 400, "answerable": 300}


def _sentence_rows(items: list[Item]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    xs: list[list[float]] = []
    ys: list[int] = []
    groups: list[int] = []
    for it in items:
        assert it.prepared is not None
        labels = [int(contains(s.text, it.answers)) for s in it.prepared.sentences]
        if not any(labels):
            continue  # nothing to rank: the answer was not retrieved
        xs.extend(s.features for s in it.prepared.sentences)
        ys.extend(labels)
        groups.append(len(labels))
    return _matrix(xs), np.asarray(ys), groups


def _top_sentences(it: Item, training: bool) -> list[Sentence]:
    assert it.prepared is not None
    ranked = sorted(it.prepared.sentences, key=lambda s: -s.score)
    top = ranked[:SENTENCES_FOR_SPANS]
    if training:
        top += [s for s in ranked[SENTENCES_FOR_SPANS:] if contains(s.text, it.answers)][:1]
    return top


def _make_spans(it: Item, training: bool) -> None:
    assert it.prepared is not None
    spans: list[Span] = []
    it.visible = 0
    for n, s in enumerate(_top_sentences(it, training)):
        found = candidates(s, it.prepared.question)
        spans.extend(found)
        if n < SENTENCES_FOR_SPANS:
            it.visible += len(found)
    span_features(it.prepared.question, spans, it.prepared.weights)
    it.span_x = np.asarray([sp.features for sp in spans], dtype=np.float32).reshape(len(spans), len(SPAN_FEATURES))
    it.span_y = np.asarray([span_label(sp.text, it.answers) for sp in spans], dtype=np.int32)
    for sp in spans:
        sp.features = []
    it.spans = spans


def _restore_top(it: Item) -> None:
    """Give the best-scored span that answering would see its features back (the answerability model reads them)."""
    if it.visible and it.span_x is not None:
        n = max(range(it.visible), key=lambda i: it.spans[i].score)
        it.spans[n].features = [float(v) for v in it.span_x[n]]


NEGATIVE_SPANS = 120  # zero-label candidates kept per question for training (all graded ones are kept)


def _span_rows(items: list[Item]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Span rows for ranking; each question keeps its graded candidates and a seeded sample of the others,
    which trains several times faster at no measured loss (the ranker learns from the near misses)."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    groups: list[int] = []
    rng = np.random.default_rng(SEED)
    for it in items:
        if it.span_y is None or it.span_x is None or not it.span_y.any():
            continue
        keep = np.flatnonzero(it.span_y > 0)
        zero = np.flatnonzero(it.span_y == 0)
        if len(zero) > NEGATIVE_SPANS:
            zero = np.sort(rng.choice(zero, NEGATIVE_SPANS, replace=False))
        rows = np.sort(np.concatenate([keep, zero]))
        xs.append(it.span_x[rows])
        ys.append(it.span_y[rows])
        groups.append(len(rows))
    return np.concatenate(xs), np.concatenate(ys), groups


def _predict(model: object, rows: list[list[float]] | np.ndarray) -> np.ndarray:
    if len(rows) == 0:
        return np.zeros(0)
    x = rows if isinstance(rows, np.ndarray) else _matrix(rows)
    # One thread: OpenMP threads spin and slow down badly on a busy 2-core machine; callers batch rows instead.
    return np.asarray(model.predict(x, num_threads=1))  # type: ignore[attr-defined]


@dataclass
class Outcome:
    """Out-of-fold result for one item."""

    item: Item
    answer: str
    evidence: str
    p_answerable: float = 0.0


def _cross_validate(items: list[Item], folds: int, on_step: Callable[[str], None]) -> list[Outcome]:
    asked = [i for i in items if i.mode == "asked"]
    # 1. sentence ranker, out of fold
    for f in range(folds):
        train = [i for i in asked if i.fold != f]
        x, y, g = _sentence_rows(train)
        model = _train_ranker(x, y, g, SENTENCE_CATEGORICAL, ROUNDS["sentence"], 31)
        sents = [s for it in items if it.fold == f and it.prepared is not None for s in it.prepared.sentences]
        for s, sc in zip(sents, _predict(model, [s.features for s in sents]), strict=True):
            s.score = float(sc)
        on_step(f"sentence fold {f + 1}/{folds}")
    # 2. span candidates from the out-of-fold sentence ranking; span ranker out of fold
    for it in items:
        _make_spans(it, training=it.mode == "asked")
    on_step("span candidates")
    for f in range(folds):
        train = [i for i in asked if i.fold != f]
        x, y, g = _span_rows(train)
        model = _train_ranker(x, y, g, SPAN_CATEGORICAL, ROUNDS["span"], 63)
        test = [it for it in items if it.fold == f and it.spans and it.span_x is not None]
        if test:
            scores = _predict(model, np.concatenate([it.span_x for it in test if it.span_x is not None]))
            spans = [sp for it in test for sp in it.spans]
            for sp, sc in zip(spans, scores, strict=True):
                sp.score = float(sc)
        on_step(f"span fold {f + 1}/{folds}")
    for it in items:
        _restore_top(it)
    # 3. answerability on the out-of-fold span scores
    rows = [answerability_features(it.prepared, it.spans[: it.visible]) for it in items]  # type: ignore[arg-type]
    labels = np.asarray([int(it.mode == "asked") for it in items])
    probs = np.zeros(len(items))
    for f in range(folds):
        idx = [n for n, it in enumerate(items) if it.fold != f]
        model = _train_binary(
            _matrix([rows[n] for n in idx]), labels[idx], ANSWERABILITY_CATEGORICAL, ROUNDS["answerable"]
        )
        held = [n for n, it in enumerate(items) if it.fold == f]
        for n, p in zip(held, _predict(model, [rows[n] for n in held]), strict=True):
            probs[n] = p
    on_step("answerability")
    outcomes = []
    for n, it in enumerate(items):
        best = max(it.spans[: it.visible], key=lambda sp: sp.score, default=None)
        outcomes.append(Outcome(it, best.text if best else "", best.sentence.text if best else "", float(probs[n])))
    return outcomes


def choose_threshold(outcomes: list[Outcome], max_false_refusals: float) -> float:
    """The highest refusal threshold whose out-of-fold false refusals stay within the budget."""
    asked = sorted(o.p_answerable for o in outcomes if o.item.mode == "asked")
    if not asked:
        return 0.0
    k = int(max_false_refusals * len(asked))
    return float(asked[k]) if k < len(asked) else float(asked[-1])


def baseline_outcomes(outcomes: list[Outcome]) -> list[Outcome]:
    """The rule-based answers to the same questions, as outcomes (answered = probability 1, refused = 0)."""
    out = []
    for o in outcomes:
        if o.item.baseline is None:
            continue
        answered, answer, evidence = o.item.baseline
        out.append(Outcome(o.item, answer, evidence, 1.0 if answered else 0.0))
    return out


def report(outcomes: list[Outcome], threshold: float) -> dict[str, object]:
    """Out-of-fold figures: per set, per script and per question kind; refusals on the unanswerable variants."""

    def figures(rows: list[Outcome]) -> dict[str, float]:
        asked = [o for o in rows if o.item.mode == "asked"]
        if not asked:
            return {}
        answered = [o for o in asked if o.p_answerable >= threshold]
        gold = [o.item.answers for o in asked]
        ok = [
            short_answer_ok(to_simplified(o.answer), [to_simplified(g) for g in gs])
            for o, gs in zip(asked, gold, strict=True)
        ]
        em = [
            exact_match(to_simplified(o.answer), [to_simplified(g) for g in gs])
            for o, gs in zip(asked, gold, strict=True)
        ]
        f1 = [
            f1_score(to_simplified(o.answer), [to_simplified(g) for g in gs]) for o, gs in zip(asked, gold, strict=True)
        ]
        ev = [contains(o.evidence, gs) for o, gs in zip(asked, gold, strict=True)]
        keep = [o.p_answerable >= threshold for o in asked]
        neg = [o for o in rows if o.item.mode != "asked"]
        refused_neg = sum(1 for o in neg if o.p_answerable < threshold)
        refused_pos = len(asked) - len(answered)
        out = {
            "questions": len(asked),
            "short_answer": float(np.mean([a and k for a, k in zip(ok, keep, strict=True)])),
            "em": float(np.mean([a and k for a, k in zip(em, keep, strict=True)])),
            "f1": float(np.mean([a * k for a, k in zip(f1, keep, strict=True)])),
            "evidence_at_1": float(np.mean([a and k for a, k in zip(ev, keep, strict=True)])),
            "short_answer_if_all_answered": float(np.mean(ok)),
            "false_refusals": refused_pos / len(asked),
        }
        if neg:
            out["unanswerable"] = len(neg)
            out["refusal_recall"] = refused_neg / len(neg)
            out["refusal_precision"] = refused_neg / max(refused_neg + refused_pos, 1)
        return out

    rep: dict[str, object] = {"all": figures(outcomes)}
    for name in sorted({o.item.group.split(":")[0] for o in outcomes}):
        rep[name] = figures([o for o in outcomes if o.item.group.startswith(name + ":")])
    kinds: dict[str, list[Outcome]] = {}
    for o in outcomes:
        assert o.item.prepared is not None
        kinds.setdefault(o.item.prepared.question.kind, []).append(o)
    rep["by_kind"] = {k: figures(v) for k, v in sorted(kinds.items())}
    return rep


def train(
    sets: Sequence[Path],
    out_dir: Path,
    work: Path,
    negatives: float = 0.5,
    max_false_refusals: float = 0.05,
    folds: int = FOLDS,
    limit: int = 0,
    baseline: bool = False,
    on_step: Callable[[str], None] = lambda _m: None,
) -> dict[str, object]:
    """Cross-validate, report, then fit the three models on everything and write them to out_dir."""

    t0 = time.perf_counter()
    items: list[Item] = []
    sources: list[dict[str, object]] = []
    for path in sets:
        name = path.stem.split("_")[0]
        arts, its = load_squad(path, name)
        if limit:
            its = random.Random(SEED).sample(its, min(limit, len(its)))
        assign_folds(its, folds)
        engine = index_set(arts, work / name)
        on_step(f"{name}: {len(arts)} contexts indexed, asking {len(its)} questions")
        items.extend(collect(engine, its, negatives, baseline))
        sources.append(
            {
                "file": path.name,
                "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                "contexts": len(arts),
                "questions": len(its),
            }
        )
        on_step(f"{name}: features for {len(items)} items")
    outcomes = _cross_validate(items, folds, on_step)
    threshold = choose_threshold(outcomes, max_false_refusals)
    figures = report(outcomes, threshold)
    rules = report(baseline_outcomes(outcomes), 0.5) if baseline else None
    on_step("cross-validated: " + json.dumps({k: v for k, v in figures.items() if k != "by_kind"}))

    # Final models on all data (span ranker on out-of-fold sentence scores, as in cross-validation).
    asked = [i for i in items if i.mode == "asked"]
    x, y, g = _sentence_rows(asked)
    sentence_model = _train_ranker(x, y, g, SENTENCE_CATEGORICAL, ROUNDS["sentence"], 31)
    x, y, g = _span_rows(asked)
    span_model = _train_ranker(x, y, g, SPAN_CATEGORICAL, ROUNDS["span"], 63)
    rows = [answerability_features(it.prepared, it.spans[: it.visible]) for it in items]  # type: ignore[arg-type]
    labels = np.asarray([int(it.mode == "asked") for it in items])
    answerable_model = _train_binary(_matrix(rows), labels, ANSWERABILITY_CATEGORICAL, ROUNDS["answerable"])
    meta = {
        "version": MODEL_VERSION,
        "trained_at": time.strftime("%Y-%m-%d"),
        "training_data": sources,
        "folds": folds,
        "fold_unit": "document title",
        "seed": SEED,
        "negatives_share": negatives,
        "refusal_threshold": threshold,
        "threshold_rule": f"out-of-fold false refusals <= {max_false_refusals:.0%} of answerable questions",
        "features": {
            "sentence": list(SENTENCE_FEATURES),
            "span": list(SPAN_FEATURES),
            "answerable": list(ANSWERABILITY_FEATURES),
        },
        "rounds": ROUNDS,
        "cross_validated": figures,
        "baseline": rules,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    AnswerModel.save(out_dir, sentence_model, span_model, answerable_model, meta)
    return meta


def format_report(meta: dict[str, object]) -> str:
    """The cross-validated figures as a table: learned answers beside the rule-based ones on the same questions."""
    cv = meta["cross_validated"]
    assert isinstance(cv, dict)
    cols = ("questions", "short_answer", "em", "f1", "evidence_at_1", "false_refusals", "refusal_recall",
            "refusal_precision")  # fmt: skip
    lines = [
        f"out-of-fold, {meta['folds']} folds by {meta['fold_unit']}; refusal threshold "
        f"{meta['refusal_threshold']:.3f} ({meta['threshold_rule']})",
        "| answers | set | " + " | ".join(cols) + " |",
        "|---" * (len(cols) + 2) + "|",
    ]

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{100 * v:.1f}"
        return "" if v is None else str(v)

    for label, table in (("learned", cv), ("rules", meta.get("baseline") or {})):
        assert isinstance(table, dict)
        for name, row in table.items():
            if name == "by_kind" or not row:
                continue
            lines.append(f"| {label} | {name} | " + " | ".join(cell(row.get(c)) for c in cols) + " |")
    kinds = cv.get("by_kind", {})
    if kinds:
        lines += [
            "",
            "learned, per question kind:",
            "| kind | " + " | ".join(cols) + " |",
            "|---" * (len(cols) + 1) + "|",
        ]
        for kind, row in kinds.items():
            lines.append(f"| {kind} | " + " | ".join(cell(row.get(c)) for c in cols) + " |")
    return "\n".join(lines)
