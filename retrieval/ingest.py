"""Articles by link: fetch, extract, merge syndicated copies, save as JSON article files in the data folder."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from retrieval.articles import load_articles, parse_html, parse_saved_page
from retrieval.config import Settings
from retrieval.dedup import DuplicateIndex, fingerprint_text
from retrieval.errors import ArticleParseError
from retrieval.fetch import Fetcher, FetchError
from retrieval.models import Article, Report

log = logging.getLogger(__name__)

# Fetched articles are saved under this folder of the data folder, one JSON file per article (README input format).
WEB_FOLDER = "web"
# Fewer letters and digits than this after extraction is a page without an article (an index, a login wall).
MIN_ARTICLE_CHARS = 40
# Errors worth retrying at the next feed poll; the others (not an article, too large, blocked) are final.
TRANSIENT = frozenset({"timeout", "network", "http"})


@dataclass
class Outcome:
    """What happened to one link: saved, merged into another article, a duplicate, or failed (with why)."""

    url: str
    status: str  # saved | merged | duplicate | failed
    title: str = ""
    source: str | None = None
    published: str | None = None
    path: str | None = None  # data-folder relative file written or updated
    reason: str = ""
    kind: str = ""  # the FetchError kind of a failure

    @property
    def changed(self) -> bool:
        """Whether the data folder changed (a reindex is due)."""
        return self.status in ("saved", "merged")

    @property
    def transient(self) -> bool:
        return self.status == "failed" and self.kind in TRANSIENT

    def line(self) -> str:
        """One line for the CLI: what was saved (title · outlet · date) or why not."""
        described = " · ".join(x for x in (f"《{self.title}》" if self.title else "", self.source, self.published) if x)
        if self.status == "saved":
            return f"saved {described} ({self.path})"
        if self.status == "merged":
            return f"merged {described}: {self.reason}"
        if self.status == "duplicate":
            return f"duplicate {self.url}: {self.reason}"
        return f"failed {self.url}: {self.reason}"


@dataclass
class _Known:
    """The articles of the data folder as ingestion needs them: by id, by URL, and by MinHash."""

    articles: dict[str, Article] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)  # url -> article id
    duplicates: DuplicateIndex = field(default_factory=DuplicateIndex)


def _report(article: Article) -> Report:
    return Report(title=article.title, url=article.url, published=article.published, source=article.source)


def _url_key(url: str) -> str:
    """URLs compared without fragment and trailing slash, host lower-cased."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{path}{query}"


def _earlier(a: str | None, b: str | None) -> bool:
    """True when date a is known and before b (unknown dates count as late: a dated copy stays primary)."""
    return bool(a) and (not b or str(a)[:19] < str(b)[:19])


