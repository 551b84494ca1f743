"""Verification of a model's answer against the passages it was shown: verbatim quotes, key content, support.

A model answer reaches a user only when (1) every quote occurs in a passage the model cited, after matching
normalisation (NFKC, case, whitespace and punctuation ignored, Traditional folded to Simplified); the evidence shown
is then the article's own sentences around each match, never the model's copy; (2) no quoted sentence looks like
an instruction aimed at a model (a prompt injection in an article); (3) every number (with its unit), date and
name of the answer occurs in those sentences or the cited articles' title · outlet · date, numbers compared by
value (3.76万 = 37,600); (4) each sentence of the answer shares most of its content with the evidence; (5) the
cited passages cover the question's own terms, the quoted sentences themselves when the extractive reader found no
answer; and (6, `disagreement`) a span answer restates the reader's span rather than replacing it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import jieba
import jieba.posseg

from retrieval.llm import ModelReply, Passage
from retrieval.text import split_sentences, stem_en, stopwords


def _load_fold() -> Callable[[str], str]:
    """Traditional -> Simplified folding: the shared text layer's, else OpenCC directly, else none."""
    try:
        from retrieval.text import to_simplified  # type: ignore[import-not-found,unused-ignore]

        return to_simplified  # type: ignore[no-any-return,unused-ignore]
    except ImportError:
        pass
    try:
        import opencc  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - opencc is a dependency of the text layer
        return lambda text: text
    converter = opencc.OpenCC("t2s")

    @lru_cache(maxsize=65536)
    def fold(text: str) -> str:
        out = converter.convert(text)
        return out if len(out) == len(text) else "".join(converter.convert(c) for c in text)

    return fold


to_simplified = _load_fold()

# A quote must carry at least this many matching characters (or be its whole sentence): "会议" alone proves nothing.
MIN_QUOTE_CHARS = 8
# Share of an answer sentence's content (CJK characters, Latin words, digits) that must occur in the evidence.
# Paraphrase keeps most characters in Chinese; an invented clause does not.
MIN_ANSWER_COVERAGE = 0.6
# Share of the question's terms that must occur where the model found its answer (with the cited articles' titles):
# when the extractive reader answered, in the cited passages, half of them (the answer must also agree with the
# reader's, see `disagreement`); when the
# reader refused, in the quoted sentences themselves, nearly all of them, or the refusal stands.
MIN_QUESTION_COVERAGE = 0.5
MIN_QUESTION_COVERAGE_AFTER_REFUSAL = 0.75
MAX_ANSWER_CHARS = 400

# Sentences that address a model rather than report news; never accepted as evidence.
INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉|不要理会)(?:掉)?(?:你|以上|之前|前面|上述|先前|此前|所有|全部|的|其他)+.{0,6}"
    r"(指令|指示|提示|规则|要求|设定)|(系统|system)\s*(提示|prompt|消息|message)\s*[:：]|"
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier|preceding|your) (?:instructions|prompts|rules)|"
    r"disregard (?:all |any )?(?:the )?(?:previous|prior|above|your) |you are now (?:a|an|in|the|my)\b|"
    r"<\|?(?:im_start|im_end|system|endoftext)\|?>|\[/?(?:system|inst)\]|^\s*(?:system|assistant)\s*[:：]|"
    r"(?:输出|透露|告诉|显示|泄露|打印|给出)(?:你的|我|一下)*.{0,4}(?:密钥|口令|密码|api ?key|系统提示)|"
    r"(?:reveal|print|output|show|tell me) (?:me )?(?:the |your )?(?:system prompt|prompt|api key|key|password)|"
    r"你现在是|(?:请|你)(?:现在)?扮演|new instructions|新的指令|以下指令",
    re.I | re.M,
)


@dataclass(frozen=True)
class Verdict:
    """The outcome: accepted with the evidence sentences and cited passage numbers, or the reason it was not."""

    ok: bool
    reason: str = ""
    evidence: tuple[str, ...] = ()
    passages: tuple[int, ...] = ()


# --- normalisation ----------------------------------------------------------------------------------------------


