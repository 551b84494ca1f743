"""`newsbot run` by webhook, on loopback: the webhook is registered with its secret, and updates need the secret."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from retrieval.config import Settings
from tests.botfixtures import USER_ID
from tests.fakebotapi import FakeBotAPI
from tests.test_telegram_process import SECRET, _env, _wait

HOOK_SECRET = "hook_Secret-42"
ENTRY = """
import sys
from pathlib import Path
from bot.telegram import run_webhook
from tests.botfixtures import FakeEngine, make_settings
settings = make_settings(
    Path(sys.argv[1]), telegram_api_url=sys.argv[2], webhook_url=sys.argv[3], webhook_listen="127.0.0.1",
    webhook_port=int(sys.argv[4]), webhook_secret=sys.argv[5],
)
sys.exit(run_webhook(settings, FakeEngine()))
"""


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as fake:
        yield fake


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, update: dict[str, object], secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _update(update_id: int, text: str) -> dict[str, object]:
    user = {"id": USER_ID, "is_bot": False, "first_name": "Reader", "language_code": "en"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": USER_ID, "type": "private"}}
    return {"update_id": update_id, "message": {**message, "from": user, "text": text}}


def test_webhook_registers_checks_the_secret_and_answers(api: FakeBotAPI, tmp_path: Path) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, str(tmp_path), api.base_url, url, str(port), HOOK_SECRET],
        cwd=tmp_path,
        env=_env(api, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: api.calls_of("setWebhook"), 30, "the webhook to be registered", proc)
        (registered,) = api.calls_of("setWebhook")
        assert registered["url"] == url and registered["secret_token"] == HOOK_SECRET
        assert not api.calls_of("getUpdates"), "no long polling in webhook mode"

        def status(update_id: int, secret: str | None) -> int:  # the server may take a moment to listen
            deadline = time.monotonic() + 15
            while True:
                try:
                    return _post(url, _update(update_id, "/start"), secret)
                except (ConnectionError, urllib.error.URLError):
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)

        assert status(1, None) == 403 and status(2, "wrong-secret") == 403
        time.sleep(0.5)
        assert not api.sent(), "updates without the right secret are dropped"
        assert status(3, HOOK_SECRET) == 200
        _wait(lambda: api.sent(USER_ID), 15, "the reply to /start", proc)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err[-2000:]
    assert SECRET not in out + err and HOOK_SECRET not in out + err


def test_webhook_url_needs_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="NEWSBOT_WEBHOOK_SECRET"):
        Settings(webhook_url="https://bot.example.org/tg")
    with pytest.raises(ValueError, match="1-256 characters"):
        Settings(webhook_url="https://bot.example.org/tg", webhook_secret="has spaces")  # type: ignore[arg-type]
