"""The shape a question asks its answer to take, cut from the clause the reader gave: the list a list question's noun
follows, the quoted name a what-is-it-called question asks for, the figure a change reached (提高到多少？), a
transliterated name whole.

A question for the members of a kind (哪些国家, 哪几个县, 哪些河流) is answered by the span reader with the clause
that holds them more often than with the list, because its training data (the shared Wikipedia QA sets) often has
clause golds. News writes such a list with the kind right after it (…等18个国家和地区, …3县, …等4条河流), so
where the answer holds a 、-list (or a run of 《titles》) followed by the noun asked for, the list is the answer:
哪几个县受灾？ over "东山、西岭、南坪3县2万人受灾" is 东山、西岭、南坪. News quotes a name it gives (名为“清晨男声”的
音色), so for 那款音色叫什么？ the one quoted term of the clause is the name asked. On the shared data's gold
sentences these rules seldom apply (counts in docs/results.md): they shape news answers.
"""

from __future__ import annotations

import re
from itertools import accumulate

from retrieval.dates import is_date_only
from retrieval.extract import enumerations, persons_read_simplified
from retrieval.measures import UNITS, differs, has_figure, mismatched
from retrieval.questions import pos_tokens, tokens, word_frequency
from retrieval.reading import CLAUSE_PUNCT
from retrieval.text import to_simplified

_CLASSIFIERS = "个位条家座所名项只种类支部款份批艘架辆台"
# 哪些国家, 哪几个方向, 哪三家企业, 哪两位: the noun asked for follows the interrogative and its classifier (哪一国,
# 哪个 ask for one).
_ASKED = re.compile(rf"哪(?:些|几|[二三四五六七八九十两]|\d+)[{_CLASSIFIERS}]?(?P<noun>[\u4e00-\u9fff]{{1,6}})")
# What stands between the list and its noun: 等, 等等, a count with its classifier (等23个, 4, 多部, 6条). One of
# them must: a noun right after the last item is that item's own head (神经科学、认知科学 over 哪些科学).
# A count is a well-formed number (两, 十二, 二十三, 23, 几, 多): 李四两位 ends its list at 李四, not 李, and 初三三个
# at 初三.
_NUMERAL = r"\d+|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九几多]"
_COUNT = rf"(?:等等|等)?(?:约|近|超过|共)?(?:{_NUMERAL})?[{_CLASSIFIERS}]?"
_TITLES = re.compile(r"(?:《[^《》]{1,30}》){2,}$")
MIN_ITEMS = 2
MIN_ITEM_CHARS = 2  # a lead-in is cut only where the first item keeps at least this much (智能建造, not 造)


def asked_noun(question: str) -> str | None:
    """The noun a list question asks members of (哪些国家 -> 国家, 哪几个市受灾了 -> 市); None when there is none."""
    q = to_simplified(question)
    m = _ASKED.search(q)
    if m is None:
        return None
    words = tokens(m.group("noun"))
    if not words or q[m.start("noun") + len(words[0]) :].startswith("的"):
        return None  # 哪些国家的领导人…？ asks for the leaders, not the countries
    return words[0]


# Words that end a lead-in before a list's first item (并新增|智能建造、…, 可与|1号线、…): verbs, prepositions,
# adverbs, particles; not a word that joins inside an item (技术与工程), nor anything inside quotes or brackets.
_LEAD_FLAGS = frozenset({"v", "vd", "p", "c", "d", "u", "uj", "ul", "uz"})
_JOINS = frozenset({"与", "和", "及", "同", "跟", "以及", "或"})
_OPEN, _CLOSE = "“「『《（(", "”」』》）)"


def _lead(listed: str) -> int:
    """Characters of a lead-in still before the first item of a list: up to the last such word of the first item that
    leaves it at least MIN_ITEM_CHARS characters (智能建造 keeps its verb 建造)."""
    first = listed.split("、", 1)[0]
    at = cut = depth = 0
    for word, flag in pos_tokens(first):
        depth += sum(c in _OPEN for c in word) - sum(c in _CLOSE for c in word)
        at += len(word)
        joins_inside = word in _JOINS and at - len(word) != cut  # 技术与工程; but 可与|1号线 leads in
        if depth == 0 and flag in _LEAD_FLAGS and not joins_inside and len(first) - at >= MIN_ITEM_CHARS:
            cut = at
    return cut


