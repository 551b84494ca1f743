"""What a number question measures (money, a duration, an age, an area, a length, a weight, a share) and what an
answer's unit measures: 预算是多少？ is not answered with 9公里, nor 打了多长时间？ with 5场.

The span reader and the trees score spans by their words and their place in the sentence; a figure of another kind
in the same sentence often scores as well as the one asked. A unit names its measure, so the two can be compared
without any model: a question whose measure is known is not answered with a figure whose unit measures something
else.
"""

from __future__ import annotations

import re
from itertools import accumulate

from retrieval.dates import is_date_only
from retrieval.questions import tokens
from retrieval.text import to_simplified

# The question's words for each measure (Simplified). A question may name several (花了多少钱、多长时间): then none is
# asked, as the answer may be either.
_ASKED = {
    "money": r"多少钱|几块钱|多少块|几块|多少元|几元|金额|资金|投资额|营收|营业收入|收入|利润|净利|预算|薪|工资"
    r"|费用|成本|价格|售价|票价|房价|罚款|罚金|赔偿|索赔|赔了|奖金|市值|融资|估值|销售额|营业额|税收|补贴|贷款"
    r"|造价|经费|捐款|GDP|总值|产值|总额|身价|转会费",
    "duration": r"多长时间|多久|多少时间|几个小时|多少小时|几小时|多少分钟|几分钟|多少天|几天|时长|用时|历时|耗时"
    r"|工期|任期",
    "age": r"几岁|多少岁|多大年纪|年龄|年纪|岁数|享年",
    "area": r"面积|多少平方|多少亩|多少公顷",
    "length": r"多长(?!时间)|多远|长度|距离|里程|全长|多高|高度|海拔|多深|深度|多宽|宽度|幅宽|直径|半径",
    "weight": r"多重|重量|多少公斤|多少吨|多少克|几吨|几公斤|质量是多少",
    "share": r"比例|占比|百分之|百分比|增长率|增速|增幅|降幅|涨幅|跌幅|利率|税率|失业率|通胀率|覆盖率|率是多少|几成",
}
_ASKED_RE = {measure: re.compile(words) for measure, words in _ASKED.items()}
# A count asked (多少人, 几家, 多少次): the measure words elsewhere in the question qualify what is counted (获得补贴的
# 农户有多少户？, 年龄在60岁以上的老人有多少人？), so no measure is asked.
_COUNT_ASKED = re.compile(r"(?:多少|几)[个名位人户家次座条项所件台辆架艘部本场届种只头批例起颗]")
# A change asked (增长多少, 上涨了多少): a share answers it whatever the measure changed (营收增长12.5%).
_CHANGE = re.compile(r"增长|增加|上涨|上升|提高|提升|下降|下跌|减少|降低|回落|涨|跌|增幅|降幅|涨幅|跌幅|同比|环比")
# Another measure that answers a question of this one in news: 多远 in minutes (30分钟车程).
_ALSO = {"length": {"duration"}}  # 多远: 30分钟车程

# An answer's unit (Simplified), read at the end of its figure. "count" is a counted thing (5场, 3名); it answers no
# measure above, which all ask for a quantity of something continuous.
_UNITS = {
    "money": r"元|圆|块钱|美元|欧元|英镑|日元|日圆|日币|人民币|港元|港币|美金|镑|卢布|韩元|新台币|台币|法郎|马克",
    "duration": r"秒钟|秒|分钟|个小时|小时|个钟头|个星期|个世纪|天|日|周年|周|星期|个月|月|年|世纪",
    "age": r"周岁|岁",
    "area": r"平方公里|平方千米|平方米|平方英里|平方公尺|亩|公顷|顷",
    "length": r"公里|千米|厘米|毫米|米|公尺|公分|英里|英尺|英寸|里|海里|光年",
    "weight": r"公斤|千克|克|吨|斤|磅|盎司",
    "share": r"%|％|个百分点",
    "count": r"个|名|位|人次|人|家|座|条|项|种|场|架次|车次|班次|次|届|所|件|台|辆|架|艘|部|本|首|集|户|间|栋|只|头"
    r"|匹|套|份|例|起|枚|趟|支|队|组|批|颗|株|棵",
}
_FIGURE = r"(?:\d+(?:[.,，．]\d+)*|[零〇一二三四五六七八九十百千万亿两半几多]+)"  # ． kept as written: 3．5
_UNIT_RE = {
    measure: re.compile(rf"{_FIGURE}(?:多|余)?(?:[万亿千百]+)?(?:多|余)?(?:{units})")
    for measure, units in _UNITS.items()
}
_UNIT_RE["share"] = re.compile(
    rf"{_UNIT_RE['share'].pattern}|[一二两三四五六七八九十]成[一二三四五六七八九]?"
)  # 三成, 二成五
# 10个工作日 is a duration too; not a unit word of UNITS, so that 多少个工作日？ still takes its kind's word
# (shapes.with_the_kind_asked).
_UNIT_RE["duration"] = re.compile(_UNIT_RE["duration"].pattern.replace("(?:秒钟", "(?:个工作日|工作日|秒钟"))
UNITS = frozenset(u for units in _UNITS.values() for u in units.split("|"))  # every unit word above
# An answer holding a date (2019年, 3月, 5日) is not read: its 年/月/日 are the calendar's, not a duration's.
_CALENDAR = re.compile(r"(?:\d{4}年|\d{1,2}月(?!份?以来)|\d{1,2}日)")


