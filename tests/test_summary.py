"""Extractive summaries: verbatim sentences, at most three, the lead first."""

from __future__ import annotations

from retrieval.models import Article
from retrieval.summary import Method, sentences, summarize

TEXT = (
    "江城召开防汛工作会议\n\n"  # a heading: no end punctuation
    "7月3日，江城市政府召开防汛工作会议，部署全市防汛工作。会议由市长张建国主持。\n"
    "7月3日，市长张建国在防汛指挥中心检查工作。 记者 李晓梅 摄\n"  # a photo caption
    "张建国要求各部门落实防汛责任，确保水库安全度汛。各区要加强水库巡查，及时转移危险区域群众。"
    "气象台预计本周还有强降雨，水库水位可能继续上涨。防汛部门将增加水库巡查频次。\n"
    "会议还通报了上半年防汛工作情况。"
)
ARTICLE = Article(id="a1", title="江城召开防汛工作会议", text=TEXT)


def test_sentences_skip_headings_and_captions() -> None:
    items = sentences(ARTICLE)
    assert items[0].startswith("7月3日，江城市政府召开防汛工作会议")
    assert all("摄" not in s for s in items) and "江城召开防汛工作会议" not in items
    caption = "市長張建國在防汛指揮中心檢查工作。 記者 李曉梅 攝\n"
    taiwan = Article(id="t", title="t", text=caption + "會議還通報了上半年防汛工作情況。")
    assert sentences(taiwan) == ["會議還通報了上半年防汛工作情況。"]  # a Traditional caption (攝) too


def test_summary_verbatim_at_most_three_lead_first_in_order() -> None:
    for method in Method:
        chosen = summarize(ARTICLE, method=method)
        assert 1 <= len(chosen) <= 3
        assert all(s in TEXT for s in chosen)  # verbatim
        positions = [TEXT.index(s) for s in chosen]
        assert positions == sorted(positions)  # article order
    lead = summarize(ARTICLE, method=Method.LEAD_TEXTRANK)
    assert lead[0] == sentences(ARTICLE)[0]
    assert summarize(ARTICLE, method=Method.LEAD) == sentences(ARTICLE)[:3]
    central = summarize(ARTICLE, method=Method.TEXTRANK)
    assert any("水库" in s for s in central)  # the most connected sentences talk about the reservoirs


def test_short_article_returned_whole_and_empty_article_gives_nothing() -> None:
    short = Article(id="s", title="t", text="只有一句完整的新闻内容在这里。")
    assert summarize(short) == ["只有一句完整的新闻内容在这里。"]
    assert summarize(Article(id="e", title="t", text="标题而已")) == []
