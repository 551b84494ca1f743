"""A loopback HTTP server for fetch and feed tests: routes of canned responses and the bad cases (slow, endless)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    """A canned response; `stream` yields the body in pieces (slow or endless pages), bounded by the test."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    stream: Callable[[], Iterator[bytes]] | None = None
    delay: float = 0.0


class Site:
    """Routes by path, and a log of (method, path, request headers) the tests can assert on."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.base = ""

    def add(self, path: str, body: bytes | str = b"", content_type: str = "text/html; charset=utf-8", **kw: object):
        data = body.encode("utf-8") if isinstance(body, str) else body
        headers = {"Content-Type": content_type} if content_type else {}
        headers.update(kw.pop("headers", {}) or {})  # type: ignore[arg-type]
        self.routes[path] = Route(body=data, headers=headers, **kw)  # type: ignore[arg-type]
        return self.base + path

    def hits(self, path: str) -> int:
        return sum(1 for _, p, _ in self.requests if p == path)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            site.requests.append(("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
            route = site.routes.get(self.path)
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, b"not found")
                return
            if route.delay:
                time.sleep(route.delay)
            etag = route.headers.get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self._send(304, {"ETag": etag}, b"")
                return
            if route.stream is not None:
                self.send_response(route.status)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for piece in route.stream():
                        self.wfile.write(piece)
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True
                return
            self._send(route.status, route.headers, route.body)

        def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
                self.wfile.write(body)

    return Handler


@contextmanager
def serve() -> Iterator[Site]:
    """A Site on 127.0.0.1 (a free port) for the duration of the block; the server stops when it ends."""
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def endless(piece: bytes = b"<p>" + "新闻".encode() * 500 + b"</p>", limit: int = 20_000) -> Callable[[], Iterator]:
    """A page that never ends (bounded at `limit` pieces so the server thread stops by itself)."""

    def gen() -> Iterator[bytes]:
        for _ in range(limit):
            yield piece

    return gen


def dripping(piece: bytes = b"<p>x</p>", every: float = 0.2, limit: int = 200) -> Callable[[], Iterator[bytes]]:
    """A page sent a few bytes at a time (a slow server), bounded at `limit` pieces."""

    def gen() -> Iterator[bytes]:
        for _ in range(limit):
            time.sleep(every)
            yield piece

    return gen
