"""`newsbot chat`: the local harness, on the same service and formatting as the Telegram bot."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from bot.formatting import html_to_text
from bot.messages import detect_language
from bot.service import ChatService, EngineLike, Incoming, Reply, SourceRef, parse_command
from retrieval.config import Settings

LOCAL_USER_ID = 0  # the local user is treated as an admin, so /reindex and /stats can be tried
LOCAL_CHAT_ID = 0


def render(reply: Reply, buttons: list[SourceRef] | None = None, *, raw_html: bool = False) -> str:
    """A reply as the terminal shows it: readable text (or the HTML as sent), each button as `/source N`.

    `buttons` is the session's list of pressed-able buttons (Telegram keeps them in its callback-data cache).
    """
    body = reply.html if raw_html else html_to_text(reply.html)
    for button in reply.buttons:
        if buttons is None:
            body += f"\n[{button.label}]"
            continue
        buttons.append(button.payload)
        body += f"\n[{button.label}: /source {len(buttons)}]"
    return body


def _press(service: ChatService, buttons: list[SourceRef], args: str, lang_code: str | None) -> list[Reply]:
    """`/source N`: what pressing the Nth button of this session shows."""
    number = int(args) if args.strip().isdecimal() else 0  # isdigit() would pass "²", which int() refuses
    ref = buttons[number - 1] if 0 < number <= len(buttons) else None
    return service.source(ref, LOCAL_CHAT_ID, detect_language(None, lang_code))


def _locale_language() -> str | None:
    """ "en" for LANG=en_US.UTF-8, "zh" for zh_CN…, None when unset or C/POSIX (then Chinese, the default)."""
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(key, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return None if code in ("c", "posix") else code
    return None


def run_chat(
    engine: EngineLike,
    settings: Settings,
    input_stream: TextIO = sys.stdin,
    output: TextIO = sys.stdout,
    *,
    raw_html: bool = False,
    language_code: str | None = None,
) -> int:
    """Read questions and commands line by line until /quit or end of input; return the exit code (0).

    Replies follow the language of each question; commands use `language_code` (default: the locale, LANG).
    """
    service = ChatService(engine, settings)
    buttons: list[SourceRef] = []
    if language_code is None:
        language_code = _locale_language()
    interactive = input_stream.isatty()
    if interactive:
        print("NewsBot local chat. /help for commands, /quit to leave.", file=output)

    def progress(text: str) -> None:
        print(html_to_text(text), file=output, flush=True)

    while True:
        if interactive and input_stream is sys.stdin and output is sys.stdout:
            try:
                line = input("> ") + "\n"  # line editing and history where readline is available
            except EOFError:
                print(file=output)
                return 0
        else:
            if interactive:
                print("> ", end="", file=output, flush=True)
            line = input_stream.readline()
        if not line:
            return 0
        message = line.rstrip("\r\n")
        if message.strip().lower() in ("/quit", "/exit"):
            return 0
        if not message.strip() and not interactive:
            continue
        incoming = Incoming(
            user_id=LOCAL_USER_ID, text=message, is_admin=True, chat_id=LOCAL_CHAT_ID, language_code=language_code
        )
        command = parse_command(message)
        try:
            if command is not None and command[0] == "source" and command[1].strip():  # a button; bare: the service
                replies = _press(service, buttons, command[1], language_code)
            else:
                replies = service.handle(incoming, progress=progress)
        except Exception as exc:  # keep the session alive; the developer sees what went wrong
            print(f"error: {type(exc).__name__}: {exc}", file=output, flush=True)
            continue
        for reply in replies:
            print(render(reply, buttons, raw_html=raw_html), file=output, flush=True)
        if not interactive:
            print(file=output, flush=True)
