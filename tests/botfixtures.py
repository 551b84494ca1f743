"""Shared helpers of the bot tests: a scriptable stand-in for retrieval.engine.Engine and settings on tmp_path."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from retrieval.config import Settings
from retrieval.errors import IndexNotBuilt, NewsBotError, ReindexInProgress
from retrieval.models import Answer, Article, IndexStats, ReindexReport, SkippedFile, Source

ADMIN_ID = 1001
USER_ID = 2002
TOKEN = "123456:TEST-secret-token-ABCdef"

SOURCE = Source(
    article_id="a1",
    title="Harbour <Bridge> & Tunnel report",
    url="https://news.example/a1?x=1&y=2",
    published="2024-03-05T08:00:00",
    source="Example Daily",
    text="The full passage about the harbour bridge. It has two sentences.",
    score=0.9,
)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    """Settings isolated under tmp_path, ignoring the environment's and .env's NEWSBOT_ values."""
    values: dict[str, Any] = {
        "data_dir": tmp_path / "articles",
        "index_dir": tmp_path / "index",
        "admin_ids": frozenset({ADMIN_ID}),
        "telegram_token": TOKEN,
        "telegram_api_url": "http://127.0.0.1:9/bot",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


class FakeEngine:
    """Same methods as Engine; answers "echo" questions, refuses ones containing "nothing", records calls."""

    def __init__(self, *, built: bool = True, answer_text: str | None = None, evidence: list[str] | None = None):
        self.built = built
        self.answer_text = answer_text
        self.evidence = evidence
        self.asked: list[str] = []
        self.preferred: list[str | None] = []  # prefer_article of each question
        self.articles: list[Article] = []  # what latest() lists and article() finds
        self.reindex_calls: list[bool] = []
        self.reindex_error: NewsBotError | None = None
        self.reindex_gate: threading.Event | None = None  # when set, reindex waits for it
        self.reindex_started = threading.Event()
        self.ask_delay = 0.0
        self.last_report: ReindexReport | None = None
        self._building = threading.Lock()  # like Engine's build lock: a second rebuild is refused

    def ask(self, question: str, user: str | None = None, *, prefer_article: str | None = None) -> Answer:
        if not self.built:
            raise IndexNotBuilt("no index yet")
        self.asked.append(question)
        self.preferred.append(prefer_article)
        if self.ask_delay:
            time.sleep(self.ask_delay)
        if "nothing" in question or "没有" in question:
            return Answer(question=question, answered=False, sources=[SOURCE])
        return Answer(
            question=question,
            answered=True,
            answer=self.answer_text if self.answer_text is not None else f"Answer to: {question}",
            evidence=self.evidence if self.evidence is not None else [f"Evidence sentence for {question}."],
            sources=[SOURCE],
        )

    def search(self, question: str, k: int = 8) -> list[object]:
        return []

    def latest(self, topic: str = "", limit: int = 5, period: str = "") -> list[Article]:
        if not self.built:
            raise IndexNotBuilt("no index yet")
        found = [a for a in self.articles if not topic or topic.lower() in (a.title + a.text).lower()]
        return sorted(found, key=lambda a: a.published or "", reverse=True)[:limit]

    def article(self, article_id: str) -> Article | None:
        if not self.built:
            raise IndexNotBuilt("no index yet")
        return next((a for a in self.articles if a.id == article_id), None)

    def stats(self) -> IndexStats:
        if not self.built:
            raise IndexNotBuilt("no index yet")
        return IndexStats(
            articles=3,
            chunks=42,
            model="fake-model",
            dimension=8,
            generation="g0001",
            built_at="2024-03-06T00:00:00+00:00",
            first_published="2024-01-02T10:00:00",
            last_published="2024-03-05",
        )

    def reindex(self, full: bool = False, progress: Callable[[int, int], None] | None = None) -> ReindexReport:
        if not self._building.acquire(blocking=False):
            raise ReindexInProgress("another reindex is running")
        try:
            return self._reindex(full, progress)
        finally:
            self._building.release()

    def _reindex(self, full: bool, progress: Callable[[int, int], None] | None) -> ReindexReport:
        self.reindex_calls.append(full)
        self.reindex_started.set()
        total = 4
        for done in range(1, total + 1):
            if progress:
                progress(done, total)
            if done == 2 and self.reindex_gate is not None:
                assert self.reindex_gate.wait(15), "test never released the rebuild"
        if self.reindex_error is not None:
            raise self.reindex_error
        self.built = True
        self.last_report = ReindexReport(
            generation="g0002",
            articles=4,
            added=1,
            changed=0,
            removed=0,
            unchanged=3,
            skipped=[SkippedFile(path="bad<file>.json", reason="not JSON")],
            chunks=50,
            embedded=8,
            seconds=0.5,
            full=full,
        )
        return self.last_report


_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote"}


class TelegramHTML(HTMLParser):
    """A strict reading of Telegram's HTML parse mode: known tags only, balanced, returns the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.errors.append(f"unsupported tag <{tag}>")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}>")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(value: str) -> str:
    """Visible text of a Telegram HTML message; raises ValueError where Telegram would refuse it."""
    parser = TelegramHTML()
    parser.feed(value)
    parser.close()
    if parser.stack:
        parser.errors.append(f"unclosed {parser.stack}")
    # A bare "&" or "<" that is not a tag or entity is refused by Telegram.
    stripped = re.sub(r"</?[a-zA-Z][^>]*>", "", value)
    if "<" in stripped or ">" in stripped:
        parser.errors.append("bare angle bracket")
    if re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", stripped):
        parser.errors.append("bare ampersand")
    if parser.errors:
        raise ValueError("; ".join(parser.errors))
    return "".join(parser.text)
