"""Retention: articles published more than N days ago are left out of the index (their files stay)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from retrieval.models import Article


def cutoff(days: int, today: date | None = None) -> str | None:
    """The earliest publication date kept (ISO), or None when retention is off (days <= 0)."""
    if days <= 0:
        return None
    return ((today or datetime.now(UTC).date()) - timedelta(days=days)).isoformat()


def retained(articles: list[Article], days: int, today: date | None = None) -> tuple[list[Article], int]:
    """The articles to index and how many were left out; undated articles are always kept (their age is unknown)."""
    earliest = cutoff(days, today)
    if earliest is None:
        return articles, 0
    kept = [a for a in articles if not a.published or a.published[:10] >= earliest]
    return kept, len(articles) - len(kept)
