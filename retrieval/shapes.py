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

from retrieval.extract import enumerations
from retrieval.questions import tokens
from retrieval.text import to_simplified

_CLASSIFIERS = "个位条家座所名项只种类支部款份批艘架辆台"
# 哪些国家, 哪几个方向, 哪三家企业, 哪两位: the noun asked for follows the interrogative and its classifier (哪一国,
# 哪个 ask for one).
_ASKED = re.compile(rf"哪(?:些|几|[二三四五六七八九十两]|\d+)[{_CLASSIFIERS}]?(?P<noun>[\u4e00-\u9fff]{{1,6}})")
# What stands between the list and its noun: 等, 等等, a count with its classifier (等23个, 4, 多部, 6条). One of
# them must: a noun right after the last item is that item's own head (神经科学、认知科学 over 哪些科学).
_COUNT = rf"(?:等等|等)?(?:约|近|超过|共)?(?:\d+|[一二三四五六七八九十两几多]+)?[{_CLASSIFIERS}]?"
_TITLES = re.compile(r"(?:《[^《》]{1,30}》){2,}$")
MIN_ITEMS = 2


def asked_noun(question: str) -> str | None:
    """The noun a list question asks members of (哪些国家 -> 国家, 哪几个市受灾了 -> 市); None when there is none."""
    m = _ASKED.search(to_simplified(question))
    if m is None:
        return None
    words = tokens(m.group("noun"))
    return words[0] if words else None


def the_list_asked(question: str, answer: str) -> str | None:
    """The 、-list or 《title》 run in the answer that the question's noun follows (answer[start:end] as written), or
    None: no noun asked, none written after a list, or the answer is already that list."""
    noun = asked_noun(question)
    if noun is None:
        return None
    folded = to_simplified(answer)
    for m in re.finditer(_COUNT + re.escape(noun), folded):
        before = m.start()
        if before == 0 or m.end() - before == len(noun):
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


def the_name_asked(question: str, answer: str) -> str | None:
    """The one quoted term of the answer when the question asks what something is called (a clause with
    “温柔知性女声” -> 温柔知性女声); None when the question asks otherwise or the answer quotes none or several."""
    if not _NAME_ASKED.search(to_simplified(question)):
        return None
    quoted = _QUOTED.findall(answer)
    if len(quoted) != 1 or quoted[0] == answer.strip():
        return None
    return quoted[0]
