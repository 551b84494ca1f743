"""Transport-free conversation core: (user, chat, text or command) in, reply messages out.

The Telegram adapter and the local `newsbot chat` harness both call this module and the same formatting, so what a
developer sees locally is what a Telegram user gets. Everything here is synchronous and may block (the engine
embeds queries and rebuilds indexes); the Telegram adapter runs it in worker threads.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import re
import threading
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bot.conversation import Conversations
from bot.formatting import (
    esc,
    format_answer,
    format_latest,
    format_source_passage,
    format_summary,
    html_to_text,
    source_line,
    split_html,
)
from bot.intents import intent
from bot.messages import MESSAGES, Lang, detect_language, examples, text
from retrieval.articles import SUFFIXES
from retrieval.config import Settings
from retrieval.errors import (
    DataDirMissing,
    IndexNotBuilt,
    IndexWriteError,
    NewsBotError,
    ReindexInProgress,
    StoreUnavailable,
    describe_os_error,
)
from retrieval.feeds import PollReport
from retrieval.followup import Resolution, Turn, resolve
from retrieval.generative import asking_user
from retrieval.ingest import Outcome
from retrieval.models import Answer, Article, IndexStats, ReindexReport, Source
from retrieval.summary import summarize
from retrieval.text import to_traditional

log = logging.getLogger(__name__)

# Longer questions are cut: retrieval gains nothing from an essay and the embedder truncates anyway.
MAX_QUESTION_CHARS = 500
# Article uploads: exactly the formats the article parser reads, and a size that is generous for text but bounded.
UPLOAD_EXTENSIONS = SUFFIXES
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Most file systems (ext4, xfs, btrfs, tmpfs) allow 255 bytes per name; room is kept for the "-N" of a renamed copy.
MAX_NAME_BYTES = 255
_RENAME_RESERVE = 6
# Links taken from one /add or message: a few at a time keeps one admin's paste from fetching for minutes.
MAX_LINKS = 20


class EngineLike(Protocol):
    """What the service needs from retrieval.engine.Engine."""

    def ask(self, question: str, user: str | None = None, *, prefer_article: str | None = None) -> Answer: ...

    def latest(self, topic: str = "", limit: int = 5, period: str = "") -> list[Article]: ...

    def article(self, article_id: str) -> Article | None: ...

    def stats(self) -> IndexStats: ...

    def reindex(self, full: bool = False, progress: Callable[[int, int], None] | None = None) -> ReindexReport: ...

    @property
    def last_report(self) -> ReindexReport | None: ...


@dataclass(frozen=True)
class SourceRef:
    """What a "show source" button carries: the sources of one answer, bound to the chat it was given in."""

    chat_id: int
    lang: Lang
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class Button:
    """An inline button: its label and what it carries back when pressed (the transport stores it)."""

    label: str
    payload: SourceRef


@dataclass(frozen=True)
class Reply:
    """One reply message in Telegram HTML; split into parts by the transport if it is too long."""

    html: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Incoming:
    """One message to the bot, already stripped of transport details."""

    user_id: int
    text: str
    is_admin: bool = False
    chat_id: int = 0
    chat_type: str = "private"
    language_code: str | None = None


@dataclass(frozen=True)
class InlineResult:
    """One answer offered in inline mode (@bot question): a title, a one-line description, the message to send."""

    id: str
    title: str
    description: str
    html: str


@dataclass
class UploadResult:
    """Where an uploaded article was saved (None when refused) and what to tell the user."""

    path: Path | None
    replies: list[Reply] = field(default_factory=list)


def parse_command(message: str) -> tuple[str, str] | None:
    """("ask", "the question") for "/ask@SomeBot the question"; None when the text is not a command."""
    m = re.match(r"^/([A-Za-z0-9_]{1,64})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", message.strip(), re.S)
    if not m:
        return None
    return m.group(1).lower(), (m.group(2) or "").strip()


def clean_question(raw: str) -> str:
    """Control and format characters removed, whitespace collapsed."""
    chars = [" " if unicodedata.category(c)[0] == "C" or c.isspace() else c for c in raw]
    return re.sub(r"\s+", " ", "".join(chars)).strip()


def is_meaningful(question: str) -> bool:
    """True when the text has at least one letter or digit (emoji and punctuation alone are not a question)."""
    return any(unicodedata.category(c)[0] in "LN" for c in question)


@dataclass(frozen=True)
class Question:
    """A question as every edge asks it: cleaned, cut to the length limit, its language, whether it is one."""

    text: str
    lang: Lang
    cut: bool = False
    meaningful: bool = True

    def note(self, limit: int = MAX_QUESTION_CHARS) -> str:
        """The notice that the question was cut (plain text, in its language), or empty."""
        return text(self.lang, "truncated", limit=limit) if self.cut else ""


def prepare_question(raw: str, language_code: str | None = None, limit: int = MAX_QUESTION_CHARS) -> Question:
    """Clean a question and cut it at `limit` characters: the same rule for Telegram, chat and `newsbot ask`."""
    question = clean_question(raw)
    lang = detect_language(question, language_code)
    if not is_meaningful(question):
        return Question(question, lang, meaningful=False)
    if len(question) > limit:
        return Question(question[:limit], lang, cut=True)
    return Question(question, lang)


def _age(built_at: str, lang: Lang) -> str:
    try:
        when = dt.datetime.fromisoformat(built_at.replace("Z", "+00:00"))
    except ValueError:
        return text(lang, "unknown")
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    seconds = max(0, int((dt.datetime.now(dt.UTC) - when).total_seconds()))
    units = [(86400, "天", "d"), (3600, "小时", "h"), (60, "分钟", "min"), (1, "秒", "s")]
    for size, zh, en in units:
        if seconds >= size or size == 1:
            n = seconds // size
            return f"{n} {en}" if lang == "en" else f"{n} {zh if lang == 'zh' else to_traditional(zh)}"
    return ""  # pragma: no cover


def _date(value: str | None) -> str | None:
    return value[:10] if value else None


def safe_filename(name: str) -> str:
    """A file name that cannot leave the data folder: last path component, odd characters replaced."""
    name = unicodedata.normalize("NFKC", name).replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    stem = re.sub(r"[^\w\-]+", "_", stem).strip("._-") or "upload"
    ext = re.sub(r"[^\w]+", "", ext).lower()[:16]
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - _RENAME_RESERVE - len(suffix.encode())
    stem = stem.encode()[:budget].decode(errors="ignore").rstrip("._-") or "upload"  # never half a character
    return stem + suffix


class InboundLimiter:
    """Per-user sliding-window limit on questions, with a single throttle notice per burst."""

    def __init__(self, max_messages: int = 5, period: float = 10.0, clock: Callable[[], float] = time.monotonic):
        self.max_messages = max_messages
        self.period = period
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._noticed: set[int] = set()
        self._lock = threading.Lock()

    def check(self, user_id: int) -> str:
        """Return "ok" to answer, "notice" to send the one throttle notice, "drop" to ignore silently."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(user_id, deque())
            while times and now - times[0] >= self.period:
                times.popleft()
            if len(times) < self.max_messages:
                times.append(now)
                self._noticed.discard(user_id)
                return "ok"
            if user_id in self._noticed:
                return "drop"
            self._noticed.add(user_id)
            return "notice"