def asked_measure(question: str) -> str | None:
    """The one measure a number question asks for (营收多少？ -> money), or None."""
    q = to_simplified(question)
    if _COUNT_ASKED.search(q):
        return None
    found = [measure for measure, words in _ASKED_RE.items() if words.search(q)]
    return found[0] if len(found) == 1 else None


_NOT_A_DAY_OR_PERSON = re.compile(r"日[元圆币]|人民币")  # 日 of 日元, 人 of 人民币


def answer_measure(answer: str) -> str | None:
    """The measure of a short answer (at most 24 characters) whose figures all measure one thing (41.2亿元 -> money,
    5场 -> count, 35.1% -> share, 三期工程将延伸约9公里 -> length); None for anything else (a longer clause, a date,
    figures of different measures, a bare number)."""
    a = to_simplified(answer).strip()
    if len(a) > 24 or _CALENDAR.search(a):
        return None
    found = {measure for measure, unit in _UNIT_RE.items() if unit.search(a)}
    if "area" in found:
        found.discard("length")  # 平方公里 holds 公里
    if len(found) > 1:
        found.discard("count")  # 6个小时 is a duration: its 个 counts hours
    if "money" in found and _NOT_A_DAY_OR_PERSON.search(a):
        found -= {"duration", "count"}  # the 日 of 日元 is no day, the 人 of 人民币 no person
    if "age" in found:
        found.discard("duration")  # 周岁 holds 岁 only, but 岁 and 年 can stand together (3年零5岁)
    return found.pop() if len(found) == 1 else None


# A count asked of things (几班车, 多少家): the classifier is not a unit's first character (几个小时 asks a duration).
_THINGS_COUNTED = re.compile(
    r"(?:多少|几)(?:个|名|位|人|户|家|次|座|条|项|所|件|台|辆|架|艘|部|本|场|届|种|只|头|批|例|起|颗|班|趟|列|间|栋|套|份"
    r"|支|队|组|枚)(?!小时|钟头|月|星期|世纪|百分点|平方|立方|工作日|年头|周末|礼拜|季度|学期|日夜)"
)
_THINGS = "台|辆|架次|架|艘|座|部|颗|枚|栋|间|套|趟"  # classifiers of things, not people
# A count of people asked (多少扑火人员, 几名游客, 多少人) and an answer counting things (310余台, 42架次): not people.
_PEOPLE_COUNTED = re.compile(
    rf"(?:多少|几)(?!{_THINGS})(?:名|位|个)?[\u4e00-\u9fff]{{0,4}}?(?:人员|人(?!口|机|行|驾)|者|员工|居民|村民"
    r"|市民|游客|旅客|乘客|学生|患者|职工|工人"
    r"|选手|跑手|队员|民警|官兵|志愿者)"
)
_THINGS_UNIT = re.compile(rf"^(?:约|近|逾|超过)?{_FIGURE}(?:多|余)?(?:[万亿千百]+)?(?:多|余)?(?:{_THINGS})$")
_CONTINUOUS = frozenset({"money", "duration", "age", "area", "length", "weight"})


