"""Follow-up benchmark: two-turn conversations through the real conversation service and engine.

Usage: python benchmarks/followup.py [--shared ../shared/data] [--set data/eval/followup.jsonl] [--show-errors]

The index holds the sample article (data/articles), the English article of data/eval/en_articles, every CMRC 2018
trial context and the DRCD test contexts the set names. For each pair a fresh chat asks q1, then q2. Measured:
- follow-ups understood: the second question was completed (rewritten, or the previous article preferred) and the
  completed text holds every `expect` term (the referent);
- follow-ups answered right: a gold answer is in the short answer or the first evidence sentence (or the answer is
  part of a gold answer), compared with q2 asked in a fresh chat (no context) and with the full-form question;
- standalone second questions rewritten (must be 0) and answered right.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.service import ChatService
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.evaluation import normalize
from retrieval.followup import resolve
from retrieval.models import Answer
from retrieval.text import to_simplified

ROOT = Path(__file__).resolve().parent.parent


def write_corpus(shared: Path, items: list[dict[str, object]], data_dir: Path) -> None:
    """The sample article, all CMRC trial contexts and the DRCD contexts named by the set, as articles."""
    data_dir.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "data" / "articles").iterdir():
        shutil.copy(path, data_dir / path.name)
    for path in (ROOT / "data" / "eval" / "en_articles").iterdir():  # the English article ("en:" items)
        shutil.copy(path, data_dir / path.name)
    wanted = {str(i["context"]).split(":", 1)[1] for i in items if str(i["context"]).startswith("drcd:")}
    lines = []
    for name, keep_all in (("cmrc2018_trial.json", True), ("drcd_test.json", False)):
        for doc in json.loads((shared / name).read_text(encoding="utf-8"))["data"]:
            for para in doc["paragraphs"]:
                if keep_all or para["id"] in wanted:
                    lines.append(json.dumps({"id": para["id"], "title": doc["title"], "text": para["context"]}))
    (data_dir / "contexts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def right(answer: Answer, golds: list[str]) -> bool:
    """A gold answer in the short answer or the first evidence sentence, or the short answer inside a gold one."""
    if not answer.answered:
        return False
    said = normalize(to_simplified(answer.answer))
    first = normalize(to_simplified(answer.evidence[0])) if answer.evidence else ""
    for gold in golds:
        g = normalize(to_simplified(gold))
        if g and (g in said or g in first or (len(said) >= 2 and said in g)):
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--set", type=Path, default=ROOT / "data" / "eval" / "followup.jsonl")
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep articles and index here (reruns are fast)")
    args = parser.parse_args()
    if not (args.shared / "cmrc2018_trial.json").is_file():
        print(f"error: no cmrc2018_trial.json in {args.shared} (give --shared DIR)", file=sys.stderr)
        return 1
    items = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory(prefix="newsbot-followup-") as tmp:
        work = args.work_dir or Path(tmp)
        write_corpus(args.shared, items, work / "articles")
        settings = Settings(_env_file=None, data_dir=work / "articles", index_dir=work / "index")
        engine = Engine(settings)
        print(engine.reindex().summary(), file=sys.stderr)
        service = ChatService(engine, settings)
        counts = dict.fromkeys(
            ("follow", "understood", "right", "alone_right", "full_right", "standalone", "rewritten", "sa_right"), 0
        )
        for n, item in enumerate(items):
            chat = 1000 + n
            service.answer(item["q1"], chat)
            understood_as = resolve(item["q2"], service.conversations.turn(chat))  # before any fallback
            resolution, answer = service.answer(item["q2"], chat)
            if item["standalone"]:
                counts["standalone"] += 1
                counts["rewritten"] += understood_as.rewritten or resolution.rewritten
                counts["sa_right"] += right(answer, item["answers"])
                if args.show_errors and resolution.rewritten:
                    print(f"REWRITTEN {item['id']}: {item['q2']} -> {resolution.text}")
                continue
            counts["follow"] += 1
            completed = understood_as.rewritten or understood_as.prefer_article is not None
            understood = completed and all(t in understood_as.text for t in item["expect"])
            ok = right(answer, item["answers"])
            counts["understood"] += understood
            counts["right"] += ok
            _, alone = service.answer(item["q2"], -chat)  # a fresh chat: no context
            service.conversations.forget(-chat)
            _, full = service.answer(item["full"], -chat)
            service.conversations.forget(-chat)
            counts["alone_right"] += right(alone, item["answers"])
            counts["full_right"] += right(full, item["answers"])
            if args.show_errors and not (understood and ok):
                print(
                    f"{item['id']}: {item['q2']} -> {understood_as.text} | {answer.answer[:40]!r} | {item['answers']}"
                )
    f, s = counts["follow"], counts["standalone"]

    def rate(key: str, total: int) -> str:
        return f"{counts[key]}/{total} = {counts[key] / total:.1%}" if total else "-"

    print(f"set: {args.set.name}: {f} follow-ups, {s} standalone second questions")
    print(f"follow-ups understood (completed, referent present): {rate('understood', f)}")
    print(f"follow-ups answered right:                           {rate('right', f)}")
    print(f"  the same second question without context:          {rate('alone_right', f)}")
    print(f"  the full-form question (upper bound):              {rate('full_right', f)}")
    print(f"standalone questions rewritten:                      {counts['rewritten']}/{s}")
    print(f"standalone questions answered right:                 {rate('sa_right', s)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
