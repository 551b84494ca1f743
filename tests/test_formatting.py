"""Telegram HTML formatting: escaping, answer layout, splitting into valid parts, plain-text rendering."""

from __future__ import annotations

import pytest

from bot.formatting import format_answer, html_to_text, split_html, utf16_len
from retrieval.models import Answer, Earlier, Source
from tests.botfixtures import SOURCE, parse_telegram_html


def test_answer_layout_bold_quote_and_escaped_source_line() -> None:
    ans = Answer(question="q", answered=True, answer="A & <B>", evidence=["One <i>x</i>.", "Two."], sources=[SOURCE])
    out = format_answer(ans, "en")
    assert out.startswith("<b>A &amp; &lt;B&gt;</b>\n<blockquote>One &lt;i&gt;x&lt;/i&gt;.\nTwo.</blockquote>")
    assert "Harbour &lt;Bridge&gt; &amp; Tunnel report · Example Daily · 2024-03-05 · " in out
    assert '<a href="https://news.example/a1?x=1&amp;y=2">link</a>' in out
    visible = parse_telegram_html(out)
    assert "A & <B>" in visible and "One <i>x</i>." in visible


def test_refusal_names_closest_article_in_chinese() -> None:
    ans = Answer(question="q", answered=False, sources=[SOURCE])
    out = format_answer(ans, "zh")
    assert "没有找到" in out and "最接近的文章" in out and "《Harbour &lt;Bridge&gt;" in out
    assert "<b>" not in out
    parse_telegram_html(out)


def test_refusal_without_sources_and_non_http_url_not_linked() -> None:
    assert "Closest" not in format_answer(Answer(question="q", answered=False), "en")
    src = SOURCE.model_copy(update={"url": "javascript:alert(1)"})
    out = format_answer(Answer(question="q", answered=True, answer="x", sources=[src]), "en")
    assert "<a " not in out and "javascript" not in out


def test_short_text_is_one_part() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]


@pytest.mark.parametrize(
    "sentence", ["这是一个很长的证据句子，包含中文标点。", "An English sentence & more <stuff>. ", "🙂😀 emoji。"]
)
def test_long_answer_splits_into_valid_parts_at_sentence_ends(sentence: str) -> None:
    evidence = [f"{i}{sentence * (1000 // utf16_len(sentence) + 1)}" for i in range(12)]
    ans = Answer(question="q", answered=True, answer="X" * 100, evidence=evidence, sources=[SOURCE])
    html_text = format_answer(ans, "zh")
    assert utf16_len(html_text) > 12_000
    parts = split_html(html_text)
    assert len(parts) >= 3
    visible = ""
    for part in parts:
        assert utf16_len(part) <= 4096
        text = parse_telegram_html(part)  # each part valid on its own
        visible += text
        if "<blockquote>" in part:
            assert part.count("<blockquote>") == part.count("</blockquote>")
    # nothing lost: every sentence survives whole, in some part
    whole = parse_telegram_html(html_text)
    assert visible.replace("\n", "").replace(" ", "") == whole.replace("\n", "").replace(" ", "")
    for part in parts[:-1]:  # cut at sentence ends
        assert parse_telegram_html(part).rstrip().endswith(sentence.strip()[-1])


def test_giant_sentence_hard_split_never_cuts_an_entity() -> None:
    html_text = "<b>" + "a&amp;b" * 3000 + "</b>"
    parts = split_html(html_text, limit=1000)
    assert len(parts) > 10
    for part in parts:
        assert utf16_len(part) <= 1000
        assert part.startswith("<b>") and part.endswith("</b>")
        assert set(parse_telegram_html(part)) <= {"a", "&", "b"}


def test_surrogate_pairs_counted_as_two_units() -> None:
    html_text = "😀" * 3000  # 6000 UTF-16 units, 3000 code points
    parts = split_html(html_text)
    assert len(parts) == 2 and all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == html_text


def test_html_to_text_readable() -> None:
    out = html_to_text('<b>A &amp; B</b>\n<blockquote>one\ntwo</blockquote>\nsee <a href="https://x.y/">link</a>')
    assert out == "A & B\n│ one\n│ two\nsee link <https://x.y/>"


