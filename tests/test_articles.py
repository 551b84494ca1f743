"""Parsing of saved pages, HTML and JSON inputs; broken files are skipped, never fatal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.articles import iso_date, load_articles, normalize_text, parse_saved_page
from retrieval.errors import ArticleParseError


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


def test_a_page_copied_from_a_news_site_gives_its_date_and_outlet_and_only_the_story() -> None:
    """An unlabelled date line under the headline ("2026-11-20 09:12:30 来源：…") is the page's metadata (the date was
    lost and the line became the story's first sentence); editors' credits, share prompts and the related-stories
    list after the story are dropped."""
    page = (
        "某港首个自动化码头交付使用\n2026-11-20 09:12:30 来源：某某网\n字号：大 中 小\n"
        "某社某港11月20日电 某港首个自动化码头20日交付使用。\n"
        "码头年吞吐能力达300万标准箱。（完）\n【纠错】 【责任编辑：张三】\n分享到：\n"
        "相关新闻\n某港集装箱吞吐量再创新高\n"
    )
    article = parse_saved_page(page, "x")
    assert (article.title, article.published, article.source) == ("某港首个自动化码头交付使用", "2026-11-20", "某某网")
    assert article.text == "某社某港11月20日电 某港首个自动化码头20日交付使用。\n码头年吞吐能力达300万标准箱。（完）"
    wechat = (
        "某县首条物流航线开通\n某县发布 某县发布\n2026年11月19日 17:45 湖南\n某县首条物流航线19日开通。\n"
        "航线全长38公里。\nEND\n编辑：李四\n审核：王五\n阅读原文\n"
    )
    article = parse_saved_page(wechat, "x")
    assert (article.title, article.published) == ("某县首条物流航线开通", "2026-11-19")
    assert article.text == "某县首条物流航线19日开通。\n航线全长38公里。"
    byline = "某医院拟2031年启用\n撰文：赵六\n出版：2026-11-20 10:30\n某医院工程进度理想。\n"
    assert parse_saved_page(byline, "x").title == "某医院拟2031年启用"  # not 撰文：赵六


def test_body_lines_that_only_start_like_a_disclaimer_or_a_link_are_kept() -> None:
    """ "声明称，…", "原文：…" and "Copyright holders of…" are sentences of the story: they cut it short (and "原文："
    became the article's link)."""
    page = (
        "某公司回应传闻\n发布时间：2026-11-20 来源：某报\n"
        "某公司发布声明。\n声明称，公司未发生数据泄露。\n原文：各中小学校1月24日起放假。\n"
        "Copyright holders of the design will license it.\n股价下跌4.2%。\n版权声明：转载请注明出处。\n"
    )
    article = parse_saved_page(page, "x")
    assert article.url is None
    assert article.text.endswith("Copyright holders of the design will license it.\n股价下跌4.2%。")


def test_a_story_pasted_without_its_headline_keeps_its_first_paragraph() -> None:
    page = "11月20日，某江船闸完成升级改造，最大通航船舶提升至2000吨级。\n改造工程总投资9.8亿元。\n"
    article = parse_saved_page(page, "x")
    assert article.text.startswith("11月20日，某江船闸完成升级改造")  # it was the title, and gone from the text
    assert article.title.startswith("11月20日，某江船闸")
    one_line = "某市机场新航站楼20日投入使用。" * 20
    assert parse_saved_page(one_line, "x").text == one_line  # was skipped: "no article text found"


def test_a_utf16_file_with_its_bom_is_read(tmp_path: Path) -> None:
    """Notepad's "Unicode": every other byte a NUL, so it was skipped as binary."""
    text = "某市新建图书馆今日开放\r\n发布时间：2023-05-06 来源：某市日报\r\n该图书馆共有藏书50万册。\r\n"
    (tmp_path / "a.txt").write_bytes(text.encode("utf-16"))
    result = load_articles(tmp_path)
    assert not result.skipped
    assert [(a.title, a.text) for a in result.articles] == [("某市新建图书馆今日开放", "该图书馆共有藏书50万册。")]


def test_json_articles_under_the_key_names_exports_use(tmp_path: Path) -> None:
    """content/body, pub_date or a Unix time, link, media or {"name": …}, and a list wrapped in {"data": {"articles":
    […]}} are read (all were skipped as "no text field"); what is still unreadable says which keys it found."""
    records = [
        {
            "title": "甲",
            "content": "甲市新桥通车。",
            "pub_date": "2026年11月20日",
            "link": "https://a.cn/1",
            "media": "甲报",
        },
        {"title": "乙", "body": "乙市新港开港。", "time": 1795142400, "source": {"name": "乙报"}},
        {"title": "丙", "article": "丙市新馆开馆。", "published_at": "1795142400000"},
    ]
    (tmp_path / "a.json").write_text(json.dumps({"status": "ok", "data": {"articles": records}}), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(json.dumps({"title": "丁", "summary": "x"}) + "\n", encoding="utf-8")
    result = load_articles(tmp_path)
    got = {a.title: (a.text, a.published, a.source, a.url) for a in result.articles}
    assert got == {
        "甲": ("甲市新桥通车。", "2026-11-20", "甲报", "https://a.cn/1"),
        "乙": ("乙市新港开港。", "2026-11-20", "乙报", None),
        "丙": ("丙市新馆开馆。", "2026-11-20", None, None),
    }
    [skipped] = result.skipped
    assert "found summary, title" in skipped.reason and "content" in skipped.reason


def test_big5_and_gbk_files_are_each_read_in_their_own_encoding(tmp_path: Path) -> None:
    """Big5 bytes decode as GB18030 without an error, into nonsense (台中捷運 -> い倍笲…): the encoding is measured."""
    big5 = (
        "台中捷運藍線今日動工\n發布時間：2026-11-20 來源：台中日報\n藍線全長24.8公里，設置20座車站，預計2032年通車。\n"
    )
    gbk = (
        "徐州地铁4号线开通运营\n发布时间：2026-11-20 来源：徐州日报\n"
        "4号线全长25.7公里，共设车站19座，开通后全市运营里程达到112公里。\n"
    )
    (tmp_path / "tw.txt").write_bytes(big5.encode("big5"))
    (tmp_path / "cn.txt").write_bytes(gbk.encode("gbk"))
    titles = sorted(a.title for a in load_articles(tmp_path).articles)
    assert titles == ["台中捷運藍線今日動工", "徐州地铁4号线开通运营"]


def test_markdown_front_matter_quotes_and_bold_are_metadata_and_text_not_markup() -> None:
    """YAML front matter gives the fields and none of it (tags: [...], ---) reaches the text; a quoted 来源 line is
    metadata; **bold** and # marks are dropped, their words kept."""
    front = (
        "---\ntitle: 某会议中心完成扩建\ndate: 2026-11-20\nsource: 某日报\nauthor: 许诺\n"
        "url: https://example.cn/a.html\ntags: [会展, 北京]\n---\n\n"
        "扩建工程20日通过验收。\n\n## 新增会议室\n\n共有会议室48间。\n"
    )
    article = parse_saved_page(front, "x")
    assert (article.title, article.published, article.source, article.author, article.url) == (
        "某会议中心完成扩建",
        "2026-11-20",
        "某日报",
        "许诺",
        "https://example.cn/a.html",
    )
    assert article.text == "扩建工程20日通过验收。\n\n新增会议室\n\n共有会议室48间。"
    quoted = (
        "# 某区试点养老服务圈\n\n> 来源：某新闻 | 2026-11-20\n> 作者：江帆\n\n**核心提示：** 某区建成服务站32个。\n"
    )
    article = parse_saved_page(quoted, "x")
    assert (article.title, article.published, article.source, article.author) == (
        "某区试点养老服务圈",
        "2026-11-20",
        "某新闻",
        "江帆",
    )
    assert article.text == "核心提示： 某区建成服务站32个。"


def test_a_markdown_list_of_links_is_skipped_as_not_an_article(tmp_path: Path) -> None:
    links = "# 今日要闻\n\n" + "".join(f"- [第{n}条新闻](https://example.cn/{n}.html)\n" for n in range(5))
    (tmp_path / "links.md").write_text(links, encoding="utf-8")
    result = load_articles(tmp_path)
    assert not result.articles and "a list of links" in result.skipped[0].reason


def test_a_dated_line_inside_the_story_is_not_its_header_but_one_under_a_long_menu_is() -> None:
    """A notice's closing date (某县人民政府 / 2026年11月20日) is not metadata: the story above it stays; a page copied
    with its 40-word menu still finds the headline and the metadata under it."""
    notice = (
        "关于做好冬季道路安全工作的通知\n"
        "各乡镇人民政府、县直各单位：为切实做好今冬明春道路交通安全工作，现将有关事项通知如下。\n"
        "一、加强重点路段巡查，及时清除道路积雪。\n某县人民政府\n2026年11月20日\n"
    )
    article = parse_saved_page(notice, "x")
    assert article.title == "关于做好冬季道路安全工作的通知"
    assert article.text.startswith("各乡镇人民政府、县直各单位") and article.text.endswith("2026年11月20日")
    menu = "".join(f"栏目{n}\n" for n in range(45))
    page = menu + "首页 > 新闻 > 正文\n某港新增直航航线\n发布时间：2026-11-20 来源：某日报\n某港开通直航航线。\n"
    article = parse_saved_page(page, "x")
    assert (article.title, article.published, article.text) == ("某港新增直航航线", "2026-11-20", "某港开通直航航线。")


def test_a_page_dated_without_its_year_takes_the_last_such_day_before_it_was_saved(tmp_path: Path) -> None:
    """ "发布时间：11月20日" was kept as written, so the article counted as undated in every time question."""
    import os
    from datetime import datetime

    page = "某市寒潮来袭\n发布时间：11月20日 08:00 来源：某晚报\n某市气象台20日发布寒潮蓝色预警。\n"
    cases = {
        "a.txt": ("2027-01-05", "2026-11-20"),
        "b.txt": ("2026-11-21", "2026-11-20"),
        "c.txt": ("2026-11-19", "2025-11-20"),
    }
    for name, (saved, _) in cases.items():
        (tmp_path / name).write_text(page, encoding="utf-8")
        stamp = datetime.fromisoformat(saved + "T12:00:00+00:00").timestamp()
        os.utime(tmp_path / name, (stamp, stamp))
    got = {a.id: a.published for a in load_articles(tmp_path).articles}
    assert got == {name: expected for name, (_, expected) in cases.items()}


def test_an_html_page_names_its_outlet_and_author_where_trafilatura_drops_or_moves_them() -> None:
    """The page's "2026-11-20 来源：某日报 作者：杨帆" line: dropped by trafilatura (a <div class="info">), or kept as
    text at the end; its outlet is the source rather than the portal's site name, and the line is not text."""
    from retrieval.articles import parse_html

    head = '<html><head><meta charset="utf-8"><title>某县苹果产量预计突破100万吨</title>'
    head += '<meta property="og:site_name" content="某某网"></head><body><h1>某县苹果产量预计突破100万吨</h1>'
    body = "".join(
        f"<p>{s}</p>"
        for s in (
            "记者20日从某县农业农村局获悉，今年某县苹果种植面积达53万亩，预计总产量将突破100万吨，创历史新高。",
            "某县农业农村局局长贺建军介绍，今年全县新建矮化密植果园2.1万亩，优果率提高到78%。",
            "目前，某县苹果已出口到28个国家和地区，今年前10个月出口量达6.2万吨。",
        )
    )
    info = '<div class="info">2026-11-20 08:45:12　来源：某日报　作者：杨帆</div>'
    for page in (
        head + info + "<article>" + body + "</article></body></html>",
        head + "<article>" + body + "<p>发布时间：2026-11-20 来源：某日报 作者：杨帆</p></article></body></html>",
    ):
        article = parse_html(page, "x.html")
        assert (article.source, article.author, article.published) == ("某日报", "杨帆", "2026-11-20")
        assert "来源" not in article.text and article.text.endswith("出口量达6.2万吨。")


_PIECES = [
    "标题：",
    "来源：",
    "发布时间：",
    "原文链接：",
    "2026-11-20 09:12",
    "11月20日",
    "某市",
    "。",
    "\n",
    "\n\n",
    "---\n",
    "title: x\n",
    "> ",
    "**",
    "# ",
    "- [a](https://a.cn)\n",
    "【责任编辑：张三】",
    "相关新闻",
    "声明：",
    "By Jane Doe",
    "115年11月20日",
    "：",
    " ",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=8), max_size=40))
def test_any_saved_page_parses_or_is_skipped_with_a_reason(pieces: list[str]) -> None:
    """Whatever mix of labels, dates, Markdown and text a file holds: an article, or ArticleParseError (a skip with
    its reason), never another exception."""
    try:
        article = parse_saved_page("".join(pieces), "x")
    except ArticleParseError:
        return
    assert article.text and article.title
