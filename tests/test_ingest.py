"""Articles by link and by feed on a loopback server: saved, indexed, merged when syndicated, bad cases one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import make_engine

from bot.cli import main
from retrieval.config import Settings
from retrieval.feeds import add_feed, load_state, poll_all, read_feeds, remove_feed, state_path
from retrieval.fetch import Fetcher
from retrieval.ingest import Ingestor
from tests.newsfixtures import atom, page, rss, story
from tests.webserver import serve


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "articles", index_dir=tmp_path / "index", fetch_allow_hosts="127.0.0.1")


def _saved(tmp_path: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((tmp_path / "articles").rglob("*.json"))]


def test_add_cli_saves_indexes_and_reports_each_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    title, text = story(1)
    gbk_title, gbk_text = story(2)
    with serve() as site:
        good = site.add("/news/1.html", page(title, text, date="2026-03-05", site="江城日报"))
        gbk = site.add("/news/2.html", page(gbk_title, gbk_text, charset="gbk").encode("gbk"),
                       content_type="text/html; charset=GB2312")  # fmt: skip
        pdf = site.add("/file.pdf", b"%PDF-1.4", content_type="application/pdf")
        # without the allow-list, loopback is refused: one line, exit 1, nothing saved
        assert main(["add", good]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("newsbot: error: failed") and "private or local address" in err
        assert site.requests == []

        monkeypatch.setenv("NEWSBOT_FETCH_ALLOW_HOSTS", "127.0.0.1")
        assert main(["add", good, gbk, pdf]) == 0
        out, err = capsys.readouterr()
        assert f"saved 《{title}》 · 江城日报 · 2026-03-05" in out
        assert "indexed 2 articles (2 added" in out
        assert f"newsbot: failed {pdf}: not an article" in err and "application/pdf" in err
        saved = _saved(tmp_path)
        assert {r["url"] for r in saved} == {good, gbk}
        assert any(gbk_text[:20] in str(r["text"]) for r in saved), "GBK decoded"

        assert main(["add", good]) == 0  # the same link again: nothing fetched, nothing new
        out, err = capsys.readouterr()
        assert "duplicate" in out and "already saved" in out and "nothing new to index" in err
        assert site.hits("/news/1.html") == 1

        assert main(["ask", "--json", "编号1-0-886是哪个项目？"]) == 0
        sources = json.loads(capsys.readouterr().out)["sources"]
        assert sources and sources[0]["url"] == good


def test_syndicated_copies_merge_earliest_primary(tmp_path: Path, embedder: object) -> None:
    title, text = story(7)
    copy_text = "（海州晚报讯）" + text.replace("介绍，", "表示，", 2) + "（完）责任编辑：李娜"
    other_title, other_text = story(8)  # a different story on a similar topic
    with serve() as site:
        a = site.add("/a", page(title, text, date="2026-03-02", site="江城日报"))
        b = site.add("/b", page("转载：" + title, copy_text, date="2026-03-03", site="海州晚报"))
        c = site.add("/c", page(title, text, date="2026-03-04", site="南湖网"))  # exact copy, new URL
        d = site.add("/d", page(title, text.replace("介绍", "说"), date="2026-03-01", site="云岭新闻"))
        e = site.add("/e", page(other_title, other_text, date="2026-03-02"))
        with Ingestor(_settings(tmp_path)) as ingestor:
            statuses = [ingestor.add(u).status for u in (a, b, c, d, e)]
    assert statuses == ["saved", "merged", "duplicate", "merged", "saved"]
    saved = _saved(tmp_path)
    assert len(saved) == 2, "one file per story"
    primary = next(r for r in saved if r["url"] == d)
    assert primary["source"] == "云岭新闻", "the earliest published copy is the primary"
    reports = primary["also_reported_by"]
    assert isinstance(reports, list)
    assert [r["url"] for r in reports] == [a, b, c]
    assert {r["source"] for r in reports} == {"江城日报", "海州晚报", "南湖网"}

    engine = make_engine(tmp_path, embedder)
    assert engine.reindex().articles == 2
    answer = engine.ask("石门气象台负责人是谁？")  # story(7)'s first sentence; story(8) names no 石门气象台
    assert answer.answered, "the merged story answers"
    source = next(s for s in answer.sources if s.url == d)
    assert [r.source for r in source.also_reported_by] == ["江城日报", "海州晚报", "南湖网"]
    contract = answer.contract()["sources"]
    assert isinstance(contract, list)
    merged = next(c for c in contract if isinstance(c, dict) and c["url"] == d)
    assert [r["source"] for r in merged["also_reported_by"]] == ["江城日报", "海州晚报", "南湖网"]


def test_feed_list_file(tmp_path: Path) -> None:
    path = tmp_path / "feeds.txt"
    assert add_feed(path, "https://a.example/rss") and not add_feed(path, "https://a.example/rss")
    path.write_text(path.read_text() + "# my note\n", encoding="utf-8")
    assert add_feed(path, "https://b.example/atom.xml")
    assert read_feeds(path) == ["https://a.example/rss", "https://b.example/atom.xml"]
    assert remove_feed(path, "https://a.example/rss") and not remove_feed(path, "https://a.example/rss")
    assert "# my note" in path.read_text() and read_feeds(path) == ["https://b.example/atom.xml"]
    with pytest.raises(Exception, match="only http and https"):
        add_feed(path, "file:///etc/passwd")
    with pytest.raises(Exception, match="line breaks"):  # one URL, never a second line in the list
        add_feed(path, "https://a.example/feed\nhttps://injected.example.com")
    assert read_feeds(path) == ["https://b.example/atom.xml"]


def test_hundred_item_feed_once_then_only_what_changed(tmp_path: Path, embedder: object) -> None:
    settings = _settings(tmp_path)
    feeds = settings.feeds_path()
    with serve() as site:
        items = []
        for n in range(100):
            title, text = story(100 + n, sentences=3)
            link = site.add(f"/n/{n}", page(title, text, date=f"2026-02-{n % 28 + 1:02d}"))
            items.append((f"guid-{n}", link, title))
        add_feed(feeds, site.add("/rss", rss(items), content_type="application/rss+xml", headers={"ETag": '"v1"'}))
        with Ingestor(settings) as ingestor:
            first = poll_all(feeds, ingestor)
        assert first.summary().startswith("polled 1 feeds (0 unchanged, 0 failed): 100 new items (100 saved")
        engine = make_engine(tmp_path, embedder)
        assert engine.reindex().added == 100
        answer = engine.ask("编号150-1是哪个阶段？")
        assert answer.sources and answer.sources[0].url == site.base + "/n/50"

        with Ingestor(settings) as ingestor:
            second = poll_all(feeds, ingestor)
        assert second.feeds[0].not_modified and not second.outcomes
        feed_requests = [h for _, p, h in site.requests if p == "/rss"]
        assert feed_requests[-1].get("if-none-match") == '"v1"'
        assert all(site.hits(f"/n/{n}") == 1 for n in range(100))
        assert engine.reindex().added == 0


def test_feeds_bad_cases_and_repeats(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    feeds = settings.feeds_path()
    with serve() as site:
        links = [site.add(f"/p/{n}", page(*story(300 + n))) for n in range(4)]
        entries = [(f"urn:id-{n}", links[n], f"t{n}") for n in range(4)]
        add_feed(feeds, site.add("/broken", "<rss><channel><item>", content_type="application/xml"))
        add_feed(feeds, site.add("/slow", rss(entries[:1]), content_type="application/rss+xml", delay=2.0))
        add_feed(feeds, site.add("/atom", atom(entries[:2]), content_type="application/atom+xml"))
        add_feed(feeds, site.add("/html", "<html><body>hello</body></html>"))
        add_feed(feeds, "http://10.0.0.1/private.xml")
        with Fetcher(frozenset({"127.0.0.1"}), read_timeout=0.5, total_timeout=1.0) as fetcher:
            ingestor = Ingestor(settings, fetcher)
            report = poll_all(feeds, ingestor)
            errors = {f.url.rsplit("/", 1)[1]: f.error for f in report.feeds}
            assert "not an RSS or Atom feed" in errors["broken"] and "not an RSS or Atom feed" in errors["html"]
            assert "timed out" in errors["slow"] and "private or local" in errors["private.xml"]
            assert [o.status for o in report.outcomes] == ["saved", "saved"], "the Atom feed went on"
            assert all("\n" not in f.line() for f in report.feeds)

            # the Atom feed again, its old items repeated with two new ones (no validators: a full download)
            site.add(
                "/atom", atom([entries[1], entries[0], entries[2], entries[3]]), content_type="application/atom+xml"
            )
            again = poll_all(feeds, ingestor)
        assert [o.url for o in again.outcomes] == links[2:]
        assert all(site.hits(p) == 1 for p in ("/p/0", "/p/1", "/p/2", "/p/3"))
        assert set(load_state(state_path(feeds))[site.base + "/atom"].seen) == {f"urn:id-{n}" for n in range(4)}


def test_fetch_cli_summary_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["fetch"]) == 1
    assert "no feeds listed" in capsys.readouterr().err
    monkeypatch.setenv("NEWSBOT_FETCH_ALLOW_HOSTS", "127.0.0.1")
    with serve() as site:
        link = site.add("/p", page(*story(400)))
        feed = site.add("/feed", rss([("g", link, "t")]), content_type="application/rss+xml")
        assert main(["feeds", "add", feed, site.base + "/missing"]) == 0
        assert main(["feeds", "list"]) == 0
        out = capsys.readouterr().out
        assert out.endswith(f"{feed}\n{site.base}/missing\n")
        assert main(["fetch"]) == 0
        out, err = capsys.readouterr()
        assert "polled 2 feeds (0 unchanged, 1 failed): 1 new items (1 saved" in out and "indexed 1 articles" in out
        assert "skipped: HTTP 404" in err and "Traceback" not in err
        assert main(["feeds", "remove", feed]) == 0 and f"removed: {feed}" in capsys.readouterr().out


def test_retention_drops_old_articles_from_the_index_only(tmp_path: Path, embedder: object) -> None:
    data = tmp_path / "articles"
    data.mkdir()
    old_title, old_text = story(900)
    new_title, new_text = story(901)
    (data / "old.json").write_text(json.dumps({"title": old_title, "text": old_text, "published": "2001-01-01"}))
    (data / "new.json").write_text(json.dumps({"title": new_title, "text": new_text, "published": "2999-01-01"}))
    (data / "undated.json").write_text(json.dumps({"title": "无日期", "text": story(902)[1]}))
    assert make_engine(tmp_path, embedder).reindex().articles == 3
    engine = make_engine(tmp_path, embedder, retention_days=30)
    report = engine.reindex()
    assert (report.articles, report.removed) == (2, 1)
    assert sorted(engine.index.articles_by_id) == ["new.json#1", "undated.json#1"]
    assert (data / "old.json").exists(), "nothing but the index entry is lost"
