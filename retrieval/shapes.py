"""The shape a question asks its answer to take, cut from the clause the reader gave: the list a list question's noun
follows, the quoted name a what-is-it-called question asks for.

A question for the members of a kind (哪些国家, 哪几个县, 哪些河流) is answered by the span reader with the clause
that holds them more often than with the list, because its training data (CMRC 2018, DRCD) often writes clause golds.
News writes such a list with the kind right after it (…等18个国家和地区, …3县, …等4条河流), so where the answer holds
a 、-list (or a run of 《titles》) followed by the noun asked for, the list is the answer: 哪几个县受灾？ over
"东山、西岭、南坪3县2万人受灾" is 东山、西岭、南坪. News quotes a name it gives (名为“清晨男声”的音色), so for
那款音色叫什么？ the one quoted term of the clause is the name asked. On the shared data's gold sentences both rules
seldom apply (counts in docs/results.md): they shape news answers.
"""

from __future__ import annotations

import re

from retrieval.extract import enumerations, persons_read_simplified
from retrieval.questions import tokens
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
                listed = answer[en.start : before]
                return listed if listed != answer else None
    return None


# 叫什么名字？ 名为什么？ 被称为什么？: the question asks what a thing is called.
_NAME_ASKED = re.compile(
    r"叫什么|叫做什么|名字是什么|什么名字|名为什么|称为什么|取名为?什么|命名为什么|称作什么|名称是什么|名称为什么"
)
_QUOTED = re.compile(r"[“「『\"]([^“”「」『』\"]{1,20})[”」』\"]")
# What gives a quoted term as a thing's name: a naming verb before it (名为“…”, 命名为「…」) or, after it, the noun the
# question asks the name of (“…”立方星 for 这颗立方星叫什么？). Not a nickname (被誉为“铁娘子”的…) or a quoted phrase.
_NAMING = re.compile(r"(?:名为|叫做|叫|称为|命名为|取名为?|名叫|代号为?|品牌为?|定名为)$")


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
    named = bool(_NAMING.search(folded[: m.start()])) or (bool(after) and len(after[0]) > 1 and after[0] in q)
    if folded[m.end() : m.end() + 1] == "的":  # 被称为“最美少年”的李某: a person's nickname, not the name asked
        people = persons_read_simplified(answer[m.end() + 1 :])
        named = named and not (people and people[0].start == 0)
    return m.group(1) if named else None
