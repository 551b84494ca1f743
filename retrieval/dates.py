"""Date expressions in questions (今天, 上周, 3月15日, 2022年, "last week", "latest") as periods of calendar days.

Hand-written on purpose: a question needs a *period* (a day, a week, a month, a year) and the place of the
expression in the text, both relative to an injectable "today". dateparser (the well-kept library for this) turns
a string into one point in time, finds dates in running Chinese text only through its slow `search_dates`
(tens of milliseconds per question, plus ~1 s to load its language data) and has no notion of "this week" as a
range; the expressions news questions use are few and regular, so a table of patterns is smaller and faster.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from retrieval.text import to_simplified

_MONTHS_EN = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m
}
_MONTH_EN = r"(" + "|".join(sorted(_MONTHS_EN, key=len, reverse=True)) + r")\.?"
_ZH_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass(frozen=True)
class Period:
    """Calendar days asked about (inclusive), or only "the newest" when `latest` and no dates."""

    label: str  # the expression as written in the question
    start: dt.date | None = None
    end: dt.date | None = None
    latest: bool = False  # 最新/最近/latest: prefer the newest matching article

    def contains(self, published: str | None) -> bool:
        """Whether an article published at `published` (ISO date or datetime) falls in the period."""
        day = published_day(published)
        if day is None:
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def relative(self) -> bool:
        """Whether the expression is relative to today (上周, yesterday), not a written date (3月15日)."""
        return re.search(r"\d", self.label) is None

    @property
    def dated(self) -> bool:
        """Whether the period has dates (a filter), not only "newest first"."""
        return self.start is not None or self.end is not None


def published_day(published: str | None) -> dt.date | None:
    """The calendar day of an article's `published` field, or None when missing or unreadable."""
    if not published:
        return None
    try:
        return dt.date.fromisoformat(published[:10])
    except ValueError:
        return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _shift_month(day: dt.date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


def _number(value: str) -> int:
    if value.isdigit():
        return int(value)
    if value.startswith("十"):
        return 10 + _ZH_NUM.get(value[1:], 0)
    if "十" in value:
        tens, _, ones = value.partition("十")
        return _ZH_NUM.get(tens, 1) * 10 + _ZH_NUM.get(ones, 0)
    return _ZH_NUM.get(value, 0)


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _not_future(year: int | None, month: int, day: int, today: dt.date) -> dt.date | None:
    """A day written without its year: this year's, or last year's when this year's is still to come."""
    if year is not None:
        return _day(year, month, day)
    this = _day(today.year, month, day)
    if this is not None and this <= today:
        return this
    return _day(today.year - 1, month, day)


_N = r"(\d{1,3}|[一二两三四五六七八九十]{1,3})"


def _relative(today: dt.date) -> list[tuple[re.Pattern[str], tuple[dt.date, dt.date]]]:
    monday = today - dt.timedelta(days=today.weekday())
    ly, lm = _shift_month(today, -1)
    return [
        (re.compile(r"今天|今日|today", re.I), (today, today)),
        (re.compile(r"前天|day before yesterday", re.I), (today - dt.timedelta(2), today - dt.timedelta(2))),
        (re.compile(r"昨天|昨日|yesterday", re.I), (today - dt.timedelta(1), today - dt.timedelta(1))),
        (re.compile(r"本周|这周|这个?星期|本星期|this week", re.I), (monday, today)),
        (
            re.compile(r"上周|上个?星期|上个礼拜|上礼拜|last week|past week|previous week", re.I),
            (monday - dt.timedelta(7), monday - dt.timedelta(1)),
        ),
        (re.compile(r"本月|这个月|this month", re.I), (today.replace(day=1), today)),
        (re.compile(r"上个?月|last month|previous month", re.I), (dt.date(ly, lm, 1), _month_end(ly, lm))),
        (re.compile(r"今年|本年|this year", re.I), (dt.date(today.year, 1, 1), today)),
        (re.compile(r"去年|last year", re.I), (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))),
        (re.compile(r"前年", re.I), (dt.date(today.year - 2, 1, 1), dt.date(today.year - 2, 12, 31))),
    ]


_LAST_N = re.compile(
    rf"(?:最近|近|过去|前)\s*{_N}\s*(天|日|周|个?星期|个?月)"
    r"|(?:in the |over the )?(?:last|past) (\d+) (days?|weeks?|months?)",
    re.I,
)
_LATEST = re.compile(
    r"最新|最近|近期|近日|近来|目前|(?<![体表实出发呈展再])现在|当前|latest|most recent|newest|recent(?:ly)?|currently"
    r"|now\b|up to date",
    re.I,
)
# A text that is a calendar date or part of one and nothing else (11月中旬, 2026年3月, 5月23日, 23日): what a "how
# many / how much" question cannot be answered with.
DATE_ONLY = re.compile(
    r"(?:\d{2,4}\s*年\s*)?(?:(?:\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*)?"
    r"(?:\d{1,2}\s*[日号]|上旬|中旬|下旬|初|底|末)?"
)


