"""A loopback imitation of the Telegram Bot API, enough to drive the real python-telegram-bot client.

Standard library only (http.server in a thread). Pass `api.base_url` as NEWSBOT_TELEGRAM_API_URL; the token is
checked on every call. Messages sent with parse_mode=HTML are parsed as strictly as Telegram does (unknown or
unbalanced tags, bare & or <, more than 4096 UTF-16 units of visible text are refused with 400). Failures can be
scripted per method: 429 with retry_after, 403, 409, 502.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.botfixtures import TOKEN, parse_telegram_html

_RAW_STRING_PARAMS = {
    "text",
    "caption",
    "callback_query_id",
    "file_id",
    "parse_mode",
    "action",
    "inline_message_id",
    "inline_query_id",
}


def _utf16(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2


@dataclass
class SentMessage:
    """A message the bot sent (or edited), as the fake server stored it."""

    message_id: int
    chat_id: int
    text: str  # visible text (HTML parsed)
    raw: str  # text parameter as sent
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    reply_to: int | None = None
    edits: list[str] = field(default_factory=list)


class FakeBotAPI:
    """In-memory Bot API state plus an HTTP server on 127.0.0.1."""

    def __init__(self, token: str = TOKEN, bot_id: int = 777000, username: str = "NewsTestBot") -> None:
        self.token = token
        self.bot_id = bot_id
        self.username = username
        self.cond = threading.Condition()
        self.pending: list[dict[str, Any]] = []
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(5000)
        self.messages: list[SentMessage] = []
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, int, str]] = []  # every non-2xx answer given
        self.failures: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.offsets: list[int] = []
        self.inline_answers: dict[str, list[dict[str, Any]]] = {}  # inline query id -> results answered
        self.max_poll_wait = 0.3
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> FakeBotAPI:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                api._dispatch(self, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                api._dispatch(self, self.rfile.read(length))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- scripting ---------------------------------------------------------------------------------------------

    def fail(
        self, method: str, status: int, description: str = "", *, retry_after: int | None = None, times: int = 1
    ) -> None:
        """The next `times` calls of `method` are answered with this error instead."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description or f"Error {status}"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        with self.cond:
            self.failures.setdefault(method, []).extend([(status, body)] * times)

    def _user(self, user_id: int, language_code: str | None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def _chat(self, chat_id: int, chat_type: str) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = "Test group"
        self.chats[chat_id] = chat
        return chat

    def _push(self, kind: str, payload: dict[str, Any]) -> int:
        with self.cond:
            update_id = next(self.update_ids)
            self.pending.append({"update_id": update_id, kind: payload})
            self.cond.notify_all()
        return update_id

    def _incoming_message(
        self, user_id: int, chat_id: int | None, chat_type: str, language_code: str | None
    ) -> dict[str, Any]:
        return {
            "message_id": next(self.message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id if chat_id is not None else user_id, chat_type),
            "from": self._user(user_id, language_code),
        }

    def push_text(
        self,
        text: str,
        *,
        user_id: int,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = "en",
        reply_to: SentMessage | None = None,
        edited: bool = False,
    ) -> int:
        """A user's text message; command and @mention entities are added as Telegram does."""
        message = self._incoming_message(user_id, chat_id, chat_type, language_code)
        message["text"] = text
        entities = []
        command = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16(command.group(0))})
        for m in re.finditer(r"@[A-Za-z0-9_]{5,}", text):
            if command and m.start() < command.end():
                continue
            entities.append({"type": "mention", "offset": _utf16(text[: m.start()]), "length": _utf16(m.group(0))})
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._bot_message_dict(reply_to)
        if edited:
            message["edit_date"] = int(time.time())
        return self._push("edited_message" if edited else "message", message)

    def push_document(
        self, file_name: str, data: bytes, *, user_id: int, chat_type: str = "private", caption: str | None = None
    ) -> int:
        """A user's document; the bytes are served by getFile and the file URL."""
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = (f"documents/{file_id}.bin", data)
        message = self._incoming_message(user_id, None, chat_type, "en")
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": file_name,
            "file_size": len(data),
            "mime_type": "text/plain",
        }
        if caption:
            message["caption"] = caption
        return self._push("message", message)

    def push_sticker(self, *, user_id: int, emoji: str = "🙂") -> int:
        """A user's sticker (a message without text)."""
        message = self._incoming_message(user_id, None, "private", "en")
        message["sticker"] = {
            "file_id": "stk1",
            "file_unique_id": "ustk1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._push("message", message)

    def push_callback(self, message: SentMessage, data: str, *, user_id: int, language_code: str = "en") -> int:
        """A press of an inline button under one of the bot's messages."""
        return self._push(
            "callback_query",
            {
                "id": f"cb{next(self.update_ids)}",
                "from": self._user(user_id, language_code),
                "chat_instance": "ci",
                "data": data,
                "message": self._bot_message_dict(message),
            },
        )

    def push_inline(self, query: str, *, user_id: int, language_code: str = "en") -> str:
        """An inline query (@bot query typed in any chat); returns its id, the key of `inline_answers`."""
        query_id = f"iq{next(self.update_ids)}"
        self._push(
            "inline_query", {"id": query_id, "from": self._user(user_id, language_code), "query": query, "offset": ""}
        )
        return query_id

    # --- observing ---------------------------------------------------------------------------------------------

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        with self.cond:
            return [m for m in self.messages if chat_id is None or m.chat_id == chat_id]

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        with self.cond:
            return [params for name, params in self.calls if name == method]

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
        """Wait (without blocking the event loop) until predicate() holds; fail the test on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                texts = [m.text[:80] for m in self.sent()]
                raise AssertionError(f"timed out waiting for {what}; sent so far: {texts}; errors: {self.errors}")
            await asyncio.sleep(0.02)

    # --- HTTP --------------------------------------------------------------------------------------------------

    def _bot_message_dict(self, m: SentMessage) -> dict[str, Any]:
        out: dict[str, Any] = {
            "message_id": m.message_id,
            "date": int(time.time()),
            "chat": self.chats.get(m.chat_id, {"id": m.chat_id, "type": "private"}),
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "NewsBot", "username": self.username},
            "text": m.text,
        }
        if m.reply_markup:
            out["reply_markup"] = m.reply_markup
        return out

    def _dispatch(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = unquote(urlparse(handler.path).path)  # PTB percent-encodes file URLs (the token's ":")
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        api_match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", path)
        if file_match:
            token, file_path = file_match.groups()
            if token != self.token:
                return self._reply(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            for stored_path, data in self.files.values():
                if stored_path == file_path:
                    return self._send(handler, 200, data, "application/octet-stream")
            return self._send(handler, 404, b"not found", "text/plain")
        if not api_match:
            return self._reply(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, method = api_match.groups()
        if token != self.token:
            return self._reply(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        params: dict[str, Any] = {}
        for key, values in parse_qs(body.decode(), keep_blank_values=True).items():
            value = values[-1]
            if key in _RAW_STRING_PARAMS:
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        with self.cond:
            self.calls.append((method, params))
            scripted = self.failures.get(method)
            failure = scripted.pop(0) if scripted else None
        if failure is not None:
            return self._reply(handler, failure[0], failure[1])
        try:
            result = getattr(self, f"_api_{method}", self._api_unknown)(params)
        except _ApiError as exc:
            return self._reply(handler, exc.status, {"ok": False, "error_code": exc.status, "description": exc.text})
        return self._reply(handler, 200, {"ok": True, "result": result})

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
        if status != 200:
            path = urlparse(handler.path).path.rsplit("/", 1)[-1]
            with self.cond:
                self.errors.append((path, status, str(payload.get("description"))))
        self._send(handler, status, json.dumps(payload).encode(), "application/json")

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on a long poll (shutdown); nothing to deliver

    # --- methods -----------------------------------------------------------------------------------------------

    def _api_unknown(self, params: dict[str, Any]) -> Any:
        raise _ApiError(400, "Bad Request: method not implemented by the fake")

    def _api_getMe(self, params: dict[str, Any]) -> Any:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "NewsBot",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> Any:
        """Checked as Telegram does: at most 50 results, ids unique and at most 64 bytes, titles present, and each
        message text valid HTML of at most 4096 characters."""
        results = params.get("results") or []
        if not isinstance(results, list) or len(results) > 50:
            raise _ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if len(set(ids)) != len(ids) or any(not i or len(i.encode()) > 64 for i in ids):
            raise _ApiError(400, "Bad Request: RESULT_ID_INVALID")
        for r in results:
            content = r.get("input_message_content") or {}
            if r.get("type") != "article" or not str(r.get("title", "")).strip():
                raise _ApiError(400, "Bad Request: RESULT_TITLE_EMPTY")
            self._visible({"text": content.get("message_text", ""), "parse_mode": content.get("parse_mode")})
        with self.cond:
            self.inline_answers[str(params["inline_query_id"])] = results
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        deadline = time.monotonic() + wait
        with self.cond:
            self.offsets.append(offset)
            self.pending = [u for u in self.pending if u["update_id"] >= offset]  # confirmed ones are gone
            while not self.pending and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.pending)

    def _visible(self, params: dict[str, Any]) -> str:
        text = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            try:
                text = parse_telegram_html(text)
            except ValueError as exc:
                raise _ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if _utf16(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        return text

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        visible = self._visible(params)
        chat_id = int(params["chat_id"])
        reply = params.get("reply_parameters") or {}
        with self.cond:
            message = SentMessage(
                message_id=next(self.message_ids),
                chat_id=chat_id,
                text=visible,
                raw=str(params["text"]),
                parse_mode=params.get("parse_mode"),
                reply_markup=params.get("reply_markup"),
                reply_to=reply.get("message_id") if isinstance(reply, dict) else None,
            )
            self.messages.append(message)
            return self._bot_message_dict(message)

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:
        visible = self._visible(params)
        with self.cond:
            for message in self.messages:
                if message.message_id == int(params["message_id"]) and message.chat_id == int(params["chat_id"]):
                    if message.text == visible:
                        raise _ApiError(400, "Bad Request: message is not modified")
                    message.text, message.raw = visible, str(params["text"])
                    message.edits.append(visible)
                    return self._bot_message_dict(message)
        raise _ApiError(400, "Bad Request: message to edit not found")

    def _api_getFile(self, params: dict[str, Any]) -> Any:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise _ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(data), "file_path": path}


class _ApiError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
