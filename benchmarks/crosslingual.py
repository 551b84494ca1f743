"""English questions over Chinese articles: retrieval and short answers, beside the same questions in Chinese.

Usage: python benchmarks/crosslingual.py SET.jsonl [SET.jsonl ...] --shared ../shared/data [--model NAME]
       [--work DIR] [--rebuild | --reindex] [--show]

One index holds every context of the CMRC 2018 trial and DRCD test files (../shared/data) plus the sample article
(data/articles/), built once under --work with the chosen embedding model (default: the project default) and reused
while its model matches. Each set line: {"question" (English), "question_zh" (the original), "answers",
"context" (a context id) or "source": "sample"}. For each set and each language it prints:
- recall@5: a top-5 chunk of `Engine.search` is of the gold context (sample: of the sample article and holds a gold
  answer);
- short answer: `Engine.ask`'s answer holds a gold answer and is at most max(2x, +10 chars) long (the shared data's
  rule, retrieval.evaluation.short_answer_ok), EM and F1 as the MRC benchmark script computes them;
- answered: share of questions answered at all (every question here is answerable);
- p50 / p95 of `Engine.ask` in ms;
- refused without its article: each question of a shared-data context asked again with that context's passages
  left out of the retrieved ones (the top 8 of the rest, answered as `Engine.ask` answers), where the right reply is
  a refusal: the share refused.

`data/dev/en_over_zh_dev.jsonl` is for development; `data/eval/en_over_zh.jsonl` is for reporting only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPO = Path(__file__).resolve().parent.parent
SAMPLE_DIR = REPO / "data" / "articles"


def build(shared: Path, work: Path, model: str, rebuild: bool, reindex: bool = False):  # type: ignore[no-untyped-def]
    from benchmarks.squad import convert
    from retrieval.config import Settings
    from retrieval.engine import Engine

    marker = work / "model.txt"
    if rebuild or not marker.exists() or marker.read_text() != model:
        shutil.rmtree(work, ignore_errors=True)
        for name in ("cmrc2018_trial.json", "drcd_test.json"):
            convert(shared / name, work / name.split(".")[0])
        (work / "articles").mkdir(parents=True, exist_ok=True)
        for name in ("cmrc2018_trial", "drcd_test"):
            shutil.move(work / name / "articles" / "contexts.jsonl", work / "articles" / f"{name}.jsonl")
        for f in SAMPLE_DIR.iterdir():
            shutil.copy(f, work / "articles" / f.name)
    settings = Settings(data_dir=work / "articles", index_dir=work / "index", embedding_model=model)
    engine = Engine(settings)
    if reindex or not marker.exists() or marker.read_text() != model:
        t0 = time.perf_counter()
        report = engine.reindex(full=True)
        print(f"built {report.chunks} chunks with {model} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        marker.write_text(model)
    return engine


def measure(engine, items: list[dict], lang: str, show: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from retrieval.evaluation import contains_gold, exact_match, f1_score, percentile, short_answer_ok

    sample_ids = {f.name for f in SAMPLE_DIR.iterdir()}  # DRCD context ids ("1147-2") are not the sample's
    from retrieval.answer import answer_question

    r5 = ok = em = answered = absent = refused_absent = 0
    f1 = 0.0
    times: list[float] = []
    for item in items:
        q = item["question"] if lang == "en" else item["question_zh"]
        hits = engine.search(q, k=5)
        if item.get("source") == "sample":
            r5 += any(h.chunk.article_id in sample_ids and contains_gold(h.chunk.text, item["answers"]) for h in hits)
        else:
            r5 += any(h.chunk.article_id.split("#")[-1] == item["context"] for h in hits)
        t0 = time.perf_counter()
        answer = engine.ask(q)
        times.append(time.perf_counter() - t0)
        text = answer.answer if answer.answered else ""
        right = answer.answered and short_answer_ok(text, item["answers"])
        answered += answer.answered
        ok += right
        em += answer.answered and exact_match(text, item["answers"])
        f1 += f1_score(text, item["answers"]) if answer.answered else 0.0
        if show:
            print(f"{'OK ' if right else '-- '}{q} -> {text or '(refused)'} | gold {item['answers'][0]}")
        if item.get("context"):  # the same question with its article absent: it should be refused
            others = [h for h in engine.search(q, k=30) if h.chunk.article_id.split("#")[-1] != item["context"]]
            absent += 1
            refused_absent += not answer_question(
                q, others[:8], engine.index, reader=engine.settings.answer_reader
            ).answered
    n = len(items) or 1
    return {
        "n": len(items),
        "recall@5": r5 / n,
        "short": ok / n,
        "em": em / n,
        "f1": f1 / n,
        "answered": answered / n,
        "refused_absent": refused_absent / absent if absent else float("nan"),
        "absent": absent,
        "p50_ms": percentile(times, 50) * 1000 if times else 0.0,
        "p95_ms": percentile(times, 95) * 1000 if times else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="+", type=Path)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--model", default="")
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbot-crosslingual"))
    parser.add_argument("--rebuild", action="store_true", help="start from empty folders")
    parser.add_argument("--reindex", action="store_true", help="rebuild the index with the current code, cache kept")
    parser.add_argument("--show", action="store_true", help="print every question with its answer")
    parser.add_argument("--lang", default="en,zh", help="which question forms to ask: en, zh or both")
    args = parser.parse_args()
    from retrieval.config import Settings

    model = args.model or Settings().embedding_model
    engine = build(args.shared, args.work / model.replace("/", "_"), model, args.rebuild, args.reindex)
    print(f"model {model}; dense weight {engine.search_params.dense_weight}")
    print(
        "| set | questions | recall@5 | short answer | EM | F1 | answered | p50 / p95 ms "
        "| refused without its article |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args.sets:
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for lang in args.lang.split(","):
            r = measure(engine, items, lang, args.show)
            print(
                f"| {path.name} ({lang}) | {r['n']} | {r['recall@5']:.3f} | {r['short']:.1%} | {r['em']:.1%} "
                f"| {r['f1']:.1%} | {r['answered']:.1%} | {r['p50_ms']:.0f} / {r['p95_ms']:.0f} "
                f"| {r['refused_absent']:.1%} of {r['absent']} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
