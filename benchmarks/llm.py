"""The model path beside the extractive path on the same questions, against any OpenAI-compatible endpoint.

Usage:
  python benchmarks/llm.py --url http://127.0.0.1:8080/v1 [--model NAME] [--timeout S] [--limit N] [--json]
      [--qa data/eval/sample_qa.jsonl --articles data/articles]     (the default)
      [--qa data/eval/en_qa.jsonl --articles data/eval/en_articles]
      [--squad ../shared/data/cmrc2018_trial.json [--qa data/eval/cmrc_unanswerable.jsonl]]
The key, if the endpoint needs one, comes from NEWSBOT_LLM_API_KEY. Each question is asked twice on one index:
extractive only, then with the model (the model path falls back to the extractive answer whenever its answer fails
verification). Prints per path: EM and F1 (CMRC 2018 style: CJK characters one token each), short-answer accuracy
(retrieval/evaluation.py's rule), answered share, refusals of unanswerable questions, false refusals, why/how
questions answered, latency p50/p95; for the model path also calls, answers used, rejected by verification,
refused, failed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.evaluation import QAItem, exact_match, f1_score, load_qa, normalize, short_answer_ok
from retrieval.models import Answer
from tests.fakellm import Behaviour, Request, answer, fake_llm

REPO = Path(__file__).resolve().parent.parent


def em_f1(answer: str, golds: list[str]) -> tuple[bool, float]:
    """EM and F1 as the CMRC 2018 script computes them (retrieval/evaluation.py), best over gold answers."""
    return exact_match(answer, golds), f1_score(answer, golds)


def score(items: list[QAItem], answers: list[Answer], seconds: list[float]) -> dict[str, Any]:
    """The table's numbers for one path."""
    answerable = [(i, a) for i, a in zip(items, answers, strict=True) if not i.unanswerable]
    unanswerable = [(i, a) for i, a in zip(items, answers, strict=True) if i.unanswerable]
    ems, f1s, ok = [], [], 0
    for item, ans in answerable:
        em, f1 = em_f1(ans.answer, item.answers) if ans.answered else (False, 0.0)
        ems.append(em)
        f1s.append(f1)
        ok += bool(ans.answered and short_answer_ok(ans.answer, item.answers))
    why_how = [(i, a) for i, a in zip(items, answers, strict=True) if a.kind in ("why", "how")]
    ordered = sorted(seconds)
    n = max(1, len(answerable))
    return {
        "questions": len(items),
        "em": sum(ems) / n,
        "f1": sum(f1s) / n,
        "short_answer": ok / n,
        "answered": sum(a.answered for _, a in answerable) / n,
        "refused_unanswerable": f"{sum(not a.answered for _, a in unanswerable)} of {len(unanswerable)}",
        "false_refusals": sum(not a.answered for _, a in answerable),
        "why_how_answered": f"{sum(a.answered for _, a in why_how)} of {len(why_how)}",
        "via_llm": sum(a.via == "llm" for a in answers),
        "p50_s": ordered[len(ordered) // 2] if ordered else 0.0,
        "p95_s": ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1")
    parser.add_argument(
        "--oracle",
        action="store_true",
        help="instead of a model, a loopback server that answers each answerable question with its gold answer and "
        "the passage sentence holding it (refusing the rest): measures how often verification rejects correct, "
        "well-quoted answers",
    )
    parser.add_argument("--model", default=os.environ.get("NEWSBOT_LLM_MODEL", "local"))
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per model call")
    parser.add_argument("--max-tokens", type=int, default=400)
    parser.add_argument("--qa", type=Path, action="append", default=[], help="QA JSONL file (repeatable)")
    parser.add_argument("--articles", type=Path, default=None, help="article folder of the QA files")
    parser.add_argument("--squad", type=Path, default=None, help="SQuAD-format file (CMRC 2018): its contexts and QA")
    parser.add_argument(
        "--liar",
        action="store_true",
        help="instead of a model, a loopback server that always answers: the first clause of the passage sentence "
        "sharing most terms with the question, quoting that sentence (measures refusals kept on unanswerable "
        "questions)",
    )
    parser.add_argument("--limit", type=int, default=0, help="ask only N questions (a fixed random sample)")
    parser.add_argument("--work-dir", type=Path, default=None, help="keep the index here (reruns reuse its vectors)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--show", type=int, default=0, help="print N questions where the paths differ")
    parser.add_argument("-v", "--verbose", action="store_true", help="log why each model answer was not used")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(format="%(message)s")
        logging.getLogger("retrieval.generative").setLevel(logging.INFO)
    if not args.url and not args.oracle and not args.liar:
        print("error: give --url, --oracle or --liar", file=sys.stderr)
        return 1
    gold: dict[str, list[str]] = {}
    with contextlib.ExitStack() as stack:
        if args.oracle or args.liar:
            script = (lambda r: _oracle(r, gold)) if args.oracle else _liar
            server = stack.enter_context(fake_llm(script))
            args.url, args.model = server.url, "oracle" if args.oracle else "liar"
        return run(args, gold)


def _prompt_sentences(prompt: str) -> list[tuple[int, str]]:
    from retrieval.text import split_sentences

    out = []
    for block in prompt.split('<passage id="')[1:]:
        number = int(block.split('"', 1)[0])
        text = block.split("\n", 2)[2].rsplit("</passage>", 1)[0] if block.count("\n") >= 2 else ""
        out.extend((number, text[s:e]) for s, e in split_sentences(text))
    return out


def _liar(request: Request) -> Behaviour:
    """Always an answer: the first clause of the sentence that shares most terms with the question."""
    from retrieval.verify import folded, question_terms

    prompt = request.prompt
    question = prompt.split("Question: ", 1)[1].split("\n", 1)[0] if "Question: " in prompt else ""
    terms = question_terms(question)
    scored = [(sum(t in folded(s) for t in terms), n, s) for n, s in _prompt_sentences(prompt)]
    if not scored:
        return answer("", [], [], answerable=False)
    _, number, sentence = max(scored, key=lambda x: x[0])
    clause = sentence.replace(",", "，").split("，")[0].strip("。. ")
    return answer(clause or sentence, [number], [sentence])


def _oracle(request: Request, gold: dict[str, list[str]]) -> Behaviour:
    """The gold answer with the passage sentence that holds it and most of the question's terms, or a refusal."""
    from retrieval.verify import folded, question_terms

    prompt = request.prompt
    question = prompt.split("Question: ", 1)[1].split("\n", 1)[0] if "Question: " in prompt else ""
    terms = question_terms(question)
    best: tuple[int, int, str, str] | None = None
    for number, sentence in _prompt_sentences(prompt):
        for g in gold.get(question, []):
            if g and normalize(g) in normalize(sentence):
                covered = sum(t in folded(sentence) for t in terms)
                if best is None or covered > best[0]:
                    best = (covered, number, g, sentence)
    if best is None:
        return answer("", [], [], answerable=False)
    return answer(best[2], [best[1]], [best[3]])


def run(args: argparse.Namespace, gold: dict[str, list[str]]) -> int:
    """Build the index, ask every question on both paths, print the table."""
    with tempfile.TemporaryDirectory(prefix="newsbot-llm-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        items: list[QAItem] = []
        articles = args.articles
        if args.squad is not None:
            from benchmarks.squad import convert

            path, qa_path, _ = convert(args.squad, work)
            articles = path.parent
            items += load_qa(qa_path)
        if not args.qa and args.squad is None:
            args.qa = [REPO / "data/eval/sample_qa.jsonl"]
            articles = articles or REPO / "data/articles"
        for qa in args.qa:
            items += load_qa(qa)
        if articles is None:
            print("error: --articles is needed with --qa", file=sys.stderr)
            return 1
        if args.limit:
            items = random.Random(0).sample(items, min(args.limit, len(items)))
        for item in items:
            if not item.unanswerable:
                gold[item.question] = item.answers
        base = Settings(data_dir=articles, index_dir=work / "index")
        plain = Engine(base)
        print(plain.reindex().summary(), file=sys.stderr)
        with_llm = Engine(
            base.model_copy(
                update={
                    "llm_url": args.url.rstrip("/"),
                    "llm_model": args.model,
                    "llm_timeout": args.timeout,
                    "llm_max_tokens": args.max_tokens,
                    "llm_user_calls_per_hour": 10**9,
                    "llm_calls_per_hour": 10**9,
                }
            ),
            embedder=plain.embedder,
        )
        results: dict[str, tuple[list[Answer], list[float]]] = {"extractive": ([], []), "llm": ([], [])}
        for n, item in enumerate(items, 1):
            for name, engine in (("extractive", plain), ("llm", with_llm)):
                started = time.perf_counter()
                ans = engine.ask(item.question)
                results[name][1].append(time.perf_counter() - started)
                results[name][0].append(ans)
            if n % 20 == 0:
                print(f"{n}/{len(items)}", file=sys.stderr)
        table = {name: score(items, answers, secs) for name, (answers, secs) in results.items()}
        usage = with_llm.generative.stats() if with_llm.generative else None
        calls = usage.model_dump() if usage else {}
        report: dict[str, Any] = {"model": args.model, "url": args.url, "paths": table, "llm_calls": calls}
        if usage and usage.calls:
            report["rejected_share"] = usage.rejected / usage.calls
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            keys = list(table["extractive"])
            print(f"{'':24}{'extractive':>14}{'with model':>14}")
            for k in keys:
                a, b = table["extractive"][k], table["llm"][k]
                fa = f"{a:.3f}" if isinstance(a, float) else str(a)
                fb = f"{b:.3f}" if isinstance(b, float) else str(b)
                print(f"{k:24}{fa:>14}{fb:>14}")
            if usage:
                print(
                    f"model {args.model}: {usage.calls} calls, {usage.answered} used, {usage.rejected} rejected by "
                    f"verification ({report.get('rejected_share', 0):.0%} of calls), {usage.refused} refused, "
                    f"{usage.failures} failed, mean {usage.mean_latency_ms:.0f} ms"
                )
        shown = 0
        for item, a, b in zip(items, results["extractive"][0], results["llm"][0], strict=True):
            if shown >= args.show:
                break
            if a.answer != b.answer:
                shown += 1
                print(f"- {item.question} gold={item.answers} extractive={a.answer!r} model={b.answer!r} ({b.via})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