def test_answer_without_source_or_evidence() -> None:
    src = Source(article_id="b", title="T", text="p", score=1.0)
    out = format_answer(Answer(question="q", answered=True, answer="yes", sources=[src, src]), "en")
    assert out == "<b>yes</b>\n📰 T"


def test_repeated_evidence_sentence_shown_once() -> None:
    ans = Answer(question="q", answered=True, answer="a", evidence=["One.", "Two.", "One."], sources=[SOURCE])
    assert "<blockquote>One.\nTwo.</blockquote>" in format_answer(ans, "en")


def test_time_question_states_the_date_and_flags_an_answer_outside_the_period() -> None:
    ans = Answer(question="q", answered=True, answer="156.8米", evidence=["水位升至156.8米。"], sources=[SOURCE])
    ans.period = "上周"
    out = format_answer(ans, "zh", understood="（理解为：青溪水库上周水位是多少？）")
    lines = out.split("\n")
    assert lines[0] == "<b>156.8米</b> （据 2024-03-05 的报道）"
    assert lines[1] == "<i>（理解为：青溪水库上周水位是多少？）</i>"  # how a follow-up was read: second line
    assert "⚠️" not in out
    ans.outside_period = "older"
    out = format_answer(ans, "zh")
    assert "⚠️ 没有找到上周的文章；这个答案来自 2024-03-05 的报道，早于你问的时间。" in out
    ans.outside_period = "newer"
    assert "this answer is from a report of 2024-03-05." in format_answer(ans, "en")
    parse_telegram_html(out)
    ans.period = "in October"  # as written in "What were retail sales in October?"
    assert "No article from October;" in format_answer(ans, "en")


def test_disagreeing_reports_newest_first_then_earlier_ones_marked() -> None:
    older = SOURCE.model_copy(update={"article_id": "a0", "title": "Older <report>", "published": "2024-02-01"})
    ans = Answer(
        question="q",
        answered=True,
        answer="3.5 million",
        evidence=["It will cost 3.5 million."],
        sources=[SOURCE],
        earlier=[Earlier(answer="2.4 million", evidence=["It would cost 2.4 million."], source=older)],
    )
    out = format_answer(ans, "en")
    assert out.startswith("<b>3.5 million</b> (as reported on 2024-03-05)\n")  # the newest report's date
    assert out.index("<b>3.5 million</b>") < out.index("Earlier report: <b>2.4 million</b> · Older &lt;report&gt;")
    assert "2024-02-01" in out and "<blockquote>It would cost 2.4 million.</blockquote>" in out
    assert "较早的报道：<b>2.4 million</b>" in format_answer(ans, "zh")
    parse_telegram_html(out)


def test_agreeing_reports_cited_together() -> None:
    other = SOURCE.model_copy(update={"article_id": "a2", "title": "Same story, later", "published": "2024-04-01"})
    ans = Answer(question="q", answered=True, answer="2.4 million", sources=[SOURCE, other], corroborated=True)
    out = format_answer(ans, "zh")
    assert out.startswith("<b>2.4 million</b> （多篇报道一致）")
    assert "另见：《Same story, later》" in out


def test_see_also_only_for_articles_that_mention_the_answer() -> None:
    mentions = SOURCE.model_copy(update={"article_id": "a2", "title": "Second", "text": "張偉說，工程已完工。"})
    unrelated = SOURCE.model_copy(update={"article_id": "a3", "title": "Third", "text": "天气晴朗，气温回升。"})
    ans = Answer(question="q", answered=True, answer="张伟", sources=[SOURCE, mentions, unrelated])
    out = format_answer(ans, "en")
    assert "See also: Second" in out  # the answer in the other script still counts
    assert "Third" not in out  # retrieved, but it says nothing about the answer
    agreed = SOURCE.model_copy(update={"article_id": "a4", "title": "Fourth", "text": "工程由张经理负责。"})
    out = format_answer(ans.model_copy(update={"sources": [SOURCE, agreed], "corroborated": True}), "en")
    assert "See also: Fourth" in out  # a report found to agree is cited even where its wording differs


def test_no_article_of_the_period_asked_for_says_so() -> None:
    from bot.formatting import format_latest

    assert format_latest([], "zh", period="上周") == "没有找到上周的文章。"
    assert format_latest([], "en", period="last week") == "No articles from last week."
    assert format_latest([], "en", period="in October") == "No articles from October."