def the_list_asked(question: str, answer: str) -> str | None:
    """The 、-list or 《title》 run in the answer that the question's noun follows, else the one 、-list whose every
    item ends in the noun's head (哪些城市 over 甲市、乙市、丙市); answer[start:end] as written, or None: no noun
    asked, no such list, or the answer is already that list."""
    noun = asked_noun(question)
    if noun is None:
        return None
    folded = to_simplified(answer)
    for m in re.finditer(_COUNT + re.escape(noun), folded):
        before = m.start()
        if before == 0 or m.end() - before == len(noun) or folded[before - 1] == "、":
            continue
        if folded[before].isdigit() and folded[before - 1].isascii() and folded[before - 1].isalnum():
            continue  # 7 of B7路 is the item's own number, not a count
        titles = _TITLES.search(folded, 0, before)
        if titles is not None:
            return answer[titles.start() : before]
        for en in enumerations(folded[:before]):
            if en.end == before and len(en.items) >= MIN_ITEMS and "、" in folded[en.start : before]:
                return _from_clause(answer, folded, en.start, before)
    headed = [
        (en, h) for en in enumerations(folded) if (h := _head(en.items, noun)) and "、" in folded[en.start : en.end]
    ]
    if len(headed) == 1:  # two such lists: which one is asked is not written
        en, head = headed[0]
        last = en.items[-1][: en.items[-1].index(head, 1) + 1]  # 5号线 of 5号线换乘
        end = folded.rfind(last, en.start, en.end) + len(last)
        joined = re.match(rf"(?:以及|和|及|与)[^，,。；;：:、！？!?]{{1,10}}?{head}", folded[end:])  # …、西班牙语与英语
        return _from_clause(answer, folded, en.start, end + (joined.end() if joined else 0))
    return None


def _head(items: tuple[str, ...], noun: str) -> str:
    """The character of the noun that every item of a list ends in, each item longer than it (市 of 城市, 国 of 国家,
    线 of 线路), or "". The last item may run on past it (5号线换乘: the enumeration does not always cut a verb off)."""
    if len(items) < MIN_ITEMS:
        return ""
    return next((c for c in noun if all(len(i) > 1 and i.endswith(c) for i in items[:-1]) and c in items[-1][1:]), "")


def _from_clause(answer: str, folded: str, start: int, end: int) -> str | None:
    """The list from its clause's start, less the words that lead into it, to `end` (not the enumeration's own
    first-item guess: it cuts 技术与|工程 at 与); None where that is the whole answer."""
    clause = max((folded.rfind(c, 0, start + 1) for c in "，,；;：:。！？!?（("), default=-1) + 1
    listed = answer[clause + _lead(folded[clause:end]) : end]
    return listed if listed != answer else None


# 哪些 / 哪几 / 哪三个: the question asks for several members; 哪三个 for three.
_MANY = re.compile(r"哪(?:些|几|(?P<count>[二三四五六七八九十两]|\d+))")
_COUNTS = {c: n for n, c in enumerate("一二三四五六七八九十", start=1)} | {"两": 2}
_COUNTED = re.compile(rf"(?:等等|等)?(?:{_NUMERAL})(?:大|人|[省市县区国地]|[{_CLASSIFIERS}])")


def the_members_asked(question: str, answer: str, sentence: str) -> str | None:
    """For a question asking several members (哪些 / 哪几 / 哪三个), an answer that is one item of a 、-list of its
    sentence, or a run of its items, gives the whole list, as written (是哪三个中心？ over "甲中心、乙中心、丙中心三大
    中心" answered 甲中心); with a count asked, only a list of that many. None where the answer is no lone item or run
    of one list. On the shared data no gold of such a question is a lone item of a list in its sentence, nor a run of
    its items (105 questions)."""
    m = _MANY.search(to_simplified(question))
    if m is None or not answer.strip():
        return None
    count = m.group("count")
    if count and to_simplified(question)[m.end() : m.end() + 1] in _COUNTS:
        count = None  # 哪十二个: not a one-character count; as many as listed
    wanted = (int(count) if count.isdigit() else _COUNTS.get(count)) if count else None
    folded, item = to_simplified(sentence), to_simplified(answer.strip())
    parts = [p for p in item.split("、") if p]  # one item, or a run of them (甲县、乙县 of 甲县、乙县、丙县)
    lists = [
        en
        for en in enumerations(folded)
        if parts and all(p in en.items for p in parts) and "、" in folded[en.start : en.end]
    ]
    if len(lists) != 1 or len(parts) >= len(lists[0].items):
        return None
    if wanted is not None and len(lists[0].items) != wanted:
        return None
    en = lists[0]
    last = en.items[-1]
    ends = {i[-1] for i in en.items[:-1]}
    counted = _COUNTED.search(last, 1)
    if len(ends) == 1 and (end_char := ends.pop()) in last[1:] and end_char in to_simplified(question):
        last = last[: last.index(end_char, 1) + 1]  # 4号线|换乘 after 1号线、2号线, for 哪些线路
    elif counted:  # 甲、乙|三大中心: the list's own count ends its last item
        last = last[: counted.start()]
    elif 0 < en.items_end <= en.end and folded.rfind(last, en.start, en.end) + len(last) > en.items_end:
        last = last[: max(1, len(last) - (folded.rfind(last, en.start, en.end) + len(last) - en.items_end))]
    end = folded.rfind(last, en.start, en.end) + len(last)
    return _from_clause(sentence, folded, en.start, end) if end > en.start else None


