"""Questions pointed at the article ("根据文章，…", "这篇报道中，…", "文章提到的…", "请问…"), or asked with spoken
question words (为啥, 啥时候, 咋): answered as asked against answered as `Engine.ask` answers, with the framing
dropped (`questions.unframed`) and the spoken words written (`text.to_mandarin`).

Usage: python benchmarks/framing.py [--shared ../shared/data] [--limit 200] [--seed 1] [--work DIR]

Every context of the CMRC 2018 trial and DRCD test files goes into one index (the real engine, kept in --work for
reruns). A seeded sample of their questions is asked plainly and with each framing (文章提到的… only where the
question starts with a noun, so that it reads naturally; its plain row is that subset). "as asked" = `Engine.search`
+ `answer_question` on the framed text, as before the framing was dropped; "dropped" = `Engine.ask`. Prints right
short answers, EM and refusals per form. The shipped answer models were trained on these files, so the level is
in-sample: read the differences between rows.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.answer import answer_question
from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.evaluation import exact_match, short_answer_ok
from retrieval.tagging import pos_tokens
from retrieval.text import to_simplified
from retrieval.training import Item, load_squad

REPO = Path(__file__).resolve().parent.parent


def _noun_first(question: str) -> bool:
    toks = pos_tokens(question)
    return bool(toks) and toks[0][1].startswith("n")


# The written question words and how people say them (the first one found is replaced; Simplified questions only).
_SPOKEN_FORMS = (
    ("为什么", "为啥"),
    ("什么时候", "啥时候"),
    ("什么", "啥"),
    ("怎么", "咋"),
    ("哪里", "哪儿"),
    ("多少钱", "几块钱"),
)


def _spoken(question: str) -> str | None:
    if to_simplified(question) != question:
        return None
    written = next((w for w, _ in _SPOKEN_FORMS if w in question), None)
    return question.replace(written, dict(_SPOKEN_FORMS)[written], 1) if written else None


FORMS: dict[str, Callable[[str], str | None]] = {
    "plain": lambda q: q,
    "根据文章，…": lambda q: "根据文章，" + q,
    "请问…": lambda q: "请问" + q,
    "这篇报道中，…": lambda q: "这篇报道中，" + q,
    "plain (questions that start with a noun)": lambda q: q if _noun_first(q) else None,
    "文章提到的… (the same questions)": lambda q: "文章提到的" + q if _noun_first(q) else None,
    "plain (questions with a written question word)": lambda q: q if _spoken(q) else None,
    "spoken question words: 为啥, 啥时候, 啥, 咋, 哪儿, 几块钱 (the same questions)": _spoken,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=200, help="questions to sample (seeded)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=None, help="keep the index here between runs")
    args = parser.parse_args()
    files = [args.shared / "cmrc2018_trial.json", args.shared / "drcd_test.json"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="newsbot-framing-") as tmp:
        work = args.work or Path(tmp)
        articles: list[dict[str, str]] = []
        items: list[Item] = []
        for path in files:
            arts, its = load_squad(path, path.stem.split("_")[0])
            articles += arts
            items += its
        (work / "articles").mkdir(parents=True, exist_ok=True)
        lines = "\n".join(json.dumps(a, ensure_ascii=False) for a in articles) + "\n"
        (work / "articles" / "contexts.jsonl").write_text(lines, encoding="utf-8")
        engine = Engine(Settings(data_dir=work / "articles", index_dir=work / "index"))
        print(engine.reindex().summary(), file=sys.stderr)
        sample = random.Random(args.seed).sample(items, min(args.limit, len(items)))
        print(f"{len(sample)} questions (seed {args.seed}) of {', '.join(f.name for f in files)}, one index of "
              f"{len(articles)} contexts")  # fmt: skip
        header = "short answer: as asked | dropped | EM: as asked | dropped | refused: as asked | dropped"
        print(f"| form | questions | {header} |")
        print("|---|---|---|---|---|---|---|---|")
        for name, form in FORMS.items():
            tally = [0] * 6
            n = 0
            for it in sample:
                question = form(it.question)
                if question is None:
                    continue
                n += 1
                as_asked = answer_question(question, engine.search(question, k=8), engine.index)
                dropped = engine.ask(question)
                for at, ans in ((0, as_asked), (1, dropped)):
                    if not ans.answered:
                        tally[4 + at] += 1
                        continue
                    tally[at] += short_answer_ok(ans.answer, it.answers)
                    tally[2 + at] += exact_match(ans.answer, it.answers)
            cells = " | ".join(f"{100 * v / max(n, 1):.1f}" for v in tally)
            print(f"| {name} | {n} | {cells} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
