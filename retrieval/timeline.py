"""Articles in time: hits narrowed to an asked period, a preferred article or the newest report; answers compared."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from retrieval.dates import Period, published_day
from retrieval.models import Answer, Article, Earlier, Hit
from retrieval.storage import Index
from retrieval.text import to_simplified

# A written date ("3月15日") names the event; reports of it appear in the days after, so articles published up to
# this many days later still count as "of that date".
REPORT_GRACE_DAYS = 7
# "最新/latest": the newest article among those whose best hit scores at least this share of the top hit. Lower
# lets an older, better-matching story lose to a newer, weaker one; higher keeps the best match.
LATEST_SHARE = 0.6
# A hit of the asked period counts only when it scores at least this share of the best hit overall: an article of
# the right week about something else must not answer (the answer is then flagged as outside the period).
PERIOD_SHARE = 0.5
# Reports compared for disagreement: another dated article whose hit scores at least this share of the top hit,
# the newest such one. Each comparison runs the answer model once more: at 0.6 and two articles a plain question's
# p95 rose by ~25 ms at 10k chunks; at 0.85 and one (the newest) it is unchanged and the dated set still gets every
# story's newest report first (benchmarks/plain_latency.py, benchmarks/timeqa.py).
COMPARE_SHARE = 0.85
COMPARE_ARTICLES = 1
# Answer kinds whose value can be compared between two reports (a number, a date, a name, a place).
COMPARABLE = ("number", "when", "who", "where", "org", "which")


@dataclass(frozen=True)
class Focus:
    """Hits to answer from, and whether none of them was of the asked period (the answer must be flagged)."""

    hits: list[Hit]
    outside: bool = False


def _published(index: Index, hit: Hit) -> str | None:
    article = index.articles_by_id.get(hit.chunk.article_id)
    return article.published if article is not None else None


def _within_grace(period: Period, published: str | None) -> bool:
    """Published within the period or the REPORT_GRACE_DAYS after it."""
    day = published_day(published)
    end = period.end + dt.timedelta(days=REPORT_GRACE_DAYS) if period.end is not None else None
    return day is not None and (period.start is None or day >= period.start) and (end is None or day <= end)


def focus(hits: list[Hit], index: Index, period: Period | None, prefer_article: str | None) -> Focus:
    """The hits to answer from: the preferred article's, those of the asked period, or the newest report's."""
    if prefer_article is not None and prefer_article in index.articles_by_id:
        own = [h for h in hits if h.chunk.article_id == prefer_article]
        if not own:
            chunks = index.chunks_of(prefer_article)
            own = [Hit(chunk=chunks[0], score=0.0)] if chunks else []
        if own:  # first, but with the others: the answer model weighs a passage against the rest
            return Focus(own + [h for h in hits if h.chunk.article_id != prefer_article])
    if period is None or not hits:
        return Focus(hits)
    if period.dated:
        relevant = [h for h in hits if h.score >= PERIOD_SHARE * hits[0].score]
        kept = [h for h in relevant if period.contains(_published(index, h))]
        if not kept and not period.relative:  # a written date: the first report in the days after it
            later = [h for h in relevant if _within_grace(period, _published(index, h))]
            if later:
                soonest = min(_published(index, h) or "" for h in later)
                kept = [h for h in later if _published(index, h) == soonest]
        if kept:
            return Focus(kept)
        # nothing of that period: answer from the best match, flagged (Answer.outside_period)
        return Focus(hits, outside=True)
    return Focus(newest(hits, index))


def outside(period: Period, published: str | None) -> Literal["older", "newer", "undated"]:
    """Where an article that is not of the asked period lies: before it, after it, or undated."""
    day = published_day(published)
    if day is None:
        return "undated"
    return "older" if period.start is not None and day < period.start else "newer"


def reported_about(period: Period, evidence: list[str]) -> bool:
    """Whether the evidence itself names the written date asked about (10月份社会消费品零售总额 answered by
    "10月份，社会消费品零售总额4.52万亿元", published in November): the date is what the article reports on, so no "no
    article of that time" warning. Relative expressions (上周, yesterday) never count."""
    if period.relative:
        return False
    label = to_simplified(period.label.strip())
    return bool(label) and any(label in to_simplified(e) for e in evidence)


def newest(hits: list[Hit], index: Index) -> list[Hit]:
    """Only the hits of the newest article among the well-matching ones ("最新", "latest"); all hits when none of
    those is dated."""
    top = hits[0].score
    best: dict[str, float] = {}
    for h in hits:
        best.setdefault(h.chunk.article_id, h.score)
    close = [a for a, s in best.items() if s >= LATEST_SHARE * top]
    dated = [(published_day(index.articles_by_id[a].published), a) for a in close if a in index.articles_by_id]
    known = [(d, a) for d, a in dated if d is not None]
    if not known:
        return hits
    chosen = max(known)[1]
    return [h for h in hits if h.chunk.article_id == chosen]


def _norm(value: str) -> str:
    return re.sub(r"[\s,，。.、：:（）()“”\"'《》]+", "", value).lower()


def agree(a: str, b: str) -> bool:
    """Whether two short answers say the same (equal or one contains the other, ignoring spaces and marks)."""
    x, y = _norm(a), _norm(b)
    return bool(x) and bool(y) and (x == y or x in y or y in x)


def compare(
    answer: Answer,
    hits: list[Hit],
    index: Index,
    answer_from: Callable[[list[Hit]], Answer],
) -> Answer:
    """Check the answer against other well-matching articles of other dates.

    When they agree, their sources are cited together; when they differ, the newest article's answer comes first
    and the others follow as earlier reports (`Answer.earlier`). Only for short, comparable answers.
    """
    if not answer.answered or answer.kind not in COMPARABLE or not answer.sources or not hits:
        return answer
    main_id = answer.sources[0].article_id
    main_day = published_day(index.articles_by_id[main_id].published) if main_id in index.articles_by_id else None
    top = hits[0].score
    dated: dict[str, dt.date] = {}
    for h in hits:
        a = h.chunk.article_id
        if a == main_id or a in dated or h.score < COMPARE_SHARE * top:
            continue
        article: Article | None = index.articles_by_id.get(a)
        day = published_day(article.published) if article is not None else None
        if day is not None and day != main_day:
            dated[a] = day
    # the newest reports first: the one that may update the answer is never left out
    others = sorted(dated, key=lambda a: dated[a], reverse=True)[:COMPARE_ARTICLES]
    if not others:
        return answer
    versions: list[Answer] = [answer]
    for a in others:
        other = answer_from([h for h in hits if h.chunk.article_id == a])
        if other.answered and other.sources and other.answer.strip():
            versions.append(other)
    if len(versions) == 1:
        return answer
    if all(agree(answer.answer, v.answer) for v in versions[1:]):
        cited = list(answer.sources[:1]) + [v.sources[0] for v in versions[1:]]
        rest = [s for s in answer.sources[1:] if all(s.article_id != c.article_id for c in cited)]
        return answer.model_copy(update={"sources": (cited + rest)[:3], "corroborated": True})

    def day_of(v: Answer) -> dt.date:
        return published_day(v.sources[0].published) or dt.date.min

    versions.sort(key=day_of, reverse=True)
    first, rest_versions = versions[0], versions[1:]
    earlier = [
        Earlier(answer=v.answer, evidence=v.evidence[:1], source=v.sources[0])
        for v in rest_versions
        if not agree(first.answer, v.answer)
    ]
    return first.model_copy(update={"earlier": earlier, "question": answer.question})