def mismatched(question: str, answer: str) -> bool:
    """Whether the question asks one measure and the answer, one figure, gives another (预算 -> 9公里), or asks a count
    of things and the answer measures a quantity (几班车 -> 45分钟; none of the shared data's 102 such questions has
    a gold of a quantity)."""
    asked = asked_measure(question)
    if asked is None:
        q = to_simplified(question)
        if any(words.search(q) for words in _ASKED_RE.values()):
            return False  # 几个人花了多少钱？: a measure is asked beside the count
        if _PEOPLE_COUNTED.search(q) and _THINGS_UNIT.search(to_simplified(answer)):
            return True  # 多少扑火人员 -> 310余台
        return _THINGS_COUNTED.search(q) is not None and answer_measure(answer) in _CONTINUOUS
    given = answer_measure(answer)
    if asked == "duration" and given is None and _DATE.search(to_simplified(answer)):
        return not _AGO.search(to_simplified(question))  # 多久能退款 -> 7月31日前; 多久以前 asks a date
    if not _another_measure(asked, given):
        return False
    return not (given == "share" and _CHANGE.search(to_simplified(question)))


_AGO = re.compile(r"(?:多久|多少年)(?:以前|之前|前)")


def differs(measure: str, answer: str) -> bool:
    """Whether a short answer's unit measures something other than the measure named ("count": a count of things,
    which no quantity answers): 1.8米 for weight, 22.6公里 for a count of stations. False where the unit is unknown."""
    given = answer_measure(answer)
    if measure == "count":
        return given in _CONTINUOUS
    if measure == "age" and given == "duration":
        return False  # how old is the temple: 800多年 (几岁？ in Chinese asks a person's age: measures.mismatched)
    return _another_measure(measure, given)


def _another_measure(asked: str, given: str | None) -> bool:
    """Whether an answer's measure (None: unknown) is another than the one asked and not one that also answers it."""
    return given is not None and given != asked and given not in _ALSO.get(asked, ())


_FIGURE_HELD = re.compile(
    r"\d|第[零〇一二两三四五六七八九十百千]+|一半|[一二两三四五六七八九十]成|[零〇一二两三四五六七八九十百千万亿]+(?:多|余)?"
    r"(?:分之|兑|[万亿千百类层倍品区级号省间光]|" + "|".join(sorted(UNITS - {"起"}, key=len, reverse=True)) + ")"
)


def has_figure(answer: str) -> bool:
    """Whether the answer holds a figure: a digit, or a numeral counting something (两类, 五分之四, 第三区); not the
    numerals of words (一起, 统一, 千万, 老百姓)."""
    return _FIGURE_HELD.search(to_simplified(answer)) is not None


def is_figure(answer: str) -> bool:
    """Whether the answer is one figure with its unit and nothing else (12人, 3.5亿元): no answer to "who"."""
    a = to_simplified(answer).strip()
    return any(unit.fullmatch(a) for unit in _UNIT_RE.values())


# A unit written right after a figure: any measure's, or a currency of up to two more characters (澳门元, 新台币).
_ANY_UNIT = re.compile(
    r"(?:[万亿千百]*)(?:[\u4e00-\u9fff]{0,2}?(?:元|币)|" + "|".join(sorted(UNITS, key=len, reverse=True)) + ")"
)
_ENDS_IN_FIGURE = re.compile(r"(?:\d|[万亿千百])$")


def _figure_at(answer: str, sentence: str) -> int:
    """Where an answer stands in its sentence, not inside a longer figure (8 of "3月18日，历时8个月" is the second 8);
    -1 where it is not there."""
    if not answer[:1].isdigit():
        return sentence.find(answer)
    after = r"(?!\d)" if answer[-1].isdigit() else ""  # 1 of "12人受伤，其中1人死亡" is the second
    found = re.search(rf"(?<![\d.,．，A-Za-z]){re.escape(answer)}{after}", sentence)  # not 20 of G20, 5 of 3．5
    return found.start() if found else sentence.find(answer)


def with_its_unit(question: str, answer: str, sentence: str) -> str | None:
    """The answer with the unit its figure is written with, where the answer stops before it (今年预算是多少？ ->
    1,350萬 of "1,350萬澳門元" is 1,350萬澳門元); None where the answer does not end in a figure, the sentence writes no
    unit after it, or the question writes that unit itself (多少美元？ 1,200 stays, as the shared data's golds do).
    The answer is read where it stands as a figure of its own (_figure_at)."""
    if not _ENDS_IN_FIGURE.search(to_simplified(answer)):
        return None
    at = _figure_at(answer, sentence)
    if at < 0:
        return None
    unit = _ANY_UNIT.match(to_simplified(sentence[at + len(answer) : at + len(answer) + 6]))
    if unit is None:
        return None
    asked = to_simplified(question).replace("百分之", "%")
    if unit.group(0) in asked:
        return None
    return sentence[at : at + len(answer) + unit.end()]