def is_date_only(text: str) -> bool:
    """Whether the text is a date (or a month, a part of a month) and holds nothing else."""
    t = text.strip()
    return bool(t) and bool(DATE_ONLY.fullmatch(t)) and ("月" in t or "日" in t or "号" in t)


_ZH_FULL = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_ZH_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_ZH_YEAR_MONTH = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?!\s*\d)")
_ZH_MONTH = re.compile(r"(今年|去年|前年)?\s*(?<!\d)(\d{1,2})\s*月份?(?!\s*\d)")
# A month alone ("in May"): case-sensitive, so the verb "may" is not a month.
_EN_MONTH = re.compile(r"\b(?:in|during|for)\s+(" + "|".join(m for m in calendar.month_name if m) + r")\b(?!\s*\d)")
_ZH_YEAR = re.compile(r"(\d{4})\s*年(?!\s*\d{1,2}\s*月)")
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_EN_MONTH_DAY = re.compile(rf"\b{_MONTH_EN}\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b", re.I)
_EN_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_EN}(?:,?\s+(\d{{4}}))?\b", re.I)
_EN_MONTH_YEAR = re.compile(rf"\b(?:in\s+)?{_MONTH_EN}\s+(\d{{4}})\b", re.I)
_EN_YEAR = re.compile(r"\bin (\d{4})\b", re.I)


def find_period(question: str, today: dt.date) -> Period | None:
    """The period a question asks about, relative to `today`; None when it names no time.

    Traditional characters are read through their Simplified form (上週 = 上周); the label is the original text.
    """
    folded = to_simplified(question)
    found = _find_period(folded, today)
    if found is None or folded == question:
        return found
    at = folded.find(found.label)  # the folding keeps offsets, so the original expression sits at the same place
    return replace(found, label=question[at : at + len(found.label)]) if at >= 0 else found


