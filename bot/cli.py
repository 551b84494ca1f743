"""The `newsbot` console script: reindex, ask, chat, eval, run, add, feeds, fetch."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.errors import IndexNotBuilt, NewsBotError, describe_os_error
from retrieval.models import Answer

log = logging.getLogger("newsbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsbot", description="Answer questions about news articles.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("reindex", help="build or update the index from the data directory")
    p.add_argument("--full", action="store_true", help="rebuild everything, re-embedding every chunk")

    p = sub.add_parser("ask", help="answer one question (or one per line from stdin with '-')")
    p.add_argument("--json", action="store_true", help="print the JSON contract object (one per line)")
    p.add_argument("question", nargs="+", help="the question, or '-' to read questions from stdin")

    sub.add_parser("chat", help="interactive local harness on the same service as the bot")

    p = sub.add_parser("eval", help="score the system on a QA file")
    p.add_argument("qa_file", type=Path, help='JSONL: {"question", "answers": [...], "unanswerable"?: bool}')
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    sub.add_parser("run", help="start the Telegram bot (long polling)")

    p = sub.add_parser("train", help="train the answer models on SQuAD-format files (cross-validated report)")
    p.add_argument("squad", type=Path, nargs="+", help="SQuAD-format JSON files (Simplified, Traditional)")
    p.add_argument("--out", type=Path, default=None, help="where to write the models (default: the package's)")
    p.add_argument("--work", type=Path, default=Path(".cache/train"), help="indexes and embedding cache")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds, split by document")
    p.add_argument("--limit", type=int, default=0, help="at most N questions per file (a seeded sample)")
    p.add_argument("--baseline", action="store_true", help="also score the rule-based answers on the same folds")
    p.add_argument(
        "--max-false-refusals",
        type=float,
        default=0.05,
        help="the refusal threshold keeps out-of-fold false refusals at this share of answerable questions (0.05)",
    )
    p = sub.add_parser("add", help="fetch articles by link, save them in the data folder and index them")
    p.add_argument("urls", nargs="+", metavar="URL", help="http or https link of a news article")

    p = sub.add_parser("feeds", help="the RSS/Atom feed list: add, list or remove")
    p.add_argument("action", choices=("add", "list", "remove"), help="what to do with the list")
    p.add_argument("urls", nargs="*", metavar="URL", help="feed URLs (for add and remove)")

    sub.add_parser("fetch", help="poll every feed once, save new articles and index them")
    p = sub.add_parser("stats", help="the serving index: store and collection, counts, model, generation")
    p.add_argument("--json", action="store_true", help="print the facts as one JSON object")
    return parser


def _fail(message: str) -> int:
    print(f"newsbot: error: {message}", file=sys.stderr)
    return 1


def _ensure_index(engine: Engine) -> None:
    """Build the index first when there is none, saying so on stderr."""
    try:
        _ = engine.index
        return
    except IndexNotBuilt:
        pass  # a damaged index (IndexCorrupted) is not rebuilt silently: the error reaches the user
    print("newsbot: no index yet; building it from", engine.settings.data_dir, file=sys.stderr)
    report = engine.reindex(show_bar=sys.stderr.isatty())
    print("newsbot:", report.summary(), file=sys.stderr)


def _print_answer(engine: Engine, raw: str, as_json: bool, where: str = "") -> None:
    """Answer one question the way chat and Telegram do: cleaned, cut at the same length, the same hint."""
    from bot.formatting import format_answer, html_to_text
    from bot.messages import text
    from bot.service import MAX_QUESTION_CHARS, prepare_question

    question = prepare_question(raw)
    if question.cut:
        log.warning("%squestion cut to its first %d characters (the limit)", where, MAX_QUESTION_CHARS)
    if not question.meaningful:
        if as_json:
            print(json.dumps(Answer(question=question.text, answered=False).contract(), ensure_ascii=False), flush=True)
        else:
            print(text(question.lang, "not_a_question"), flush=True)
        return
    _ensure_index(engine)
    answer = engine.ask(question.text)
    if as_json:
        print(json.dumps(answer.contract(), ensure_ascii=False), flush=True)
        return
    note = question.note() + "\n" if question.cut else ""
    print(note + html_to_text(format_answer(answer, question.lang)), flush=True)


def cmd_reindex(engine: Engine, args: argparse.Namespace) -> int:
    report = engine.reindex(full=args.full, show_bar=sys.stderr.isatty())
    for skipped in report.skipped:
        print(f"newsbot: skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_ask(engine: Engine, args: argparse.Namespace) -> int:
    if args.question == ["-"]:
        for number, line in enumerate(sys.stdin, 1):
            if line.strip():
                _print_answer(engine, line, args.json, where=f"line {number}: ")
        return 0
    _print_answer(engine, " ".join(args.question), args.json)
    return 0


def cmd_eval(engine: Engine, args: argparse.Namespace) -> int:
    from retrieval.evaluation import format_table, load_qa, run_eval

    try:
        items = load_qa(args.qa_file)  # read before any index is built: a wrong path fails at once
    except ValueError as exc:  # a line that is not a QA item, or a file that is not UTF-8 text
        raise NewsBotError(f"{args.qa_file}: {exc}" if str(args.qa_file) not in str(exc) else str(exc)) from exc
    _ensure_index(engine)
    report = run_eval(engine, items)
    from dataclasses import asdict

    from retrieval.answer_model import default_model

    config = asdict(default_model().config)  # the knobs these figures were measured with
    if engine.settings.answer_reader == "neural":
        from retrieval.reader import default_reader

        neural = default_reader()
        if neural is not None:
            config |= {f"reader_{k}": v for k, v in asdict(neural.config).items()}
            config |= {"refusal_model": neural.stack is not None, "answer_chooser": neural.selector is not None}
    report.answer_config = config
    print(report.model_dump_json(indent=2) if args.json else format_table(report))
    return 0


def _warm_dictionary() -> list[threading.Thread]:
    """Load the English-Chinese dictionary (~2-3 s) and the span reader (~0.5 s) in the background, so a
    long-running bot's first question does not wait for them. The caller joins the threads before exiting: a
    process that ends while torch is still loading aborts ("terminate called without an active exception")."""
    from retrieval.crosslingual import dictionary
    from retrieval.reader import default_reader

    threads = [
        threading.Thread(target=dictionary, name="dictionary-warm-up", daemon=True),
        threading.Thread(target=default_reader, name="reader-warm-up", daemon=True),
    ]
    for thread in threads:
        thread.start()
    return threads


def _joined(threads: list[threading.Thread], code: int) -> int:
    for thread in threads:
        thread.join(timeout=WARM_UP_JOIN_SECONDS)
    return code


WARM_UP_JOIN_SECONDS = 60.0  # loading takes seconds; a hung load must not keep the process from exiting


def cmd_chat(engine: Engine, args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    warming = _warm_dictionary()
    return _joined(warming, run_chat(engine, engine.settings))


def cmd_run(engine: Engine, args: argparse.Namespace) -> int:
    from bot.telegram import run_polling, run_webhook

    warming = _warm_dictionary()
    if engine.settings.webhook_url:
        return _joined(warming, run_webhook(engine.settings, engine))
    return _joined(warming, run_polling(engine.settings, engine))


def cmd_train(engine: Engine, args: argparse.Namespace) -> int:
    from importlib import resources

    from retrieval.answer_model import MODEL_DIR
    from retrieval.training import format_report, train

    missing = [str(p) for p in args.squad if not p.is_file()]
    if missing:
        return _fail(f"no such file: {', '.join(missing)}")
    out = args.out or Path(str(resources.files("retrieval").joinpath(MODEL_DIR)))
    started = time.perf_counter()

    def step(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f}s] {message}", file=sys.stderr, flush=True)

    if not 0.0 <= args.max_false_refusals < 1.0:
        return _fail("--max-false-refusals is a share of answerable questions, from 0 to below 1 (e.g. 0.05)")
    meta = train(
        args.squad,
        out,
        args.work,
        max_false_refusals=args.max_false_refusals,
        folds=args.folds,
        limit=args.limit,
        baseline=args.baseline,
        on_step=step,
    )
    print(format_report(meta))
    print(f"models written to {out}")
    return 0


def _reindex_after(engine: Engine, changed: bool) -> None:
    """Index what ingestion saved (incrementally), or say that nothing changed."""
    if not changed:
        print("newsbot: nothing new to index", file=sys.stderr)
        return
    report = engine.reindex(show_bar=sys.stderr.isatty())
    print(report.summary())


def cmd_add(engine: Engine, args: argparse.Namespace) -> int:
    from retrieval.ingest import Ingestor

    with Ingestor(engine.settings) as ingestor:
        outcomes = [ingestor.add(url) for url in args.urls]
    # Every link failed: errors (exit 1). Some failed: warnings beside what was added, like skipped files.
    failed_all = all(o.status == "failed" for o in outcomes)
    for outcome in outcomes:
        if outcome.status == "failed":
            print(f"newsbot: {'error: ' if failed_all else ''}{outcome.line()}", file=sys.stderr, flush=True)
        else:
            print(outcome.line(), flush=True)
    if failed_all:
        return 1
    _reindex_after(engine, any(o.changed for o in outcomes))
    return 0


def cmd_feeds(engine: Engine, args: argparse.Namespace) -> int:
    from retrieval.feeds import add_feed, read_feeds, remove_feed

    path = engine.settings.feeds_path()
    if args.action == "list":
        for url in read_feeds(path):
            print(url)
        return 0
    if not args.urls:
        raise NewsBotError(f"feeds {args.action} needs at least one URL")
    for url in args.urls:
        if args.action == "add":
            print(f"{'added' if add_feed(path, url) else 'already listed'}: {url} ({path})")
        else:
            print(f"{'removed' if remove_feed(path, url) else 'not listed'}: {url} ({path})")
    return 0


def cmd_fetch(engine: Engine, args: argparse.Namespace) -> int:
    from retrieval.feeds import poll_all, read_feeds
    from retrieval.ingest import Ingestor

    path = engine.settings.feeds_path()
    if not read_feeds(path):
        raise NewsBotError(f"no feeds listed in {path}; add one with `newsbot feeds add URL`")
    with Ingestor(engine.settings) as ingestor:
        report = poll_all(path, ingestor, progress=lambda line: print(f"newsbot: {line}", file=sys.stderr, flush=True))
    print(report.summary(), flush=True)
    _reindex_after(engine, report.changed)
    return 0


def cmd_stats(engine: Engine, args: argparse.Namespace) -> int:
    """`newsbot stats`: where the index lives (store, collection) and what it holds."""
    st = engine.stats()
    if args.json:
        print(st.model_dump_json(exclude={"llm"}))
        return 0
    print(f"store: {st.store}")
    print(f"generation: {st.generation} (built {st.built_at})")
    print(f"articles: {st.articles}, chunks: {st.chunks}, index: {st.index_type}")
    print(f"model: {st.model} ({st.dimension} dims)")
    print(f"published: {st.first_published or '?'} to {st.last_published or '?'}")
    return 0


COMMANDS = {
    "stats": cmd_stats,
    "reindex": cmd_reindex,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "run": cmd_run,
    "train": cmd_train,
    "add": cmd_add,
    "feeds": cmd_feeds,
    "fetch": cmd_fetch,
}


def _configure_logging(verbose: bool) -> None:
    """The core only logs; here the CLI decides what reaches the user: warnings as `newsbot: …` lines by default,
    everything with timestamps and logger names under -v."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s" if verbose else "newsbot: %(message)s",
        stream=sys.stderr,
    )


def _quiet_broken_pipe() -> int:
    """`newsbot ask - | head -1`: the reader left; stop quietly (no second error when Python flushes stdout)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every NewsBotError and OSError becomes one line `newsbot: error: …` and exit code 1."""
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose)
    started = time.perf_counter()
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        return _fail(f"invalid setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    try:
        return COMMANDS[args.command](Engine(settings), args)
    except NewsBotError as exc:
        return _fail(str(exc))
    except BrokenPipeError:
        return _quiet_broken_pipe()
    except OSError as exc:
        return _fail(describe_os_error(exc))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line (the traceback is logged under -v)
        log.info("unexpected error", exc_info=True)
        return _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for details)")
    finally:
        log.info("%s took %.2fs", args.command, time.perf_counter() - started)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