# Written before a figure, a word that changes what it says (不足300头 is fewer than 300): kept with the answer. 约
# (about) is left as the reader chose it: the shared data's golds drop it as often as they keep it.
_QUALIFIERS = "不足|不到|逾|超过|将近|近|至少|多达|高达|超"
_QUALIFIER = re.compile(rf"(?:{_QUALIFIERS})$")


def with_its_qualifier(answer: str, sentence: str) -> str | None:
    """The answer with the word before its figure that qualifies it (300头 of "不足300头" is 不足300头); None where
    the answer does not open with a figure or nothing qualifies it."""
    if not any(unit.match(to_simplified(answer)) for unit in _UNIT_RE.values()):
        return None  # a figure with its unit or classifier: not 3号出口
    at = _figure_at(answer, sentence)
    if at < 0:
        return None
    before = _QUALIFIER.search(to_simplified(sentence[max(0, at - 3) : at]))
    if before is None or to_simplified(sentence[max(0, at - 3) : at]).endswith(_NOT_QUALIFIED):
        return None
    return sentence[at - len(before.group(0)) : at + len(answer)]


_NOT_QUALIFIED = ("靠近", "接近", "最近", "附近", "赶超")  # 靠近3号楼, 最近一家: 近 and 超 of another word


_DURATION_ONLY = re.compile(rf"(?:约|近)?{_FIGURE}(?:多|余)?(?:天|个小时|小时|分钟|秒|个月|个星期|周)")


def is_duration(answer: str) -> bool:
    """Whether the answer is a length of time alone (12天, 3个月): no answer to "when" (哪天闭幕？)."""
    return bool(_DURATION_ONLY.fullmatch(to_simplified(answer).strip()))


_NUMBER_ASKED = re.compile(r"多少|几|多久|多长|多高|多远|多深|多宽|多重|多大")
_RANGE_BEFORE = re.compile(r"[至到\-—~～]$")


def the_measure_asked(question: str, answer: str) -> str | None:
    """For a number question whose measure is known (恢复率是多少？), the one figure of that measure in a clause
    answer (截至5日，已恢复3.2万户，恢复率达91% -> 91%); None where the answer holds none or several, or is that
    figure already. Asked by 多少 / 几 or by 多久 / 多高 / 多长 / 多大 …, not 多久以前 (a date). Not for which-questions
    (哪一种疾病占百分之三十？), an end of a range (400米至800米), a grade (5000吨级), a figure run on by another
    (3万3250美元, 1米93), a day of a date (7月31日 is no duration) or a unit other than the one the question writes. The
    words that qualify the figure stay (约, 不足, 新台币; 两成不到). Given the whole gold sentence of the shared data's
    number questions of a known measure, it fires 45 times: 40 times it holds the gold; the rest a figure the gold
    gives with its clause (总面积为1.44平方公里, 生长于海拔1,750米的地区; 22 fires, 20 holding it, with 多少 / 几
    alone)."""
    q = to_simplified(question)
    measure = asked_measure(q)
    if measure is None or not _NUMBER_ASKED.search(q) or "哪" in q or _AGO.search(q):
        return None
    folded = to_simplified(answer)
    compounds = [c.span() for c in _COMPOUND.finditer(folded)]  # 5分30秒, 4小时20分钟, 1米93: one figure each
    spans: list[tuple[int, int]] = []
    for f in _UNIT_RE[measure].finditer(folded):
        span = next(((s, e) for s, e in compounds if s <= f.start() < e), f.span())
        if (
            span not in spans
            and not (_RANGE_BEFORE.search(folded[: span[0]]) and not _CHANGED_TO.search(folded[: span[0]]))
            and not _INSIDE_A_NUMBER.search(folded[: span[0]])
            and not _RANGE_OR_GRADE_AFTER.match(folded, span[1])
        ):
            spans.append(span)
    if measure == "duration":  # 7月 and 31日 of a date are no lengths of time
        dates = [d.span() for d in _DATE.finditer(folded)]
        spans = [(s, e) for s, e in spans if not any(ds < e and s < de for ds, de in dates)]
    if len(spans) != 1:
        return None
    ((first, last),) = spans
    written = [u for u in _UNITS[measure].split("|") if u in q]
    if written and not any(folded[first:last].endswith(u) for u in written):
        return None  # 多少厘米？ over "2cm（0.79英尺）": not the unit asked
    lead = _LEADING.search(folded[:first])  # 约, 不足, 新台币 stay with their figure
    start = first - (len(lead.group(0)) if lead else 0)
    tail = _TRAILING_QUALIFIER.match(folded, last)  # 两成不到, 800米以上
    end = tail.end() if tail else last
    return None if start == 0 and end == len(answer.rstrip()) else answer[start:end]


