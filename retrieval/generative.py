"""The optional model path of Engine.ask: prompt, call, parse, verify; the extractive answer on any failure."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from retrieval.config import Settings
from retrieval.llm import ChatClient, LLMError, Passage, build_messages, parse_reply
from retrieval.models import Answer, Article, Hit, LLMUsage, Source
from retrieval.verify import Verdict, disagreement, verify

log = logging.getLogger(__name__)

HOUR = 3600.0

# Who is asking (e.g. "user:123"), for the per-user limit on model calls: set by the conversation layer around
# Engine.ask, so engines and their test doubles keep the one-argument ask(question).
_asking: ContextVar[str | None] = ContextVar("newsbot_asking_user", default=None)


@contextmanager
def asking_user(user: str | None) -> Iterator[None]:
    """Within the block, model calls count against `user`'s limit."""
    token = _asking.set(user)
    try:
        yield
    finally:
        _asking.reset(token)


def current_user() -> str | None:
    """The user set by asking_user, or None."""
    return _asking.get()


class CallLimiter:
    """Sliding one-hour windows on model calls: per user and for the whole process (cost control)."""

    def __init__(self, per_user: int, overall: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_user = per_user
        self.overall = overall
        self._clock = clock
        self._all: deque[float] = deque()
        self._users: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, user: str | None) -> bool:
        """Record a call and return True when both windows have room; False (nothing recorded) otherwise."""
        now = self._clock()
        with self._lock:
            self._expire(self._all, now)
            if len(self._all) >= self.overall:
                return False
            mine = self._users.setdefault(user, deque()) if user is not None else None
            if mine is not None:
                self._expire(mine, now)
                if len(mine) >= self.per_user:
                    return False
                mine.append(now)
            self._all.append(now)
            return True

    @staticmethod
    def _expire(times: deque[float], now: float) -> None:
        while times and now - times[0] >= HOUR:
            times.popleft()


class Generative:
    """Answers through an OpenAI-compatible model, verified against the retrieved passages (see verify.py)."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: ChatClient | None = None,
        today: Callable[[], str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        assert settings.llm_url, "Generative needs NEWSBOT_LLM_URL"
        key = settings.llm_api_key.get_secret_value().strip() if settings.llm_api_key else ""
        self.client = client or ChatClient(
            url=settings.llm_url,
            model=settings.llm_model,
            api_key=key,
            timeout=settings.llm_timeout,
            max_tokens=settings.llm_max_tokens,
        )
        self.passages = settings.llm_passages
        self.limiter = CallLimiter(settings.llm_user_calls_per_hour, settings.llm_calls_per_hour, clock)
        self.today = today or (lambda: date.today().isoformat())
        self.usage = LLMUsage(model=settings.llm_model)
        self._latency_total = 0.0
        self._lock = threading.Lock()

    def answer(
        self,
        question: str,
        hits: list[Hit],
        articles: dict[str, Article],
        extractive: Answer,
        user: str | None = None,
    ) -> Answer:
        """The model's answer when it passes verification, else the extractive one; both marked with `via`."""
        fallback = extractive.model_copy(update={"via": "extractive"})
        if extractive.kind.startswith("meta_"):
            return fallback  # the article's own date, outlet, author, title or link: nothing for a model to add
        passages, chosen = self._passages(hits, articles)
        if not passages:
            return fallback
        if not self.limiter.allow(user):
            self._count(limited=1, fallbacks=1)
            log.info("model call limit reached; answering extractively")
            return fallback
        started = time.monotonic()
        try:
            content = self.client.complete(build_messages(question, passages, self.today()))
            reply = parse_reply(content)
        except LLMError as exc:
            self._count(calls=1, failures=1, fallbacks=1, latency=time.monotonic() - started)
            log.warning("model answer failed (%s); using the extractive answer", self.client.scrub(str(exc)))
            return fallback
        latency = time.monotonic() - started
        verdict = verify(question, reply, passages, extractive_answered=extractive.answered)
        if verdict.ok:
            differs = disagreement(extractive.kind, reply.answer, extractive.answer, extractive.answered)
            if differs:
                verdict = Verdict(False, differs)
        if not verdict.ok:
            refused = not reply.answerable
            self._count(calls=1, refused=int(refused), rejected=int(not refused), fallbacks=1, latency=latency)
            log.info("model answer to %r not used: %s", question[:80], self.client.scrub(verdict.reason))
            return fallback
        self._count(calls=1, answered=1, latency=latency)
        sources = _sources([chosen[n] for n in verdict.passages], articles)
        return Answer(
            question=extractive.question,
            answered=True,
            answer=reply.answer.strip(),
            evidence=list(verdict.evidence),
            sources=sources,
            kind=extractive.kind,
            via="llm",
        )

    def stats(self) -> LLMUsage:
        """A snapshot of the counters for /stats."""
        with self._lock:
            return self.usage.model_copy()

    def close(self) -> None:
        """Release the HTTP client and its worker threads."""
        self.client.close()

    def _passages(self, hits: list[Hit], articles: dict[str, Article]) -> tuple[list[Passage], dict[int, Hit]]:
        passages: list[Passage] = []
        chosen: dict[int, Hit] = {}
        seen: set[str] = set()
        for hit in hits:
            if len(passages) >= self.passages:
                break
            art = articles.get(hit.chunk.article_id)
            if art is None or hit.chunk.text in seen:
                continue
            seen.add(hit.chunk.text)
            n = len(passages) + 1
            passages.append(Passage(n, art.title, hit.chunk.text, art.source, art.published))
            chosen[n] = hit
        return passages, chosen

    def _count(self, *, latency: float | None = None, **deltas: int) -> None:
        with self._lock:
            u = self.usage
            for name, delta in deltas.items():
                setattr(u, name, getattr(u, name) + delta)
            if latency is not None:
                self._latency_total += latency
                u.mean_latency_ms = round(1000 * self._latency_total / max(1, u.calls), 1)


def _sources(hits: list[Hit], articles: dict[str, Article]) -> list[Source]:
    out: list[Source] = []
    for hit in hits:
        art = articles[hit.chunk.article_id]
        if all(s.article_id != art.id for s in out):
            out.append(
                Source(
                    article_id=art.id,
                    title=art.title,
                    url=art.url,
                    published=art.published,
                    source=art.source,
                    text=hit.chunk.text,
                    score=hit.score,
                )
            )
    return out
