"""Guarded HTTP fetching of pages and feeds: public addresses only (unless allowed), bounded size, time, redirects."""

from __future__ import annotations

import codecs
import http.cookiejar
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from retrieval.errors import NewsBotError

USER_AGENT = "NewsBot/0.1 (news question-answering bot; +https://github.com/newsbot/newsbot)"
# A news page is well under 2 MB of HTML; 5 MB leaves room for inline scripts while an endless page stops early.
MAX_BYTES = 5 * 1024 * 1024
# Each hop is checked again (scheme, host, every resolved address); three cover http→https→canonical host.
MAX_REDIRECTS = 3
# connect/read per operation, and a deadline for the whole transfer (a server dripping one byte a second
# would never hit a read timeout).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
TOTAL_TIMEOUT = 30.0

PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
    "text/plain",
    "text/html",  # some sites serve their feed as text/html; feedparser decides whether it is one
)
# Charsets that pages still declare, mapped to the codec that is their superset (GB2312 ⊂ GBK ⊂ GB18030).
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)

Resolver = Callable[[str, int], list[str]]


class FetchError(NewsBotError):
    """A page or feed could not be fetched; `kind` says why in one word, the message in one line."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # blocked | timeout | too_large | not_article | http | network | bad_url


@dataclass
class Fetched:
    """A fetched resource: final URL after redirects, decoded text, and the validators for a conditional GET."""

    url: str
    status: int
    content_type: str = ""
    body: bytes = b""
    text: str = ""
    etag: str | None = None
    last_modified: str | None = None
    redirects: list[str] = field(default_factory=list)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError("network", f"cannot resolve {host}: {exc.strerror or exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local (cloud metadata 169.254.169.254), shared, reserved and multicast."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not ip.is_multicast


def parse_allow_hosts(value: str | Iterable[str] | None) -> frozenset[str]:
    """`NEWSBOT_FETCH_ALLOW_HOSTS`: comma-separated host names or addresses, compared case-insensitively."""
    if value is None:
        return frozenset()
    parts = value.replace(";", ",").split(",") if isinstance(value, str) else list(value)
    return frozenset(p.strip().lower().strip("[]") for p in parts if p.strip())


class AddressGuard:
    """Decides whether a host may be connected to, and to which address (the one that was checked)."""

    def __init__(self, allow_hosts: frozenset[str] = frozenset(), resolver: Resolver = system_resolver) -> None:
        self.allow_hosts = allow_hosts
        self.resolver = resolver

    def address_for(self, host: str, port: int) -> str:
        """The address to connect to for host; raises FetchError("blocked") for a non-public one not allowed."""
        host = host.lower().strip("[]")
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            addresses = self.resolver(host, port)
        if not addresses:
            raise FetchError("network", f"cannot resolve {host}")
        if host in self.allow_hosts:
            return addresses[0]
        for address in addresses:
            if not is_public_address(address) and address.lower() not in self.allow_hosts:
                what = (
                    "is a private or local address"
                    if address == host
                    else f"resolves to a private or local address ({address})"
                )
                raise FetchError(
                    "blocked", f"refused to fetch {host}: it {what}; allow it with NEWSBOT_FETCH_ALLOW_HOSTS"
                )
        return addresses[0]  # every answer was checked; connect to one of them, never resolve again


class _GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, connecting only to the address the guard checked (no second DNS answer)."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = self.guard.address_for(host, port)
        return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:  # pragma: no cover
        raise FetchError("blocked", "unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:  # pragma: no cover - used by httpcore retries only
        self.inner.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool that uses the guarded backend."""

    def __init__(self, guard: AddressGuard) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl.create_default_context(),
            max_connections=10,
            network_backend=_GuardedBackend(guard),
        )


