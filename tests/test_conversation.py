"""The conversation over several messages: follow-ups, /new, /latest, /summary, and their plain-language forms."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from bot.chat import run_chat
from bot.intents import intent
from bot.service import ChatService, Incoming
from retrieval.models import Answer, Article
from tests.botfixtures import USER_ID, FakeEngine, make_settings, parse_telegram_html

ARTICLES = [
    Article(
        id="a1",
        title="Harbour bridge opens",
        text="The harbour bridge opened on Monday after four years of work. Mayor Jane Smith cut the ribbon at "
        "noon. The bridge cost 2.4 million dollars. Traffic will start on Tuesday morning.",
        published="2024-03-05",
        source="Example Daily",
        url="https://news.example/a1",
    ),
    Article(
        id="a2",
        title="江城召开防汛工作会议",
        text="7月3日，江城市政府召开防汛工作会议，部署全市防汛工作。会议由市长张建国主持。各区要加强水库巡查。",
        published="2024-07-03",
        source="江城日报",
    ),
    Article(id="a3", title="Old story", text="Nothing new here at all. It is an old story.", published="2023-01-01"),
]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine() -> FakeEngine:
    e = FakeEngine(answer_text="Jane Smith")
    e.articles = list(ARTICLES)
    return e


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(tmp_path: Path, engine: FakeEngine, clock: Clock) -> ChatService:
    return ChatService(engine, make_settings(tmp_path), clock=clock)


def say(service: ChatService, text: str, chat_id: int = 7) -> str:
    replies = service.handle(Incoming(user_id=USER_ID, text=text, chat_id=chat_id, language_code="en"))
    assert len(replies) == 1
    parse_telegram_html(replies[0].html)  # valid Telegram HTML
    return replies[0].html


def test_follow_up_completed_shown_and_asked_about_the_same_article(service: ChatService, engine: FakeEngine) -> None:
    say(service, "Who opened the Harbour Bridge?")
    out = say(service, "What did she say?")
    assert engine.asked[-1] == "What did Jane Smith say?" and engine.preferred[-1] == "a1"
    first, second = out.split("\n")[:2]
    assert first.startswith("<b>") and second == "<i>(understood as: What did Jane Smith say?)</i>"
    standalone = say(service, "Who paid for the Ocean Tunnel?")
    assert engine.asked[-1] == "Who paid for the Ocean Tunnel?" and "understood" not in standalone


def test_chinese_follow_up_note(service: ChatService, engine: FakeEngine) -> None:
    engine.answer_text = "张建国"
    say(service, "谁主持了防汛工作会议？")
    out = say(service, "他说了什么？")
    assert engine.asked[-1] == "张建国说了什么？"
    assert "<i>（理解为：张建国说了什么？）</i>" in out


def test_context_is_per_chat_forgotten_after_window_and_on_new(
    service: ChatService, engine: FakeEngine, clock: Clock
) -> None:
    say(service, "Who opened the Harbour Bridge?", chat_id=1)
    say(service, "What did she say?", chat_id=2)  # another chat knows nothing
    assert engine.asked[-1] == "What did she say?"
    say(service, "What did she say?", chat_id=1)
    assert engine.asked[-1] == "What did Jane Smith say?"
    clock.now += 601  # past the default 10-minute window
    say(service, "What did she say?", chat_id=1)
    assert engine.asked[-1] == "What did she say?"
    say(service, "Who opened the Harbour Bridge?", chat_id=1)
    assert "starting over" in say(service, "/new", chat_id=1)
    say(service, "What did she say?", chat_id=1)
    assert engine.asked[-1] == "What did she say?"


def test_window_zero_means_every_question_alone(tmp_path: Path, engine: FakeEngine) -> None:
    service = ChatService(engine, make_settings(tmp_path, followup_window=0))
    say(service, "Who opened the Harbour Bridge?")
    say(service, "What did she say?")
    assert engine.asked[-1] == "What did she say?"


def test_latest_lists_newest_first_and_summary_by_number(service: ChatService) -> None:
    out = say(service, "/latest")
    lines = out.split("\n")
    assert lines[0] == "<b>Newest articles:</b>"
    assert lines[1].startswith("1. 江城召开防汛工作会议 · 江城日报 · 2024-07-03")
    assert lines[2].startswith("2. Harbour bridge opens · Example Daily · 2024-03-05 · <a href=")
    assert "/summary N" in out
    summary = say(service, "/summary 2")
    assert summary.startswith("<b>Summary:</b>\n<blockquote>The harbour bridge opened on Monday")
    assert "📰 Harbour bridge opens · Example Daily · 2024-03-05" in summary
    assert "There is no number 9" in say(service, "/summary 9")
    assert "There is no number" in say(service, "/summary two")


def test_latest_topic_and_plain_language_routes(service: ChatService) -> None:
    out = say(service, "/latest bridge")
    assert "about “bridge”" in out and "Harbour bridge opens" in out and "江城" not in out
    assert "Harbour bridge opens" in say(service, "What's new about the bridge?")
    assert "江城召开防汛工作会议" in say(service, "最近有什么新闻？")
    assert "No articles found" in say(service, "/latest volcano")
    period_news = say(service, "上周有什么新闻？")  # the period goes to the engine (the fake lists every article)
    assert "上周的文章：" in period_news and "江城召开防汛工作会议" in period_news
    assert "Articles from last week:" in say(service, "What happened last week?")
    assert "Articles from October:" in say(service, "What happened in October?")  # any period the date parser reads
    assert "上周的文章" not in say(service, "上周谁主持了防汛工作会议？")  # a question with a time stays a question


def test_a_name_alone_lists_the_articles_about_it(service: ChatService, engine: FakeEngine) -> None:
    for name in ("张建国", "浙江省", "Zhejiang", "Zhang Wei", "Chang Tien-lin"):
        meant = intent(name)
        assert meant is not None and (meant.command, meant.args) == ("latest", name), name
    for question in ("张建国？", "那张建国呢？", "谁是张建国", "会议时间", "区域协作", "Who", "select", "What is it"):
        meant = intent(question)
        assert meant is None or meant.command != "latest", question
    asked = len(engine.asked)
    out = say(service, "Harbour")
    assert "about “Harbour”" in out and "Harbour bridge opens" in out
    assert len(engine.asked) == asked  # listed, not answered


def test_summary_of_the_last_cited_article_and_without_one(service: ChatService, engine: FakeEngine) -> None:
    assert "Which article?" in say(service, "/summary")
    engine.articles.append(
        Article(id="a1x", title="unused", text="x", published=None)
    )  # the fake cites SOURCE (article "a1")
    say(service, "Who opened the Harbour Bridge?")
    out = say(service, "What is this article about?")
    assert "<blockquote>The harbour bridge opened on Monday after four years of work." in out
    assert out.count("\n") >= 2 and "📰 Harbour bridge opens" in out


def test_intents() -> None:
    assert intent("最近有什么新闻？") is not None and intent("最近有什么新闻？").command == "latest"  # type: ignore[union-attr]
    latest = intent("台风有什么最新消息？")
    assert latest is not None and (latest.command, latest.args) == ("latest", "台风")
    about = intent("what's new about the harbour bridge?")
    assert about is not None and about.args == "the harbour bridge"
    assert intent("这篇文章讲了什么？") == intent("Summarize this article") and intent("这篇文章讲了什么？") is not None
    for question in ("谁主持了会议？", "最近谁当选了市长？", "What is the new bridge called?"):
        assert intent(question) is None


def test_greetings_and_thanks_are_not_questions(service: ChatService, engine: FakeEngine) -> None:
    for greeting in ("你好", "您好！", "Hello", "hi there", "Good morning!", "在吗？", "help", "怎么用？"):
        meant = intent(greeting)
        assert meant is not None and meant.command == "greeting", greeting
    for thanks in ("谢谢", "好的，谢谢！", "thanks", "OK thank you!", "Thanks a lot", "多謝"):
        meant = intent(thanks)
        assert meant is not None and meant.command == "thanks", thanks
    for question in (
        "谁表示感谢？",
        "张建国对谁表示感谢？",
        "Who said hello to the mayor?",
        "你好吗？这篇文章讲了什么",
    ):
        assert intent(question) is None or intent(question).command == "summary", question  # type: ignore[union-attr]
    for ack in ("ok", "好的", "收到", "Got it."):
        meant = intent(ack)
        assert meant is not None and meant.command == "ack", ack
    asked = len(engine.asked)
    assert "Hello! I answer questions about news articles" in say(service, "hello")
    assert html.unescape(say(service, "thanks!")) == "You're welcome! Ask me anything else about the news."
    zh = service.handle(Incoming(user_id=USER_ID, text="谢谢", language_code="en"))[0].html
    assert zh.startswith("不客气")
    assert say(service, "好的").startswith("好的！")
    assert len(engine.asked) == asked  # none of them searched the articles


def test_chat_harness_keeps_the_conversation(tmp_path: Path, engine: FakeEngine) -> None:
    import io

    out = io.StringIO()
    stdin = io.StringIO("Who opened the Harbour Bridge?\nWhat did she say?\n/new\nWhat did she say?\n")
    run_chat(engine, make_settings(tmp_path), stdin, out, language_code="en")
    blocks = out.getvalue().strip().split("\n\n")
    assert blocks[1].split("\n")[1] == "(understood as: What did Jane Smith say?)"
    assert engine.asked == ["Who opened the Harbour Bridge?", "What did Jane Smith say?", "What did she say?"]


def test_help_lists_the_conversation_commands(service: ChatService) -> None:
    out = say(service, "/help")
    for command in ("/latest", "/summary", "/new", "@botname"):
        assert command in out
    zh = service.handle(Incoming(user_id=USER_ID, text="/help", language_code="zh"))[0].html
    assert "理解为" not in zh and "/latest" in zh and "追问" in zh


def test_traditional_phrases_route_too() -> None:
    latest = intent("最近有什麼新聞？")
    assert latest is not None and latest.command == "latest"
    summary = intent("這篇文章講了什麼？")
    assert summary is not None and summary.command == "summary"
    for taiwan in ("這篇報導講了什麼？", "最近有什麼報導？"):  # 報導 is 报导 in Simplified, not 报道
        assert intent(taiwan) is not None, taiwan
    hong_kong = {"唔該": "thanks", "多謝晒": "thanks", "早晨": "greeting", "這篇新聞講咗乜嘢？": "summary"}
    for message, command in hong_kong.items():
        found = intent(message)
        assert found is not None and found.command == command, message


@pytest.mark.parametrize("args", ["²", "99999999999999999999", "-1", "0", "1.5", "<b>"])
def test_summary_with_odd_numbers_gets_one_polite_line(service: ChatService, args: str) -> None:
    say(service, "/latest")
    out = say(service, f"/summary {args}")
    assert "There is no number" in out and "/latest" in out


def test_completed_question_that_finds_nothing_falls_back_to_the_words_as_asked(
    service: ChatService, engine: FakeEngine
) -> None:
    engine.answer_text = "没有"  # the fake refuses questions containing 没有: the completed one will hold it
    say(service, "谁主持了防汛工作会议？")
    out = say(service, "他说了什么？")
    assert engine.asked[-2:] == ["没有说了什么？", "他说了什么？"]  # completed first, then the words as asked
    assert engine.preferred[-1] == "a1"  # on the previous article
    assert "理解为：关于上一篇文章《Harbour &lt;Bridge&gt; &amp; Tunnel report》：他说了什么？" in out


def test_memory_is_bounded_oldest_chat_forgotten_first(monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.conversation as conversation
    from bot.conversation import Conversations
    from retrieval.followup import Turn

    monkeypatch.setattr(conversation, "MAX_CHATS", 3)
    clock = Clock()
    memory = Conversations(600, clock)
    for chat in (1, 2, 3):
        memory.remember(chat, turn=Turn(f"q{chat}"))
    memory.remember(1, listed=["a"])  # chat 1 is used again: now the newest
    memory.remember(4, turn=Turn("q4"))
    assert memory.turn(2) is None  # the least recently used went
    assert memory.turn(1) == Turn("q1") and memory.listed(1) == ["a"] and memory.turn(4) == Turn("q4")
    clock.now += 601
    assert memory.turn(1) is None and memory.listed(4) == []


def test_help_counts_articles_in_english_grammar(
    service: ChatService, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "I currently know 3 articles (42 passages)" in say(service, "/help")
    one = engine.stats().model_copy(update={"articles": 1})
    monkeypatch.setattr(engine, "stats", lambda: one)
    assert "I currently know 1 article (42 passages)" in say(service, "/help")


def test_no_previous_article_note_when_another_article_answered(
    service: ChatService, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.botfixtures import SOURCE

    say(service, "谁主持了防汛工作会议？")
    assert "关于上一篇文章" in say(service, "这篇报道里谁发言了？")  # answered from the previous article (a1)
    other = SOURCE.model_copy(update={"article_id": "b2", "title": "Another report"})
    answer = engine.ask("x").model_copy(update={"sources": [other]})
    monkeypatch.setattr(engine, "ask", lambda *a, **k: answer)
    out = say(service, "这篇报道里谁发言了？")
    assert "关于上一篇文章" not in out and "Another report" in out  # the note would claim what did not happen


def test_a_traditional_user_gets_the_bot_s_own_words_in_traditional(
    service: ChatService, engine: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.messages import detect_language, text

    assert detect_language("颱風什麼時候登陸？") == "zh-Hant" and detect_language("台风什么时候登陆？") == "zh"
    assert detect_language(None, "zh-HK") == "zh-Hant" and detect_language("台风登陆了吗？", "zh-TW") == "zh"
    assert text("zh-Hant", "not_found") == "抱歉，現有文章中沒有找到這個問題的答案。"
    engine.answer_text = "江城日报"  # a value put into the bot's words stays as the article writes it
    out = say(service, "這篇報導的來源是哪裡？")
    assert "<b>江城日报</b>" in out
    monkeypatch.setattr(engine, "ask", lambda q, *a, **k: Answer(question=q, answered=False))
    refused = service.handle(Incoming(user_id=USER_ID, text="颱風什麼時候登陸？", chat_id=8, language_code="zh-TW"))
    assert "現有文章中沒有找到" in refused[0].html and "现有" not in refused[0].html


def test_a_question_in_full_width_letters_is_english() -> None:
    from bot.messages import detect_language

    assert detect_language("ＷＨＯ　ＷＯＮ　ＴＨＥ　ＦＩＮＡＬ？") == "en" and detect_language("谁赢了？") == "zh"
