"""Time-aware questions: does the date in a question pick the right report of a story told over several days?

Usage: python benchmarks/timeqa.py [--set data/eval/time_qa.jsonl] [--articles data/eval/dated] [--show-errors]

The index holds the dated reports (data/eval/dated: five stories, three reports each, 2023-11 to 2024-07) and the
sample article. Each question is asked through the real engine with its clock set to the item's `today`. Right:
the first cited article is the expected report (any article when `article` is null) and the answer is flagged as
outside the asked period exactly when `flagged` says so. Also shown: the short answer holds the expected value.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.config import Settings
from retrieval.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=ROOT / "data" / "eval" / "time_qa.jsonl")
    parser.add_argument("--articles", type=Path, default=ROOT / "data" / "eval" / "dated")
    parser.add_argument("--show-errors", action="store_true")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="newsbot-time-") as tmp:
        data = Path(tmp) / "articles"
        shutil.copytree(args.articles, data)
        for path in (ROOT / "data" / "articles").iterdir():
            shutil.copy(path, data / path.name)
        engine = Engine(Settings(_env_file=None, data_dir=data, index_dir=Path(tmp) / "index"))
        print(engine.reindex().summary(), file=sys.stderr)
        right = valued = 0
        for item in items:
            today = dt.date.fromisoformat(item["today"])
            engine.today = lambda today=today: today  # type: ignore[misc]
            answer = engine.ask(item["question"])
            first = answer.sources[0].article_id if answer.sources else None
            article_ok = item["article"] is None or first == item["article"]
            flag_ok = bool(answer.outside_period) == item["flagged"]
            ok = article_ok and flag_ok
            right += ok
            valued += bool(item["answer"]) and item["answer"] in answer.answer
            if args.show_errors and not ok:
                print(f"WRONG {item['question']} -> {first} {answer.answer!r} flag={answer.outside_period}")
    n = len(items)
    with_value = sum(bool(i["answer"]) for i in items)
    print(f"set: {args.set.name}: {n} questions over {len(list(args.articles.glob('*.json')))} dated reports")
    print(f"right report (and flagged exactly when no report of the period): {right}/{n} = {right / n:.1%}")
    print(f"short answer holds the expected value: {valued}/{with_value} = {valued / with_value:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
