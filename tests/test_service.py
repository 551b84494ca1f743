"""The transport-free conversation core, every command, without Telegram."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from bot.service import ChatService, InboundLimiter, Incoming, parse_command, safe_filename
from retrieval.errors import NewsBotError, ReindexInProgress
from tests.botfixtures import ADMIN_ID, USER_ID, FakeEngine, make_settings, parse_telegram_html


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def service(tmp_path: Path, engine: FakeEngine) -> ChatService:
    return ChatService(engine, make_settings(tmp_path))


def say(service: ChatService, text: str, *, admin: bool = False, language_code: str | None = None) -> list[str]:
    replies = service.handle(
        Incoming(user_id=ADMIN_ID if admin else USER_ID, text=text, is_admin=admin, language_code=language_code)
    )
    for r in replies:
        parse_telegram_html(r.html)  # every reply is valid Telegram HTML
    return [r.html for r in replies]


def test_start_and_help_show_counts_dates_and_examples_in_both_languages(service: ChatService) -> None:
    for cmd in ("/start", "/help", "/help@NewsBot"):
        (out,) = say(service, cmd, language_code="zh-hans")
        assert "3 篇文章" in out and "2024-01-02 至 2024-03-05" in out
        assert "示例问题" in out and "这篇报道是哪天发布的？" in out and "When was the article published?" in out
    (out,) = say(service, "/help", language_code="en")
    assert "3 articles" in out and "2024-01-02 to 2024-03-05" in out and "Example questions" in out


def test_help_before_any_index_says_so(tmp_path: Path) -> None:
    service = ChatService(FakeEngine(built=False), make_settings(tmp_path))
    (out,) = say(service, "/start", language_code="en")
    assert "has not been built" in out and "/reindex" in out


def test_question_answered_with_evidence_source_and_button(service: ChatService, engine: FakeEngine) -> None:
    replies = service.handle(Incoming(user_id=USER_ID, text="Who built the bridge?"))
    assert engine.asked == ["Who built the bridge?"]
    (reply,) = replies
    assert reply.html.startswith("<b>Answer to: Who built the bridge?</b>")
    assert "<blockquote>Evidence sentence for Who built the bridge?.</blockquote>" in reply.html
    assert "Example Daily · 2024-03-05" in reply.html
    (button,) = reply.buttons
    assert button.label == "Show source passage" and button.payload.chat_id == 0
    (source,) = service.source(button.payload, 0, "en")
    assert "The full passage about the harbour bridge. It has two sentences." in source.html
    assert 'href="https://news.example/a1?x=1&amp;y=2"' in source.html


def test_source_button_bound_to_its_chat(service: ChatService) -> None:
    (reply,) = service.handle(Incoming(user_id=USER_ID, text="Who built the bridge?", chat_id=42))
    ref = reply.buttons[0].payload
    assert "harbour bridge" in service.source(ref, 42, "en")[0].html
    (other,) = service.source(ref, 43, "en")  # another chat holding the same object learns nothing
    assert "too old" in other.html and "harbour" not in other.html
    assert "too old" in service.source("1", 42, "en")[0].html  # anything else: the same polite reply
    (cmd,) = say(service, "/source 1")  # no shared, guessable /source ids: /source is this chat's last answer
    assert "harbour" not in cmd and "先提一个问题" in cmd


def test_source_command_shows_this_chats_last_answer(service: ChatService) -> None:
    def source(chat_id: int) -> str:
        (reply,) = service.handle(Incoming(user_id=USER_ID, text="/source", chat_id=chat_id, language_code="en"))
        parse_telegram_html(reply.html)
        return reply.html

    assert "ask a question first" in source(42)
    service.handle(Incoming(user_id=USER_ID, text="Who built the bridge?", chat_id=42))
    shown = source(42)
    assert "The full passage about the harbour bridge. It has two sentences." in shown and "Source passage" in shown
    assert "harbour" not in source(43)  # another chat's answer is not shown
    service.handle(Incoming(user_id=USER_ID, text="文章里没有的问题？", chat_id=42))
    assert "ask a question first" in source(42)  # a refusal has no source passage to show
    service.handle(Incoming(user_id=USER_ID, text="Who built the bridge?", chat_id=42))
    service.handle(Incoming(user_id=USER_ID, text="/new", chat_id=42))
    assert "ask a question first" in source(42)
    (zh,) = service.handle(Incoming(user_id=USER_ID, text="/source", chat_id=7, language_code="zh-hans"))
    assert "先提一个问题" in zh.html


def test_chinese_question_gets_chinese_ui(service: ChatService) -> None:
    (out,) = say(service, "/ask 大桥什么时候通车？", language_code="en")
    assert "Answer to: 大桥什么时候通车？" in out
    (refusal,) = say(service, "文章里没有的问题？", language_code="en")
    assert "没有找到" in refusal and "最接近的文章" in refusal and "《Harbour &lt;Bridge&gt;" in refusal
    replies = service.handle(Incoming(user_id=USER_ID, text="大桥？"))
    assert replies[0].buttons[0].label == "查看原文段落"


def test_english_refusal_names_closest_article(service: ChatService) -> None:
    (out,) = say(service, "Is there nothing about Mars?")
    assert "do not contain" in out and "Closest article: Harbour &lt;Bridge&gt; &amp; Tunnel report" in out


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂🎉", "\x00\x07\x1b", "\u200b\u200d", "?!…"])
def test_empty_emoji_or_control_text_gets_polite_reply(service: ChatService, engine: FakeEngine, text: str) -> None:
    (out,) = say(service, text)
    assert "问题" in out or "question" in out
    assert engine.asked == []


def test_control_characters_stripped_from_a_real_question(service: ChatService, engine: FakeEngine) -> None:
    say(service, "Who\x00 built\u200b the\n\tbridge?")
    assert engine.asked == ["Who built the bridge?"]


def test_ask_without_question(service: ChatService, engine: FakeEngine) -> None:
    (out,) = say(service, "/ask", language_code="en")
    assert "/ask" in out and engine.asked == []


def test_long_question_truncated_with_note(service: ChatService, engine: FakeEngine) -> None:
    (out,) = say(service, "word " * 400)
    assert len(engine.asked[0]) == service.max_question_chars
    assert "too long" in out and "500" in out
    (zh,) = say(service, "问" * 1000)
    assert "问题太长" in zh


def test_html_looking_question_is_escaped(service: ChatService) -> None:
    (out,) = say(service, "<b>bold</b> & <script>alert(1)</script>?")
    assert "<script>" not in out
    assert "Answer to: <b>bold</b> & <script>alert(1)</script>?" in parse_telegram_html(out)


def test_no_index_reply(tmp_path: Path) -> None:
    service = ChatService(FakeEngine(built=False), make_settings(tmp_path))
    (out,) = say(service, "什么？")
    assert "索引还没有建立" in out


def test_stats_admin_only(service: ChatService) -> None:
    (refused,) = say(service, "/stats", language_code="en")
    assert "only an admin" in refused
    (out,) = say(service, "/stats", admin=True, language_code="en")
    for part in ("Articles: 3", "Passages: 42", "fake-model (8 dims)", "g0001", "ago", "none since the bot started"):
        assert part in out


def test_reindex_admin_progress_and_result(service: ChatService, engine: FakeEngine) -> None:
    progress: list[str] = []
    replies = service.reindex("en", progress=progress.append)
    assert engine.reindex_calls == [False]
    assert progress == [f"Rebuilding the index: {d}/4 ({d * 25}%)" for d in range(1, 5)]
    (result,) = replies
    assert "indexed 4 articles (1 added" in result.html and "bad&lt;file&gt;.json: not JSON" in result.html
    (stats,) = say(service, "/stats", admin=True, language_code="en")
    assert "indexed 4 articles" in stats
    say(service, "/reindex full", admin=True)
    assert engine.reindex_calls == [False, True]


def test_reindex_refused_for_non_admin_and_nothing_runs(service: ChatService, engine: FakeEngine) -> None:
    (out,) = say(service, "/reindex", language_code="en")
    assert "only an admin" in out
    (zh,) = say(service, "/reindex@NewsBot", language_code="zh")
    assert "管理员" in zh
    assert engine.reindex_calls == []


def test_reindex_failure_reported_and_in_progress_refused(service: ChatService, engine: FakeEngine) -> None:
    engine.reindex_error = NewsBotError("disk full")
    (out,) = say(service, "/reindex", admin=True, language_code="en")
    assert "failed" in out and "previous index keeps serving" in out and "disk full" in out
    engine.reindex_error = ReindexInProgress("locked by another process")
    (busy,) = say(service, "/reindex", admin=True, language_code="en")
    assert "already running" in busy


def test_second_reindex_refused_while_one_runs_and_questions_still_answered(
    service: ChatService, engine: FakeEngine
) -> None:
    engine.reindex_gate = threading.Event()
    results: list[str] = []
    worker = threading.Thread(target=lambda: results.extend(r.html for r in service.reindex("en")))
    worker.start()
    try:
        assert engine.reindex_started.wait(5)
        (busy,) = say(service, "/reindex", admin=True, language_code="en")
        assert "already running" in busy
        (answer,) = say(service, "Still answering?")
        assert "Answer to: Still answering?" in answer
    finally:
        engine.reindex_gate.set()
        worker.join(5)
    assert engine.reindex_calls == [False] and "indexed 4 articles" in results[0]


def test_unknown_command(service: ChatService) -> None:
    (out,) = say(service, "/frobnicate", language_code="en")
    assert "/help" in out


def test_parse_command() -> None:
    assert parse_command("/ask@News_Bot  谁？ ") == ("ask", "谁？")
    assert parse_command("/HELP") == ("help", "")
    assert parse_command("hello /ask") is None
    assert parse_command("/ 123") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\win.md", "win.md"),
        ("新闻 报道(1).HTML", "新闻_报道_1.html"),
        (".hidden.json", "hidden.json"),
        ("\x00.jsonl", "upload.jsonl"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_upload_saved_safely_never_overwrites(service: ChatService, tmp_path: Path) -> None:
    data_dir = tmp_path / "articles"
    first = service.save_upload("../../escape.txt", "标题\n正文。".encode(), "zh")
    assert first.path == data_dir / "escape.txt" and first.path.read_text() == "标题\n正文。"
    assert "escape.txt" in first.replies[-1].html
    second = service.save_upload("escape.txt", b"other", "en")
    assert second.path == data_dir / "escape-1.txt"
    assert first.path.read_text() == "标题\n正文。"  # untouched
    assert "not overwritten" in second.replies[0].html and "escape-1.txt" in second.replies[0].html
    assert sorted(p.name for p in data_dir.iterdir()) == ["escape-1.txt", "escape.txt"]
    assert not (tmp_path / "escape.txt").exists()


def test_upload_refusals(service: ChatService, tmp_path: Path) -> None:
    assert service.save_upload("x.exe", b"MZ", "en").path is None
    assert "not supported" in service.check_upload("x.pdf", 10, "en")[0].html
    assert "too large" in service.check_upload("x.txt", service.max_upload_bytes + 1, "en")[0].html
    assert service.check_upload("x.JSONL", 10, "en") == []
    assert service.save_upload("x.txt", b"  \n", "en").path is None
    assert not (tmp_path / "articles").exists() or not any((tmp_path / "articles").iterdir())


def test_inbound_limiter_one_notice_per_burst() -> None:
    now = [0.0]
    limiter = InboundLimiter(max_messages=3, period=10, clock=lambda: now[0])
    assert [limiter.check(1) for _ in range(6)] == ["ok", "ok", "ok", "notice", "drop", "drop"]
    assert limiter.check(2) == "ok"  # per user
    now[0] = 10.5
    assert limiter.check(1) == "ok"


def test_local_chat_harness_same_service_local_user_is_admin(tmp_path: Path) -> None:
    import io

    from bot.chat import run_chat

    engine = FakeEngine()
    script = "/help\nWho built <the> bridge?\n\n/source 1\n/reindex\n/stats\n/quit\nNever read?\n"
    out = io.StringIO()
    assert run_chat(engine, make_settings(tmp_path), io.StringIO(script), out, language_code="en") == 0
    text = out.getvalue()
    assert "Example questions" in text and "<b>" not in text
    assert "Answer to: Who built <the> bridge?\n│ Evidence sentence for Who built <the> bridge?." in text
    assert "[Show source passage: /source 1]" in text
    assert "The full passage about the harbour bridge." in text  # the button's content through /source
    assert "Rebuilding the index: 4/4 (100%)" in text and "indexed 4 articles" in text
    assert "Articles: 3" in text
    assert engine.asked == ["Who built <the> bridge?"] and engine.reindex_calls == [False]


def test_local_chat_ends_at_eof_and_survives_errors(tmp_path: Path) -> None:
    import io

    from bot.chat import run_chat

    engine = FakeEngine()

    def broken(question: str) -> Any:
        raise RuntimeError("boom")

    engine.ask = broken  # type: ignore[method-assign]
    out = io.StringIO()
    assert run_chat(engine, make_settings(tmp_path), io.StringIO("first?\n/help"), out, language_code="en") == 0
    assert "error: RuntimeError: boom" in out.getvalue() and "Example questions" in out.getvalue()


def test_local_chat_source_with_an_odd_number_is_a_polite_reply(tmp_path: Path) -> None:
    import io

    from bot.chat import run_chat

    out = io.StringIO()
    assert (
        run_chat(FakeEngine(), make_settings(tmp_path), io.StringIO("/source ²\n/source x\n"), out, language_code="en")
        == 0
    )
    assert "error:" not in out.getvalue() and out.getvalue().strip()
    out = io.StringIO()  # a bare /source: the last answer's passage, as in Telegram
    assert run_chat(FakeEngine(), make_settings(tmp_path), io.StringIO("Who?\n/source\n"), out, language_code="en") == 0
    assert "The full passage about the harbour bridge." in out.getvalue()


def test_upload_names_cut_to_255_bytes_with_suffix(service: ChatService) -> None:
    name = safe_filename("新闻" * 100 + ".jsonl")
    assert name.endswith(".jsonl") and len(name.encode()) <= 255 - 6  # room for "-NNNNN" of a renamed copy
    assert name.startswith("新闻新闻")
    first = service.save_upload("报道" * 100 + ".htm", b"<p>x</p>", "zh")
    second = service.save_upload("报道" * 100 + ".htm", b"<p>y</p>", "zh")
    assert first.path is not None and second.path is not None
    assert len(second.path.name.encode()) <= 255 and second.path.name.endswith("-1.htm")


def test_upload_write_failure_names_its_cause(service: ChatService, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import io

    class FullDisk(io.BytesIO):
        def write(self, data: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "open", lambda self, mode="r": FullDisk())
    result = service.save_upload("a.txt", "标题\n正文。".encode(), "zh")
    assert result.path is None
    (reply,) = result.replies
    assert "文件没有保存" in reply.html and "无法写入磁盘" in reply.html and "No space left on device" in reply.html


def test_no_progress_message_when_nothing_needs_embedding(tmp_path: Path) -> None:
    class NothingToEmbed(FakeEngine):
        def reindex(self, full: bool = False, progress: Any = None) -> Any:
            if progress:
                progress(0, 0)
            return super().reindex(full)

    shown: list[str] = []
    service = ChatService(NothingToEmbed(), make_settings(tmp_path))
    service.reindex("zh", progress=shown.append)
    assert shown == []  # not "0/0 (100%)"


def test_commands_reply_in_the_users_language_not_the_arguments(service: ChatService) -> None:
    (out,) = say(service, "/reindex full", admin=True, language_code="zh-hans")
    assert out.startswith("<b>索引重建完成：</b>共 4 篇文章") and "indexed" not in out
    (stats,) = say(service, "/stats extra", admin=True, language_code="zh-hans")
    assert "文章：3" in stats and "上次重建：共 4 篇文章" in stats