# 叫什么名字？ 名为什么？ 被称为什么？: the question asks what a thing is called.
_NAME_ASKED = re.compile(
    r"叫什么|叫做什么|名字是什么|什么名字|名为什么|称为什么|取名为?什么|命名为什么|称作什么|名称是什么|名称为什么"
    r"|(?:什么|啥)(?:主题|口号|标语)|(?:主题|口号|标语)(?:是|为)(?:什么|啥)"
)
_QUOTED = re.compile(r"[“「『\"]([^“”「」『』\"]{1,20})[”」』\"]")
# What gives a quoted term as a thing's name: a naming verb before it (名为“…”, 命名为「…」), 为主题 / 为口号 after it
# (以“…”为主题), or, after it, the noun the question asks the name of (“…”卫星 for 这颗卫星叫什么？). Not a nickname
# (被誉为“铁娘子”的…) or a quoted phrase.
_NAMING = re.compile(r"(?:名为|叫做|叫|称为|命名为|取名为?|名叫|代号为?|品牌为?|定名为)$")
_NAMED_AFTER = re.compile(r"为(?P<what>主题|口号|标语|名)")


def asks_for_a_name(question: str) -> bool:
    """Whether the question asks what someone or something is called (叫什么名字？, 名为什么？)."""
    return bool(_NAME_ASKED.search(to_simplified(question)))


def _named_after(folded: str, at: int, question: str) -> bool:
    """Whether the quote ending at `at` is followed by 为名, or by 为主题 / 为口号 / 为标语 where the question asks for
    that (the theme of 以“一带一路”为主题的文化节 is not the festival's name)."""
    m = _NAMED_AFTER.match(folded, at)
    return m is not None and (m.group("what") == "名" or m.group("what") in question)


def the_name_asked(question: str, answer: str) -> str | None:
    """The one quoted term of the answer when the question asks what something is called (a clause with
    “温柔知性女声” -> 温柔知性女声); None when the question asks otherwise or the answer quotes none or several."""
    q = to_simplified(question)
    if not _NAME_ASKED.search(q):
        return None
    found = list(_QUOTED.finditer(answer))
    if len(found) != 1 or found[0].group(1) == answer.strip():
        return None
    m = found[0]
    folded = to_simplified(answer)
    after = tokens(folded[m.end() :])
    named = (
        bool(_NAMING.search(folded[: m.start()]))
        or _named_after(folded, m.end(), q)  # 以“苏绣”为主题 for 是啥主题？
        or (bool(after) and len(after[0]) > 1 and after[0] in q)
    )
    if folded[m.end() : m.end() + 1] == "的":  # 被称为“最美少年”的李某: a person's nickname, not the name asked
        people = persons_read_simplified(answer[m.end() + 1 :])
        named = named and not (people and people[0].start == 0)
    return m.group(1) if named else None


# 什么芯片？ 哪款软件？: the question asks for a thing of a kind it names; news quotes the thing's name before the kind
# (采用自研的“某芯X1”端侧芯片).
_KIND_ASKED = re.compile(r"(?:什么|啥|哪种|哪款|哪个)(?P<noun>[\u4e00-\u9fff]{2,6})")
_QUOTED_OR_TITLE = re.compile(r"[“「『\"《]([^“”「」『』\"《》]{1,20})[”」』\"》]")
MAX_TO_KIND = 2  # characters between the quoted name and the kind it names (“某芯X1”端侧芯片)


