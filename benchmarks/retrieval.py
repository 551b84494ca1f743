"""Retrieval benchmark: top-1/top-5 gold-context rate on a SQuAD-format file, for several fusion weights.

Usage: python benchmarks/retrieval.py ../shared/data/cmrc2018_trial.json [--weights 0,0.1,0.2,0.3,0.5,1]
All contexts go into one index (open-domain); every question is asked; a hit is a chunk of the gold context.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.squad import convert
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.search import SearchParams


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path)
    parser.add_argument("--weights", default="0,0.1,0.2,0.3,0.5,1", help="dense weights to compare")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--ignore-model-card", action="store_true", help="dense side votes on every language")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _, qa_path, gold = convert(args.squad, root)
        engine = Engine(Settings(data_dir=root / "articles", index_dir=root / "index"))
        report = engine.reindex()
        questions = [json.loads(line)["question"] for line in qa_path.read_text(encoding="utf-8").splitlines()]
        results = []
        for weight in (float(w) for w in args.weights.split(",")):
            engine.search_params = SearchParams(dense_weight=weight, trust_model_card=not args.ignore_model_card)
            top1 = top5 = 0
            times = []
            for q in questions:
                t0 = time.perf_counter()
                hits = engine.search(q, k=5)
                times.append(time.perf_counter() - t0)
                ids = [h.chunk.article_id.split("#")[-1] for h in hits]
                want = gold[q]
                top1 += bool(ids) and ids[0] == want
                top5 += want in ids
            n = len(questions)
            results.append(
                {
                    "dense_weight": weight,
                    "questions": n,
                    "top1": top1 / n,
                    "top5": top5 / n,
                    "p50_ms": 1000 * statistics.median(times),
                }
            )
    if args.json:
        print(json.dumps({"index": report.model_dump(), "results": results}, ensure_ascii=False))
    else:
        print(f"{report.articles} contexts, {report.chunks} chunks, model {engine.settings.embedding_model}")
        print("| dense weight | top-1 context | top-5 context | search p50 |")
        print("|---|---|---|---|")
        for r in results:
            print(f"| {r['dense_weight']:.2f} | {r['top1']:.3f} | {r['top5']:.3f} | {r['p50_ms']:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