def _find_period(question: str, today: dt.date) -> Period | None:
    m = _ZH_FULL.search(question) or _ISO.search(question)
    if m:
        day = _day(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day is not None:
            return Period(m.group(0), day, day)
    for pattern in (_EN_MONTH_DAY, _EN_DAY_MONTH):
        m = pattern.search(question)
        if m:
            a, b, year = m.group(1), m.group(2), m.group(3)
            month_name, day_text = (a, b) if pattern is _EN_MONTH_DAY else (b, a)
            month = _MONTHS_EN.get(month_name.lower().rstrip("."), 0)
            found = _not_future(int(year) if year else None, month, int(day_text), today) if month else None
            if found is not None:
                return Period(m.group(0), found, found)
    m = _ZH_MONTH_DAY.search(question)
    if m:
        found = _not_future(None, int(m.group(1)), int(m.group(2)), today)
        if found is not None:
            return Period(m.group(0), found, found)
    m = _ZH_YEAR_MONTH.search(question) or _EN_MONTH_YEAR.search(question)
    if m:
        if m.re is _EN_MONTH_YEAR:
            year, month = int(m.group(2)), _MONTHS_EN.get(m.group(1).lower().rstrip("."), 0)
        else:
            year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Period(m.group(0), dt.date(year, month, 1), _month_end(year, month))
    m = _ZH_MONTH.search(question)
    if m and 1 <= int(m.group(2)) <= 12:
        month = int(m.group(2))
        back = {"今年": 0, "去年": 1, "前年": 2}.get(m.group(1) or "")
        year = today.year - back if back is not None else today.year - (month > today.month)
        return Period(m.group(0), dt.date(year, month, 1), _month_end(year, month))
    m = _EN_MONTH.search(question)
    if m:
        month = _MONTHS_EN[m.group(1).lower()]
        year = today.year - (month > today.month)  # the last such month that has begun
        return Period(m.group(0), dt.date(year, month, 1), _month_end(year, month))
    m = _LAST_N.search(question)
    if m:
        count = _number(m.group(1) or m.group(3) or "0")
        unit = (m.group(2) or m.group(4) or "").lower()
        size = 30 if "月" in unit or unit.startswith("month") else 1
        size = 7 if "周" in unit or "星期" in unit or unit.startswith("week") else size
        days = count * size
        if days > 0:
            return Period(m.group(0), today - dt.timedelta(days=days - 1), today)
    for pattern, (start, end) in _relative(today):
        m = pattern.search(question)
        if m:
            return Period(m.group(0), start, end)
    m = _ZH_YEAR.search(question) or _EN_YEAR.search(question)
    if m:
        year = int(m.group(1))
        if 1900 <= year <= today.year + 1:
            return Period(m.group(0), dt.date(year, 1, 1), dt.date(year, 12, 31))
    m = _LATEST.search(question)
    if m:
        return Period(m.group(0), latest=True)
    return None


# Words for the current period that a report of that period writes itself, with the same meaning (a report of this year
# says 今年 for it): they stay in the question, for the search and the answer components alike.
_SAID_ALIKE = frozenset({"今天", "今日", "本周", "本月", "今年"})


def without_relative(question: str, period: Period | None) -> str:
    """The question without a relative period (上周, yesterday): such words only add noise to text matching.

    Absolute dates (3月15日, 2022年) stay: articles write them too; so do 最新/现在/latest, which articles also use
    ("现任", "目前") and which only order the reports; and so do the current period's words a report of that period
    writes with the same meaning (今年, 本月, 今天: 全省今年早稻播种面积… matches 今年早稻种了多少亩). 去年 or
    上周 do not stay: a report of last year calls it 今年.
    """
    if period is None or not period.relative or not period.dated or period.label in _SAID_ALIKE:
        return question
    stripped = question.replace(period.label, " ", 1)
    return re.sub(r"\s+", " ", stripped).strip() or question


# Days a report names relative to its own date (今天上午, 昨晚, 本月20日, 去年3月), as offsets in days / months / years.
# Not inside another word: 大前天, 如今天气, 过去年均, 两年前天津.
_REPORT_DAYS = {"今": 0, "昨": -1, "明": 1, "前天": -2}
_NOT_AFTER = r"(?<![大如过年])"
_REPORT_DAY = re.compile(
    _NOT_AFTER + r"(前天|([今昨明])(?:天|日|(?=[晚早晨夜])|(?=[（(]\d)))"
    r"(?:[（(]((?:\d{1,2}月)?\d{1,2})[日號号][）)]?)?"
)
_REPORT_MONTH = re.compile(r"([本上下])月(\d{1,2})[日号號]")
_REPORT_YEAR = re.compile(_NOT_AFTER + r"([今去明前])年(?![代纪紀龄齡级級轻輕])")
_YEAR_OFFSETS = {"今": 0, "去": -1, "明": 1, "前": -2}
_MONTH_OFFSETS = {"本": 0, "上": -1, "下": 1}


def _written(day: dt.date, report: dt.date) -> str:
    """A day as Chinese news writes it: M月D日, with its year where it is not the report's."""
    return f"{day.month}月{day.day}日" if day.year == report.year else f"{day.year}年{day.month}月{day.day}日"


# A dateline at the head of a report (新华社北京4月28日电（记者…）, 本报讯…5月6日讯 ): the day its 今天 / 昨天 count
# from, which a paper printing the report the next morning dates a day later. 电 / 讯 end the dateline (not 电影, 讯飞).
_DATELINE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:电|讯)(?=[\s（(【　]|$)")
DATELINE_CHARS = 60  # where a dateline stands: the report's first characters (agency, place, date, 电)


def report_day(published: str | None, opening: str = "") -> dt.date | None:
    """The day a report's relative days count from: its dateline's (in `opening`, the report's first characters)
    where it has one, in the year that puts it nearest the publication day (12月31日电 printed on 1月2日; 1月1日电
    published on 12月31日 in UTC), else its publication day; None where neither is known."""
    day = published_day(published)
    m = _DATELINE.search(to_simplified(opening[:DATELINE_CHARS]))
    if m is None:
        return day
    month, date = int(m.group(2)), int(m.group(3))
    if m.group(1):  # 2025年3月1日电: its own year
        return _day(int(m.group(1)), month, date) or day
    if day is None:
        return None
    years = [_day(day.year + k, month, date) for k in (-1, 0, 1) if dt.MINYEAR < day.year + k < dt.MAXYEAR]
    return min((d for d in years if d is not None), key=lambda d: abs((d - day).days), default=day)


def _nearest(around: dt.date, day_of_month: int) -> dt.date | None:
    """The day of the month nearest `around` (昨（30日）in a report of 5月2日 is 4月30日)."""
    days = [_day(*_shift_month(around, k), day_of_month) for k in (-1, 0, 1)]
    return min((d for d in days if d is not None), key=lambda d: abs((d - around).days), default=None)


def dated_answer(answer: str, report: dt.date | None) -> str | None:
    """A when-answer that names days relative to its report (今天上午7时35分, 昨（12日）晚, 本月20日, 去年3月), written
    out from the report's day (report_day: 4月28日上午7时35分, 11月12日晚, 11月20日, 2025年3月), so that a reader
    days later is not told "today"; None where it names none or the report's day is unknown. 当天 / 当日 (the day of
    an event the sentence names) stay as written."""
    if report is None or not dt.date.min + dt.timedelta(days=62) <= report <= dt.date.max - dt.timedelta(days=62):
        return None  # no day, or a placeholder one (0001-01-01) that a day's shift would overflow

    def day(m: re.Match[str]) -> str:
        word, inside = m.group(2) or m.group(1), m.group(3)
        when = report + dt.timedelta(_REPORT_DAYS[word])
        if inside is not None:  # 昨（12日）: the day written in brackets, the one of that number nearest
            if "月" in inside:
                return inside + "日"
            shown = _nearest(when, int(inside))
            return _written(shown, report) if shown else m.group(0)
        return _written(when, report)

    def month(m: re.Match[str]) -> str:
        shown = _day(*_shift_month(report, _MONTH_OFFSETS[m.group(1)]), int(m.group(2)))
        return _written(shown, report) if shown else m.group(0)  # 上月30日 in March: no such day, as written

    text = _REPORT_MONTH.sub(month, _REPORT_DAY.sub(day, answer))
    text = _REPORT_YEAR.sub(lambda m: f"{report.year + _YEAR_OFFSETS[m.group(1)]}年", text)
    return text if text != answer else None