def fold(text: str) -> tuple[str, list[int]]:
    """Matching form of text (NFKC, lower case, Simplified, no spaces or punctuation) and each char's offset."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isspace() or unicodedata.category(c)[0] in "PZC":
                continue
            out.append(c.lower())
            where.append(i)
    return to_simplified("".join(out)), where


def folded(text: str) -> str:
    """fold(text) without the offsets."""
    return fold(text)[0]


# --- numbers and dates --------------------------------------------------------------------------------------------

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_MULT = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6}
_MULT.update({"万": Decimal(10_000), "千": Decimal(1000), "百": Decimal(100)})
_MULT.update({"thousand": Decimal(1000), "million": Decimal(10) ** 6, "billion": Decimal(10) ** 9})
_MULT.update({"trillion": Decimal(10) ** 12, "bn": Decimal(10) ** 9})
_MONTHS = {
    m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
}

_DATE_PATTERNS = [
    re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*[日号])?"),
    re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"),
    re.compile(r"(?<!\d)(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"),
    re.compile(r"(?P<mon>[A-Z][a-z]{2,8})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{4}))?"),
    re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?P<mon>[A-Z][a-z]{2,8})\.?(?:,?\s+(?P<y>\d{4}))?"),
]
_NUMBER = re.compile(
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?|\d*\.\d+|[零〇一二两三四五六七八九十百千万亿]{2,}|[一二两三四五六七八九十](?=[名人次年天家项位条种亿万千百元岁场届]))"
    r"\s*(?P<mult>万亿|亿|千万|百万|万|千|百|thousand|million|billion|trillion|bn)?\s*"
    r"(?P<unit>%|％|‰|(?:km|kg|cm|mm|m|g|t|mw|gw|kwh|usd|eur|rmb|yuan|dollars?|euros?|percent|people|tons?|tonnes?|"
    r"miles?|years?)\b|[\u4e00-\u9fff])?",
    re.I,
)
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百千万亿]+")


@dataclass(frozen=True)
class Quantity:
    """A number by value, with the unit written after it (empty when none)."""

    value: Decimal
    unit: str


def _chinese_number(text: str) -> Decimal | None:
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        elif ch in _CN_BIG:
            total = (total + section + digit) * _CN_BIG[ch]
            section, digit = 0, 0
        else:
            return None
    if all(c in _CN_DIGITS for c in text) and len(text) > 1:  # 二〇二二: digit by digit
        return Decimal("".join(str(_CN_DIGITS[c]) for c in text))
    return Decimal(total + section + digit)


def dates(text: str) -> tuple[list[tuple[int | None, int | None, int | None]], str]:
    """(year, month, day) of every date in text, and the text with those dates blanked out."""
    found: list[tuple[int | None, int | None, int | None]] = []
    for pattern in _DATE_PATTERNS:

        def take(m: re.Match[str]) -> str:
            groups = m.groupdict()
            if "mon" in groups:
                month = _MONTHS.get(groups["mon"][:3].lower())
                if month is None:
                    return m.group(0)
            else:
                month = int(groups["m"])
            year = int(groups["y"]) if groups.get("y") else None
            day = int(groups["d"]) if groups.get("d") else None
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                return m.group(0)
            found.append((year, month, day))
            return " " * len(m.group(0))

        text = pattern.sub(take, text)
    return found, text


def quantities(text: str) -> list[Quantity]:
    """Every number in text by value (3.76万 -> 37600, 二十 -> 20), with the unit after it; dates excluded."""
    _, rest = dates(text)
    out: list[Quantity] = []
    for m in _NUMBER.finditer(rest):
        raw = m.group("num")
        try:
            value = Decimal(raw.replace(",", "")) if re.match(r"[\d.]", raw) else _chinese_number(raw)
        except InvalidOperation:
            continue
        if value is None:
            continue
        mult = (m.group("mult") or "").lower()
        if mult:
            value *= _MULT[mult]
        unit = (m.group("unit") or "").lower().replace("％", "%").replace("percent", "%")
        unit = "" if unit in _CJK_STOP else unit
        out.append(Quantity(value.normalize(), unit))
    return out


def _same_date(a: tuple[int | None, int | None, int | None], b: tuple[int | None, int | None, int | None]) -> bool:
    return all(x is None or y is None or x == y for x, y in zip(a, b, strict=True)) and a[1] == b[1]


# --- names and content ---------------------------------------------------------------------------------------------

_NAME_TAGS = ("nr", "ns", "nt", "nz", "nrt", "nrfg")
_LATIN_NAME = re.compile(r"\b[A-Z][A-Za-z&'.-]*[A-Za-z]\b|\b[A-Z]{2,}\b")
# What an answer claims leaves out function characters and common English words (the one stopword list).
_CJK_STOP = frozenset(w for w in stopwords("function") if not w.isascii())
_LATIN_COMMON = frozenset(w for w in stopwords("function") if w.isascii())
_QUESTION_WORDS = stopwords("verify")
_URL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+", re.I)


def names(text: str) -> list[str]:
    """Proper names of an answer: jieba's person/place/organisation tags (2+ chars) and capitalised Latin words."""
    out = [w for w, flag in jieba.posseg.cut(text) if flag in _NAME_TAGS and len(w.strip()) >= 2]
    out += [w for w in _LATIN_NAME.findall(text) if w.lower() not in _LATIN_COMMON]
    out += _URL.findall(text)
    return out


