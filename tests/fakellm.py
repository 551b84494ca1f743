"""A scriptable OpenAI-compatible chat server on loopback: good answers, bad ones, errors, stalls, slow streams."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_STALL = 5.0  # no handler sleeps longer than this, whatever a test asks


@dataclass
class Behaviour:
    """One response: status, body, a stall before the headers, and a slow drip of the body (seconds per chunk)."""

    status: int = 200
    body: bytes = b""
    stall: float = 0.0
    drip: float = 0.0
    chunk: int = 8


def completion(content: str) -> Behaviour:
    """A well-formed chat completion whose message text is `content`."""
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    }
    return Behaviour(body=json.dumps(body, ensure_ascii=False).encode())


def answer(answer: str, passages: list[int], quotes: list[str], answerable: bool = True) -> Behaviour:
    """A completion carrying the grounded-answer JSON object."""
    obj = {"answerable": answerable, "answer": answer, "passages": passages, "quotes": quotes}
    return completion(json.dumps(obj, ensure_ascii=False))


@dataclass
class Request:
    """What the server received."""

    path: str
    headers: dict[str, str]
    payload: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "\n".join(str(m.get("content", "")) for m in self.payload.get("messages", []))


@dataclass
class FakeLLM:
    """The server's state: a script from request to behaviour, and every request received."""

    script: Callable[[Request], Behaviour] = field(default=lambda r: answer("", [], [], answerable=False))
    requests: list[Request] = field(default_factory=list)
    url: str = ""
    closing: threading.Event = field(default_factory=threading.Event)


def _handler(state: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                payload = json.loads(raw)
            except ValueError:
                payload = {}
            req = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, payload)
            state.requests.append(req)
            try:
                b = state.script(req)
            except Exception as exc:  # a failing script shows up as a 599 with its message, not a dropped socket
                b = Behaviour(599, f"script failed: {exc}".encode())
            if b.stall:
                state.closing.wait(min(b.stall, MAX_STALL))
            try:
                self.send_response(b.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(b.body)))
                self.end_headers()
                if not b.drip:
                    self.wfile.write(b.body)
                    return
                started = time.monotonic()
                for i in range(0, len(b.body), b.chunk):
                    if state.closing.is_set() or time.monotonic() - started > MAX_STALL:
                        return
                    self.wfile.write(b.body[i : i + b.chunk])
                    self.wfile.flush()
                    time.sleep(b.drip)
            except OSError:  # the client hung up (it stopped waiting)
                return

    return Handler


@contextmanager
def fake_llm(script: Callable[[Request], Behaviour] | None = None) -> Iterator[FakeLLM]:
    """Run a FakeLLM on 127.0.0.1 (a free port) for the duration of the block; its url ends in /v1."""
    state = FakeLLM() if script is None else FakeLLM(script=script)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.closing.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
