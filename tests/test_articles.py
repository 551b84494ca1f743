"""Parsing of saved pages, HTML and JSON inputs; broken files are skipped, never fatal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SAMPLE

from retrieval.articles import iso_date, load_articles, normalize_text, parse_saved_page


def test_sample_page_metadata_and_cleanup() -> None:
    article = parse_saved_page(SAMPLE.read_text(encoding="utf-8"), "sample")
    assert article.title.startswith("贵州省党政代表团赴广东学习考察")
    assert article.published == "2022-08-31"
    assert article.source == "贵州省审计厅"
    assert article.author == "佚名"
    assert article.url == "http://sjt.guizhou.gov.cn/xwzx/szyw/202208/t20220829_76270447.html"
    for chrome in ("欢迎来到", "当前位置", "免责声明", "原文链接", "发布时间"):
        assert chrome not in article.text
    assert "杜朋城 闻双 摄" in article.text  # photo captions carry facts and stay
    assert article.text.startswith("贵州省党政代表团赴广东学习考察")


def test_generic_saved_page_rules(tmp_path: Path) -> None:
    page = (
        "欢迎访问某某新闻网\n首页 > 新闻 > 本地\n"
        "某市新建图书馆今日开放\n"
        "发布日期：2023年5月6日 10:00  来源：某市日报  作者：张三\n"
        "该图书馆由市政府投资建设，共有藏书50万册。\n"
        "原文地址：https://example.cn/a.html\n"
        "版权声明：转载请注明出处。\n"
    )
    article = parse_saved_page(page, "x")
    assert article.title == "某市新建图书馆今日开放"
    assert article.published == "2023-05-06"
    assert article.source == "某市日报"
    assert article.author == "张三"
    assert article.url == "https://example.cn/a.html"
    assert article.text == "该图书馆由市政府投资建设，共有藏书50万册。"  # Chinese punctuation kept as written


def test_a_traditional_saved_page_gives_its_date_outlet_author_and_link() -> None:
    page = (
        "歡迎來到某某新聞網\n當前位置：首頁 > 地方\n"
        "某市新建圖書館今日開放\n"
        "發布時間：2023-05-06 10:00  來源：某市日報  記者：張三\n"
        "該圖書館由市政府投資建設，共有藏書50萬冊。\n"
        "原文連結：https://example.tw/a.html\n"
        "版權聲明：轉載請註明出處。\n"
    )
    article = parse_saved_page(page, "x")
    assert article.title == "某市新建圖書館今日開放"
    assert (article.published, article.source, article.author) == ("2023-05-06", "某市日報", "張三")  # as written
    assert article.url == "https://example.tw/a.html"
    assert article.text == "該圖書館由市政府投資建設，共有藏書50萬冊。"


@pytest.mark.parametrize(
    "header",
    [
        "标题：某市新建图书馆今日开放\n来源：某市日报\n发布时间：2023-05-06\n作者：张三\n原文链接：https://example.cn/a.html\n",
        "標題：某市新建图书馆今日开放\n來源：某市日报\n\n發布時間：2023年5月6日\n記者：张三\n原文連結：https://example.cn/a.html\n",
        "某市新建图书馆今日开放\n来源：某市日报\n发布时间：2023-05-06\n作者：张三\n原文链接：https://example.cn/a.html\n",
        "Title: 某市新建图书馆今日开放\nSource: 某市日报\nDate: May 6, 2023\nAuthor: 张三\nURL: https://example.cn/a.html\n",
    ],
    ids=["simplified", "traditional-with-a-blank-line", "headline-then-labels", "english-labels"],
)
def test_a_header_of_labelled_lines_gives_the_metadata_and_keeps_the_body(header: str) -> None:
    """标题：/来源：/发布时间：/原文链接： one per line above the body: the link line there is the header's, not the
    end of the article (the whole body was dropped: "no article text found"), and the headline is not 来源：…."""
    body = "该图书馆由市政府投资建设，共有藏书50万册。\n\n馆长李明华说，图书馆每天开放12小时。"
    article = parse_saved_page(header + "\n" + body + "\n", "x")
    assert article.title == "某市新建图书馆今日开放"
    assert (article.published, article.source, article.author) == ("2023-05-06", "某市日报", "张三")
    assert article.url == "https://example.cn/a.html"
    assert article.text == body


def test_a_chinese_html_page_keeps_its_byline_and_outlet_as_written() -> None:
    from retrieval.articles import parse_html

    page = (
        '<html lang="zh-Hant"><head><meta charset="utf-8"><title>高雄捷運黃線動工</title>'
        '<meta property="og:site_name" content="中央社 CNA"><meta name="author" content="陳秀玲">'
        '<meta property="article:published_time" content="2026-11-20T14:05:00+08:00"></head>'
        "<body><article><h1>高雄捷運黃線動工</h1>"
        "<p>高雄捷運黃線今天舉行動工典禮，黃線全長22.9公里，設23座車站，預計2031年完工通車。</p>"
        "<p>捷運工程局局長吳嘉昌說，工程將分三標施工，首座車站預計2027年開挖。</p></article></body></html>"
    )
    article = parse_html(page, "cna.html")
    assert (article.source, article.author, article.published) == ("中央社 CNA", "陳秀玲", "2026-11-20")


def test_nfkc_turns_full_width_into_ascii() -> None:
    assert normalize_text("ＡＢＣ１２３\u3000 x") == "ABC123 x"
    assert iso_date("2022/8/31 09:00") == "2022-08-31"
    assert iso_date("yesterday") == "yesterday"


def test_html_json_jsonl_and_broken_files(tmp_path: Path) -> None:
    data = tmp_path / "articles"
    data.mkdir()
    (data / "page.html").write_text(
        "<html><head><title>Harbor reopens | Coast News</title>"
        '<meta property="og:site_name" content="Coast News"><meta name="date" content="2024-03-05"></head>'
        "<body><nav>Home &gt; Local</nav><article><h1>Harbor reopens after storm</h1>"
        "<p>The harbor of Port Vale reopened on Monday after three weeks of repairs costing 4 million dollars.</p>"
        "<p>Mayor Lena Ortiz thanked the crews who worked through the nights to rebuild the pier.</p>"
        "</article><footer>Copyright 2024</footer></body></html>",
        encoding="utf-8",
    )
    (data / "one.json").write_text(
        json.dumps({"id": "j1", "title": "JSON title", "text": "Body of the JSON article.", "source": "Wire"}),
        encoding="utf-8",
    )
    (data / "many.jsonl").write_text(
        '{"id": "a", "title": "First", "text": "First text."}\n'
        '{"title": "No text here"}\n'
        "{not json\n"
        '{"title": "Second", "text": "Second text.", "published": "2021年3月4日"}\n',
        encoding="utf-8",
    )
    (data / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (data / "bad.json").write_text("{oops", encoding="utf-8")
    (data / "image.png").write_bytes(b"\x89PNG")
    result = load_articles(data)
    by_id = {a.id: a for a in result.articles}
    assert set(by_id) == {"page.html", "j1", "a", "many.jsonl#4"}
    html = by_id["page.html"]
    assert html.title == "Harbor reopens after storm"
    assert html.published == "2024-03-05"
    assert html.source == "Coast News"
    assert "Mayor Lena Ortiz" in html.text and "Copyright" not in html.text
    assert by_id["many.jsonl#4"].published == "2021-03-04"
    assert by_id["j1"].source == "Wire"
    skipped = {s.path: s.reason for s in result.skipped}
    assert "binary.txt" in skipped and "binary" in skipped["binary.txt"]
    assert "bad.json" in skipped and "invalid JSON" in skipped["bad.json"]
    assert "many.jsonl:2" in skipped and "no text" in skipped["many.jsonl:2"]
    assert "many.jsonl:3" in skipped
    assert "image.png" in skipped


def test_gb18030_page_is_decoded(tmp_path: Path) -> None:
    data = tmp_path / "articles"
    data.mkdir()
    (data / "old.txt").write_bytes("旧网页标题\n发布时间：2010-01-02 来源：某报\n正文第一句。\n".encode("gb18030"))
    result = load_articles(data)
    assert [a.title for a in result.articles] == ["旧网页标题"]
    assert result.articles[0].text == "正文第一句。"


def test_failing_or_missing_html_parser_skips_only_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9 row 3: lxml's cleaner missing (an old pip) costs the HTML file, not the build."""
    import trafilatura

    def missing(*args: object, **kwargs: object) -> None:
        raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")

    monkeypatch.setattr(trafilatura, "bare_extraction", missing)
    data = tmp_path / "articles"
    data.mkdir()
    (data / "page.html").write_text("<html><body><p>Some text.</p></body></html>", encoding="utf-8")
    (data / "ok.json").write_text(json.dumps({"title": "T", "text": "Body."}), encoding="utf-8")
    result = load_articles(data)
    assert [a.id for a in result.articles] == ["ok.json#1"]
    (skip,) = result.skipped
    assert skip.path == "page.html" and "ImportError" in skip.reason and "lxml_html_clean" in skip.reason