def the_term_asked(question: str, answer: str) -> str | None:
    """For 用的是什么芯片？, the one quoted name (or 《title》) of the answer that the asked kind follows within
    MAX_TO_KIND characters, not one of a run of them and not one the question quotes itself; None otherwise. Given
    the whole gold sentence of the shared data's such questions it fires 7 times: 4 times the gold, twice the gold's
    own name (“一领具足”制度, a clause around "Beerwah"), once one title of a run (since excluded)."""
    m = _KIND_ASKED.search(to_simplified(question))
    if m is None:
        return None
    words = tokens(m.group("noun"))
    if not words or len(words[0]) < 2:
        return None
    noun, folded, asked = words[0], to_simplified(answer), to_simplified(question)
    found = [
        q
        for q in _QUOTED_OR_TITLE.finditer(folded)
        if noun in folded[q.end() : q.end() + MAX_TO_KIND + len(noun)]
        and q.group(1) not in asked
        and folded[q.start() - 1 : q.start()] not in ("》", "、", "”", "」", "和", "与", "及")
    ]
    if len(found) != 1 or found[0].group(1) == answer.strip():
        return None
    return answer[found[0].start(1) : found[0].end(1)]


# 哪家客运公司？ 哪所大学？: the kind asked, which the answer's own name often ends with (某某客运, 某某大学).
_ONE_OF_A_KIND = re.compile(
    rf"(?:哪家|哪个|哪所|哪间|哪座|哪支|哪条|什么|(?:多少|几)[{_CLASSIFIERS}]?)(?P<noun>[\u4e00-\u9fff]{{2,6}})"
)
_NOT_A_KIND = frozenset({"时候", "时期", "时间", "样的", "地方", "原因", "意思", "东西"})


def with_the_kind_asked(question: str, answer: str, sentence: str) -> str | None:
    """The answer with the word of the asked kind (or a part of it, two characters at least, from either end) that
    its sentence writes right after it: 哪家客运公司？ answered 某某 of "由某某客运营运" is 某某客运, 多少个工作日？
    answered 10个 of "10个工作日内" is 10个工作日. None where the sentence goes on otherwise or the answer already
    ends so. On the shared data, applied to the gold answers themselves, it lengthens 43 and each still holds its gold
    (a gold takes the kind's word 80 times and stops before it 14 times: XY of "XY染色体")."""
    m = _ONE_OF_A_KIND.search(to_simplified(question))
    if m is None or not answer:
        return None
    words = tokens(m.group("noun"))
    if not words or len(words[0]) < 2 or words[0] in _NOT_A_KIND:
        return None
    kind, at = words[0], sentence.find(answer)
    if len(kind) > 2 and kind[-1] in "内外中前后":  # 工作日内: a place word after the kind is not the kind's
        kind = kind[:-1]
    if any(kind.startswith(unit) for unit in UNITS):  # 多少美元？ 1,200 stays, as with_its_unit leaves it
        return None
    # the kind or a part of it at either end (客运 or 公司 of 客运公司), longest first
    parts = sorted({kind[:n] for n in range(2, len(kind) + 1)} | {kind[n:] for n in range(len(kind) - 1)}, key=len)
    if at < 0 or any(to_simplified(answer).endswith(part) for part in parts):
        return None
    end = at + len(answer)
    after = to_simplified(sentence[end : end + len(kind) + 4])
    bounds = set(accumulate(len(w) for w in tokens(after)))  # 法国|国家队: 国家 ends inside a word
    bounds |= {n - 1 for n in bounds if after[n - 1 : n] in "内外中前后"}  # 工作日|内 read as one word
    part = next((p for p in reversed(parts) if after.startswith(p) and len(p) in bounds), None)
    return sentence[at : end + len(part)] if part else None


# An answer that stops at a range's connector after a figure or a time (上午10时至, 3月1日到) is cut inside the range.
_OPEN_RANGE = re.compile(r"(?:\d|[时時点點日月年号號分秒元]|[周週][一二三四五六日天])[至到\-—~～]$")
_RANGE_END = re.compile(r"[^，,。；;、！？!?（）()]{1,12}")  # a colon may be a time's (22:00)


def whole_range(answer: str, sentence: str) -> str | None:
    """The answer with the far end of the range it stops before (每周三至周日上午10时至 -> …至下午4时): the sentence up
    to the next punctuation or verb, at most 12 characters, where it holds a figure or a weekday; None otherwise (李文至
    and 不到 end a name and a word: no figure or time before them). No gold answer of the shared data ends at such a
    connector."""
    a = answer.rstrip()
    if not _OPEN_RANGE.search(to_simplified(a)):
        return None
    at = sentence.find(a)
    if at < 0:
        return None
    rest = _RANGE_END.match(sentence, at + len(a))
    if rest is None:
        return None
    taken = at_figure = 0
    for word, flag in pos_tokens(to_simplified(rest.group(0))):
        if flag in _RANGE_STOP:
            break  # 5月底|举行: the sentence goes on
        taken += len(word)
        if flag in ("m", "t", "q") or word in _RANGE_UNITS or re.search(r"\d", word):
            at_figure = taken  # the far end closes on a figure, a time or a unit, not on a noun (5时|闭馆)
    taken = at_figure
    far = rest.group(0)[:taken]
    if not re.search(r"\d|[一二三四五六七八九十]|[周週][一二三四五六日]", far):
        return None
    return sentence[at : rest.start() + taken]


