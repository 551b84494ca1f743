"""The real python-telegram-bot Application against the loopback Bot API imitation."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.service import EngineLike
from bot.telegram import bot_file_url, build_application, cancel_background_tasks, redact, run_polling
from retrieval.config import Settings
from retrieval.errors import NewsBotError
from retrieval.models import Article
from tests.botfixtures import ADMIN_ID, TOKEN, USER_ID, FakeEngine, make_settings
from tests.fakebotapi import FakeBotAPI

Scenario = Callable[[FakeBotAPI], Awaitable[None]]


@pytest.fixture
def api() -> Any:
    with FakeBotAPI() as server:
        yield server


def settings_for(api: FakeBotAPI, tmp_path: Path, **overrides: object) -> Settings:
    return make_settings(tmp_path, telegram_api_url=api.base_url, **overrides)


def run_bot(api: FakeBotAPI, settings: Settings, engine: EngineLike, scenario: Scenario) -> None:
    """Start the real Application polling the fake API, run the scenario, stop cleanly."""

    async def main() -> None:
        app = build_application(settings, engine)
        async with app:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                await asyncio.wait_for(scenario(api), timeout=20)
            finally:
                await app.updater.stop()
                await cancel_background_tasks(app)
                await app.stop()

    asyncio.run(main())


@pytest.fixture(autouse=True)
def _token_never_logged(caplog: pytest.LogCaptureFixture) -> Any:
    """Every test here: capture all logs at DEBUG and check the token (or its secret half) never appears."""
    caplog.set_level(logging.DEBUG)
    yield
    secret = TOKEN.split(":", 1)[1]
    for record in caplog.records:
        rendered = caplog.handler.format(record)
        assert secret not in rendered, f"token leaked in log: {rendered[:200]}"


def test_start_help_question_with_evidence_and_source_button(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/start", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1, what="/start reply")
        help_text = api.sent()[0].text
        assert "3 articles" in help_text and "2024-01-02 to 2024-03-05" in help_text
        assert "这篇报道是哪天发布的？" in help_text and "When was the article published?" in help_text

        api.push_text("/help", user_id=USER_ID, language_code="zh-hans")
        await api.until(lambda: len(api.sent()) == 2, what="/help reply")
        assert "3 篇文章" in api.sent()[1].text

        api.push_text("Who opened the bridge?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 3, what="answer")
        answer = api.sent()[2]
        assert answer.parse_mode == "HTML"
        assert answer.raw.startswith("<b>Answer to: Who opened the bridge?</b>")
        assert "<blockquote>Evidence sentence for Who opened the bridge?.</blockquote>" in answer.raw
        assert "Harbour <Bridge> & Tunnel report · Example Daily · 2024-03-05 · link" in answer.text
        assert api.calls_of("sendChatAction")[0]["action"] == "typing"
        assert answer.reply_markup is not None
        (button,) = answer.reply_markup["inline_keyboard"][0]
        assert button["text"] == "Show source passage"

        api.push_callback(answer, button["callback_data"], user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 4, what="source passage")
        assert "The full passage about the harbour bridge." in api.sent()[3].text
        assert len(api.calls_of("answerCallbackQuery")) == 1

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert engine.asked == ["Who opened the bridge?"]
    # getUpdates confirmed each batch: offsets never go back and end past the last update
    assert api.offsets == sorted(api.offsets) and api.offsets[-1] >= 5
    assert not api.errors


def test_source_command_shows_the_last_answers_passage(api: FakeBotAPI, tmp_path: Path) -> None:
    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/source", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1, what="/source before any answer")
        assert "ask a question first" in api.sent()[0].text
        api.push_text("Who opened the bridge?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 2, what="answer")
        api.push_text("/source", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 3, what="source passage")
        assert "The full passage about the harbour bridge." in api.sent()[2].text

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    assert not api.errors


def test_html_looking_input_is_shown_literally(api: FakeBotAPI, tmp_path: Path) -> None:
    question = "<b>x</b> & <a href='javascript:1'>y</a> <script>?"

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text(question, user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1)

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    (message,) = api.sent()
    assert f"Answer to: {question}" in message.text
    assert "<script>" not in message.raw and message.parse_mode == "HTML"
    assert not api.errors


def test_long_answer_split_into_valid_parts(api: FakeBotAPI, tmp_path: Path) -> None:
    sentence = "这是一段很长的证据，用来测试分段。"  # 17 characters
    engine = FakeEngine(answer_text="长答案", evidence=[sentence * 600])  # 10,200 characters

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("长答案的问题？", user_id=USER_ID)
        await api.until(lambda: bool(api.sent()) and api.sent()[-1].reply_markup is not None, what="all parts")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    parts = api.sent()
    assert len(parts) >= 3
    assert not api.errors  # every part accepted: valid HTML, at most 4096 UTF-16 units
    assert all(p.parse_mode == "HTML" for p in parts)
    assert all(p.reply_markup is None for p in parts[:-1])  # the button sits under the last part
    body = "".join(p.text for p in parts)
    assert body.count(sentence) == 600
    for p in parts[:-1]:
        assert p.text.rstrip().endswith("。")


def test_admin_reindex_progress_question_meanwhile_second_refused(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.reindex_gate = threading.Event()

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/reindex", user_id=ADMIN_ID)
        await api.until(lambda: engine.reindex_started.is_set(), what="rebuild start")
        await api.until(lambda: any("Rebuilding the index: 2/4" in m.text for m in api.sent(ADMIN_ID)))
        api.push_text("Is the bot still answering?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 1, what="answer during rebuild")
        assert "Answer to: Is the bot still answering?" in api.sent(USER_ID)[0].text
        api.push_text("/reindex", user_id=ADMIN_ID)
        await api.until(lambda: any("already running" in m.text for m in api.sent(ADMIN_ID)), what="refusal")
        assert engine.reindex_gate is not None
        engine.reindex_gate.set()
        await api.until(lambda: any("indexed 4 articles" in m.text for m in api.sent(ADMIN_ID)), what="result")
        await api.until(lambda: "4/4 (100%)" in api.sent(ADMIN_ID)[0].text, what="final progress edit")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert engine.reindex_calls == [False]
    progress = api.sent(ADMIN_ID)[0]
    assert progress.edits and len(api.calls_of("editMessageText")) >= 2  # edited in place, not re-sent
    result = next(m for m in api.sent(ADMIN_ID) if "indexed 4 articles" in m.text)
    assert "bad<file>.json: not JSON" in result.text


def test_reindex_failure_reported_to_admin(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.reindex_error = NewsBotError("no articles found in data dir")

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/reindex", user_id=ADMIN_ID)
        await api.until(lambda: any("failed" in m.text for m in api.sent()), what="failure report")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert any("previous index keeps serving" in m.text and "no articles found" in m.text for m in api.sent())


def test_non_admin_reindex_stats_and_edits_refused(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/reindex", user_id=USER_ID)
        api.push_text("/stats", user_id=USER_ID)
        api.push_text("/reindex", user_id=USER_ID, chat_id=-100, chat_type="supergroup")
        api.push_text("/reindex", user_id=USER_ID, edited=True)
        api.push_text("/stats", user_id=ADMIN_ID)
        await api.until(lambda: len(api.sent()) == 4, what="three refusals and admin stats")
        await asyncio.sleep(0.3)

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert engine.reindex_calls == []
    texts = [m.text for m in api.sent()]
    assert sum("only an admin" in t for t in texts) == 3
    assert any("Articles: 3" in t for t in texts)


def test_nobody_is_admin_when_admin_ids_empty(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("/reindex", user_id=ADMIN_ID)
        await api.until(lambda: len(api.sent()) == 1)

    run_bot(api, settings_for(api, tmp_path, admin_ids=frozenset()), engine, scenario)
    assert engine.reindex_calls == [] and "only an admin" in api.sent()[0].text


def test_document_upload_by_admin_saved_and_indexed_others_refused(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()
    data_dir = tmp_path / "articles"
    data_dir.mkdir()
    (data_dir / "story.txt").write_text("existing", encoding="utf-8")
    article = "新标题\n发布时间：2024-05-01\n正文内容。".encode()

    async def scenario(api: FakeBotAPI) -> None:
        api.push_document("../../story.txt", article, user_id=ADMIN_ID)
        await api.until(lambda: any("indexed 4 articles" in m.text for m in api.sent()), what="indexed upload")
        api.push_document("evil.txt", b"spam", user_id=USER_ID)
        api.push_document("virus.exe", b"MZ", user_id=ADMIN_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 1 and any("not supported" in m.text for m in api.sent()))

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert (data_dir / "story.txt").read_text(encoding="utf-8") == "existing"  # not overwritten
    assert (data_dir / "story-1.txt").read_bytes() == article
    assert sorted(p.name for p in data_dir.iterdir()) == ["story-1.txt", "story.txt"]
    assert not (tmp_path / "story.txt").exists()
    assert any("not overwritten" in m.text and "story-1.txt" in m.text for m in api.sent(ADMIN_ID))
    assert "only an admin can upload" in api.sent(USER_ID)[0].text
    assert engine.reindex_calls == [False]
    assert len(api.calls_of("getFile")) == 1  # refused files are never downloaded


def test_429_waited_out_and_delivered_once(api: FakeBotAPI, tmp_path: Path) -> None:
    api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("Rate limited question?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1, timeout=8, what="delivery after 429")
        await asyncio.sleep(0.3)

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    assert len(api.calls_of("sendMessage")) == 2  # one refused, one retried
    assert len(api.sent()) == 1 and "Rate limited question?" in api.sent()[0].text
    assert [e[1] for e in api.errors] == [429]


def test_403_blocked_user_skipped_others_served(api: FakeBotAPI, tmp_path: Path, caplog: Any) -> None:
    api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user")

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("First question?", user_id=USER_ID)
        await api.until(lambda: len(api.calls_of("sendMessage")) == 1, what="blocked send")
        api.push_text("Second question?", user_id=ADMIN_ID)
        await api.until(lambda: len(api.sent()) == 1, what="next user served")
        await asyncio.sleep(0.2)

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    assert api.sent()[0].chat_id == ADMIN_ID
    assert len(api.calls_of("sendMessage")) == 2  # no retry and no error reply to the blocked chat
    assert "blocked by the user" in caplog.text


def test_polling_survives_502_and_409(api: FakeBotAPI, tmp_path: Path) -> None:
    api.fail("getUpdates", 502, "Bad Gateway")

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("After the gateway error?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1, timeout=8, what="answer after 502")
        api.fail("getUpdates", 409, "Conflict: terminated by other getUpdates request")
        api.push_text("After the conflict?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 2, timeout=8, what="answer after 409")

    run_bot(api, settings_for(api, tmp_path), FakeEngine(), scenario)
    assert [e[1] for e in api.errors] == [502, 409]


def test_group_answers_only_when_addressed(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()
    group = -100123

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("just chatting among humans", user_id=USER_ID, chat_id=group, chat_type="group")
        api.push_text("@NewsTestBot who won?", user_id=USER_ID, chat_id=group, chat_type="group")
        await api.until(lambda: len(api.sent()) == 1, what="mention answered")
        api.push_text("and then?", user_id=USER_ID, chat_id=group, chat_type="group", reply_to=api.sent()[0])
        await api.until(lambda: len(api.sent()) == 2, what="reply answered")
        api.push_text("/ask@NewsTestBot where?", user_id=USER_ID, chat_id=group, chat_type="group")
        await api.until(lambda: len(api.sent()) == 3, what="/ask answered")

    # each question alone (no follow-up memory): this test is about which group messages are addressed
    run_bot(api, settings_for(api, tmp_path, followup_window=0), engine, scenario)
    assert engine.asked == ["who won?", "and then?", "where?"]
    assert all(m.reply_to is not None for m in api.sent())  # answers thread under the question in groups


def test_inbound_throttle_one_notice(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()

    async def scenario(api: FakeBotAPI) -> None:
        for i in range(8):
            api.push_text(f"question {i}?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 6, what="5 answers + 1 notice")
        await asyncio.sleep(0.3)

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert len(engine.asked) == 5
    assert sum("too quickly" in m.text for m in api.sent()) == 1
    assert len(api.sent()) == 6


def test_slow_answer_does_not_hold_up_others(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()
    engine.ask_delay = 0.8

    async def scenario(api: FakeBotAPI) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for uid in (11, 12, 13, 14):
            api.push_text("slow?", user_id=uid)
        await api.until(lambda: len(api.sent()) == 4, what="four answers")
        assert loop.time() - start < 2.5  # concurrent, not 4 × 0.8 s in a row

    run_bot(api, settings_for(api, tmp_path), engine, scenario)


def test_handler_error_logged_and_polite_reply(api: FakeBotAPI, tmp_path: Path, caplog: Any) -> None:
    engine = FakeEngine()

    def broken(question: str) -> Any:
        raise RuntimeError("engine exploded")

    engine.ask = broken  # type: ignore[method-assign]

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("Does this crash?", user_id=USER_ID)
        await api.until(lambda: len(api.sent()) == 1, what="error reply")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    assert "something went wrong" in api.sent()[0].text
    assert "engine exploded" not in api.sent()[0].text
    assert "engine exploded" in caplog.text


def test_missing_token_one_line_exit_1(tmp_path: Path, capsys: Any) -> None:
    assert run_polling(make_settings(tmp_path, telegram_token=None), FakeEngine()) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NEWSBOT_TELEGRAM_TOKEN" in err


def test_rejected_token_one_line_exit_1_without_token(api: FakeBotAPI, tmp_path: Path, capsys: Any) -> None:
    api.token = "999:the-server-knows-another-token"
    settings = settings_for(api, tmp_path)
    assert run_polling(settings, FakeEngine()) == 1
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines()[-1].startswith("newsbot: error: Telegram rejected the bot token")
    secret = TOKEN.split(":", 1)[1]
    assert secret not in captured.err and secret not in captured.out


def test_redaction_covers_messages_and_tracebacks(caplog: Any) -> None:
    from bot.telegram import protect_secret_in_logs

    protect_secret_in_logs(TOKEN)
    logger = logging.getLogger("some.library")
    logger.info("calling https://api.example/bot%s/getMe", TOKEN)
    try:
        raise ValueError(f"The token `{TOKEN}` was rejected")
    except ValueError:
        logger.exception("failed")
    assert TOKEN not in caplog.text and "[REDACTED]" in caplog.text
    assert redact(f"x{TOKEN}y") == "x[REDACTED]y"
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING


def test_file_url_derived_from_api_url() -> None:
    assert bot_file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert bot_file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


ARTICLES = [
    {
        "id": "lib",
        "title": "Riverside Library reopens",
        "text": "The Riverside Library reopened on Tuesday after a two-year renovation. Mayor Alice Tan cut the "
        "ribbon at the ceremony. The new building has a rooftop garden.",
        "url": "https://news.example/lib",
        "published": "2024-05-14",
        "source": "City Herald",
    },
    {
        "id": "port",
        "title": "Port traffic report",
        "text": "Container traffic at the port rose in the first quarter. Officials expect further growth.",
        "published": "2024-02-01",
        "source": "Trade Weekly",
    },
]


def test_real_engine_rebuilt_from_telegram_then_answers_with_evidence(
    api: FakeBotAPI, tmp_path: Path, embedder: Any
) -> None:
    """The real Engine and bundled model on a tiny data dir: /reindex, an upload, questions answered."""
    import json

    from retrieval.engine import Engine

    settings = settings_for(api, tmp_path)
    settings.data_dir.mkdir(parents=True)
    (settings.data_dir / "news.jsonl").write_text(
        "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8"
    )
    engine = Engine(settings, embedder=embedder)
    upload = {
        "title": "Harbour festival weekend",
        "text": "The harbour festival drew 40,000 visitors on Saturday. Fireworks closed the evening.",
        "published": "2024-06-02",
        "source": "Bay News",
    }

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("Who cut the ribbon at the Riverside Library?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 1, what="reply before any index")
        assert "has not been built" in api.sent(USER_ID)[0].text
        api.push_text("/reindex", user_id=ADMIN_ID)
        await api.until(lambda: any("indexed 2 articles" in m.text for m in api.sent(ADMIN_ID)), 30, "rebuild")
        api.push_text("Who cut the ribbon at the Riverside Library?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 2, 15, "answer")
        api.push_document("festival.json", json.dumps(upload).encode(), user_id=ADMIN_ID)
        await api.until(lambda: any("indexed 3 articles" in m.text for m in api.sent(ADMIN_ID)), 30, "upload")
        api.push_text("How many visitors did the harbour festival draw?", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 3, 15, "answer from the upload")
        api.push_text("/help", user_id=USER_ID)
        await api.until(lambda: len(api.sent(USER_ID)) == 4, 15, "help")

    run_bot(api, settings, engine, scenario)
    answer = api.sent(USER_ID)[1]
    assert "Alice Tan" in answer.raw.split("</b>")[0]  # the direct answer, bold
    assert "Mayor Alice Tan cut the ribbon at the ceremony." in answer.text  # verbatim evidence
    assert "Riverside Library reopens · City Herald · 2024-05-14" in answer.text
    festival = api.sent(USER_ID)[2]
    assert "The harbour festival drew 40,000 visitors on Saturday." in festival.text
    assert "Harbour festival weekend" in festival.text
    assert (settings.data_dir / "festival.json").exists()
    assert "3 articles" in api.sent(USER_ID)[3].text and "2024-02-01 to 2024-06-02" in api.sent(USER_ID)[3].text
    assert not api.errors


def test_odd_messages_get_polite_replies_never_a_crash(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()

    async def scenario(api: FakeBotAPI) -> None:
        api.push_text("🙂🎉🙂", user_id=11)
        api.push_text("\u200b\u200d\u2060", user_id=12)
        api.push_sticker(user_id=13)
        api.push_text("/frobnicate", user_id=14)
        api.push_text("/ask", user_id=15)
        api.push_text("/frobnicate", user_id=16, chat_id=-500, chat_type="group")  # maybe for another bot
        api.push_text("/reindex@OtherBot", user_id=ADMIN_ID)  # addressed to another bot
        await api.until(lambda: len(api.sent()) == 5, what="five polite replies")
        await asyncio.sleep(0.3)

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    by_chat = {m.chat_id: m.text for m in api.sent()}
    for chat in (11, 12, 13):
        assert "could not read a question" in by_chat[chat]
    assert "/help" in by_chat[14] and "write your question after /ask" in by_chat[15]
    assert -500 not in by_chat and ADMIN_ID not in by_chat
    assert engine.asked == [] and engine.reindex_calls == [] and not api.errors


def test_unreachable_api_at_startup_one_line_exit_1(
    tmp_path: Path, capsys: Any, caplog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.telegram

    monkeypatch.setattr(bot.telegram, "BOOTSTRAP_RETRIES", 0)
    with FakeBotAPI() as closed:
        url = closed.base_url  # a port that is closed once the fake has stopped
    assert run_polling(make_settings(tmp_path, telegram_api_url=url), FakeEngine()) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsbot: error: cannot reach the Bot API at startup") and err.count("\n") == 1
    assert not [r for r in caplog.records if r.exc_info]  # no traceback logged: the one line says it


def test_inline_query_answered_with_short_answer_and_source_and_rate_limited(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine(answer_text="Jane & <Smith>")
    queries: list[str] = []

    async def scenario(api: FakeBotAPI) -> None:
        queries.append(api.push_inline("Who opened the bridge?", user_id=USER_ID))
        queries.append(api.push_inline("   ", user_id=USER_ID))
        queries.append(api.push_inline("Is there nothing about Mars?", user_id=USER_ID))
        await api.until(lambda: len(api.inline_answers) == 3, what="three inline answers")
        for i in range(6):  # past the per-user limit: one notice, then empty answers
            queries.append(api.push_inline(f"question {i}?", user_id=USER_ID))
        await api.until(lambda: len(api.inline_answers) == 9, what="throttled inline answers")

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    (result,) = api.inline_answers[queries[0]]
    assert result["title"] == "Jane & <Smith>"
    assert result["description"] == "Harbour <Bridge> & Tunnel report · Example Daily · 2024-03-05"
    content = result["input_message_content"]
    assert content["parse_mode"] == "HTML" and content["message_text"].startswith("<b>Jane &amp; &lt;Smith&gt;</b>")
    assert "📰" in content["message_text"]
    assert api.inline_answers[queries[1]] == []  # an empty query: nothing asked
    (refusal,) = api.inline_answers[queries[2]]
    assert "do not contain" in refusal["title"]
    throttled = [api.inline_answers[q] for q in queries[3:]]
    assert sum(len(r) for r in throttled) == 4  # 5 per 10 s (the empty query is free): 3 more, one notice, none
    assert any(r and "too quickly" in r[0]["title"] for r in throttled)
    assert engine.asked == ["Who opened the bridge?", "Is there nothing about Mars?"] + [
        f"question {i}?" for i in range(3)
    ]
    assert not api.errors  # every answer passed the fake's checks (ids, titles, HTML)


def test_latest_summary_follow_up_and_new_in_a_group(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine(answer_text="Jane Smith")
    engine.articles = [
        Article(id="a1", title="Bridge opens", text="The bridge opened on Monday after four years of work.",
                published="2024-03-05", source="Example Daily"),
        Article(id="a2", title="Tunnel plans", text="The city council approved plans for a new tunnel today.",
                published="2024-03-07"),
    ]  # fmt: skip
    group = -100777

    async def scenario(api: FakeBotAPI) -> None:
        steps = [
            "/latest@NewsTestBot",
            "/summary@NewsTestBot 2",
            "/ask@NewsTestBot Who opened the Harbour Bridge?",
            "/ask@NewsTestBot What did she say?",
            "/new@NewsTestBot",
            "/ask@NewsTestBot What did she say?",
        ]
        for n, step in enumerate(steps, 1):
            api.push_text(step, user_id=USER_ID, chat_id=group, chat_type="group")
            await api.until(lambda n=n: len(api.sent(group)) == n, what=step)  # type: ignore[misc]

    run_bot(api, settings_for(api, tmp_path), engine, scenario)
    listing, summary, _, follow, new, _ = (m.text for m in api.sent(group))
    assert listing.startswith("Newest articles:\n1. Tunnel plans · 2024-03-07\n2. Bridge opens · Example Daily")
    assert summary.startswith("Summary:\nThe bridge opened on Monday after four years of work.")
    assert "(understood as: What did Jane Smith say?)" in follow
    assert "starting over" in new
    assert engine.asked == ["Who opened the Harbour Bridge?", "What did Jane Smith say?", "What did she say?"]
