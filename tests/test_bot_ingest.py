"""/add, /feeds, admins' links and the feed schedule in the chat service and the real Telegram client."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bot.formatting import format_answer
from bot.service import ChatService, Incoming, find_links, is_links_only
from bot.telegram import FEED_JOB, build_application, poll_feeds_job
from retrieval.models import Answer, Report, Source
from tests.botfixtures import ADMIN_ID, USER_ID, FakeEngine, make_settings, parse_telegram_html
from tests.fakebotapi import FakeBotAPI
from tests.newsfixtures import page, rss, story
from tests.test_telegram import run_bot, settings_for
from tests.webserver import serve


@pytest.fixture
def api() -> Any:
    with FakeBotAPI() as server:
        yield server


def _say(service: ChatService, message: str, *, admin: bool = True, lang: str = "zh-hans") -> str:
    user = ADMIN_ID if admin else USER_ID
    replies = service.handle(Incoming(user_id=user, text=message, is_admin=admin, language_code=lang))
    for reply in replies:
        parse_telegram_html(reply.html)
    return "\n".join(r.html for r in replies)


def test_links_found_in_messages() -> None:
    assert find_links("看看 https://a.example/x?id=1，还有 http://b.example/y。") == [
        "https://a.example/x?id=1",
        "http://b.example/y",
    ]
    assert is_links_only(" https://a.example/x \n https://b.example/y ")
    assert not is_links_only("这篇 https://a.example/x 说了什么？") and not is_links_only("没有链接")


def test_service_add_feeds_and_links_in_the_admins_language(tmp_path: Path) -> None:
    engine = FakeEngine()
    service = ChatService(engine, make_settings(tmp_path, fetch_allow_hosts="127.0.0.1"))
    title, body = story(500)
    with serve() as site:
        url = site.add("/a", page(title, body, date="2026-04-01", site="江城日报"))
        pdf = site.add("/b.pdf", b"%PDF", content_type="application/pdf")
        assert "管理员" in _say(service, f"/add {url}", admin=False) and not site.requests
        out = _say(service, f"/add {url} {pdf}")
        assert "已保存：《" in out and "江城日报 · 2026-04-01" in out
        assert f"未能添加 {pdf}：不是文章" in out
        assert engine.reindex_calls == [False], "indexed after saving"
        out = _say(service, url, lang="en")  # a bare link from an admin in a private chat
        assert "Already have it" in out and "Nothing new to index" in out and engine.reindex_calls == [False]
        assert "请在 /add 后面写上文章链接" in _say(service, "/add")

        feed = site.add(
            "/rss", rss([("g1", site.add("/c", page(*story(501))), "t")]), content_type="application/rss+xml"
        )
        assert "还没有订阅任何源" in _say(service, "/feeds")
        assert f"已添加：{feed}" in _say(service, f"/feeds add {feed}")
        assert feed in _say(service, "/feeds list")
        out = _say(service, "/feeds fetch", lang="en")
        assert "Polled 1 feeds (0 unchanged, 0 failed): 1 new items, 1 saved" in out
        assert engine.reindex_calls == [False, False]
        assert f"Removed: {feed}" in _say(service, f"/feeds remove {feed}", lang="en")
        assert "Usage: /feeds" in _say(service, "/feeds nonsense", lang="en")


def test_also_reported_by_on_the_source_line() -> None:
    reports = [Report(title="转载", source="海州晚报"), Report(title="再转", source="南湖网")]
    source = Source(article_id="a", title="标题", source="江城日报", text="正文", score=1.0, also_reported_by=reports)
    html = format_answer(
        Answer(question="q", answered=True, answer="答案", evidence=["证据。"], sources=[source]), "zh"
    )
    assert "（同一报道另见：海州晚报、南湖网）" in html
    parse_telegram_html(html)
    contract = Answer(question="q", answered=True, sources=[source]).contract()["sources"]
    assert isinstance(contract, list) and contract[0]["also_reported_by"][1]["source"] == "南湖网"


def test_telegram_add_by_command_and_link_then_indexed(api: FakeBotAPI, tmp_path: Path) -> None:
    engine = FakeEngine()
    with serve() as site:
        first = site.add("/1", page(*story(600), site="江城日报"))
        second = site.add("/2", page(*story(601), site="海州晚报"))

        async def scenario(api: FakeBotAPI) -> None:
            api.push_text(f"/add {first}", user_id=ADMIN_ID, language_code="zh-hans")
            await api.until(lambda: any("索引重建完成" in m.text for m in api.sent(ADMIN_ID)), what="indexed")
            api.push_text(second, user_id=ADMIN_ID)
            await api.until(lambda: any("Rebuild finished" in m.text for m in api.sent(ADMIN_ID)), what="indexed")
            api.push_text(f"/add {first}", user_id=USER_ID)
            await api.until(lambda: len(api.sent(USER_ID)) == 1)

        run_bot(api, settings_for(api, tmp_path, fetch_allow_hosts="127.0.0.1"), engine, scenario)
    texts = [m.text for m in api.sent(ADMIN_ID)]
    assert any("已保存：" in t and "江城日报" in t for t in texts)
    assert any("Saved: " in t and "海州晚报" in t for t in texts)
    assert "admin" in api.sent(USER_ID)[0].text
    assert len(list((tmp_path / "articles").rglob("*.json"))) == 2
    assert engine.reindex_calls == [False, False]


def test_feed_schedule_polls_indexes_and_tells_admins(
    api: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.telegram.FEED_FIRST_RUN", 0.5)
    engine = FakeEngine()
    with serve() as site:
        link = site.add("/n", page(*story(700)))
        feed = site.add("/rss", rss([("g", link, "t")]), content_type="application/rss+xml")
        settings = settings_for(api, tmp_path, fetch_allow_hosts="127.0.0.1", feed_interval=3600)
        settings.feeds_path().write_text(feed + "\n", encoding="utf-8")

        async def scenario(api: FakeBotAPI) -> None:
            await api.until(lambda: any("抓取了 1 个源" in m.text for m in api.sent(ADMIN_ID)), timeout=15)

        run_bot(api, settings, engine, scenario)
    assert engine.reindex_calls == [False]
    assert any("保存 1" in m.text for m in api.sent(ADMIN_ID))
    saved = [json.loads(p.read_text(encoding="utf-8")) for p in (tmp_path / "articles").rglob("*.json")]
    assert [s["url"] for s in saved] == [link]


def test_schedule_off_by_default_and_interval_checked(tmp_path: Path) -> None:
    app: Any = build_application(make_settings(tmp_path), FakeEngine())
    assert app.job_queue is None or not app.job_queue.get_jobs_by_name(FEED_JOB)
    app = build_application(make_settings(tmp_path, feed_interval=600), FakeEngine())
    assert [j.name for j in app.job_queue.jobs()] == [FEED_JOB]
    with pytest.raises(ValueError, match="at least 60"):
        make_settings(tmp_path, feed_interval=5)
    assert asyncio.iscoroutinefunction(poll_feeds_job)