def _located(answer: str, sentence: str) -> tuple[int, int] | None:
    """Where the answer (trailing space aside) stands in its sentence: (start, end), or None where it is not there."""
    a = answer.rstrip()
    at = sentence.find(a) if a else -1
    return (at, at + len(a)) if at >= 0 else None


# Words that introduce a reason. An answer to a why-question that ends in one (or in its first characters: 主要因|为)
# gives what the reason follows, not the reason.
_CAUSES = ("主要是因为", "主要是由于", "是因为", "主要因为", "因为", "由于", "主要因", "是因", "原因是", "得益于")
# …and written whole inside an answer (not 主要因 of 主要因素, 是因 of 是因地制宜).
_CAUSE_WORD = re.compile("|".join(c for c in _CAUSES if c not in ("主要因", "是因")))
_REASON_END = re.compile(r"[。；;！!？?]")
# The part of a word of cause kept with the reason, as the shared data's golds keep it (由于阵内生于关西).
_KEPT = {
    "主要是因为": "因为",
    "主要是由于": "由于",
    "是因为": "因为",
    "主要因为": "因为",
    "因为": "因为",
    "由于": "由于",
}
# Where a reason ends: at a comma before its consequence (…偏少，但…; …，故…), or at the first comma where the cause
# word opens its clause (由于受冷空气影响，明天气温将下降: the rest is the effect).
_CONSEQUENCE = re.compile(r"[，,](?=但|而|故|所以|因此|从而|导致|使|致使|以致|因而|于是)")
_COMMA = re.compile(r"[，,](?!以及|加上|再加上)")  # …，以及… / 加上… joins another cause


def the_reason_after(kind: str, answer: str, sentence: str) -> str | None:
    """For a why-question answered with the clause before a word of cause (…实现较快增长，主要因), or with an effect
    and its cause (…实现较快增长，主要因为…), the reason that follows the word with its 因为 / 由于
    (…主要因为外贸航线持续加密 -> 因为外贸航线持续加密), to the sentence's end, to a comma before a consequence (…，但
    / 因此 / 导致), or to the first comma where the word opens its clause (由于受冷空气影响，明天…); where the answer
    ended its clause, the reason ends there too. None otherwise, and for an answer that opens with the word (the
    shared data's golds often run on into the effect: 由于销售状况不佳，任天堂并未…).

    Simulated on the shared data's why-questions whose gold sentence writes such a word: each answer cut right after
    the word, the reason holds the gold 30 times of 61; each answer the whole sentence, with the word after its start,
    the reason holds the gold 22 times of 44 where the sentence did 9 times (18 gained, 5 lost)."""
    found = _located(answer, sentence) if kind == "why" else None
    if found is None:
        return None
    at, end = found
    folded = to_simplified(sentence)
    for cause in _CAUSES:
        for k in range(1, len(cause) + 1):
            if end - k >= at and folded[end - k : end - k + len(cause)] == cause:
                start = end - k + len(cause) - len(_KEPT.get(cause, ""))  # 主要因为X -> 因为X, 原因是X -> X
                stop = _REASON_END.search(sentence, start)
                reason = sentence[start : stop.start() if stop else len(sentence)]
                opens = end - k == 0 or folded[end - k - 1] in "，,；;：:" or (end - k == at and at == 0)
                cut = _CONSEQUENCE.search(to_simplified(reason)) if not opens else _COMMA.search(reason)
                reason = reason[: cut.start()] if cut else reason
                reason = reason.strip(" ，,、")
                return reason if len(reason) >= 2 else None
    within = _CAUSE_WORD.search(folded, at + 1, end)  # an effect and its cause: 今年车流大增，主要因为…
    after = the_reason_after(kind, sentence[at : within.end()], sentence) if within else None
    if after is None or end == len(sentence) or sentence[end] not in CLAUSE_PUNCT:
        return after
    return after[: max(end - sentence.find(after, at), 0)] or None  # the answer ends its clause: so does the reason