# A calendar date or a day of one (2026年, 7月31日, 15日前), which no length of time is: years of four digits only
# (坚守了30年 is a duration).
_DATE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}[日号])?)?|\d{1,2}月(?:\d{1,2}[日号])?|\d{1,2}[日号](?=[前后起止])")
_INSIDE_A_NUMBER = re.compile(r"[\d.,．万亿千百个]$")  # 3250美元 of 3万3250美元, 5公里 of 3．5公里, 半小时 of 1个半小时
_RANGE_OR_GRADE_AFTER = re.compile(r"[至到\-—~～级半多零\d一二三四五六七八九]")  # 400米至800米, 5000吨级, 1年半
_N = r"(?:\d+|[零一二两三四五六七八九十]+)"
_COMPOUND = re.compile(
    rf"{_N}(?:个小时|小时|时|分钟|分|米)零?(?:{_N}(?:分钟|分|秒钟|秒|厘米)?)+"  # 5分30秒, 4小时20分钟, 1米93, 一米八
    rf"|{_N}个?[半多]个?(?:小时|钟头|星期|月|年|天)"  # 4个半小时, 3个多小时, 两个半月
    rf"|{_N}(?:个小时|小时|个月|年|天)半"  # 1年半
)
# 提升到11小时, 缩短至3小时: a change, not a range (the figure before it is where it started)
_CHANGED_TO = re.compile(r"(?:升|高|增|加|降|减|达|扩|缩|延|长|短|少|低|小|大|快|涨|跌)[至到]$")
_TRAILING_QUALIFIER = re.compile(r"不到|以上|以下|左右|之多|上下|以内|之内|内")  # 3年内: within
_LEADING = re.compile(rf"(?:约|大约|{_QUALIFIERS})?(?:新台币|人民币|港币|澳门币|台币|美金)?$")


