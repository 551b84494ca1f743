"""Telegram faults of issue 9: a stale index, unanswered or foreign buttons, odd uploads, the user's language."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.botfixtures import ADMIN_ID, USER_ID, FakeEngine
from tests.fakebotapi import FakeBotAPI
from tests.test_telegram import run_bot, settings_for

OTHER_ID = 3003


@pytest.fixture
def api() -> Any:
    with FakeBotAPI() as server:
        yield server


def test_every_callback_is_answered_even_unknown_ones(api: FakeBotAPI, tmp_path: Path) -> None:
    """Row 11: a button the bot does not know (forged, or from before a restart) stops spinning."""

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/help", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1, what="help")
        api.push_callback(api.sent()[0], "src:1", user_id=USER_ID)
        api.push_callback(api.sent()[0], "f" * 64, user_id=USER_ID)
        await api.until(lambda: len(api.calls_of("answerCallbackQuery")) == 2, what="both callbacks answered")

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    assert all("too old" in call.get("text", "") for call in api.calls_of("answerCallbackQuery"))
    assert not api.errors


def test_source_button_is_bound_to_its_chat_and_not_guessable(api: FakeBotAPI, tmp_path: Path) -> None:
    """Row 12: another user can neither guess /source ids nor replay a button in their own chat."""

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("Who opened the bridge?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 1, what="answer")
        answer = api.sent(USER_ID)[0]
        assert answer.reply_markup is not None
        data = answer.reply_markup["inline_keyboard"][0][0]["callback_data"]
        assert len(data) >= 32 and "src" not in data  # python-telegram-bot's random ids
        api.push_text("/source 1", user_id=OTHER_ID)
        await api.until(lambda: len(api.sent(OTHER_ID)) == 1, what="/source from another user")
        api.push_callback(dataclasses.replace(answer, chat_id=OTHER_ID), data, user_id=OTHER_ID)
        await api.until(lambda: len(api.sent(OTHER_ID)) == 2, what="replayed button")
        api.push_callback(answer, data, user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 2, what="the owner's press")

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    for message in api.sent(OTHER_ID):
        assert "harbour bridge" not in message.text
    assert "too old" in api.sent(OTHER_ID)[1].text
    assert "The full passage about the harbour bridge." in api.sent(USER_ID)[1].text
    assert len(api.calls_of("answerCallbackQuery")) == 2


def test_upload_with_a_very_long_name_and_htm_suffix(api: FakeBotAPI, tmp_path: Path) -> None:
    """Rows 13 and 14: a 120-character Chinese name is cut to 255 bytes; .htm is accepted like the parser does."""
    engine = FakeEngine()
    long_name = "贵州" * 60 + ".txt"  # 360 bytes in UTF-8
    html = b"<html><body><article><p>The pier reopened on Monday.</p></article></body></html>"

    async def scenario(api: FakeBotAPI) -> None:
        api.push_document(long_name, "标题\n正文内容。".encode(), user_id=ADMIN_ID)
        await api.until(lambda: len(engine.reindex_calls) == 1, 10, "long name saved and indexed")
        api.push_document("page.htm", html, user_id=ADMIN_ID)
        await api.until(lambda: len(engine.reindex_calls) == 2, 10, ".htm saved and indexed")
        await api.until(lambda: sum("indexed 4 articles" in m.text for m in api.sent()) == 2, 10, "results")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    names = sorted(p.name for p in (tmp_path / "articles").iterdir())
    assert "page.htm" in names
    (long_saved,) = [n for n in names if n != "page.htm"]
    assert long_saved.endswith(".txt") and long_saved.startswith("贵州贵州")
    assert len(long_saved.encode()) <= 255
    assert not any("not supported" in m.text or "wrong" in m.text for m in api.sent())


def test_chinese_admin_gets_chinese_replies_and_failures_name_their_cause(api: FakeBotAPI, tmp_path: Path) -> None:
    """Row 17: `/reindex full`, `/stats extra`, a result and crashed rebuilds in a Chinese chat."""
    engine = FakeEngine()
    zh = "zh-hans"

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/reindex full", user_id=ADMIN_ID, language_code=zh)
        await api.until(lambda: any("索引重建完成" in m.text for m in api.sent()), what="result")
        api.push_text("/stats extra", user_id=ADMIN_ID, language_code=zh)
        await api.until(lambda: any("文章：3" in m.text for m in api.sent()), what="stats")
        engine.reindex_error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/srv/index")  # type: ignore[assignment]
        api.push_text("/reindex", user_id=ADMIN_ID, language_code=zh)
        await api.until(lambda: any("磁盘" in m.text for m in api.sent()), what="disk failure")
        engine.reindex_error = RuntimeError("parser exploded")  # type: ignore[assignment]
        api.push_text("/reindex", user_id=ADMIN_ID, language_code=zh)
        await api.until(lambda: any("parser exploded" in m.text for m in api.sent()), what="crash")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert engine.reindex_calls[0] is True  # "full" was understood
    texts = [m.text for m in api.sent()]
    result = next(t for t in texts if "索引重建完成" in t)
    assert "共 4 篇文章" in result and "indexed" not in result and "跳过的文件" in result
    stats = next(t for t in texts if "文章：3" in t)
    assert "Articles" not in stats and "共 4 篇文章" in stats  # the last rebuild, in Chinese too
    disk = next(t for t in texts if "磁盘" in t)
    assert "索引重建失败" in disk and "No space left on device: /srv/index" in disk
    crash = next(t for t in texts if "parser exploded" in t)
    assert "程序内部错误" in crash and "RuntimeError" in crash
    assert not any("Sorry" in t or "Reason" in t or "Rebuild" in t for t in texts)


def test_bot_switches_to_a_generation_built_by_another_process(api: FakeBotAPI, tmp_path: Path, embedder: Any) -> None:
    """Row 6: `newsbot reindex` from the CLI while the bot runs; the bot answers from the new articles."""
    from retrieval.engine import Engine

    settings = settings_for(api, tmp_path)
    settings.data_dir.mkdir(parents=True)
    first = {"title": "Riverside Library reopens", "text": "Mayor Alice Tan cut the ribbon at the library."}
    (settings.data_dir / "a.json").write_text(json.dumps(first), encoding="utf-8")
    Engine(settings, embedder=embedder).reindex()
    serving = Engine(settings, embedder=embedder)
    serving.refresh_interval = 0.5  # the default is a few seconds; the test should not wait that long
    festival = {"title": "Harbour festival", "text": "The harbour festival drew 40,000 visitors on Saturday."}

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("Who cut the ribbon at the library?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 1, 15, "first answer")
        (settings.data_dir / "b.json").write_text(json.dumps(festival), encoding="utf-8")
        Engine(settings, embedder=embedder).reindex()  # another process's rebuild switches CURRENT
        await asyncio.sleep(0.6)
        api.push_text("How many visitors did the harbour festival draw?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 2, 15, "answer from the new generation")

    run_bot(api, settings, serving, scenario)
    assert "Alice Tan" in api.sent(USER_ID)[0].text
    assert "40,000 visitors" in api.sent(USER_ID)[1].text
    assert serving.index.generation == (settings.index_dir / "CURRENT").read_text().strip()
