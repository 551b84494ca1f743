"""English words for a Chinese answer's date, time or figure, beside the answer to an English question."""

from __future__ import annotations

import pytest

from retrieval.gloss import gloss


@pytest.mark.parametrize(
    ("answer", "kind", "said"),
    [
        ("5月6日上午9时", "when", "May 6, 9:00 a.m."),
        ("2025年7月1日", "when", "July 1, 2025"),
        ("2024年3月", "when", "March 2024"),
        ("11月中旬", "when", "mid November"),
        ("凌晨3時40分許", "when", "about 3:40 a.m."),  # Traditional, as the article writes it
        ("晚上8点半", "when", "8:30 p.m."),
        ("15时20分", "when", "3:20 p.m."),
        ("12月31日24时", "when", "December 31, midnight"),  # the midnight ending the day, not noon
        ("晚上12点", "when", "midnight"),
        ("中午12时", "when", "12:00 p.m."),
        ("3月1日前", "when", "before March 1"),
        ("120亿元", "number", "12 billion yuan"),
        ("58.36亿元", "number", "5.836 billion yuan"),
        ("约2.5万人", "number", "about 25,000 people"),
        ("逾300人", "number", "over 300 people"),
        ("1.5萬美元", "number", "15,000 US dollars"),
        ("4.2公里", "number", "4.2 km"),
        ("500余户", "number", "over 500 households"),
    ],
)
def test_dates_times_and_figures_are_said_in_english(answer: str, kind: str, said: str) -> None:
    assert gloss(answer, kind) == said


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        ("20日", "when"),  # no month to name
        ("2026年", "when"),  # a year reads as it is
        ("今年夏天", "when"),
        ("13月5日", "when"),
        ("25时", "when"),
        ("35.1%", "number"),  # reads as it is
        ("2025年", "number"),  # a year, not 2,025 years
        ("3只", "number"),  # a unit without English words here
        ("两小时零五分", "number"),
        ("王某", "who"),
        ("", "when"),
    ],
)
def test_anything_else_gets_no_english_words(answer: str, kind: str) -> None:
    assert gloss(answer, kind) is None