# A where-answer that stops at a county or a city whose sentence goes on with a smaller place (臺東縣|成功鎮附近), or at
# a place whose sentence goes on with a venue there (澳門|藝術博物館): the place is that smaller place or venue. On the
# shared data no where-gold ending in 省/市/县 stops before a smaller place, and one of 564 stops before a venue (to
# 哪个县市, which this leaves alone).
_SMALLER_PLACE = re.compile(r"[\u4e00-\u9fff]{1,4}?(?:镇|乡|村|街道|区)(?!长|委|政府)")
_VENUE = re.compile(
    r"[\u4e00-\u9fff]{0,8}?(?:博物馆|美术馆|艺术馆|图书馆|体育馆|展览馆|会展中心|展览中心|体育中心|文化中心|体育场|医院|公园"
    r"|广场|酒店|大厦|剧院|会堂|码头|机场|车站|火车站)"
)
_LEVEL_ASKED = re.compile(r"哪[个一座]?(?:省|市|县|区|州|城市|国家|地区|国)|哪国|哪座")


def the_whole_place(question: str, kind: str, answer: str, sentence: str) -> str | None:
    """A where-answer with the smaller place or the venue its sentence writes right after it (臺東縣 of
    "臺東縣成功鎮附近" is 臺東縣成功鎮, 澳門 of "澳門藝術博物館三樓" is 澳門藝術博物館); None otherwise, or where the
    question asks for a province, a city or a country."""
    found = _located(answer, sentence) if kind == "where" and not _LEVEL_ASKED.search(to_simplified(question)) else None
    if found is None:
        return None
    at, end = found
    folded = to_simplified(sentence)
    more = _VENUE.match(folded, end)
    if more is None and re.search(r"[省市县区]$", folded[at:end]):
        more = _SMALLER_PLACE.match(folded, end)
    if more is None:
        return None
    # the words after the answer up to the venue or place: nouns only (广州|参加活动时被送往医院 is no venue of 广州),
    # ending where a word ends (澳门酒店|业, 小乡|村)
    size = len(more.group(0))
    words = pos_tokens(folded[end : end + size + 4])
    ends = list(accumulate(len(w) for w, _ in words))
    if size not in ends or any(f[:1] in "vpucdmr" for (_, f), e in zip(words, ends, strict=True) if e <= size):
        return None
    return sentence[at : more.end()]


# A clause answer that opens with who said it (林振华在发布会上介绍，…; 据X称，…): the attribution is no part of the
# answer. 6 of the shared data's 4,495 gold answers open so, all to questions about what someone said or how a thing is
# described, which this leaves alone (nor does it take a source that a who-question asks for: 哪个部门通报了…？).
_ATTRIBUTION = re.compile(
    r"^(?!经)据?[^，。；：,:]{2,40}?(?:表示|介绍|说|指出|(?<![简全俗又别名统号堪])称|透露|强调|坦言)[，,：:]"
)
_INTRODUCED = re.compile(r"经[^，,]{0,12}介绍")  # 经朋友介绍，进入…: introduced by a friend, not a source quoted
_ASKS_WHAT_SAID = re.compile(
    r"说|表示|称|介绍|指出|透露|强调|评价|描述|认为|看法|观点|态度|谁|哪位|哪个部门|哪家|哪个机构|通报|回应|报道|来源|消息"
)


def without_attribution(question: str, answer: str) -> str | None:
    """The answer without the attribution it opens with (林振华介绍，吞吐量实现较快增长 -> 吞吐量实现较快增长), unless
    the question asks what was said; None where it opens with none or nothing would be left."""
    folded = to_simplified(answer)
    m = _ATTRIBUTION.match(folded)
    if m is None or _ASKS_WHAT_SAID.search(to_simplified(question)) or _INTRODUCED.search(m.group(0)):
        return None
    rest = answer[m.end() :].strip()
    return rest if len(rest) >= 2 else None


_RANGE_STOP = frozenset({"v", "vn", "p", "c", "uj", "ul", "d"})
_RANGE_UNITS = frozenset("时点分秒日号月年元件个次周天底初中旬")


# A clause that opens with its date or time and a comma (4月2日，指挥部决定启动…; 今天上午7时35分，…; 清晨6时许，…): the
# date is what "when" asks.
_DATE_OPENING = re.compile(
    r"^((?:\d{4}年)?(?:\d{1,2}月)?(?:\d{1,2}日)?(?:[今昨明当]天|[今昨明当]日)?(?:[上下中]午|凌晨|清晨|早晨|晚上|早上|傍晚|夜间|深夜)?"
    r"(?:\d{1,2}[时点](?:\d{1,2}分)?(?:许|左右)?)?)[，,]"
)
MIN_DATE_CHARS = 2  # 5日, 3月; a lone digit is no date


