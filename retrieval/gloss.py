"""English words for a Chinese answer's date, time or figure (4月28日上午7时35分 -> April 28, 7:35 a.m.; 9286亿元 ->
928.6 billion yuan), shown beside the answer to an English question.

Hand-written: the forms are the few that news answers take, and the libraries that spell numbers (num2words) or
parse dates (dateparser) neither read 亿 / 万 nor write a Chinese date's parts in English; None for anything else,
so a gloss is never a guess.
"""

from __future__ import annotations

import calendar
import re

from retrieval.text import to_simplified

_ABOUT = r"(约|大约|近|逾|超过|超|达|共|仅)?"
_DATE = re.compile(
    r"^" + _ABOUT + r"(?:(\d{4})年)?(?:(\d{1,2})月)?(?:(\d{1,2})[日号])?(上旬|中旬|下旬|初|底|末)?"
    r"(凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚|夜间|深夜)?(?:(\d{1,2})[时点:：](?:(\d{1,2})分?|半)?)?"
    r"(许|左右|前后|前|起|之前|以前|后)?$"
)
_PART_OF_MONTH = {"上旬": "early", "中旬": "mid", "下旬": "late", "初": "early", "底": "late", "末": "late"}
_AFTERNOON = frozenset({"下午", "傍晚", "晚上", "晚", "夜间", "深夜"})
_NIGHT = frozenset({"晚上", "晚", "夜间", "深夜"})
_SUFFIX = {"许": "about", "左右": "about", "前后": "about", "前": "before", "之前": "before", "以前": "before",
           "起": "from", "后": "after"}  # fmt: skip
_FIGURE = re.compile(r"^" + _ABOUT + r"(\d+(?:\.\d+)?)(万|亿|千万|百万)?(多|余)?([^\d]*)$")
_SCALE = {"万": 1e4, "亿": 1e8, "千万": 1e7, "百万": 1e6}
_UNITS = {
    "元": "yuan", "人民币": "yuan", "美元": "US dollars", "港元": "Hong Kong dollars", "港币": "Hong Kong dollars",
    "澳门元": "patacas", "澳门币": "patacas", "新台币": "New Taiwan dollars", "欧元": "euros", "日元": "yen",
    "人": "people", "名": "people", "人次": "visits", "辆": "vehicles", "辆次": "vehicle trips", "吨": "tonnes",
    "公里": "km", "千米": "km", "米": "m", "平方公里": "km²", "平方米": "m²", "亩": "mu", "公顷": "hectares",
    "户": "households", "家": "companies", "所": "schools", "项": "projects", "起": "cases",
    "岁": "years old", "年": "years", "天": "days", "小时": "hours", "分钟": "minutes", "%": "%", "％": "%",
    "个百分点": "percentage points", "倍": "times", "毫米": "mm",
}  # fmt: skip
_ABOUT_EN = {"约": "about", "大约": "about", "近": "nearly", "逾": "over", "超过": "over", "超": "over", "仅": "only"}


def gloss(answer: str, kind: str) -> str | None:
    """The answer in English words where it is a date or time (kind "when") or a figure with a known unit (kind
    "number"); None otherwise."""
    text = to_simplified(answer.strip())
    said = _date(text) if kind == "when" else _figure(text) if kind == "number" else None
    return said if said != text else None  # 80.4% reads as it is


_DAYTIME = {"凌晨": "before dawn", "清晨": "early morning", "早上": "morning", "早晨": "morning", "上午": "morning",
            "中午": "noon", "下午": "afternoon", "傍晚": "evening", "晚上": "evening", "晚": "evening",
            "夜间": "night", "深夜": "late night"}  # fmt: skip


def _date(text: str) -> str | None:
    """A date, a part of a month or of a day, a clock time, or several of these (5月6日上午9时), in English."""
    m = _DATE.match(text)
    if m is None or not any(m.group(i) for i in (3, 4, 7)):
        return None  # a year alone (2026年) reads as it is
    about, year, month, day, part, daytime, hour, minute, suffix = m.groups()
    if (day and not month) or (month and not 1 <= int(month) <= 12) or (day and not 1 <= int(day) <= 31):
        return None  # 20日 alone: no month to name
    out = ""
    if month:
        name = calendar.month_name[int(month)]
        out = f"{_PART_OF_MONTH[part]} {name}" if part else f"{name} {int(day)}" if day else name
    if year:
        out = f"{out}, {year}" if day else f"{out} {year}".strip()
    if hour:
        h, mins = int(hour), int(minute) if minute else (30 if "半" in text else 0)
        if h > 24 or mins > 59 or (h == 24 and mins):
            return None
        pm = h >= 12 or (daytime in _AFTERNOON and h > 0)
        clock = f"{(h - 1) % 12 + 1}:{mins:02d} {'p.m.' if pm else 'a.m.'}"
        if (h == 24 or (h == 12 and daytime in _NIGHT)) and not mins:  # 24时, 晚上12点: the midnight ending the day
            clock = "midnight"
        out = f"{out}, {clock}" if out else clock
    elif daytime:
        out = f"{out}, {_DAYTIME[daytime]}" if out else _DAYTIME[daytime]
    lead = _ABOUT_EN.get(about or "") or _SUFFIX.get(suffix or "")
    return f"{lead} {out}" if lead else out


def _figure(text: str) -> str | None:
    """A figure with its scale (万 / 亿) and a unit of _UNITS (58.36亿元, 约1.6万人), in English."""
    m = _FIGURE.match(text)
    if m is None or m.group(5) not in _UNITS:
        return None
    about, number, scale, more, unit = m.groups()
    value = float(number) * _SCALE.get(scale or "", 1)
    if unit == "年" and value >= 1000:
        return None  # 2025年 is a year, not 2,025 years
    if value >= 1e9:
        spoken = f"{_trim(value / 1e9)} billion"
    elif value >= 1e6:
        spoken = f"{_trim(value / 1e6)} million"
    else:
        spoken = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0").rstrip(".")
    words = _UNITS[unit]
    lead = "over" if more else _ABOUT_EN.get(about or "")
    figure = f"{spoken}%" if words == "%" else f"{spoken} {words}"
    return f"{lead} {figure}" if lead else figure


def _trim(value: float) -> str:
    """A value in millions or billions with at most three decimals, no trailing zeros (928.6, 5.836, 1.2)."""
    return f"{value:.3f}".rstrip("0").rstrip(".")
