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

from retrieval.extract import enumerations, persons_read_simplified
from retrieval.questions import pos_tokens, tokens, word_frequency
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
    """The 、-list or 《title》 run in the answer that the question's noun follows (answer[start:end] as written), or
    None: no noun asked, none written after a list, or the answer is already that list."""
    noun = asked_noun(question)
    if noun is None:
        return None
    folded = to_simplified(answer)
    for m in re.finditer(_COUNT + re.escape(noun), folded):
        before = m.start()
        if before == 0 or m.end() - before == len(noun) or folded[before - 1] == "、":
            continue
        titles = _TITLES.search(folded, 0, before)
        if titles is not None:
            return answer[titles.start() : before]
        for en in enumerations(folded[:before]):
            if en.end == before and len(en.items) >= MIN_ITEMS and "、" in folded[en.start : before]:
                # from the clause's start, not the enumeration's own first-item guess (it cuts 技术与|工程 at 与)
                clause = max((folded.rfind(c, 0, en.start + 1) for c in "，,；;：:。！？!?（("), default=-1) + 1
                start = clause + _lead(folded[clause:before])
                listed = answer[start:before]
                return listed if listed != answer else None
    return None


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
