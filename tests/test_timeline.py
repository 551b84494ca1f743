"""The real engine over dated reports of the same stories: periods, flags, newest first, /latest, follow-ups."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from retrieval.config import Settings
from retrieval.engine import Engine

DATED = Path(__file__).resolve().parent.parent / "data" / "eval" / "dated"
TODAY = dt.date(2024, 7, 10)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder: object) -> Engine:
    root = tmp_path_factory.mktemp("dated")
    shutil.copytree(DATED, root / "articles")
    e = Engine(Settings(_env_file=None, data_dir=root / "articles", index_dir=root / "index"), embedder=embedder)  # type: ignore[arg-type]
    e.reindex()
    e.today = lambda: TODAY
    return e


def first(engine: Engine, question: str) -> tuple[str | None, str]:
    answer = engine.ask(question)
    return (answer.sources[0].article_id if answer.sources else None), answer.answer


def test_relative_periods_pick_the_report_of_that_time(engine: Engine) -> None:
    answer = engine.ask("上周青溪水库水位是多少？")
    assert answer.sources[0].article_id == "reservoir-2" and "156.8米" in answer.evidence[0]
    assert first(engine, "昨天青溪水库水位是多少？")[0] == "reservoir-3"
    assert first(engine, "How many flu cases did Harbor County record last month?")[0] == "flu-2"
    assert first(engine, "去年地铁七号线计划什么时候开通？")[0] == "metro-1"
    assert answer.period == "上周" and answer.outside_period is None


def test_written_dates_prefer_that_day_then_the_days_after(engine: Engine) -> None:
    assert first(engine, "7月1日青溪水库水位是多少？")[0] == "reservoir-1"
    assert first(engine, "6月30日青溪水库水位是多少？")[0] == "reservoir-1"  # reported the next day


def test_no_report_of_the_period_is_flagged_never_silent(engine: Engine) -> None:
    answer = engine.ask("上个月青溪水库水位是多少？")  # June: the reports are from July
    assert answer.answered and answer.outside_period == "newer" and answer.period == "上个月"
    answer = engine.ask("How many flu cases did Harbor County record yesterday?")
    assert answer.outside_period in ("older", "newer")


def test_latest_and_disagreeing_reports_newest_first_with_earlier_ones(engine: Engine) -> None:
    assert first(engine, "最新的青溪水库水位是多少？")[0] == "reservoir-3"
    answer = engine.ask("How much does the Mill Street bridge repair cost?")
    assert answer.sources[0].article_id == "bridge-3" and "3.5 million" in answer.answer
    assert answer.earlier and all(e.source.published < "2024-07-08" for e in answer.earlier)  # type: ignore[operator]
    assert all("3.5 million" not in e.answer for e in answer.earlier)
    assert "earlier" in answer.contract()


def test_latest_listing_and_preferred_article(engine: Engine) -> None:
    newest = engine.latest()
    assert [a.id for a in newest][:2] == ["reservoir-3", "bridge-3"]
    assert [a.id for a in engine.latest("南湖书展")] == ["bookfair-3", "bookfair-2", "bookfair-1"]
    assert [a.id for a in engine.latest("Nanhu book fair")] == ["bookfair-3", "bookfair-2", "bookfair-1"]
    assert engine.latest("天文望远镜") == [] and engine.latest("football") == []  # no article about it
    assert engine.article("metro-2") is not None and engine.article("nope") is None
    answer = engine.ask("这篇报道是哪天发布的？", prefer_article="metro-2")  # a follow-up about that article
    assert answer.answered and answer.answer.startswith("2024-03-10")


def test_agreeing_reports_are_cited_together(engine: Engine) -> None:
    answer = engine.ask("南湖书展将持续到什么时候？")  # the first two reports say the same
    assert answer.answered and "7月1日" in answer.answer and not answer.earlier
    assert answer.corroborated and {s.article_id for s in answer.sources} >= {"bookfair-1", "bookfair-2"}


def test_a_date_the_evidence_reports_on_is_not_flagged_as_a_missing_period(tmp_path: Path, embedder: object) -> None:
    import json

    data = tmp_path / "articles"
    data.mkdir()
    story = {
        "id": "tourism",
        "title": "江城7月接待游客创新高",
        "published": "2024-08-20",
        "text": "记者20日从江城市文旅局获悉，7月份，全市共接待游客120万人次，同比增长15%。暑期夜游项目最受欢迎。",
    }
    (data / "t.json").write_text(json.dumps(story, ensure_ascii=False), encoding="utf-8")
    e = Engine(Settings(_env_file=None, data_dir=data, index_dir=tmp_path / "index"), embedder=embedder)  # type: ignore[arg-type]
    e.reindex()
    e.today = lambda: dt.date(2024, 9, 10)
    answer = e.ask("7月份全市接待游客多少人次？")  # July is what the article reports on, in August
    assert answer.answered and "120万" in answer.answer and answer.period == "7月份"
    assert answer.outside_period is None
    answer = e.ask("上周全市接待游客多少人次？")  # the article is not of last week: still said
    assert answer.answered and answer.outside_period == "older"


def test_the_articles_of_a_period_asked_for_as_news(engine: Engine) -> None:
    last_week = [a.id for a in engine.latest(period="上周")]  # today 2024-07-10 (Wednesday): July 1-7
    assert last_week == ["reservoir-2", "flu-3", "bookfair-3", "reservoir-1"]
    assert [a.id for a in engine.latest(period="last week")] == last_week
    assert [a.id for a in engine.latest("南湖书展", period="上周")] == ["bookfair-3"]
    assert engine.latest(period="去年") == [a for a in engine.latest(limit=20) if a.id == "metro-1"]