def _no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that accepts nothing: no state is kept between fetches."""
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_body(body: bytes, content_type: str = "") -> str:
    """Decode by the declared charset (header, then <meta>/<?xml?>), else UTF-8, else GB18030 (older Chinese pages)."""
    declared = re.search(r"charset\s*=\s*([^;\s]+)", content_type, re.IGNORECASE)
    candidates = [declared.group(1) if declared else None]
    head = body[:4096]
    for pattern in (_META_CHARSET, _XML_ENCODING):
        match = pattern.search(head)
        if match:
            candidates.append(match.group(1).decode("ascii", "ignore"))
    for name in candidates:
        codec = _codec(name)
        if codec:
            try:
                return body.decode(codec)
            except UnicodeDecodeError:
                continue
    for codec in ("utf-8-sig", "gb18030"):
        try:
            return body.decode(codec)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace")


class Fetcher:
    """One HTTP client for pages and feeds with the house limits; no cookies, a User-Agent naming the project."""

    def __init__(
        self,
        allow_hosts: frozenset[str] = frozenset(),
        *,
        resolver: Resolver = system_resolver,
        max_bytes: int = MAX_BYTES,
        max_redirects: int = MAX_REDIRECTS,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
        total_timeout: float = TOTAL_TIMEOUT,
    ) -> None:
        if max_bytes <= 0 or max_redirects < 0 or total_timeout <= 0:
            raise ValueError("max_bytes and total_timeout must be positive, max_redirects not negative")
        self.guard = AddressGuard(allow_hosts, resolver)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.total_timeout = total_timeout
        self.client = httpx.Client(
            transport=_GuardedTransport(self.guard),
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            cookies=_no_cookies(),
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        types: tuple[str, ...] = PAGE_TYPES,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Fetched:
        """GET url following at most max_redirects checked redirects; raises FetchError with a one-line reason."""
        deadline = time.monotonic() + self.total_timeout
        headers = {"Accept": ", ".join(types) + ", */*;q=0.1"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = check_url(url)
        redirects: list[str] = []
        while True:
            try:
                with self.client.stream("GET", current, headers=headers) as response:
                    if response.has_redirect_location:
                        location = response.headers.get("location", "")
                        if len(redirects) >= self.max_redirects:
                            raise FetchError("http", f"too many redirects (more than {self.max_redirects})")
                        current = check_url(urljoin(current, location))
                        redirects.append(current)
                        continue
                    return self._read(response, current, types, deadline, redirects)
            except FetchError:
                raise
            except httpx.TimeoutException as exc:
                raise FetchError("timeout", f"timed out fetching {current}") from exc
            except httpx.HTTPError as exc:
                raise FetchError("network", f"cannot fetch {current}: {exc or type(exc).__name__}") from exc

    def _read(
        self, response: httpx.Response, url: str, types: tuple[str, ...], deadline: float, redirects: list[str]
    ) -> Fetched:
        content_type = response.headers.get("content-type", "")
        result = Fetched(
            url=url,
            status=response.status_code,
            content_type=content_type,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            redirects=redirects,
        )
        if response.status_code == 304:
            return result
        if response.status_code >= 300:  # an error, or a redirect without a usable Location
            raise FetchError("http", f"HTTP {response.status_code} from {url}")
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime not in types:
            raise FetchError("not_article", f"not an article: {url} is {mime or 'of no declared type'}")
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError("too_large", f"too large: {url} declares {int(declared)} bytes (limit {self.max_bytes})")
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError("too_large", f"too large: {url} sent more than {self.max_bytes} bytes")
            if time.monotonic() > deadline:
                raise FetchError("timeout", f"timed out fetching {url} (over {self.total_timeout:.0f}s)")
            chunks.append(chunk)
        result.body = b"".join(chunks)
        result.text = decode_body(result.body, content_type)
        return result


def check_url(url: str) -> str:
    """The URL if it is http(s) with a host (credentials and other schemes refused), else FetchError("bad_url")."""
    url = url.strip()
    if any(c.isspace() or ord(c) < 32 for c in url):  # a newline would write a second line into the feed list
        raise FetchError("bad_url", f"not a valid link (it holds spaces or line breaks): {url[:200]!r}")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError as exc:
        raise FetchError("bad_url", f"not a valid link: {url[:200]}") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError("bad_url", f"only http and https links are fetched, not {url[:200]}")
    if not parts.hostname:
        raise FetchError("bad_url", f"not a valid link (no host): {url[:200]}")
    if parts.username or parts.password:
        raise FetchError("bad_url", "links with a user name or password are not fetched")
    return url
