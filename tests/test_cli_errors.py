"""Every `newsbot` command fails with one line and exit 1, never a traceback; bad input loses nothing."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE
from helpers import make_engine, write_jsonl

from bot.cli import main
from retrieval.embedding import EmbeddingCache
from retrieval.lexical import LexicalIndex


def newsbot(tmp_path: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """`newsbot ARGS` in a fresh process with data and index under tmp_path (env overrides them)."""
    environ = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "NEWSBOT_DATA_DIR": str(tmp_path / "articles"),
        "NEWSBOT_INDEX_DIR": str(tmp_path / "index"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=environ,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single `newsbot: error: …` line of a failed command (asserting rc 1 and no traceback)."""
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("newsbot: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    assert all(line.startswith("newsbot: ") for line in lines), result.stderr
    return errors[0]


@pytest.fixture
def built(tmp_path: Path, embedder: object) -> Path:
    """The sample article indexed (in-process, with the session's model); returns the index folder."""
    data = tmp_path / "articles"
    data.mkdir()
    shutil.copy(SAMPLE, data / SAMPLE.name)
    make_engine(tmp_path, embedder).reindex()
    return tmp_path / "index"


def current(index: Path) -> str:
    return (index / "CURRENT").read_text().strip()


def test_bad_files_skipped_once_each_build_goes_on(tmp_path: Path) -> None:
    """Rows 1, 9, 10: deep JSON, deep folders, links out of the folder, loops; each skip reported exactly once."""
    # Outside pytest's tmp_path: should this test be killed before its cleanup, pytest's own cleanup of old temp
    # folders (shutil.rmtree, recursive on Python 3.11) would trip over 1,500 levels in every later run.
    data = Path(tempfile.mkdtemp(prefix="newsbot-deep-"))
    nested = data / "nest"
    try:
        shutil.copy(SAMPLE, data / SAMPLE.name)
        (data / "deep.jsonl").write_text("[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
        (data / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
        nested.mkdir()
        os.chdir(nested)  # build 1,500 levels with relative paths (an absolute one would pass PATH_MAX)
        for _ in range(1500):
            os.mkdir("d")
            os.chdir("d")
        Path("leaf.json").write_text(json.dumps({"title": "深处", "text": "最深处的文件也被读取。"}), encoding="utf-8")
        os.chdir(tmp_path)
        secret = tmp_path / "outside.txt"
        secret.write_text("外部标题\n不应被索引的外部文件内容。", encoding="utf-8")
        (data / "x.txt").symlink_to(secret)
        (data / "dangling.txt").symlink_to(tmp_path / "missing.txt")
        (data / "loop").symlink_to(data)
        result = newsbot(tmp_path, "reindex", NEWSBOT_DATA_DIR=str(data))
        asked = newsbot(tmp_path, "ask", "--json", "外部文件内容是什么？", NEWSBOT_DATA_DIR=str(data))
    finally:
        _remove_chain(nested, 1500)
        shutil.rmtree(data)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = result.stdout.strip()
    assert summary.startswith("indexed 2 articles"), summary  # the sample and the deepest leaf
    lines = result.stderr.splitlines()
    for path, reason in [
        ("deep.jsonl", "nested too deeply"),
        ("deep.json", "nested too deeply"),
        ("x.txt", "outside the data folder"),
        ("dangling.txt", "broken link"),
        ("loop", "already read through another path"),
    ]:
        matching = [line for line in lines if line.startswith(f"newsbot: skipped {path}: ")]
        assert len(matching) == 1 and reason in matching[0], (path, lines)
    assert asked.returncode == 0 and "不应被索引" not in asked.stdout


def _remove_chain(top: Path, depth: int) -> None:
    """Delete top/d/d/…/d (up to depth levels, files in the last one) without recursion or long paths."""
    if not top.is_dir():
        return
    os.chdir(top)
    levels = 0
    while levels < depth and os.path.isdir("d"):
        os.chdir("d")
        levels += 1
    for name in os.listdir("."):
        os.unlink(name)
    for _ in range(levels):
        os.chdir("..")
        os.rmdir("d")
    os.chdir(top.parent)


def test_missing_data_dir_refused_and_index_untouched(tmp_path: Path, built: Path) -> None:
    """Row 2: a typo'd NEWSBOT_DATA_DIR must not replace the index with an empty one."""
    before = current(built)
    line = one_error_line(newsbot(tmp_path, "reindex", NEWSBOT_DATA_DIR=str(tmp_path / "artcles")))
    assert "artcles" in line and "does not exist" in line
    assert current(built) == before
    (tmp_path / "afile").write_text("x")
    assert "is not a folder" in one_error_line(newsbot(tmp_path, "reindex", NEWSBOT_DATA_DIR=str(tmp_path / "afile")))


def test_empty_existing_data_dir_builds_empty_index_with_warning(
    tmp_path: Path,
    built: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("NEWSBOT_DATA_DIR", str(empty))
    assert main(["reindex"]) == 0
    assert capsys.readouterr().out.startswith("indexed 0 articles")
    assert "holds no articles" in caplog.text


def test_unusable_index_dir_is_one_line(tmp_path: Path) -> None:
    """Row 4: NEWSBOT_INDEX_DIR is a file."""
    data = tmp_path / "articles"
    data.mkdir()
    shutil.copy(SAMPLE, data / SAMPLE.name)
    (tmp_path / "ifile").write_text("not a folder")
    for command in (["reindex"], ["ask", "谁签署了框架协议？"]):
        line = one_error_line(newsbot(tmp_path, *command, NEWSBOT_INDEX_DIR=str(tmp_path / "ifile")))
        assert "ifile" in line and "index folder" in line


@pytest.mark.parametrize("failure", [errno.EROFS, errno.EACCES])
def test_read_only_or_forbidden_index_dir_is_one_line(
    tmp_path: Path, failure: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Row 4: a read-only mount or missing permissions (injected: root ignores file modes)."""
    data = tmp_path / "articles"
    data.mkdir()
    shutil.copy(SAMPLE, data / SAMPLE.name)

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(failure, os.strerror(failure), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["reindex"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsbot: error: cannot use the index folder") and os.strerror(failure) in err
    assert "\n" not in err


def test_eval_file_problems_are_one_line(tmp_path: Path) -> None:
    """Row 4: `newsbot eval` on a missing file, a folder, a bad line, a binary file."""
    missing = one_error_line(newsbot(tmp_path, "eval", "nope.jsonl"))
    assert "No such file or directory" in missing and "nope.jsonl" in missing
    (tmp_path / "qa").mkdir()
    assert "Is a directory" in one_error_line(newsbot(tmp_path, "eval", "qa"))
    (tmp_path / "bad.jsonl").write_text('{"question": "谁？", "answers": ["王"]}\nnot json\n', encoding="utf-8")
    assert "bad.jsonl:2" in one_error_line(newsbot(tmp_path, "eval", "bad.jsonl"))
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe\x00garbage")
    assert "bin.jsonl" in one_error_line(newsbot(tmp_path, "eval", "bin.jsonl"))
    assert not (tmp_path / "index").exists(), "no index is built before the QA file is read"


def test_train_refuses_an_impossible_refusal_share_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "set.json").write_text('{"data": []}', encoding="utf-8")
    line = one_error_line(newsbot(tmp_path, "train", "set.json", "--max-false-refusals", "5"))
    assert "--max-false-refusals" in line and "0.05" in line


def _fill_disk_after(monkeypatch: pytest.MonkeyPatch, target: str) -> None:
    """A fault-injecting writer: `target` writes part of its output, then the disk is full."""
    if target == "bm25":
        original = LexicalIndex.save

        def save(self: LexicalIndex, path: Path) -> None:
            original(self, path)
            with (path / "filler.bin").open("wb") as fh:
                fh.write(b"\0" * 4096)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path / "filler.bin"))

        monkeypatch.setattr(LexicalIndex, "save", save)
    else:

        def put_many(self: EmbeddingCache, items: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        monkeypatch.setattr(EmbeddingCache, "put_many", put_many)


@pytest.mark.parametrize("target", ["bm25", "cache"])
def test_disk_full_one_line_temp_removed_old_index_serves_next_build_works(
    tmp_path: Path, built: Path, target: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Row 5: the disk fills during a rebuild."""
    before = current(built)
    write_jsonl(tmp_path / "articles" / "new.jsonl", [{"title": "新消息", "text": "港口今天重新开放了。"}])
    with monkeypatch.context() as patch:
        _fill_disk_after(patch, target)
        assert main(["reindex"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("newsbot: error: cannot write the index in") and str(built) in err and "\n" not in err
    assert ("No space left on device" if target == "bm25" else "disk is full") in err
    assert " free" in err and "previous index keeps serving" in err
    assert current(built) == before
    assert not list((built / "generations").glob(".tmp-*")), "half-written generation removed"
    assert main(["ask", "--json", "谁签署了框架协议？"]) == 0
    assert json.loads(capsys.readouterr().out)["answered"] is True
    assert main(["reindex"]) == 0  # space is back: the next build works
    assert capsys.readouterr().out.startswith("indexed 2 articles")
    assert current(built) != before


def test_stale_temporary_generation_removed_by_next_build(tmp_path: Path, built: Path) -> None:
    """Row 5: what a build killed mid-write (or before this fix) left behind does not fill the disk forever."""
    stale = built / "generations" / ".tmp-20200101T000000000000-1-000000"
    stale.mkdir()
    (stale / "vectors.faiss").write_bytes(b"\0" * 1024)
    write_jsonl(tmp_path / "articles" / "new.jsonl", [{"title": "新消息", "text": "港口今天重新开放了。"}])
    assert newsbot(tmp_path, "reindex").returncode == 0
    assert not stale.exists()


def test_long_stdin_question_is_cut_like_chat_and_says_so(tmp_path: Path, built: Path) -> None:
    """Row 7: a 100,000-character line no longer stalls a batch."""
    long_question = "谁签署了框架协议" * 12_500  # 100,000 characters
    started = time.monotonic()
    result = newsbot(tmp_path, "ask", "--json", "-", stdin=f"{long_question}\n谁签署了框架协议？\n")
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert len(first["question"]) == 500 and second["question"] == "谁签署了框架协议？"
    assert "line 1: question cut to its first 500 characters" in result.stderr
    text = newsbot(tmp_path, "ask", long_question[:2000])
    assert text.returncode == 0 and text.stdout.startswith("问题太长，只使用了前 500 个字符。")


@pytest.mark.parametrize("question", ["", "😀🎉", "？？？"])
def test_empty_or_symbol_questions_get_the_chat_hint(tmp_path: Path, question: str) -> None:
    """Row 16: the same hint as chat and Telegram, not a "not found" with a closest article."""
    result = newsbot(tmp_path, "ask", question)
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert result.stdout.strip() == "我没有看懂这条消息。请用文字提一个关于新闻文章的问题。"
    as_json = json.loads(newsbot(tmp_path, "ask", "--json", question).stdout)
    assert as_json["answered"] is False and as_json["sources"] == []
