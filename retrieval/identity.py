"""Who-is-X questions (王建军是谁？): the post the articles give X, read from the title written next to the name.

News writes a person's post beside the name: before it (广东省副省长黄志远, 市长刘国华、市委副书记赵明成) or after it
(任命王建军为省交通运输厅厅长). The answer components cannot learn this: the shared training data holds 8 "X是谁"
questions in 4,500, all about a role (首任臺北市長是誰), so the reader answers "王建军是谁？" with another person of
the sentence. So this is a rule, kept because no data teaches it: the title is the words next to the name up to the
clause's punctuation, and it must end in a word of a post (POST_END), so nothing else is taken; where the articles
name the person without a post, the question is answered as any other.
"""

from __future__ import annotations

import re

from retrieval.crosslingual import name_terms
from retrieval.extract import PERSON_HEAD, POST_END
from retrieval.models import Answer, Hit
from retrieval.reading import Corpus
from retrieval.rules import refusal, source_of
from retrieval.text import split_sentences, to_simplified

_IDENTITY = re.compile(
    r"^(?P<name>[\u4e00-\u9fff·]{2,8}?)(?:是|又是|究竟是|到底是)(?:谁|何人|什么人|哪位)[啊呀呢]?[？?!！。]?$"
)
_NOT_A_NAME = re.compile(r"的|^(?:他|她|它|这|那|此|该|其|你|我)")
MAX_TITLE = 24  # characters: a post longer than this is a clause, not a title
# Words between a post and the name after it (任命王建军为…, 黄某现任…): the post follows them.
_AFTER_NAME = re.compile(r"^(?:被任命为|任命为|担任|出任|当选为|当选|升任|现任|曾任|系|是|为|任)")
_CLAUSE = re.compile(r"[，,、；;：:（(“”\"。！？!?\s]")


_IDENTITY_EN = re.compile(
    r"^\s*(?i:who)(?:'s|\s+is|\s+was)\s+(?P<name>[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*){0,3})\s*[?.!]?\s*$"
)


def english_identity(question: str) -> str | None:
    """The romanised name a "Who is X?" question asks about (Who is Wang Jianjun? -> Wang Jianjun), or None."""
    m = _IDENTITY_EN.match(question)
    return m.group("name") if m else None


def identity_name(question: str) -> str | None:
    """The name a "X是谁？" question asks about (王建军是谁？ -> 王建军), or None: "广东省长是谁？" and "他的父亲是谁？"
    ask for a person (X names a role by PERSON_HEAD, or holds 的)."""
    m = _IDENTITY.match(to_simplified(question.strip()))
    if m is None:
        return None
    name = m.group("name")
    return None if PERSON_HEAD.search(name) or _NOT_A_NAME.search(name) else name


def _post(sentence: str, folded: str, at: int, name: str) -> str | None:
    """The post written next to the name at `at` in the sentence (folded: its Simplified form, same offsets)."""
    start = max((m.end() for m in _CLAUSE.finditer(folded, 0, at)), default=0)
    before = folded[start:at]
    if "的" in before:  # 代表何志成的资深大律师黄国华: the post is what follows the last 的
        before = before[before.rindex("的") + 1 :]
    if 1 < len(before) <= MAX_TITLE and POST_END.search(before):
        # 省交通运输厅党组书记、厅长钱立新: posts listed with 、 before the name are all his
        start = at - len(before)
        while start > 1 and folded[start - 1] == "、":
            prev = max((m.end() for m in _CLAUSE.finditer(folded, 0, start - 1)), default=0)
            if not (0 < start - 1 - prev <= MAX_TITLE and POST_END.search(folded[prev : start - 1])):
                break
            start = prev
        return sentence[start:at]
    rest = folded[at + len(name) :]
    verb = _AFTER_NAME.match(rest)
    if verb:
        end = next((m.start() for m in _CLAUSE.finditer(rest, verb.end())), len(rest))
        after = rest[verb.end() : end]
        if 1 < len(after) <= MAX_TITLE and POST_END.search(after):
            offset = at + len(name) + verb.end()
            return sentence[offset : offset + len(after)]
    return None


def identity_answer(question: str, name: str, hits: list[Hit], corpus: Corpus) -> Answer | None:
    """The post of `name` from the first retrieved sentence that writes one next to it, with that sentence as the
    evidence; a refusal when no retrieved passage names the person at all (asked about someone the articles do not
    mention, the answer components took another name: 王建军是谁？ -> 星穹科技总裁高建军); None when they name them
    without a post (the question is then answered as any other)."""
    if not any(name in to_simplified(h.chunk.text) for h in hits):
        return refusal(question, "who", hits, corpus)
    for hit in hits:
        text = hit.chunk.text
        for s, e in split_sentences(text):
            sentence = text[s:e].strip()
            folded = to_simplified(sentence)
            at = folded.find(name)
            while at >= 0:
                post = _post(sentence, folded, at, name)
                if post:
                    source = source_of(corpus.article(hit.chunk.article_id), text, hit.score)
                    return Answer(
                        question=question, answered=True, answer=post, evidence=[sentence], sources=[source], kind="who"
                    )
                at = folded.find(name, at + len(name))
    return None


def who_is(query: str, question: str, hits: list[Hit], corpus: Corpus) -> Answer | None:
    """The answer to a who-is-X question (query: as searched; question: as asked, for the reply): in Chinese, or in
    English with the name found by its pinyin in the passages; None for any other question."""
    name = identity_name(query)
    romanised = None if name else english_identity(query)
    if romanised:
        spelt = name_terms(romanised, [h.chunk.text for h in hits])
        name = spelt[0] if spelt else None
    return identity_answer(question, name, hits, corpus) if name else None
