"""Sentence splitting (retrieval/text.py) and chunk properties: no empty chunk, offsets map back, overlap."""

from __future__ import annotations

from itertools import pairwise

from conftest import SAMPLE
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.articles import parse_saved_page
from retrieval.chunking import chunk_article
from retrieval.models import Article
from retrieval.text import split_sentences


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_chinese_and_english_sentence_ends() -> None:
    text = "他说:“我们来了。”大家鼓掌!会议结束了吗?是的;下一项……The plan costs $3.5 million. It starts now."
    assert _sentences(text) == [
        "他说:“我们来了。”",
        "大家鼓掌!",
        "会议结束了吗?",
        "是的;下一项……",  # a semicolon joins clauses of one sentence (lists: 第一组…；第二组…)
        "The plan costs $3.5 million.",
        "It starts now.",
    ]


def test_newlines_are_boundaries_and_blank_lines_vanish() -> None:
    assert _sentences("标题一行\n\n正文。  \n 第二段") == ["标题一行", "正文。", "第二段"]


def test_sample_chunks_cover_text_with_overlap() -> None:
    article = parse_saved_page(SAMPLE.read_text(encoding="utf-8"), "s")
    chunks = chunk_article(article, 200)
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text.strip() == chunk.text and chunk.text
        assert article.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 400
    overlaps = 0
    for a, b in pairwise(chunks):
        assert b.start > a.start, "chunks move forward"
        assert b.start <= a.end + 2, "no text is skipped between chunks"
        if len(split_sentences(a.text)) > 1:
            assert b.start < a.end, "a chunk of several sentences shares its last one with the next"
            overlaps += 1
    assert overlaps >= len(chunks) // 2
    assert [c.ord for c in chunks] == list(range(len(chunks)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="甲乙丙丁abc ,。!?\n", min_size=0, max_size=80), min_size=1, max_size=12))
def test_chunk_offsets_property(parts: list[str]) -> None:
    text = "。".join(parts)
    article = Article(id="x", title="t", text=text)
    chunks = chunk_article(article, 50)
    covered = set()
    for chunk in chunks:
        assert chunk.text and text[chunk.start : chunk.end] == chunk.text
        covered.update(range(chunk.start, chunk.end))
    for start, end in split_sentences(text):
        assert set(range(start, end)) <= covered, "every sentence lands in some chunk"