def content_units(text: str) -> list[str]:
    """What an answer says, as units to find in the evidence: CJK characters (not function ones), Latin words.

    Numbers are left out: they are compared by value in the key-content check (12,000,000 = 12 million).
    """
    plain = to_simplified(unicodedata.normalize("NFKC", text).lower())
    units = [c for c in plain if "\u4e00" <= c <= "\u9fff" and c not in _CJK_STOP]
    units += [w for w in re.findall(r"[a-z]{3,}", plain) if w not in _LATIN_COMMON]
    return units


def _present(unit: str, support: str) -> bool:
    if unit in support:
        return True
    return len(unit) > 4 and unit.isascii() and stem_en(unit) in support  # an inflected form: increased / increases


def coverage(units: list[str], support: str) -> float:
    """Share of units (weighted by length) present in the folded support text; 1.0 when there are none."""
    total = sum(len(u) for u in units)
    if not total:
        return 1.0
    return sum(len(u) for u in units if _present(u, support)) / total


_INTERROGATIVE = re.compile(
    "|".join(
        sorted(
            re.findall(
                r"\S+",
                "什么时候 什么样 怎么样 多大 是谁 是什么 是多少 是哪 是几 是何 什么 哪些 哪个 哪里 哪儿 "
                "哪天 哪年 哪位 哪家 哪 多少 几 谁 "
                "何时 何地 为何 为什么 怎么 怎样 如何 是否 吗 呢 请问",
            ),
            key=len,
            reverse=True,
        )
    )
)


def question_terms(question: str) -> list[str]:
    """The question's content terms: jieba words (2+ characters) and Latin words, question words removed first
    (so that 广东省长是谁 gives 广东省, not a stray 长是)."""
    text = _INTERROGATIVE.sub(" ", to_simplified(unicodedata.normalize("NFKC", question)))
    out: list[str] = []
    for w in jieba.cut(text):
        w = w.strip().lower()
        if not w or w in _QUESTION_WORDS or not any(c.isalnum() for c in w):
            continue
        if w.isascii():
            if len(w) >= 3 and w not in _LATIN_COMMON:
                out.append(folded(w))
        elif len(w) >= 2 or w.isdigit():
            out.append(folded(w))
    return out


# --- the check --------------------------------------------------------------------------------------------------


def _sentences_at(text: str, start: int, end: int) -> list[str]:
    """The whole sentences of text that overlap [start, end)."""
    return [text[s:e].strip() for s, e in split_sentences(text) if s < end and e > start and text[s:e].strip()]


def locate(quote: str, passage: Passage) -> list[str] | None:
    """The passage's own sentences that hold the quote (after matching normalisation), or None."""
    target = folded(quote)
    for text in (passage.text, passage.title):
        f, where = fold(text)
        pos = f.find(target) if target else -1
        if pos < 0:
            continue
        found = _sentences_at(text, where[pos], where[pos + len(target) - 1] + 1)
        whole = sum(len(folded(s)) for s in found)
        if len(target) >= min(MIN_QUOTE_CHARS, whole):
            return found
    return None


def verify(question: str, reply: ModelReply, passages: list[Passage], *, extractive_answered: bool) -> Verdict:
    """Accept the model's answer only when the articles support it (see the module docstring)."""
    if not reply.answerable or not reply.answer.strip():
        return Verdict(False, "the model found no answer in the passages")
    if len(reply.answer) > MAX_ANSWER_CHARS:
        return Verdict(False, f"the answer is longer than {MAX_ANSWER_CHARS} characters")
    by_number = {p.number: p for p in passages}
    cited = [by_number[n] for n in dict.fromkeys(reply.passages) if n in by_number]
    if not cited:
        return Verdict(False, "the model cited no passage it was shown")
    if not reply.quotes:
        return Verdict(False, "the model quoted no sentence")
    evidence: list[str] = []
    used: list[int] = []
    for quote in reply.quotes:
        hit = next(((p, s) for p in cited if (s := locate(quote, p)) is not None), None)
        if hit is None:
            return Verdict(False, f"quote not found in the cited passages: {quote[:60]!r}")
        passage, sentences = hit
        if passage.number not in used:
            used.append(passage.number)
        evidence.extend(s for s in sentences if s not in evidence)
    injected = next((s for s in evidence if INJECTION.search(s) or INJECTION.search(folded(s))), None)
    if injected is not None:
        return Verdict(False, f"a quoted sentence reads like an instruction to a model: {injected[:60]!r}")

    headers = " ".join(by_number[n].header() for n in used)
    support_text = " ".join(evidence) + " " + headers
    support = folded(support_text)
    problem = key_content_problem(reply.answer, support_text)
    if problem:
        return Verdict(False, problem)
    for part in split_sentences(reply.answer):
        sentence = reply.answer[part[0] : part[1]]
        share = coverage(content_units(sentence), support)
        if share < MIN_ANSWER_COVERAGE:
            return Verdict(
                False, f"the answer says more than the evidence ({share:.0%} of it found): {sentence[:60]!r}"
            )
    # What must carry the question: the cited passages when the reader answered (a quoted clause may leave its
    # subject in the sentence before), the quoted sentences themselves when the reader refused.
    if extractive_answered:
        context = folded(" ".join(by_number[n].text for n in used) + " " + headers)
        needed = MIN_QUESTION_COVERAGE
    else:
        context, needed = support, MIN_QUESTION_COVERAGE_AFTER_REFUSAL
    terms = question_terms(question)
    share = sum(1 for t in terms if _present(t, context)) / len(terms) if terms else 1.0
    if share < needed:
        return Verdict(False, f"the evidence covers {share:.0%} of the question's terms (needs {needed:.0%})")
    return Verdict(True, evidence=tuple(evidence), passages=tuple(used))