def the_one_figure(question: str, answer: str) -> str | None:
    """For a number question of no known measure (能吸引多少人次？, 吞吐量多少？), the one figure with a unit in a
    clause answer (局方預計活動期間可吸引逾30萬人次參觀 -> 逾30萬人次), with the words that qualify or bound it (约,
    逾, 不超过, 数十) and an ordinal's 第 (获得第3名 -> 第3名). None where that is not clear: the clause holds no such
    figure, or several, or another number (5万张 has no unit here: 三天来已售出门票5万张 is left whole), or a range;
    the figure starts inside a word (七台河市); it is a length of time or a year (no count); its unit is not the one
    the question writes (多少度？ 3天); the question asks a day, a time or a year (几号, 几点, 民國幾年) or an ordinal
    the figure is not (第几？ 120名); or the cut would read as a day (连续7日).

    Simulated on the shared data's number questions of no known measure, each answered with the clause holding its gold:
    it fires 91 times; the clause was a right short answer 46 times, the figure is 77 times with the thing counted
    where the question names it (answer._shaped: shapes.with_the_kind_asked, 6,476名观众), 42 gained and 11 lost (golds
    that keep more: 体长可达50公分, 每平方公里69670人)."""
    q = to_simplified(question)
    if (
        asked_measure(q) is not None
        or not _NUMBER_ASKED.search(q)
        or "哪" in q
        or _AGO.search(q)
        or _NOT_A_COUNT.search(q)
    ):
        return None
    folded = to_simplified(answer)
    dates = [d.span() for d in _DATE.finditer(folded)] + [y.span() for y in _YEAR.finditer(folded)]
    compounds = [c.span() for c in _COMPOUND.finditer(folded)]
    found: list[tuple[int, int, str]] = []
    for measure, unit in _UNIT_RE.items():
        for f in unit.finditer(folded):
            s, e = next(((s, e) for s, e in compounds if s <= f.start() < e), f.span())
            if any(ds < e and s < de for ds, de in dates):
                continue  # 3月, 2019年: the calendar's
            before = folded[:s]
            if (
                _INSIDE_A_NUMBER.search(before)
                or (_RANGE_BEFORE.search(before) and not _CHANGED_TO.search(before))
                or _RANGE_OR_RUN_ON.match(folded, e)
            ):
                return None  # one figure of several run together: not told apart here
            found.append((s, e, measure))
    merged: list[tuple[int, int, set[str]]] = []
    for s, e, measure in sorted(found):  # 6个小时 is a count and a duration: one figure
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]), merged[-1][2] | {measure})
        else:
            merged.append((s, e, {measure}))
    if len(merged) != 1 or "duration" in merged[0][2]:
        return None  # none, several, or a length of time (三天来, 近两年): no count
    first, last, _ = merged[0]
    bounds = {0, *accumulate(len(w) for w in tokens(folded))}
    if first not in bounds or min(b for b in bounds if b > first) > last + 1:
        return None  # 七台|河市, 五台|山: a name that starts with a numeral
    asked = _ASKED_UNIT.search(q)
    number = re.match(rf"{_FIGURE}(?:多|余)?(?:[万亿千百]+)?(?:多|余)?", folded[first:last])
    if (
        asked
        and asked.group(1) in _UNIT_CHARS
        and not folded[first + (number.end() if number else 0) :].startswith(asked.group(1))
    ):
        return None  # 多少度？ answered by 3天: not the unit asked
    if folded[last : last + 1] in "口次" and folded[last - 1] in "人辆车班艘":
        last += 1  # 42万人口, 1.86萬輛次: the unit's word whole
    lead = _LEADING.search(folded[:first])
    start = first - (len(lead.group(0)) if lead else 0)
    if lead and lead.group(0).startswith("近") and folded[start - 1 : start] in ("附", "最", "接", "靠"):
        start = first  # 附近3所学校: 近 of 附近, no qualifier
    bound = _BOUND.search(folded[:start]) or (_ROUGHLY.search(folded[:start]) if folded[first] in "十百千万" else None)
    start -= len(bound.group(0)) if bound else 0
    start -= 1 if start > 0 and folded[start - 1] == "第" else 0
    if "第几" in q and folded[start : start + 1] != "第":
        return None  # 排名第几？ answered by 120名 of "120名选手中": not the rank
    tail = _TRAILING_QUALIFIER.match(folded, last)
    end = tail.end() if tail else last
    if any(
        ch.isdecimal() and not start <= n < end and not any(s <= n < e for s, e in dates) for n, ch in enumerate(folded)
    ):
        return None  # another number beside it (售出门票5万张, 受访者超过3000): not this figure's answer
    whole = start == 0 and end == len(answer.rstrip())
    return None if whole or is_date_only(answer[start:end]) else answer[start:end]  # 连续7日: 7日 reads as a day


# Questions that ask a year, a day or a time with 几 / 多少 (西元幾年, 民國幾年, 几号, 几点, 星期几): no count.
_NOT_A_COUNT = re.compile(r"西元|公元|民国|几点|几时|几月|几号|几日|星期几|周几|礼拜几|几几年")
_YEAR = re.compile(r"(?<![\d.])\d{3,4}年|[〇零一二三四五六七八九]{4}年")  # 221年, 二〇一九年: a year, as a date is
# After a figure: a range (3至5人) or a figure run on (5000吨级, 1年半, 3人多): not one figure.
_RANGE_OR_RUN_ON = re.compile(r"[至到\-—~～](?=[\d一二两三四五六七八九十])|[级半多零\d一二三四五六七八九]")
# Words before a figure that bound or round it, kept with it (不超过300人 is no 超过300人; 数十人, 上千人).
_BOUND = re.compile(r"(?:不少于|不低于|不多于|不高于|不超过|不超|不下|最多|最少|多达|不)$")
_ROUGHLY = re.compile(r"(?:成千上|数|上)$")  # before 十 / 百 / 千 / 万: 数十人, 上千人, 成千上万人
_ASKED_UNIT = re.compile(r"(?:多少|几)([\u4e00-\u9fff])")  # 多少人, 几个, 多少度: the unit the question writes
_UNIT_CHARS = frozenset({u[0] for u in UNITS} | set("张剂宗处篇口度级票号层分倍期岁届"))
