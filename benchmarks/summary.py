"""Summary methods compared: lead, TextRank centrality, and the lead plus the most central sentences.

Usage: python benchmarks/summary.py [--shared ../shared/data] [--contexts 30]

Articles: the sample article plus N contexts (half CMRC 2018 trial, half DRCD test, the first ones with at least
three questions and six sentences). Per method:
- verbatim: every chosen sentence occurs in the article text;
- at most 3 sentences;
- lead included: the article's first full sentence (the one that states the event in a news article) is chosen;
- answer coverage: share of the context's reading-comprehension answers that appear inside the chosen sentences,
  a proxy for how much of what readers ask about the summary keeps (the sample article has no such answers).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.articles import load_articles
from retrieval.models import Article
from retrieval.summary import MAX_SENTENCES, Method, sentences, summarize

ROOT = Path(__file__).resolve().parent.parent


def contexts(path: Path, limit: int) -> list[tuple[Article, list[str]]]:
    """The first `limit` contexts with three or more questions and six or more sentences, with their answers."""
    out: list[tuple[Article, list[str]]] = []
    for doc in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for para in doc["paragraphs"]:
            article = Article(id=str(para["id"]), title=doc["title"], text=para["context"])
            answers = [qa["answers"][0]["text"] for qa in para["qas"] if qa["answers"]]
            if len(answers) >= 3 and len(sentences(article)) >= 6:
                out.append((article, answers))
            if len(out) == limit:
                return out
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--contexts", type=int, default=30)
    args = parser.parse_args()
    if not (args.shared / "cmrc2018_trial.json").is_file():
        print(f"error: no cmrc2018_trial.json in {args.shared} (give --shared DIR)", file=sys.stderr)
        return 1
    half = args.contexts // 2
    items = [(a, []) for a in load_articles(ROOT / "data" / "articles").articles]
    items += contexts(args.shared / "cmrc2018_trial.json", half)
    items += contexts(args.shared / "drcd_test.json", args.contexts - half)
    print(f"{len(items)} articles (sample + {len(items) - 1} CMRC/DRCD contexts)")
    print(f"{'method':<15} {'verbatim':>9} {'<=3':>6} {'lead in':>8} {'answer coverage':>16}")
    for method in Method:
        verbatim = short = lead = covered = answers = 0
        for article, golds in items:
            chosen = summarize(article, method=method)
            verbatim += all(s in article.text for s in chosen)
            short += len(chosen) <= MAX_SENTENCES
            firsts = sentences(article)[:1]
            lead += bool(firsts) and firsts[0] in chosen
            text = "".join(chosen)
            covered += sum(g in text for g in golds)
            answers += len(golds)
        n = len(items)
        print(f"{method.value:<15} {verbatim / n:>9.0%} {short / n:>6.0%} {lead / n:>8.0%} {covered / answers:>16.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