def test_html_cleaner_is_a_direct_dependency() -> None:
    """Issue 9 row 3: `lxml[html_clean]` is not resolved by pip 23; the cleaner is required by name."""
    from importlib.metadata import requires

    names = [re.split(r"[<>=\[; ]", r, maxsplit=1)[0].lower().replace("-", "_") for r in requires("newsbot") or []]
    assert "lxml_html_clean" in names


def test_walk_reports_unreadable_folders_and_never_follows_links_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 9 row 9 (units): each skipped path once, with its reason; links inside the folder are followed."""
    data = tmp_path / "articles"
    (data / "locked").mkdir(parents=True)
    (data / "locked" / "a.json").write_text(json.dumps({"title": "T", "text": "Hidden."}), encoding="utf-8")
    (data / "real").mkdir()
    (data / "real" / "b.json").write_text(json.dumps({"title": "B", "text": "Inside."}), encoding="utf-8")
    (data / "alias").symlink_to(data / "real")  # inside: followed
    (data / "etc").symlink_to("/etc")  # outside: not followed
    (data / ".git").mkdir()  # hidden: ignored silently
    import os

    real_scandir = os.scandir

    def scandir(path: object) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    result = load_articles(data)
    assert [a.id for a in result.articles] == ["real/b.json#1"]
    skipped = {s.path: s.reason for s in result.skipped}
    assert skipped == {
        "alias": "folder already read through another path (a link)",
        "etc": "link leads outside the data folder; not followed",
        "locked": "cannot read folder: Permission denied",
    }


def test_taiwan_government_pages_dated_by_the_roc_calendar() -> None:
    page = (
        "臺北市政府全球資訊網\n首頁 > 市政新聞\n北市公車明起調整路線\n"
        "發布日期：115年10月2日　發布機關：臺北市政府交通局　撰稿人：李佳穎\n"
        "臺北市公車明天起調整12條路線。\n"
    )
    article = parse_saved_page(page, "x")
    assert article.title == "北市公車明起調整路線"  # not the site name above the breadcrumb
    assert (article.published, article.source, article.author) == ("2026-10-02", "臺北市政府交通局", "李佳穎")
    assert article.text == "臺北市公車明天起調整12條路線。"
    assert iso_date("115-11-24") == "2026-11-24" and iso_date("民國115年1月5日") == "2026-01-05"
    assert iso_date("26-11-20") == "26-11-20"  # no century: not a date, kept as written


def test_english_metadata_values_of_several_words_and_written_dates() -> None:
    for line, want in {
        "Published: 2026-11-24  Source: Riverton Herald  Author: Maria Lopez": (
            "2026-11-24",
            "Riverton Herald",
            "Maria Lopez",
        ),
        "Published: November 20, 2026 | Source: The Guardian | By Jane Doe": ("2026-11-20", "The Guardian", "Jane Doe"),
        "来源: 新华社 记者: 王磊 发布时间: 2026-09-07": ("2026-09-07", "新华社", "王磊"),  # one space between fields
    }.items():
        article = parse_saved_page(f"A headline\n{line}\nThe body of the article.\n", "x")
        assert (article.published, article.source, article.author) == want, line
    assert iso_date("20 Nov 2026") == "2026-11-20"


def test_a_stray_nul_or_control_character_is_dropped_not_the_article(tmp_path: Path) -> None:
    data = tmp_path / "articles"
    data.mkdir()
    body = "The city council passed the budget on Monday after a long debate about taxes and schools. " * 3
    (data / "budget.txt").write_bytes(f"Budget passes\nThe mayor cut\x00 the ribbon.\x07 {body}\n".encode())
    result = load_articles(data)
    assert not result.skipped and result.articles[0].text == f"The mayor cut the ribbon. {body}".strip()
