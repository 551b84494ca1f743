"""Store parity: the same QA files through the local store and Milvus (Lite by default), side by side.

Usage: python benchmarks/stores.py [--cmrc ../shared/data/cmrc2018_trial.json] [--limit N] [--milvus-uri URI] [--json]
Sets: data/eval/sample_qa.jsonl on data/articles, data/eval/en_qa.jsonl on data/eval/en_articles, and with --cmrc
every trial context in one index and every question asked. Both stores share one index folder, so they share the
embedding cache: the second build embeds nothing and both index exactly the same vectors. For each set and store:
top-1/top-5 (`newsbot eval`'s recall@1/@5), short-answer accuracy, EM/F1, build seconds and query p50; then how
many questions got the same top-5 chunks and the same JSON answer from both stores. Target: every figure within
0.5 point.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.squad import convert
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.evaluation import QAItem, load_qa, run_eval

REPO = Path(__file__).resolve().parent.parent
METRICS = ["recall_at_1", "recall_at_5", "answer_accuracy", "em", "f1"]


def _compare(name: str, data_dir: Path, items: list[QAItem], work: Path, milvus_uri: str | None) -> dict[str, object]:
    engines: dict[str, Engine] = {}
    row: dict[str, object] = {"set": name, "questions": len(items)}
    for store in ("local", "milvus"):
        settings = Settings(
            data_dir=data_dir, index_dir=work / "index", store=store, milvus_uri=milvus_uri, milvus_prefix=f"p_{name}"
        )
        engine = Engine(settings)
        started = time.perf_counter()
        report = engine.reindex()
        row[f"{store}_build_s"] = round(time.perf_counter() - started, 2)
        row["chunks"] = report.chunks
        result = run_eval(engine, items, keep_items=False)
        for metric in METRICS:
            value = getattr(result, metric)
            row[f"{store}_{metric}"] = None if value is None else round(100 * value, 2)
        row[f"{store}_p50_ms"] = round(1000 * result.latency_p50, 1)
        engines[store] = engine
    same_top5 = same_answer = 0
    for item in items:
        hits = [[(h.chunk.article_id, h.chunk.ord) for h in engines[s].search(item.question, k=5)] for s in engines]
        same_top5 += hits[0] == hits[1]
        answers = [engines[s].ask(item.question) for s in engines]
        same_answer += (answers[0].answer, answers[0].evidence) == (answers[1].answer, answers[1].evidence)
    row["same_top5"] = same_top5
    row["same_answer"] = same_answer
    row["max_gap_points"] = max(
        (
            abs(float(row[f"local_{m}"]) - float(row[f"milvus_{m}"]))  # type: ignore[arg-type]
            for m in METRICS
            if row[f"local_{m}"] is not None
        ),
        default=0.0,
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cmrc", type=Path, help="a SQuAD-format file (CMRC 2018 trial): all contexts in one index")
    parser.add_argument("--limit", type=int, default=0, help="ask only N CMRC questions (a fixed random sample)")
    parser.add_argument("--milvus-uri", default=None, help="a Milvus server URL (default: Milvus Lite in the temp dir)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="newsbot-stores-") as tmp:
        root = Path(tmp)
        sets = [
            ("sample", REPO / "data" / "articles", load_qa(REPO / "data" / "eval" / "sample_qa.jsonl")),
            ("en", REPO / "data" / "eval" / "en_articles", load_qa(REPO / "data" / "eval" / "en_qa.jsonl")),
        ]
        if args.cmrc:
            articles, qa_path, _ = convert(args.cmrc, root / "cmrc")
            items = load_qa(qa_path)
            if args.limit:
                items = random.Random(0).sample(items, min(args.limit, len(items)))
            sets.append(("cmrc", articles.parent, items))
        for name, data_dir, items in sets:
            rows.append(_compare(name, data_dir, items, root / name, args.milvus_uri))
            print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    print("| set | questions | chunks | store | top-1 | top-5 | short answers | EM / F1 | build | query p50 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        for s in ("local", "milvus"):
            print(
                f"| {r['set']} | {r['questions']} | {r['chunks']} | {s} | {r[f'{s}_recall_at_1']} | "
                f"{r[f'{s}_recall_at_5']} | {r[f'{s}_answer_accuracy']} | {r[f'{s}_em']} / {r[f'{s}_f1']} | "
                f"{r[f'{s}_build_s']} s | {r[f'{s}_p50_ms']} ms |"
            )
    for r in rows:
        print(
            f"{r['set']}: same top-5 chunks {r['same_top5']}/{r['questions']}, same answer and evidence "
            f"{r['same_answer']}/{r['questions']}, largest gap {r['max_gap_points']:.2f} points"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