def the_date_opening(kind: str, answer: str) -> str | None:
    """For a when-question answered with a clause that opens with a date or time and a comma, that date (4月2日，…
    决定启动… -> 4月2日); None otherwise. On the shared data's when-questions the gold is such a date before a comma 97
    times and a whole clause opening with one 6 times (2013年1月5日，辞去四川省长职务)."""
    if kind != "when":
        return None
    m = _DATE_OPENING.match(to_simplified(answer))
    if m is None or len(m.group(1)) < MIN_DATE_CHARS or len(answer) <= len(m.group(0)):
        return None
    return answer[: len(m.group(1))]


# 几点？ asks a time of day: the clock time the answer holds or starts, whole (…今日凌晨3时 of "凌晨3时40分左右" is
# 凌晨3时40分左右). No question of the shared data asks 几点.
_CLOCK_ASKED = re.compile(r"几点(?!意见|建议|要求|看法|原因|措施|内容|共识|体会|经验|做法|理由|希望)|什么时刻|几时几分")
_CLOCK = re.compile(
    r"(?:凌晨|清晨|早上|早晨|上午|中午|下午|傍晚|晚上|夜间|夜里|深夜|午夜|今晚|今早|明早|晚|早)?(?<!\d)\d{1,2}"
    r"(?:[时点](?:\d{1,2}分|半)?|[:：]\d{2})(?:左右|许)?"
)


def the_clock_time(question: str, answer: str, sentence: str) -> str | None:
    """For 几点？, the clock time the answer holds or starts, whole, and nothing else; None otherwise."""
    asked = to_simplified(question)
    if not _CLOCK_ASKED.search(asked) or re.search(r"几点(?:到|至|-)几点", asked):  # 几点到几点: a range, as read
        return None
    found = _located(answer, sentence)
    if found is None:
        return None
    at, end = found
    held = [m for m in _CLOCK.finditer(to_simplified(sentence)) if m.start() < end and at < m.end()]
    if len(held) != 1:  # none, or 10:00至22:00: a range, as read
        return None
    time = sentence[held[0].start() : held[0].end()]
    return None if time == sentence[at:end] else time


# 提高到多少？ 降至多少？: the question asks the figure a change reached, not the one it started from.
_REACHED_ASKED = re.compile(
    r"(?:提高|提升|增加|增长|上升|下降|降低|减少|扩大|缩小|升|降|涨|跌|调整|调)(?:到|至)(?:了)?(?:多少|几)"
)
# In the sentence: the figure read, then within a few characters the change and 至/到 before the figure reached.
_REACHED = re.compile(
    r"^.{0,12}?(?:提高|提升|增加|增长|上升|下降|降低|减少|扩大|缩小|升|降|涨|跌|调整|调)?(?:到|至)(?P<to>\d+(?:[.,]\d+)*)"
)
_LEADING_FIGURE = re.compile(r"^(?:约|近|超过)?(?P<figure>\d+(?:[.,]\d+)*)")


def the_figure_reached(question: str, answer: str, sentence: str) -> str | None:
    """For 提高到多少？ answered with the figure a change started from (由原本的10年提升至50年 read as 10年): the figure
    after 至/到, with the answer's own unit (50年), or the answer's own part from it where the answer runs on to it;
    None when the question asks otherwise or the sentence does not go on from the answer to another figure of the same
    unit."""
    if not _REACHED_ASKED.search(to_simplified(question)):
        return None
    figure = _LEADING_FIGURE.match(answer)
    if figure is None:
        return None
    within = _REACHED.match(to_simplified(answer[figure.end() :]))
    if within is not None:  # the answer runs on to it: 20年重现期提升至100年重现期 -> 100年重现期
        return answer[figure.end() + within.start("to") :]
    at = sentence.find(answer)
    if at < 0:
        return None
    unit = answer[figure.end() :]
    after = sentence[at + len(answer) :]
    reached = _REACHED.match(to_simplified(after))
    if reached is None or not after[reached.end() :].startswith(unit):
        return None
    return reached.group("to") + unit


# A dot that joins the parts of a transliterated name (阿迪．蘇普里亞托, 约翰·坎贝尔); "." too, as some pages type it
# (between Han characters it is no full stop).
_NAME_DOT = "·・．‧•."
_HAN_WORD = re.compile(r"[\u4e00-\u9fff]+")
# A word that ends the name after a dot: a verb, preposition, adverb, particle, number, conjunction, pronoun,
# classifier, punctuation, place or time word (jieba's tags), or a common noun (教授, 主席: the title after the name).
_NOT_NAME_FLAGS = frozenset("vpdumcrqxfty")
COMMON_NOUN = 1000  # jieba frequency from which a noun is a title or a thing rather than a syllable of a name