class Ingestor:
    """Adds articles by link to the data folder; one per process or batch (it reads the folder once)."""

    def __init__(self, settings: Settings, fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self.data_dir = Path(settings.data_dir)
        self._own_fetcher = fetcher is None
        self.fetcher = fetcher if fetcher is not None else Fetcher(settings.fetch_allow_hosts)
        self._known: _Known | None = None

    def close(self) -> None:
        if self._own_fetcher:
            self.fetcher.close()

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the data folder ---------------------------------------------------------------------------------------
    @property
    def known(self) -> _Known:
        """The data folder's articles, read on first use (a missing folder is created: it is where we save)."""
        if self._known is None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            known = _Known()
            for article in load_articles(self.data_dir).articles:
                self._remember(known, article)
            self._known = known
        return self._known

    @staticmethod
    def _remember(known: _Known, article: Article) -> None:
        known.articles[article.id] = article
        for url in [article.url, *(r.url for r in article.also_reported_by)]:
            if url:
                known.urls.setdefault(_url_key(url), article.id)
        known.duplicates.add(article.id, article.text)

    def _forget(self, known: _Known, article_id: str) -> None:
        known.articles.pop(article_id, None)
        for url in [u for u, a in known.urls.items() if a == article_id]:
            del known.urls[url]
        known.duplicates.remove(article_id)

    def refresh(self) -> None:
        """Read the data folder again at the next use (files may have been added by hand)."""
        self._known = None

    def known_url(self, url: str) -> str | None:
        """The id of the article saved from (or merged with) this URL, if any."""
        return self.known.urls.get(_url_key(url))

    # -- adding ------------------------------------------------------------------------------------------------
    def add(self, url: str, fallback: Article | None = None) -> Outcome:
        """Fetch one link and add its article; every failure is an Outcome with a one-line reason, never raised.

        `fallback` (a feed item's title, date and outlet) fills what the page itself does not say.
        """
        url = url.strip()
        try:
            existing = self.known_url(url)
            if existing is not None:
                return self._duplicate_of(url, existing, "already saved")
            fetched = self.fetcher.get(url)
            for seen in [fetched.url, *fetched.redirects]:
                existing = self.known_url(seen)
                if existing is not None:
                    return self._duplicate_of(url, existing, "already saved")
            article = self._extract(fetched.text, fetched.content_type, fetched.url)
        except FetchError as exc:
            return Outcome(url, "failed", reason=str(exc), kind=exc.kind)
        except ArticleParseError as exc:
            return Outcome(url, "failed", reason=f"not an article: {exc}", kind="not_article")
        if fallback is not None:
            article = article.model_copy(
                update={
                    "title": article.title or fallback.title,
                    "published": article.published or fallback.published,
                    "source": article.source or fallback.source,
                }
            )
        return self.add_article(article, url)

    def _extract(self, text: str, content_type: str, url: str) -> Article:
        """Title, date, outlet, author and main text of a fetched page (trafilatura for HTML)."""
        if content_type.split(";", 1)[0].strip().lower() == "text/plain":
            article = parse_saved_page(text, url)
        else:
            article = parse_html(text, url)
        if len(fingerprint_text(article.text)) < MIN_ARTICLE_CHARS:
            raise ArticleParseError("too little text on the page")
        host = urlsplit(url).hostname or ""
        return article.model_copy(update={"url": article.url or url, "source": article.source or host or None})

    def add_article(self, article: Article, url: str | None = None) -> Outcome:
        """Save an extracted article, or merge it into the story it duplicates (the earliest published is primary)."""
        url = url or article.url or ""
        known = self.known
        match = known.duplicates.find(article.text)
        if match is None:
            path = self._write(article)
            self._remember(known, self._as_saved(article, path))
            log.info("saved %s as %s", url, path)
            return self._outcome(url, "saved", article, path)
        primary = known.articles[match.key]
        what = "an exact copy" if match.exact else f"a near copy ({match.similarity:.2f})"
        if not self._owned(primary):
            reason = f"{what} of {primary.title or primary.id} ({primary.id}); not saved"
            return self._outcome(url, "duplicate", article, None, reason)
        if match.exact or not _earlier(article.published, primary.published):
            known_urls = {primary.url, *(r.url for r in primary.also_reported_by)}
            if article.url and article.url not in known_urls:
                reports = [*primary.also_reported_by, _report(article)]
                updated = primary.model_copy(update={"also_reported_by": reports})
                self._rewrite(updated)
                self._forget(known, primary.id)
                self._remember(known, updated)
            status = "duplicate" if match.exact else "merged"
            reason = f"{what} of {primary.title} ({primary.id}); kept as also reported by"
            return self._outcome(url, status, article, primary.path, reason)
        # The new copy was published first: it becomes the primary and the old one (with its copies) its reports.
        reports = [_report(primary), *primary.also_reported_by]
        promoted = article.model_copy(update={"also_reported_by": reports})
        path = self._write(promoted)
        self._remove_file(primary)
        self._forget(known, primary.id)
        self._remember(known, self._as_saved(promoted, path))
        reason = f"{what} of {primary.title} ({primary.id}), published earlier: now the primary"
        return self._outcome(url, "merged", article, path, reason)

    @staticmethod
    def _outcome(url: str, status: str, article: Article, path: str | None, reason: str = "") -> Outcome:
        return Outcome(url, status, article.title, article.source, article.published, path, reason)

    def _duplicate_of(self, url: str, article_id: str, why: str) -> Outcome:
        primary = self.known.articles.get(article_id)
        title = primary.title if primary else ""
        return Outcome(
            url, "duplicate", reason=f"{why} as {title} ({article_id})" if title else f"{why} ({article_id})"
        )

    # -- files -------------------------------------------------------------------------------------------------
    def _owned(self, article: Article) -> bool:
        """Whether an article is a JSON file this module wrote (hand-made files are never rewritten)."""
        rel = article.path or ""
        return rel.startswith(f"{WEB_FOLDER}/") and rel.endswith(".json") and article.id == f"{rel}#1"

    def _as_saved(self, article: Article, path: str) -> Article:
        return article.model_copy(update={"id": f"{path}#1", "path": path})  # the parser's id for a one-object file

    def _file_name(self, article: Article) -> str:
        url = article.url or article.title
        host = re.sub(r"[^A-Za-z0-9.\-]+", "_", urlsplit(url).hostname or "article").strip("._-")[:80] or "article"
        day = re.sub(r"[^0-9\-]", "", (article.published or "")[:10]) or "undated"
        digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:12]
        return f"{WEB_FOLDER}/{host}/{day}-{digest}.json"

    @staticmethod
    def _record(article: Article) -> dict[str, object]:
        record: dict[str, object] = {
            "title": article.title,
            "text": article.text,
            "url": article.url,
            "published": article.published,
            "source": article.source,
            "author": article.author,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        if article.also_reported_by:
            record["also_reported_by"] = [r.model_dump() for r in article.also_reported_by]
        return {k: v for k, v in record.items() if v not in (None, "")}

    def _write(self, article: Article) -> str:
        """Write a new article file (a name already taken gets -1, -2 …); returns its data-folder relative path."""
        rel = self._file_name(article)
        stem = rel[: -len(".json")]
        for n in range(1000):
            candidate = rel if n == 0 else f"{stem}-{n}.json"
            if not (self.data_dir / candidate).exists():
                self._atomic_write(self.data_dir / candidate, self._record(article))
                return candidate
        raise OSError(f"no free file name for {rel}")  # pragma: no cover

    def _rewrite(self, article: Article) -> None:
        assert article.path is not None
        self._atomic_write(self.data_dir / article.path, self._record(article))

    def _remove_file(self, article: Article) -> None:
        if article.path:
            (self.data_dir / article.path).unlink(missing_ok=True)

    @staticmethod
    def _atomic_write(path: Path, record: dict[str, object]) -> None:
        """Write aside then rename: a reindex never reads half a file (the temp name is hidden, so it is skipped)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
