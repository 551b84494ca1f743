"""Answer benchmark on a SQuAD-format file (e.g. CMRC 2018 trial): all contexts in one index, every question asked.

Usage: python benchmarks/cmrc.py ../shared/data/cmrc2018_trial.json [--json] [--limit N] [--show-errors N]
       [--extra data/eval/cmrc_unanswerable.jsonl]   (unanswerable questions to measure refusals on the same index)
Converts the file into a temp data dir of JSONL articles (one per context, title from the SQuAD title) plus a QA
file, builds the index with the real engine in a temp index dir, runs `retrieval.evaluation.run_eval` and prints the
table (or the JSON report with --json).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.squad import convert
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.evaluation import format_table, load_qa, run_eval


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("squad", type=Path, help="SQuAD-format JSON file")
    parser.add_argument("--json", action="store_true", help="print the JSON report instead of the table")
    parser.add_argument("--limit", type=int, default=0, help="ask only N questions (a fixed random sample)")
    parser.add_argument("--show-errors", type=int, default=0, help="print N wrong answers after the table")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep data and index here instead of a temp dir")
    parser.add_argument(
        "--extra", type=Path, action="append", default=[], help="also ask the questions of this QA file (repeatable)"
    )
    args = parser.parse_args()
    if not args.squad.is_file():
        print(f"error: no such file: {args.squad}", file=sys.stderr)
        return 1

    with tempfile.TemporaryDirectory(prefix="newsbot-cmrc-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        articles, qa_path, _gold = convert(args.squad, work)
        settings = Settings(data_dir=articles.parent, index_dir=work / "index")
        engine = Engine(settings)
        report = engine.reindex()
        print(report.summary(), file=sys.stderr)
        items = load_qa(qa_path)
        if args.limit:
            items = random.Random(0).sample(items, min(args.limit, len(items)))
        for extra in args.extra:
            items += load_qa(extra)
        result = run_eval(engine, items)
        if args.json:
            print(result.model_dump_json(exclude={"items"}, indent=2))
        else:
            print(format_table(result))
        if args.show_errors:
            wrong = [r for r in result.items if not r.unanswerable and not r.correct]
            for r in random.Random(1).sample(wrong, min(args.show_errors, len(wrong))):
                gold = next(i.answers for i in items if i.question == r.question)
                print(f"\nQ: {r.question}\n  gold: {gold[0][:80]}\n  got:  {r.answer[:80]}\n  ev@1: {r.evidence_at_1}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
