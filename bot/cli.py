"""The `newsbot` console script: reindex, ask, chat, eval, run."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from retrieval.config import Settings
from retrieval.engine import Engine
from retrieval.errors import IndexNotBuilt, NewsBotError


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


def _print_answer(engine: Engine, question: str, as_json: bool) -> None:
    answer = engine.ask(question)
    if as_json:
        print(json.dumps(answer.contract(), ensure_ascii=False), flush=True)
        return
    from bot.formatting import format_answer, html_to_text
    from bot.messages import detect_language

    print(html_to_text(format_answer(answer, detect_language(question))), flush=True)


def cmd_reindex(engine: Engine, args: argparse.Namespace) -> int:
    report = engine.reindex(full=args.full, show_bar=sys.stderr.isatty())
    for skipped in report.skipped:
        print(f"skipped {skipped.path}: {skipped.reason}", file=sys.stderr)
    print(report.summary())
    return 0


def cmd_ask(engine: Engine, args: argparse.Namespace) -> int:
    _ensure_index(engine)
    if args.question == ["-"]:
        for line in sys.stdin:
            question = line.strip()
            if question:
                _print_answer(engine, question, args.json)
        return 0
    _print_answer(engine, " ".join(args.question), args.json)
    return 0


def cmd_eval(engine: Engine, args: argparse.Namespace) -> int:
    from retrieval.evaluation import format_table, load_qa, run_eval

    _ensure_index(engine)
    items = load_qa(args.qa_file)
    report = run_eval(engine, items)
    print(report.model_dump_json(indent=2) if args.json else format_table(report))
    return 0


def cmd_chat(engine: Engine, args: argparse.Namespace) -> int:
    from bot.chat import run_chat

    return run_chat(engine, engine.settings)


def cmd_run(engine: Engine, args: argparse.Namespace) -> int:
    from bot.telegram import run_polling

    return run_polling(engine.settings, engine)


COMMANDS = {"reindex": cmd_reindex, "ask": cmd_ask, "chat": cmd_chat, "eval": cmd_eval, "run": cmd_run}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        return _fail(f"invalid setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    engine = Engine(settings)
    started = time.perf_counter()
    try:
        return COMMANDS[args.command](engine, args)
    except NewsBotError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    finally:
        logging.getLogger(__name__).info("%s took %.2fs", args.command, time.perf_counter() - started)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
