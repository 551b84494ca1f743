"""Near-duplicate detection measured: edited copies of CMRC/DRCD contexts vs different stories on the same topic.

    .venv/bin/python benchmarks/dedup.py ../shared/data/cmrc2018_trial.json ../shared/data/drcd_test.json

Positives ("the same story, syndicated"): a context with 2-4 random edits of the kinds outlets make — a new headline,
an outlet/dateline line, an editor's line at the end, one or two sentences cut, a sentence added, the last fifth cut,
a few characters replaced, punctuation changed. Negatives ("a different story on the same topic"): two different
paragraphs of the same title (Wikipedia article), and a follow-up made of another paragraph of the same title that
opens by repeating the first sentence of the original as background. Prints precision/recall per threshold on the
MinHash estimate, then the end-to-end result of DuplicateIndex (every original indexed, every probe looked up) at
the shipped DUPLICATE_THRESHOLD.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.dedup import DUPLICATE_THRESHOLD, DuplicateIndex, estimate, jaccard

_SENT = re.compile(r"[^。！？!?]+[。！？!?]?")
OUTLETS = ["新华社", "中新网", "人民网", "澎湃新闻", "中央社", "聯合報", "南方日报", "财新网"]
FILLER = "记者从有关方面了解到，相关工作正在有序推进，后续情况本报将持续关注。"


def sentences(text: str) -> list[str]:
    return [s for s in _SENT.findall(text) if s.strip()]


def edit(text: str, rng: random.Random) -> str:
    """A syndicated copy: 2-4 edits of the kinds outlets make."""
    sents = sentences(text)
    kinds = rng.sample(["headline", "dateline", "footer", "cut", "add", "trim", "chars", "punct"], rng.randint(2, 4))
    if "cut" in kinds and len(sents) > 3:
        for _ in range(rng.randint(1, 2)):
            sents.pop(rng.randrange(1, len(sents)))
    if "trim" in kinds and len(sents) > 4:
        sents = sents[: max(3, int(len(sents) * 0.8))]
    if "add" in kinds:
        sents.insert(rng.randrange(1, len(sents) + 1), FILLER)
    body = "".join(sents)
    if "chars" in kinds:
        chars = list(body)
        for _ in range(max(1, len(chars) // 60)):
            i = rng.randrange(len(chars))
            if "\u4e00" <= chars[i] <= "\u9fff":
                chars[i] = chr(rng.randint(0x4E00, 0x9FA5))
        body = "".join(chars)
    if "punct" in kinds:
        body = body.replace("，", ", ").replace("。", ". ").replace("「", "“").replace("」", "”")
    if "dateline" in kinds:
        body = f"（{rng.choice(OUTLETS)}{rng.randint(1, 12)}月{rng.randint(1, 28)}日电）" + body
    if "headline" in kinds:
        body = f"{rng.choice(OUTLETS)}：{sents[0][:20]}\n" + body
    if "footer" in kinds:
        body += f"\n（完）责任编辑：{rng.choice(['王强', '李娜', '陈敏'])} 来源：{rng.choice(OUTLETS)}"
    return body


def load(paths: list[Path]) -> list[tuple[str, str]]:
    """(title, context) of every paragraph of 200 characters or more."""
    out = []
    for path in paths:
        for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
            for para in article["paragraphs"]:
                if len(para["context"]) >= 200:
                    out.append((article.get("title", ""), para["context"]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("squad_files", nargs="+", type=Path)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    contexts = load(args.squad_files)
    by_title: dict[str, list[str]] = {}
    for title, context in contexts:
        by_title.setdefault(title, []).append(context)
    positives = [(context, edit(context, rng)) for _, context in contexts]
    negatives: list[tuple[str, str]] = []
    for paras in by_title.values():
        for a, b in itertools.pairwise(paras):
            negatives.append((a, b))
            negatives.append((a, sentences(a)[0] + b))  # a follow-up repeating the first sentence as background
    print(f"{len(contexts)} contexts; {len(positives)} edited copies (positives); {len(negatives)} same-topic pairs")

    pos = [estimate(a, b) for a, b in positives]
    neg = [estimate(a, b) for a, b in negatives]
    exact_pos = sorted(jaccard(a, b) for a, b in positives)
    exact_neg = sorted(jaccard(a, b) for a, b in negatives)
    print(
        f"exact Jaccard: positives min {exact_pos[0]:.2f} p5 {exact_pos[len(exact_pos) // 20]:.2f} "
        f"median {exact_pos[len(exact_pos) // 2]:.2f}; negatives max {exact_neg[-1]:.2f} "
        f"p99 {exact_neg[len(exact_neg) * 99 // 100]:.2f} median {exact_neg[len(exact_neg) // 2]:.2f}"
    )
    print("\n| threshold | precision | recall | false merges | missed copies |\n|---|---|---|---|---|")
    for t in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8):
        tp = sum(s >= t for s in pos)
        fp = sum(s >= t for s in neg)
        precision = tp / (tp + fp) if tp + fp else 1.0
        print(f"| {t:.2f} | {precision:.3f} | {tp / len(pos):.3f} | {fp} | {len(pos) - tp} |")

    index = DuplicateIndex()
    for n, (_, context) in enumerate(contexts):
        index.add(str(n), context)
    tp = fp_pos = 0
    for n, (_, copy) in enumerate(positives):
        match = index.find(copy)
        if match is not None and match.key == str(n):
            tp += 1
        elif match is not None:
            fp_pos += 1
    # a negative probe is the second text of the pair, not itself indexed: look it up in an index without it
    fp_neg = 0
    for a, b in negatives:
        probe = DuplicateIndex()
        probe.add("a", a)
        fp_neg += probe.find(b) is not None
    fp = fp_pos + fp_neg
    print(
        f"\nDuplicateIndex at DUPLICATE_THRESHOLD={DUPLICATE_THRESHOLD} ({len(contexts)} originals indexed): "
        f"precision {tp / max(1, tp + fp):.3f}, recall {tp / len(positives):.3f} "
        f"({tp} copies found, {fp_pos} matched to the wrong original, {fp_neg} same-topic pairs merged)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