def _in_name(word: str, flag: str) -> bool:
    if not _HAN_WORD.fullmatch(word) or flag[:1] in _NOT_NAME_FLAGS:
        return False
    return flag.startswith(("nr", "ns")) or flag[:1] != "n" or word_frequency(word) < COMMON_NOUN


def whole_dotted_name(answer: str, sentence: str) -> str | None:
    """The answer with the rest of a transliterated name it stops before (its sentence goes on with a dot and more of
    the name): the words after each dot up to one that is no part of a name (阿迪 -> 阿迪．蘇普里亞托, not …年僅;
    约翰 -> 约翰·坎贝尔, not …教授); None where there is none. The shared data's gold answers end before such a dot
    once in 4,490, where the dot was a full stop before 在 (no part of a name: nothing taken)."""
    at = sentence.find(answer)
    if at < 0 or not answer:
        return None
    end = at + len(answer)
    while end + 1 < len(sentence) and sentence[end] in _NAME_DOT:
        taken = 0
        for word, flag in pos_tokens(to_simplified(sentence[end + 1 : end + 13])):
            if not _in_name(word, flag):
                break
            taken += len(word)
        if not taken:
            break
        end += 1 + taken
    return sentence[at:end] if end > at + len(answer) else None


# What a when-answer names: a calendar figure (2026年, 5月, 20日, 7时, 6:30, 二〇二六年), a part of a year or a day, a
# day said relative to the report's, or a time said by an event (赛后, 开幕前, 疫情期间).
_TIME = re.compile(
    r"(?:\d+|[零〇一二三四五六七八九十两]+)\s*(?:年|月|日|号|时|点|世纪|年代)|\d{1,2}[:：]\d{2}|年底|年初|年末|月底|月初"
    r"|旬|季度|[今昨明前后]天|[今昨明]日|[今去明前]年|[本上下]月|[本上下]周|周[一二三四五六日末]|星期|上午|下午|晚上|凌晨"
    r"|中午|早上|傍晚|夜间|春节|国庆|元旦|当天|日前|近日|近年|期间|[前后]$|之[前后初际]|以[前后来]|时$|时候|时期|时代|朝"
    r"|年间|[初早中晚末]期|[元初末]年|[上下]半年|[春夏秋冬][季天]|古代|[代纪]$"
)
_DIGIT = re.compile(r"\d")
_LATIN = re.compile(r"[A-Za-z.·•'\- ]")  # a name's letters and dots (C.L. Max Nikias, 伊夫林·霍尔) do not count
MAX_NAME = 12  # Chinese characters of a who-answer: a person's or an organisation's name
MAX_ORG_NAME = 24  # …and of an organisation's, named by its suffix
_ORG_NAME = re.compile(
    r"(?:公司|集团|委员会|办公室|银行|大学|医院|协会|基金会|研究院|研究所|中心|组织|政府|法院|检察院)$"
)


def fits(kind: str, question: str, answer: str, measure: str | None = None) -> bool:
    """Whether an answer can be of the kind asked at all: a when-question's names a time, a number question's holds a
    figure of the measure asked (where the Chinese question names one, measures.mismatched; where `measure` does,
    crosslingual.english_measure), a who-question's is a name or a list of names (no figure, not a date, not a
    clause). Other kinds: any answer. For answers of another kind read from English questions (How many beds? ->
    一起非法; When does it open? -> a festival's name) and from Chinese ones (啥时候发现的？ -> 3只;
    answer._of_the_kind). Of the shared data's golds, 353 of 366 number, 607 of 618 when and 418 of 438 who golds fit
    (the rest: clauses, eras, numbers of words)."""
    a = to_simplified(answer).strip()
    if not a:
        return False
    if kind == "when":
        return _TIME.search(a) is not None
    if kind == "number":
        wrong = mismatched(question, answer) or (measure is not None and differs(measure, answer))
        return has_figure(a) and not is_date_only(a) and not wrong
    if kind == "who":  # a name, or a list of names (李明、王芳、张伟; 甲公司、乙集团): each a name
        return not _CLAUSE.search(a) and not is_date_only(a) and all(_a_name(n) for n in a.split("、"))
    return True


_CLAUSE = re.compile(r"[，,。；;：:！!？?]")  # a name holds no clause's punctuation


def _a_name(name: str) -> bool:
    """Whether a who-answer's item can be a name: an organisation's (3M公司, 360集团, 国务院新闻办公室: it may hold
    digits and run longer), else a person's (no digits, at most MAX_NAME characters)."""
    if _ORG_NAME.search(name):
        return len(_LATIN.sub("", name)) <= MAX_ORG_NAME
    return bool(name) and not _DIGIT.search(name) and len(_LATIN.sub("", name)) <= MAX_NAME
