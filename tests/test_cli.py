"""The `newsbot` command line: reindex summary, the `ask --json` contract, errors as one line and exit 1."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE
from helpers import write_jsonl

from bot.cli import main

CONTRACT_KEYS = {"question", "answered", "answer", "evidence", "sources"}
SOURCE_KEYS = {"article_id", "title", "url", "published", "source", "text", "score"}


@pytest.fixture
def sample_data(tmp_path: Path) -> Path:
    data = tmp_path / "articles"
    data.mkdir()
    shutil.copy(SAMPLE, data / SAMPLE.name)
    return data


def _check_contract(obj: dict[str, object], question: str) -> None:
    assert set(obj) == CONTRACT_KEYS
    assert obj["question"] == question
    assert isinstance(obj["answered"], bool) and isinstance(obj["answer"], str)
    assert isinstance(obj["evidence"], list) and all(isinstance(e, str) for e in obj["evidence"])
    assert isinstance(obj["sources"], list)
    for source in obj["sources"]:
        assert isinstance(source, dict) and set(source) == SOURCE_KEYS


def test_ask_json_builds_missing_index_and_follows_contract(
    sample_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ask", "--json", "谁签署了框架协议？"]) == 0
    out, err = capsys.readouterr()
    assert "no index yet" in err
    obj = json.loads(out)
    _check_contract(obj, "谁签署了框架协议？")
    assert obj["answered"] is True
    assert any("签署" in e for e in obj["evidence"])
    article = sample_data / SAMPLE.name
    assert obj["evidence"][0] in article.read_text(encoding="utf-8"), "evidence is verbatim"
    assert obj["sources"][0]["published"] == "2022-08-31"


def test_ask_json_stdin_one_object_per_line(
    sample_data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["reindex"]) == 0
    summary = capsys.readouterr().out.strip()
    assert summary.startswith("indexed 1 articles (1 added") and "chunks" in summary
    questions = ["谁签署了框架协议？", "", "代表团考察了哪些企业？", "What is the capital of Mars?"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(questions) + "\n"))
    assert main(["ask", "--json", "-"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 3
    for line, question in zip(lines, [q for q in questions if q], strict=True):
        _check_contract(json.loads(line), question)


def test_reindex_reports_skipped_files(sample_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sample_data / "broken.json").write_text("{nope", encoding="utf-8")
    assert main(["reindex"]) == 0
    out, err = capsys.readouterr()
    assert "1 skipped" in out
    assert "skipped broken.json: invalid JSON" in err


def test_damaged_index_is_one_line_error(sample_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reindex"]) == 0
    for faiss_file in (tmp_path / "index" / "generations").glob("*/vectors.faiss"):
        faiss_file.write_bytes(b"garbage")
    capsys.readouterr()
    assert main(["ask", "谁签署了框架协议？"]) == 1
    err = capsys.readouterr().err
    assert "newsbot: error:" in err and "checksum mismatch" in err
    assert "Traceback" not in err


def test_invalid_setting_is_one_line_error(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSBOT_ADMIN_IDS", "12,abc")
    assert main(["reindex"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsbot: error: invalid setting admin_ids") and "\n" not in err


def test_a_bot_api_url_that_would_quote_the_token_is_refused_before_any_call(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_TELEGRAM_TOKEN", "123:SECRET")
    monkeypatch.setenv("NEWSBOT_TELEGRAM_API_URL", "ftp://x")  # + token read "Invalid port: 'SECRET'" before
    assert main(["run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsbot: error: invalid setting telegram_api_url") and "\n" not in err
    assert "SECRET" not in err


def test_sigkill_during_reindex_keeps_previous_generation(sample_data: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "bot.cli"]
    assert subprocess.run([*cmd, "reindex"], env=env, capture_output=True, timeout=120).returncode == 0
    current = (tmp_path / "index" / "CURRENT").read_text().strip()
    write_jsonl(
        sample_data / "big.jsonl", [{"title": f"新闻{i}", "text": f"第{i}条消息的正文内容。" * 20} for i in range(1500)]
    )
    proc = subprocess.Popen([*cmd, "reindex", "--full"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(6)  # model loaded, embedding under way
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the build was killed, not finished"
    assert (tmp_path / "index" / "CURRENT").read_text().strip() == current
    result = subprocess.run([*cmd, "ask", "--json", "谁签署了框架协议？"], env=env, capture_output=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"] is True
