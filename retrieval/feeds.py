"""RSS/Atom feeds: the feed list file, its poll state (validators, seen items), and one poll of every feed."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import feedparser

from retrieval.articles import iso_date, normalize_text
from retrieval.fetch import FEED_TYPES, FetchError, check_url
from retrieval.ingest import Ingestor, Outcome
from retrieval.models import Article

log = logging.getLogger(__name__)

# Items remembered per feed: far more than a feed shows at once, so an item never comes back as new.
MAX_SEEN = 5000
_HEADER = "# NewsBot feeds: one RSS or Atom URL per line; lines starting with # are ignored.\n"


def read_feeds(path: Path) -> list[str]:
    """The feed URLs of the list file (none when it does not exist)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return list(dict.fromkeys(s for line in lines if (s := line.strip()) and not s.startswith("#")))


def _write_lines(path: Path, urls: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(_HEADER + "".join(f"{u}\n" for u in urls), encoding="utf-8")
    os.replace(tmp, path)


def add_feed(path: Path, url: str) -> bool:
    """Add a feed URL (checked: http/https with a host); False when it was already listed."""
    url = check_url(url)
    if not path.exists():
        _write_lines(path, [url])
        return True
    if url in read_feeds(path):
        return False
    text = path.read_text(encoding="utf-8")
    with path.open("a", encoding="utf-8") as fh:  # appending keeps the admin's comments and order
        fh.write(("" if text.endswith("\n") or not text else "\n") + url + "\n")
    return True


def remove_feed(path: Path, url: str) -> bool:
    """Remove a feed URL (comments and other lines kept); False when it was not listed."""
    url = url.strip()
    if url not in read_feeds(path):
        return False
    kept = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip() != url]
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(f"{line}\n" for line in kept), encoding="utf-8")
    os.replace(tmp, path)
    return True


def state_path(feeds_path: Path) -> Path:
    """The poll state beside the list: feeds.state.json for feeds.txt."""
    return feeds_path.with_name(f"{feeds_path.stem}.state.json")


@dataclass
class FeedState:
    """What a feed said last time: its validators for a conditional GET and the items already handled."""

    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = field(default_factory=list)


