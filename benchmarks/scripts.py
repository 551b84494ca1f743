"""Traditional against Simplified: the same questions asked in both scripts over one index, scored the same way.

Usage: python benchmarks/scripts.py ../shared/data/drcd_test.json [--limit 600] [--work DIR]

Every context of the SQuAD-format file goes into one index (built by the real engine, kept in --work for reruns).
Each sampled question is asked as written and folded to Simplified (OpenCC); the articles stay as they are. Prints
short-answer accuracy, EM, F1, refusals and answering time per script, with the gap. The answer models shipped with
the package were trained on this file too, so the absolute figures are in-sample: read the gap, not the level
(`newsbot train` prints the cross-validated figures).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.answer import answer_question
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.evaluation import exact_match, f1_score, short_answer_ok
from retrieval.text import to_simplified
from retrieval.training import load_squad


def _clear_caches() -> None:
    import functools

    import retrieval.extract
    import retrieval.questions
    import retrieval.reading
    import retrieval.text

    for module in (retrieval.extract, retrieval.questions, retrieval.reading, retrieval.text):
        for name, fn in vars(module).items():
            if isinstance(fn, functools._lru_cache_wrapper) and name != "_background_idf":
                fn.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON file with Traditional questions (e.g. DRCD)")
    parser.add_argument("--limit", type=int, default=600, help="questions to ask (a seeded sample; 0 = all)")
    parser.add_argument("--work", type=Path, default=None, help="keep the index here between runs")
    args = parser.parse_args()
    if not args.squad.is_file():
        print(f"error: no such file: {args.squad}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="newsbot-scripts-") as tmp:
        work = args.work or Path(tmp)
        articles, items = load_squad(args.squad, args.squad.stem.split("_")[0])  # ids as `newsbot train` names them
        (work / "articles").mkdir(parents=True, exist_ok=True)
        lines = "\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n"
        (work / "articles" / "contexts.jsonl").write_text(lines, encoding="utf-8")
        engine = Engine(Settings(data_dir=work / "articles", index_dir=work / "index"))
        print(engine.reindex().summary(), file=sys.stderr)
        if args.limit:
            items = random.Random(0).sample(items, min(args.limit, len(items)))
        rows = []
        for form, convert in (("as written", lambda q: q), ("folded to Simplified", to_simplified)):
            _clear_caches()  # each pass starts equally cold: the same sentences are analysed in both
            ok = em = 0
            f1 = 0.0
            refused = 0
            secs: list[float] = []
            for it in items:
                question = convert(it.question)
                hits = engine.search(question, k=8)
                t0 = time.perf_counter()
                ans = answer_question(question, hits, engine.index)
                secs.append(time.perf_counter() - t0)
                if not ans.answered:
                    refused += 1
                    continue
                ok += short_answer_ok(ans.answer, it.answers)
                em += exact_match(ans.answer, it.answers)
                f1 += f1_score(ans.answer, it.answers)
            n = len(items)
            secs.sort()
            rows.append((form, ok / n, em / n, f1 / n, refused / n, statistics.median(secs), secs[int(0.95 * (n - 1))]))
    print(f"{len(items)} questions of {args.squad.name}, one index of {len(articles)} contexts")
    print("| questions | short answer | EM | F1 | refused | answering p50 | p95 |")
    print("|---|---|---|---|---|---|---|")
    for form, ok, em, f1, ref, p50, p95 in rows:
        print(f"| {form} | {100 * ok:.1f} | {100 * em:.1f} | {100 * f1:.1f} | {100 * ref:.1f} | "
              f"{1000 * p50:.1f} ms | {1000 * p95:.1f} ms |")  # fmt: skip
    print(f"gap (as written - Simplified): short answer {100 * (rows[0][1] - rows[1][1]):+.1f} points")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