def key_content_problem(answer: str, support_text: str) -> str:
    """Why the answer's numbers, dates or names are not in the evidence; empty when they all are."""
    support = folded(support_text)
    have_dates, _ = dates(support_text)
    want_dates, _ = dates(answer)
    for d in want_dates:
        if not any(_same_date(d, h) for h in have_dates):
            return f"date {d} not in the evidence"
    have = quantities(support_text)
    have_years = {Decimal(y) for y, _, _ in have_dates if y is not None}
    for q in quantities(answer):
        ok = any(h.value == q.value and (not q.unit or not h.unit or h.unit == q.unit) for h in have) or (
            q.value in have_years and q.unit in ("", "年")
        )
        if not ok:
            return f"number {q.value}{q.unit} not in the evidence"
    for name in names(answer):
        if folded(name) not in support:
            return f"name {name!r} not in the evidence"
    return ""


# --- agreement with the extractive reader -------------------------------------------------------------------------

# Question kinds whose answer the reader extracts as a span (a name, date, place, number, organisation, title,
# list, the thing a what/which question asks for): when the reader answers, the model may restate, trim or
# complete that span (3.76万 -> 37,600, a name without its office) but not replace it with other words from the
# passages. Only why/how/yes-no/other answers, which the reader can give only as a whole sentence, may differ.
# Measured with benchmarks/llm.py --liar (a model that always answers with a clause of a relevant sentence) and
# --oracle (gold answers, well quoted): README "Generative answers".
SPAN_KINDS = frozenset({"who", "when", "where", "number", "org", "title", "list", "which", "what"})
_TIME_WORD = re.compile(
    r"\d|[年月日号天周时点分秒前后初末底晚早午夜旬季]|星期|今天|昨天|明天|"
    r"\b(?:today|yesterday|tomorrow|morning|afternoon|evening|night|week|month|year|day|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|spring|summer|autumn|fall|winter)\b",
    re.I,
)


def disagreement(kind: str, model_answer: str, reader_answer: str, reader_answered: bool) -> str:
    """Why a model answer does not fit the question's kind or the reader's typed answer; empty when it does."""
    if kind == "number" and not quantities(model_answer):
        return "a number question answered without a number"
    if kind == "when" and not (dates(model_answer)[0] or _TIME_WORD.search(model_answer)):
        return "a when question answered without a time"
    if not reader_answered or kind not in SPAN_KINDS or not reader_answer.strip():
        return ""
    mine, theirs = quantities(model_answer), quantities(reader_answer)
    if kind == "number" and theirs and not any(m.value == t.value for m in mine for t in theirs):
        return f"the number differs from the reader's answer {reader_answer[:40]!r}"
    mine_d, theirs_d = dates(model_answer)[0], dates(reader_answer)[0]
    if kind == "when" and theirs_d and not any(_same_date(m, t) or _same_date(t, m) for m in mine_d for t in theirs_d):
        return f"the date differs from the reader's answer {reader_answer[:40]!r}"
    a, b = content_units(model_answer), content_units(reader_answer)
    if a and b and max(coverage(a, folded(reader_answer)), coverage(b, folded(model_answer))) < 0.5:
        return f"the answer differs from the reader's answer {reader_answer[:40]!r}"
    mine_len, theirs_len = len(folded(model_answer)), len(folded(reader_answer))
    if mine_len > max(2 * theirs_len, theirs_len + 10):  # the direct answer, not the sentence around it
        return f"the answer is much longer than the reader's {reader_answer[:40]!r}"
    return ""