class ChatService:
    """The conversation: commands, questions, admin operations, shared by Telegram and the local harness."""

    def __init__(
        self,
        engine: EngineLike,
        settings: Settings,
        *,
        max_question_chars: int = MAX_QUESTION_CHARS,
        max_upload_bytes: int = MAX_UPLOAD_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.max_question_chars = max_question_chars
        self.max_upload_bytes = max_upload_bytes
        self.conversations = Conversations(settings.followup_window, clock)
        self._ingest_lock = threading.Lock()  # one ingestion at a time: duplicates are checked against saved files

    # --- entry point ------------------------------------------------------------------------------------------

    def is_admin(self, user_id: int | None) -> bool:
        """Whether a user id is listed in NEWSBOT_ADMIN_IDS (empty means nobody)."""
        return user_id is not None and user_id in self.settings.admin_ids

    def handle(self, msg: Incoming, progress: Callable[[str], None] | None = None) -> list[Reply]:
        """Reply to one message: a command or a plain question (`progress` gets /reindex progress texts)."""
        command = parse_command(msg.text)
        if command is None and self.is_link_message(msg):  # an admin's link in a private chat: add the article
            lang = detect_language(None, msg.language_code)
            replies, changed = self.add_links(find_links(msg.text), lang)
            return replies + (self.reindex(lang, progress=progress) if changed else [])
        if command is None:
            meant = intent(clean_question(msg.text))
            if meant is not None:  # "最近有什么新闻？", "这篇文章讲了什么？": the command they stand for
                lang = detect_language(msg.text, msg.language_code)
                if meant.command == "latest":
                    return self.latest(meant.args, lang, msg.chat_id, period=meant.period)
                if meant.command == "greeting":
                    return self.help(lang)
                if meant.command in ("thanks", "ack"):
                    return [Reply(esc(text(lang, f"{meant.command}_reply")))]
                return self.summary("", lang, msg.chat_id)
            return self.ask(msg.text, language_code=msg.language_code, chat_id=msg.chat_id, user_id=msg.user_id)
        name, args = command
        # A command's arguments are keywords ("full"), not prose: the user's language decides the reply's.
        lang = detect_language(None, msg.language_code)
        if name in ("start", "help"):
            return self.help(lang)
        if name == "new":
            self.conversations.forget(msg.chat_id)
            return [Reply(esc(text(lang, "new_done")))]
        if name == "latest":
            return self.latest(args, detect_language(args or None, msg.language_code), msg.chat_id)
        if name == "summary":
            return self.summary(args, lang, msg.chat_id)
        if name == "source":
            return self.last_source(msg.chat_id, lang)
        if name == "ask":
            if not clean_question(args):
                return [Reply(esc(text(lang, "empty_question")))]
            return self.ask(args, language_code=msg.language_code, chat_id=msg.chat_id, user_id=msg.user_id)
        if name in ("add", "feeds"):
            if not msg.is_admin:
                return [Reply(esc(text(lang, "admin_only")))]
            if name == "add":
                replies, changed = self.add_links(find_links(args), lang)
            else:
                replies, changed = self.feeds(args, lang)
            return replies + (self.reindex(lang, progress=progress) if changed else [])
        if name in ("reindex", "stats"):
            if not msg.is_admin:
                return [Reply(esc(text(lang, "admin_only")))]
            if name == "stats":
                return self.stats(lang)
            return self.reindex(lang, full=args.strip().lower() in ("full", "--full"), progress=progress)
        return [Reply(esc(text(lang, "unknown_command")))]

    # --- commands ---------------------------------------------------------------------------------------------

    def help(self, lang: Lang) -> list[Reply]:
        """/start and /help: what the bot knows and example questions in Chinese and English."""
        lines = [esc(text(lang, "welcome"))]
        try:
            st = self.engine.stats()
        except IndexNotBuilt:
            lines.append(esc(text(lang, "no_index")))
        except NewsBotError:
            log.exception("stats failed")
            lines.append(esc(text(lang, "no_index")))
        else:
            first, last = _date(st.first_published), _date(st.last_published)
            s = "" if st.articles == 1 else "s"  # "1 article", "2 articles" (the Chinese text has no plural)
            if first and last:
                lines.append(
                    esc(text(lang, "knows", articles=st.articles, s=s, chunks=st.chunks, first=first, last=last))
                )
            else:
                lines.append(esc(text(lang, "knows_undated", articles=st.articles, s=s, chunks=st.chunks)))
        lines.append("")
        lines.append(f"<b>{esc(text(lang, 'examples_title'))}</b>")
        lines.extend(f"• {esc(q)}" for q in examples(lang))
        lines.append("")
        lines.append(esc(text(lang, "commands")))
        return [Reply("\n".join(lines))]

    def ask(
        self, raw: str, *, language_code: str | None = None, chat_id: int = 0, user_id: int | None = None
    ) -> list[Reply]:
        """Answer a question: bold answer, evidence, source and a "show source" button; or a polite refusal.

        `user_id` counts against the per-user limit on language-model calls (when a model is configured).
        """
        prepared = prepare_question(raw, language_code, self.max_question_chars)
        question, lang = prepared.text, prepared.lang
        if not prepared.meaningful:
            return [Reply(esc(text(lang, "not_a_question")))]
        note = f"<i>{esc(prepared.note(self.max_question_chars))}</i>\n" if prepared.cut else ""
        turn = self.conversations.turn(chat_id)
        try:
            with asking_user(None if user_id is None else f"user:{user_id}"):
                resolution, answer = self.answer(question, chat_id)
        except IndexNotBuilt:
            return [Reply(note + esc(text(lang, "no_index")))]
        except StoreUnavailable as exc:  # a Milvus server down or refusing the token: the store retried already
            log.warning("answering failed: %s", exc)
            return [Reply(note + esc(text(lang, "store_down")))]
        except NewsBotError:
            log.exception("answering failed")
            return [Reply(note + esc(text(lang, "error")))]
        buttons: tuple[Button, ...] = ()
        if answer.answered and answer.sources:
            buttons = (Button(text(lang, "show_source"), SourceRef(chat_id, lang, tuple(answer.sources))),)
        self.conversations.remember(chat_id, sources=tuple(answer.sources) if answer.answered else ())
        return [Reply(note + format_answer(answer, lang, self._understood(resolution, turn, lang, answer)), buttons)]

    def answer(self, question: str, chat_id: int = 0) -> tuple[Resolution, Answer]:
        """How a prepared question was understood in this chat (a follow-up is completed) and its answer.

        The chat's memory is updated for the next follow-up. Raises the engine's errors (IndexNotBuilt…).
        """
        resolution = resolve(question, self.conversations.turn(chat_id))
        if resolution.prefer_article is not None:
            answer = self.engine.ask(resolution.text, prefer_article=resolution.prefer_article)
        else:
            answer = self.engine.ask(resolution.text)
        if resolution.rewritten and not answer.answered and resolution.prefer_article is not None:
            # the completed question found nothing: the words as asked may still match the previous article
            # ("他说" is how the article writes it), so they are tried there before giving up
            plain = self.engine.ask(question, prefer_article=resolution.prefer_article)
            if plain.answered:
                resolution = Resolution(question, False, resolution.prefer_article, "article")
                answer = plain
        self._remember(chat_id, resolution, answer)
        return resolution, answer

    def inline(self, raw: str, *, language_code: str | None = None, user_id: int | None = None) -> list[InlineResult]:
        """Inline mode: the question answered on its own (an inline query has no chat, so no follow-up), as one
        result whose message is the usual reply (its first part when long); empty for an empty query."""
        prepared = prepare_question(raw, language_code, self.max_question_chars)
        if not prepared.text or not prepared.meaningful:
            return []
        question, lang = prepared.text, prepared.lang
        try:
            with asking_user(None if user_id is None else f"user:{user_id}"):
                answer = self.engine.ask(question)
        except IndexNotBuilt:
            return [_inline_note(question, text(lang, "no_index"))]
        except NewsBotError:
            log.exception("inline answering failed")
            return [_inline_note(question, text(lang, "error"))]
        html = split_html(format_answer(answer, lang))[0]
        source = answer.sources[0] if answer.sources else None
        if answer.answered:
            title = answer.answer.strip() or (answer.evidence[0] if answer.evidence else text(lang, "not_found"))
        else:
            title = text(lang, "not_found")
        plain = source.model_copy(update={"url": None}) if source is not None else None  # no link in one line
        description = html_to_text(source_line(plain, lang)) if plain is not None else question
        return [InlineResult(_inline_id(question), title[:200], description[:200], html)]

    @staticmethod
    def _understood(resolution: Resolution, turn: Turn | None, lang: Lang, answer: Answer) -> str:
        """The "（理解为：…）" line of a completed follow-up; empty for a question that stood on its own, and no
        "about the previous article" where another article answered."""
        if resolution.rewritten:
            return text(lang, "understood", question=resolution.text)
        first = answer.sources[0].article_id if answer.answered and answer.sources else None
        elsewhere = first is not None and first != resolution.prefer_article
        if resolution.prefer_article is not None and turn is not None and turn.article_title and not elsewhere:
            return text(lang, "understood_article", title=turn.article_title, question=resolution.text)
        return ""

    def _remember(self, chat_id: int, resolution: Resolution, answer: Answer) -> None:
        """Keep this question (as understood) for the chat's next follow-up."""
        first = answer.sources[0] if answer.sources else None
        turn = Turn(
            question=resolution.text,
            answer=answer.answer if answer.answered else "",
            article_id=first.article_id if first is not None and answer.answered else resolution.prefer_article,
            article_title=first.title if first is not None else "",
        )
        self.conversations.remember(chat_id, turn=turn)

    # --- latest and summaries -----------------------------------------------------------------------------------

    def latest(self, topic: str, lang: Lang, chat_id: int = 0, *, period: str = "") -> list[Reply]:
        """/latest [topic]: the newest articles (title · outlet · date · link), numbered for /summary N; with a
        period ("上周有什么新闻？"), the articles published in it."""
        topic = clean_question(topic)[: self.max_question_chars]
        try:
            articles = self.engine.latest(topic, period=period) if period else self.engine.latest(topic)
        except IndexNotBuilt:
            return [Reply(esc(text(lang, "no_index")))]
        except NewsBotError:
            log.exception("listing failed")
            return [Reply(esc(text(lang, "error")))]
        if articles:
            self.conversations.remember(chat_id, listed=[a.id for a in articles])
        shown = to_traditional(period) if lang == "zh-Hant" else period  # 上週, as the user wrote it
        return [Reply(format_latest(articles, lang, topic, shown))]

    def summary(self, args: str, lang: Lang, chat_id: int = 0) -> list[Reply]:
        """/summary [N]: an extractive summary of the last cited article, or of article N of the last /latest."""
        args = args.strip()
        try:
            if args:
                listed = self.conversations.listed(chat_id)
                number = int(args) if args.isdecimal() and len(args) < 10 else 0
                if not 0 < number <= len(listed):
                    if not listed:
                        return [Reply(esc(text(lang, "summary_none")))]
                    return [Reply(esc(text(lang, "summary_bad_number", n=args[:20], count=len(listed))))]
                article_id: str | None = listed[number - 1]
            else:
                turn = self.conversations.turn(chat_id)
                listed = self.conversations.listed(chat_id)
                article_id = turn.article_id if turn is not None and turn.article_id else None
                article_id = article_id or (listed[0] if listed else None)
            article = self.engine.article(article_id) if article_id else None
        except IndexNotBuilt:
            return [Reply(esc(text(lang, "no_index")))]
        except NewsBotError:
            log.exception("summary failed")
            return [Reply(esc(text(lang, "error")))]
        if article is None:
            return [Reply(esc(text(lang, "summary_none")))]
        self.conversations.remember(
            chat_id, turn=Turn(question=article.title, article_id=article.id, article_title=article.title)
        )
        return [Reply(format_summary(article, summarize(article), lang))]

    def source(self, ref: object, chat_id: int, lang: Lang) -> list[Reply]:
        """The full source passage(s) behind an earlier answer in this chat (the button), in the answer's language.

        A reference that is unknown, expired or from another chat gets the same polite "ask again".
        """
        if not isinstance(ref, SourceRef) or ref.chat_id != chat_id:
            return [Reply(esc(text(lang, "source_gone")))]
        lang = ref.lang
        seen: set[str] = set()
        blocks = []
        for s in ref.sources:
            if s.article_id not in seen:
                seen.add(s.article_id)
                blocks.append(format_source_passage(s, lang))
        return [Reply("\n\n".join(blocks[:3]))]

    def last_source(self, chat_id: int, lang: Lang) -> list[Reply]:
        """/source: the full source passage(s) of this chat's last answer, while the conversation is fresh."""
        sources = self.conversations.sources(chat_id)
        if not sources:
            return [Reply(esc(text(lang, "source_none")))]
        return self.source(SourceRef(chat_id, lang, sources), chat_id, lang)

    def stats(self, lang: Lang) -> list[Reply]:
        """/stats (admin): index facts and the last reindex result."""
        try:
            st = self.engine.stats()
        except IndexNotBuilt:
            return [Reply(esc(text(lang, "no_index")))]
        except NewsBotError as exc:  # e.g. a corrupted index: the admin needs to know why
            log.warning("stats failed: %s", exc)
            return [Reply(esc(text(lang, "error")) + "\n" + esc(str(exc)))]
        report = self.engine.last_report
        unknown = text(lang, "unknown")
        body = text(
            lang,
            "stats",
            articles=st.articles,
            chunks=st.chunks,
            model=st.model,
            dimension=st.dimension,
            store=st.store,
            generation=st.generation,
            built_at=st.built_at,
            age=_age(st.built_at, lang),
            first=_date(st.first_published) or unknown,
            last=_date(st.last_published) or unknown,
            last_report=summary(report, lang) if report else text(lang, "no_last_report"),
        )
        if st.llm is not None:
            u = st.llm
            body += "\n" + text(
                lang,
                "stats_llm",
                model=u.model,
                calls=u.calls,
                answered=u.answered,
                failures=u.failures,
                rejected=u.rejected,
                refused=u.refused,
                limited=u.limited,
                fallbacks=u.fallbacks,
                latency=f"{u.mean_latency_ms:.0f}",
            )
        return [Reply(esc(body))]

    def progress_text(self, lang: Lang, done: int, total: int) -> str:
        """The in-place progress message of a rebuild."""
        percent = int(100 * done / total) if total else 100
        return esc(text(lang, "reindex_progress", done=done, total=total, percent=percent))

    def reindex(self, lang: Lang, *, full: bool = False, progress: Callable[[str], None] | None = None) -> list[Reply]:
        """Rebuild the index (blocking); the caller has checked that the user is an admin.

        `progress` receives the progress message text whenever the whole percentage changes. The engine's build
        lock refuses a second rebuild (from this process or another); a failure is reported with its cause and the
        old index keeps serving.
        """
        last = [-1]

        def on_progress(done: int, total: int) -> None:
            if total <= 0:
                return  # nothing to embed: no "0/0" message
            percent = int(100 * done / total)
            if progress is not None and percent != last[0]:
                last[0] = percent
                progress(self.progress_text(lang, done, total))

        try:
            report = self.engine.reindex(full=full, progress=on_progress)
        except ReindexInProgress:
            return [Reply(esc(text(lang, "reindex_running")))]
        except Exception as exc:  # the admin needs the cause whatever it is; the old index keeps serving
            log.warning("reindex failed: %s", exc, exc_info=not isinstance(exc, NewsBotError | OSError))
            return [Reply(esc(text(lang, "reindex_failed") + failure_cause(exc, lang)))]
        return [Reply(self.report_html(report, lang))]

    def report_html(self, report: ReindexReport, lang: Lang) -> str:
        """The result of a rebuild: summary line and skipped files."""
        lines = [f"<b>{esc(text(lang, 'reindex_done'))}</b>{esc(summary(report, lang))}"]
        if report.skipped:
            lines.append(esc(text(lang, "reindex_skipped")))
            lines.extend(f"• {esc(s.path)}: {esc(s.reason)}" for s in report.skipped[:20])
            if len(report.skipped) > 20:
                lines.append(f"… (+{len(report.skipped) - 20})")
        return "\n".join(lines)

    # --- articles by link and by feed -----------------------------------------------------------------------

    def is_link_message(self, msg: Incoming) -> bool:
        """An admin's private message made only of links: those articles are to be added."""
        return msg.is_admin and msg.chat_type == "private" and is_links_only(msg.text)

    def add_links(self, urls: list[str], lang: Lang) -> tuple[list[Reply], bool]:
        """Fetch and save articles by link (no reindex); one reply line per link, and whether anything changed."""
        if not urls:
            return [Reply(esc(text(lang, "add_usage")))], False
        from retrieval.ingest import Ingestor

        with self._ingest_lock, Ingestor(self.settings) as ingestor:
            outcomes = [ingestor.add(url) for url in urls[:MAX_LINKS]]
        lines = [outcome_html(o, lang) for o in outcomes]
        changed = any(o.changed for o in outcomes)
        if not changed and any(o.status != "failed" for o in outcomes):
            lines.append(esc(text(lang, "add_unindexed")))
        return [Reply("\n".join(lines))], changed

    def feeds(self, args: str, lang: Lang) -> tuple[list[Reply], bool]:
        """/feeds: list; add URL; remove URL; fetch (poll every feed now). Returns replies and whether to reindex."""
        from retrieval.feeds import add_feed, read_feeds, remove_feed

        path = self.settings.feeds_path()
        action, _, rest = args.strip().partition(" ")
        action = action.lower()
        urls = rest.split()
        if action in ("", "list"):
            listed = read_feeds(path)
            if not listed:
                return [Reply(esc(text(lang, "feeds_empty")))], False
            head = esc(text(lang, "feeds_list", count=len(listed)))
            return [Reply(head + "\n" + "\n".join(f"• {esc(u)}" for u in listed))], False
        if action == "fetch":
            report = self.poll_feeds()
            return [Reply(poll_html(report, lang))], report.changed
        if action not in ("add", "remove") or not urls:
            return [Reply(esc(text(lang, "feeds_usage")))], False
        lines = []
        for url in urls:
            try:
                if action == "add":
                    key = "feeds_added" if add_feed(path, url) else "feeds_exists"
                else:
                    key = "feeds_removed" if remove_feed(path, url) else "feeds_missing"
                lines.append(esc(text(lang, key, url=url)))
            except (NewsBotError, OSError) as exc:
                lines.append(esc(text(lang, "add_failed", url=url) + failure_cause(exc, lang)))
        return [Reply("\n".join(lines))], False

    def poll_feeds(self) -> PollReport:
        """Poll every listed feed once and save new articles (no reindex); used by /feeds fetch and the schedule."""
        from retrieval.feeds import poll_all
        from retrieval.ingest import Ingestor

        with self._ingest_lock, Ingestor(self.settings) as ingestor:
            return poll_all(self.settings.feeds_path(), ingestor)

    # --- uploads ----------------------------------------------------------------------------------------------

    def check_upload(self, filename: str | None, size: int | None, lang: Lang) -> list[Reply]:
        """Refusals for a document before it is downloaded; empty when it may be saved."""
        ext = Path(filename or "").suffix.lower()
        if ext not in UPLOAD_EXTENSIONS:
            return [Reply(esc(text(lang, "upload_bad_type", allowed=" ".join(UPLOAD_EXTENSIONS))))]
        if size is not None and size > self.max_upload_bytes:
            return [Reply(esc(text(lang, "upload_too_big", limit=f"{self.max_upload_bytes // (1024 * 1024)} MB")))]
        return []

    def save_upload(self, filename: str | None, data: bytes, lang: Lang) -> UploadResult:
        """Save an admin's article file into the data folder under a safe, new name (never overwriting)."""
        refusal = self.check_upload(filename, len(data), lang)
        if refusal:
            return UploadResult(None, refusal)
        if not data.strip():
            return UploadResult(None, [Reply(esc(text(lang, "upload_empty")))])
        folder = Path(self.settings.data_dir)
        wanted = safe_filename(filename or "upload.txt")
        stem, ext = wanted.rsplit(".", 1)
        path: Path | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for n in itertools.count():
                candidate = folder / (wanted if n == 0 else f"{stem}-{n}.{ext}")
                if candidate.resolve().parent != folder.resolve():  # pragma: no cover - safe_filename prevents it
                    raise ValueError("unsafe upload name")
                try:
                    fh = candidate.open("xb")  # exclusive create: never overwrite, even in a race
                except FileExistsError:
                    continue
                path = candidate
                with fh:
                    fh.write(data)
                break
        except OSError as exc:  # disk full, read-only data folder: nothing half-written stays behind
            if path is not None:
                path.unlink(missing_ok=True)
            log.warning("could not save upload %s: %s", wanted, exc)
            return UploadResult(None, [Reply(esc(text(lang, "upload_failed") + failure_cause(exc, lang)))])
        assert path is not None
        name = path.name
        log.info("saved upload as %s (%d bytes)", path, len(data))
        replies = []
        if name != wanted:
            replies.append(Reply(esc(text(lang, "upload_renamed", original=wanted, name=name))))
        replies.append(Reply(esc(text(lang, "upload_saved", name=name))))
        return UploadResult(path, replies)


def _inline_id(question: str) -> str:
    """A stable result id for a question (Telegram allows at most 64 bytes)."""
    return hashlib.sha256(question.encode()).hexdigest()[:32]


def _inline_note(question: str, note: str) -> InlineResult:
    return InlineResult(_inline_id(question), note[:200], question[:200], esc(note))


_LINK = re.compile(r"https?://[^\s<>\"'，。；、）)]+", re.IGNORECASE)


def find_links(message: str) -> list[str]:
    """The http(s) links in a message, in order, each once."""
    return list(dict.fromkeys(_LINK.findall(message)))


def is_links_only(message: str) -> bool:
    """True when a message holds at least one link and nothing else but spaces and separators."""
    links = find_links(message)
    return bool(links) and not _LINK.sub(" ", message).strip(" \t\n,;，；、")


def outcome_html(outcome: Outcome, lang: Lang) -> str:
    """One line about one link: what was saved (title · outlet · date) or why not, in the admin's language."""
    described = " · ".join(
        x for x in (f"《{outcome.title}》" if outcome.title else "", outcome.source, _date(outcome.published)) if x
    )
    if outcome.status == "saved":
        return esc(text(lang, "add_saved") + described)
    if outcome.status == "merged":
        return esc(text(lang, "add_merged") + described)
    if outcome.status == "duplicate":
        return esc(text(lang, "add_duplicate") + (described or outcome.url))
    kind = f"fetch_{outcome.kind}" if f"fetch_{outcome.kind}" in MESSAGES else "fetch_network"
    why = f"{text(lang, kind)} ({outcome.reason})" if lang == "en" else f"{text(lang, kind)}（{outcome.reason}）"
    return esc(text(lang, "add_failed", url=outcome.url) + why)


def poll_html(report: PollReport, lang: Lang) -> str:
    """The result of one feed poll: the summary, then each skipped feed with why."""
    outcomes = report.outcomes
    counts = {n: sum(o.status == n for o in outcomes) for n in ("saved", "merged", "duplicate", "failed")}
    lines = [
        esc(
            text(
                lang,
                "feeds_polled",
                feeds=len(report.feeds),
                unchanged=sum(f.not_modified for f in report.feeds),
                failed=sum(bool(f.error) for f in report.feeds),
                new=len(outcomes),
                saved=counts["saved"],
                merged=counts["merged"],
                duplicate=counts["duplicate"],
                errors=counts["failed"],
            )
        )
    ]
    lines.extend(esc(text(lang, "feed_failed", url=f.url) + f.error) for f in report.feeds if f.error)
    lines.extend(outcome_html(o, lang) for o in outcomes if o.status in ("saved", "merged"))
    return "\n".join(lines[:40])


def summary(report: ReindexReport, lang: Lang) -> str:
    """The one-line result of a rebuild in the chat's language."""
    return text(
        lang,
        "reindex_summary",
        articles=report.articles,
        added=report.added,
        changed=report.changed,
        removed=report.removed,
        skipped=len(report.skipped),
        chunks=report.chunks,
        embedded=report.embedded,
        seconds=report.seconds,
        generation=report.generation,
    )


def failure_cause(exc: BaseException, lang: Lang) -> str:
    """Why an operation failed, for an admin: the kind of failure in their language, then the detail (path, disk)."""
    if isinstance(exc, DataDirMissing):
        kind = "cause_data_dir"
    elif isinstance(exc, IndexWriteError | OSError):
        kind = "cause_disk"
    elif isinstance(exc, NewsBotError):
        kind = "cause_index"
    else:
        kind = "cause_internal"
    detail = describe_os_error(exc) if isinstance(exc, OSError) else str(exc) or type(exc).__name__
    if kind == "cause_internal":
        detail = f"{type(exc).__name__}: {detail}"
    return f"{text(lang, kind)} ({detail})" if lang == "en" else f"{text(lang, kind)}（{detail}）"