def load_state(path: Path) -> dict[str, FeedState]:
    """The saved poll state; an unreadable file counts as empty (items are then deduplicated by URL and text)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable feed state %s: %s", path, exc)
        return {}
    out: dict[str, FeedState] = {}
    for url, item in raw.items() if isinstance(raw, dict) else []:
        if isinstance(item, dict):
            seen = item.get("seen")
            out[url] = FeedState(
                etag=item.get("etag") if isinstance(item.get("etag"), str) else None,
                last_modified=item.get("last_modified") if isinstance(item.get("last_modified"), str) else None,
                seen=[s for s in seen if isinstance(s, str)] if isinstance(seen, list) else [],
            )
    return out


def save_state(path: Path, state: dict[str, FeedState]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    data = {u: {"etag": s.etag, "last_modified": s.last_modified, "seen": s.seen[-MAX_SEEN:]} for u, s in state.items()}
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


@dataclass
class FeedResult:
    """One feed's poll: unchanged (304), its new items' outcomes, or the one-line error that skipped it."""

    url: str
    not_modified: bool = False
    items: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"feed {self.url}: skipped: {self.error}"
        if self.not_modified:
            return f"feed {self.url}: unchanged"
        counts = _counts(self.outcomes)
        return f"feed {self.url}: {self.items} items, {len(self.outcomes)} new ({counts})"


def _counts(outcomes: list[Outcome]) -> str:
    names = ("saved", "merged", "duplicate", "failed")
    return ", ".join(f"{sum(o.status == n for o in outcomes)} {n}" for n in names)


@dataclass
class PollReport:
    """Every feed's result from one poll."""

    feeds: list[FeedResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def outcomes(self) -> list[Outcome]:
        return [o for f in self.feeds for o in f.outcomes]

    @property
    def changed(self) -> bool:
        return any(o.changed for o in self.outcomes)

    def summary(self) -> str:
        """The one summary line of a run."""
        failed = sum(1 for f in self.feeds if f.error)
        unchanged = sum(1 for f in self.feeds if f.not_modified)
        return (
            f"polled {len(self.feeds)} feeds ({unchanged} unchanged, {failed} failed): "
            f"{len(self.outcomes)} new items ({_counts(self.outcomes)}) in {self.seconds:.1f}s"
        )


def _entry_key(entry: Any) -> str | None:
    return entry.get("id") or entry.get("guid") or entry.get("link") or None


def _entry_article(entry: Any, feed_title: str | None) -> Article:
    """What a feed item says about its article: used where the page says less (title, date, outlet)."""
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    published = time.strftime("%Y-%m-%d", parsed) if parsed else iso_date(entry.get("published"))
    return Article(
        id=str(entry.get("link") or ""),
        title=normalize_text(str(entry.get("title") or "")),
        text="",
        url=entry.get("link"),
        published=published,
        source=feed_title or None,
    )


Progress = Callable[[str], None]


def poll_feed(url: str, state: FeedState, ingestor: Ingestor, progress: Progress | None = None) -> FeedResult:
    """Poll one feed (conditional GET); fetch every item not seen before; errors become the result's line."""
    result = FeedResult(url)
    try:
        fetched = ingestor.fetcher.get(url, types=FEED_TYPES, etag=state.etag, last_modified=state.last_modified)
    except FetchError as exc:
        result.error = str(exc)
        return result
    if fetched.not_modified:
        result.not_modified = True
        return result
    parsed = feedparser.parse(
        fetched.body,
        response_headers={"content-type": fetched.content_type or "application/xml", "content-location": fetched.url},
    )
    entries = list(parsed.entries)
    usable = [e for e in entries if e.get("link")]
    if not usable and (parsed.bozo or not parsed.get("version")):
        cause = parsed.get("bozo_exception")
        result.error = f"not an RSS or Atom feed{f' ({str(cause)[:120]})' if cause else ''}"
        return result
    result.items = len(entries)
    feed_title = normalize_text(str(parsed.feed.get("title") or "")) or None
    seen = set(state.seen)
    fresh = [e for e in entries if _entry_key(e) and _entry_key(e) not in seen]
    for n, entry in enumerate(fresh, 1):
        key = str(_entry_key(entry))
        link = entry.get("link")
        if not link:
            outcome = Outcome(key, "failed", reason="feed item without a link", kind="not_article")
        else:
            outcome = ingestor.add(str(link), fallback=_entry_article(entry, feed_title))
        result.outcomes.append(outcome)
        if not outcome.transient:  # a timeout or server error is tried again at the next poll
            state.seen.append(key)
            seen.add(key)
        if progress is not None:
            progress(f"{url}: item {n}/{len(fresh)}: {outcome.line()}")
    # Validators are kept only once every item was handled: a poll cut short downloads the feed again next time.
    if not any(o.transient for o in result.outcomes):
        state.etag, state.last_modified = fetched.etag, fetched.last_modified
    return result


def poll_all(feeds_path: Path, ingestor: Ingestor, progress: Progress | None = None) -> PollReport:
    """Poll every listed feed once; a broken or slow feed is reported and skipped, the others go on."""
    started = time.perf_counter()
    report = PollReport()
    spath = state_path(feeds_path)
    state = load_state(spath)
    urls = read_feeds(feeds_path)
    for n, url in enumerate(urls, 1):
        feed_state = state.setdefault(url, FeedState())
        try:
            result = poll_feed(url, feed_state, ingestor, progress)
        except Exception as exc:  # a feed that breaks the parser must not stop the others
            log.warning("feed %s failed: %s", url, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            result = FeedResult(url, error=f"{type(exc).__name__}: {exc}")
        report.feeds.append(result)
        save_state(spath, state)  # after every feed: an interrupted run keeps what it did
        if progress is not None:
            progress(f"[{n}/{len(urls)}] {result.line()}")
    report.seconds = time.perf_counter() - started
    return report
