"""`newsbot run` as a real process against the loopback Bot API: SIGTERM, bad tokens, no token in output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.botfixtures import ADMIN_ID, TOKEN, USER_ID
from tests.fakebotapi import FakeBotAPI

REPO = Path(__file__).resolve().parent.parent
SECRET = TOKEN.split(":", 1)[1]

# A small entry on the same run_polling, with the scriptable engine (its rebuild can be made to hang).
FAKE_ENTRY = """
import sys, threading
from pathlib import Path
from bot.telegram import run_polling
from tests.botfixtures import FakeEngine, make_settings
engine = FakeEngine()
if sys.argv[3] == "hang":
    engine.reindex_gate = threading.Event()  # never set: the rebuild hangs until the process ends
sys.exit(run_polling(make_settings(Path(sys.argv[1]), telegram_api_url=sys.argv[2]), engine))
"""


def _env(api: FakeBotAPI, tmp_path: Path, token: str | None = TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "NEWSBOT_DATA_DIR": str(tmp_path / "articles"),
            "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
            "NEWSBOT_TELEGRAM_API_URL": api.base_url,
            "NEWSBOT_ADMIN_IDS": str(ADMIN_ID),
            "HF_HUB_OFFLINE": "1",
        }
    )
    if token is not None:
        env["NEWSBOT_TELEGRAM_TOKEN"] = token
    return env


def _wait(predicate: Any, timeout: float, what: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"process ended early ({proc.returncode}) waiting for {what}: {err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[str], timeout: float = 10) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"did not stop within {timeout}s of SIGTERM: {err[-2000:]}") from None
    assert time.monotonic() - started < timeout
    return proc.returncode, out, err


@pytest.fixture
def api() -> Any:
    with FakeBotAPI() as server:
        yield server


def test_newsbot_run_answers_then_stops_on_sigterm(api: FakeBotAPI, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "-v", "run"],
        cwd=tmp_path,
        env=_env(api, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: api.calls_of("getUpdates"), 60, "polling to start", proc)
        api.push_text("/start", user_id=USER_ID)
        _wait(lambda: api.sent(), 30, "the /start reply", proc)
        rc, out, err = _stop(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0, err[-2000:]
    assert "has not been built" in api.sent()[0].text  # the real engine, no index yet: a polite reply
    assert SECRET not in out and SECRET not in err


def test_sigterm_during_a_hanging_rebuild_stops_within_seconds(api: FakeBotAPI, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_ENTRY, str(tmp_path), api.base_url, "hang"],
        cwd=tmp_path,
        env=_env(api, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: api.calls_of("getUpdates"), 30, "polling to start", proc)
        api.push_text("/reindex", user_id=ADMIN_ID)
        _wait(lambda: any("2/4" in m.text for m in api.sent()), 15, "rebuild progress", proc)
        rc, out, err = _stop(proc, timeout=8)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0, err[-2000:]
    assert SECRET not in out and SECRET not in err


def test_newsbot_run_rejected_token_one_line_exit_1(api: FakeBotAPI, tmp_path: Path) -> None:
    api.token = "999:another-token-entirely"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "-v", "run"],
        cwd=tmp_path,
        env=_env(api, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if " INFO " not in line and " DEBUG " not in line]
    assert errors == ["newsbot: error: Telegram rejected the bot token (check NEWSBOT_TELEGRAM_TOKEN)"]
    assert SECRET not in result.stderr and SECRET not in result.stdout


def test_newsbot_run_missing_token_one_line_exit_1(api: FakeBotAPI, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=_env(api, tmp_path, token=None),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "newsbot: error: NEWSBOT_TELEGRAM_TOKEN is not set; get a token from @BotFather"
    ]
    assert not api.calls  # nothing was sent anywhere
