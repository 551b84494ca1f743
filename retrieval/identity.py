"""Who-is-X questions (王建军是谁？, 王建军担任什么职务？, What is Wang Jianjun's job?): the post the articles give X,
read from the title written next to the name; and the reverse, who holds a place's or company's post (江南省长是谁？,
星穹科技的董事长是谁？): the name written after that post, or a refusal when no retrieved passage writes the post.

News writes a person's post beside the name: before it (广东省副省长黄志远, 市长刘国华、市委副书记赵明成) or after it
(任命王建军为省交通运输厅厅长). The answer components cannot learn this: the shared training data holds 8 "X是谁"
questions in 4,500, all about a role (首任臺北市長是誰), so the reader answers "王建军是谁？" with another person of
the sentence. So this is a rule, kept because no data teaches it: the title is the words next to the name up to the
clause's punctuation, and it must end in a word of a post (POST_END), so nothing else is taken; where the articles
name the person without a post, the question is answered as any other.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import partial

from retrieval.crosslingual import name_terms
from retrieval.extract import PERSON_HEAD, POST_END, persons_read_simplified
from retrieval.models import Answer, Hit
from retrieval.reading import Corpus
from retrieval.rules import refusal, source_of
from retrieval.text import split_sentences, to_simplified

# 王建军是谁？ and the questions that ask for the same post in other words (_POST_ASKED): 王建军是干什么的？
# 王建军担任什么职务？ 王建军的职务是什么？ 王建军什么职位？
_WHO_IS = re.compile(
    r"^(?P<name>[\u4e00-\u9fff·]{2,8}?)(?:是|又是|究竟是|到底是)(?:谁|何人|什么人|哪位)[啊呀呢]?[？?!！。]?$"
)
_POST_ASKED = re.compile(
    r"^(?P<name>[\u4e00-\u9fff·]{2,12}?)(?:"
    r"是?(?:干|做)(?:什么|啥)(?:工作)?的"
    r"|(?:是|担任|任|身居)?(?:什么|何|哪个|啥)(?:职务|职位|官职|职|身份|头衔)"
    r"|的(?:职务|职位|官职|身份|头衔)是(?:什么|啥)"
    r")[啊呀呢]?[？?!！。]?$"
)
# What such a question may say between the name and the question word (王建军被任命为什么职务？ 钱立新曾任…
# 赵明成在会上是…): not the name's.
_NAME_TAIL = re.compile(
    r"(?:在[\u4e00-\u9fff]{1,6}|被任命为|任命为|被选为|当选为|当选|被|将要|将|曾经|曾|现在|现|目前|已经|已|又|还)$"
)
_NOT_A_NAME = re.compile(r"的|^(?:他|她|它|这|那|此|该|其|你|我)")
MAX_TITLE = 24  # characters: a post longer than this is a clause, not a title
# Words between a post and the name after it (任命王建军为…, 黄某现任…): the post follows them.
_AFTER_NAME = re.compile(r"^(?:被任命为|任命为|担任|出任|当选为|当选|升任|现任|曾任|系|是|为|任)")
CLAUSE_MARKS = re.compile(r"[，,、；;：:（(）)“”\"。！？!?\s]")  # where a post written beside a name ends
_OPENING = {"）": "（", ")": "("}
_CREDIT = re.compile(r"记者|通讯员|摄|编辑|实习生")
_DATELINE_END = "电讯，,。"  # 新华社北京11月20日电（…）, 本报讯（…）: the parenthetical credits the report


def _clause_start(folded: str, end: int) -> int:
    """Where the clause that runs up to `end` begins: after the last punctuation before it, a parenthetical after a
    word taken in unless it credits the reporter or closes a dateline (星河控股（股份代号：2388）前总裁 is one post;
    本报讯（记者 张三）市长, 新华社北京11月20日电（张三）总经理 and （央视新闻）总经理 are not)."""
    breaks = [m.end() for m in CLAUSE_MARKS.finditer(folded, 0, end)]
    start = breaks[-1] if breaks else 0
    while start > 0 and folded[start - 1] in _OPENING:
        opened = folded.rfind(_OPENING[folded[start - 1]], 0, start - 1)
        if opened < 1 or folded[opened - 1] in _DATELINE_END or _CREDIT.search(folded[opened:start]):
            break
        start = breaks[n - 1] if (n := bisect_right(breaks, opened)) > 0 else 0
    return start


_EN_NAME = r"(?P<name>[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*){0,3})"
# Who is X? and the same question in other words: What is X's job? What position does X hold? What does X do?
_IDENTITY_EN = tuple(
    re.compile(r"^\s*" + form + r"\s*[?.!]?\s*$")
    for form in (
        r"(?i:who)(?:'s|\s+is|\s+was)\s+" + _EN_NAME,
        r"(?i:what)(?:'s|\s+is|\s+was)\s+" + _EN_NAME + r"'s?\s+(?i:job|position|post|title|role|occupation)",
        r"(?i:what\s+(?:position|post|title|job|role)\s+(?:does|did))\s+" + _EN_NAME + r"\s+(?i:hold|have)",
        r"(?i:what\s+does)\s+" + _EN_NAME + r"\s+do",  # not "What did X do?": an action
    )
)


def english_identity(question: str) -> str | None:
    """The romanised name a "Who is X?" question asks about (Who is Wang Jianjun? -> Wang Jianjun), or None."""
    m = next((m for form in _IDENTITY_EN if (m := form.match(question))), None)
    return m.group("name") if m else None


def identity_name(question: str) -> str | None:
    """The name a "X是谁？" question, or one asking X's post in other words, asks about (王建军是谁？,
    王建军被任命为什么职务？ -> 王建军), or None: "广东省长是谁？" and "他的父亲是谁？" ask for a person (X names a
    role by PERSON_HEAD, or holds 的)."""
    asked = to_simplified(question.strip())
    m = _WHO_IS.match(asked)
    name = m.group("name") if m else None
    if m is None and (m := _POST_ASKED.match(asked)):
        name = m.group("name")
        while (tail := _NAME_TAIL.search(name)) and tail.start() >= 2:
            name = name[: tail.start()]
    if name is None or not 2 <= len(name) <= 8:
        return None
    return None if PERSON_HEAD.search(name) or _NOT_A_NAME.search(name) else name


def asks_who(question: str) -> bool:
    """Whether the question is "X是谁？" / "Who is X?" itself, whose X the articles must name (the other forms may
    name a post's holder the question words differently: those fall back to the usual answer)."""
    return bool(_WHO_IS.match(to_simplified(question.strip())) or _IDENTITY_EN[0].match(question))


_ROLE_ASKED = re.compile(
    r"^(?:谁是(?P<a>[\u4e00-\u9fff]{2,16})"
    r"|(?P<b>[\u4e00-\u9fff]{2,16}?)(?:是谁|是哪位|叫什么(?:名字)?|的(?:名字|姓名)是什么|姓甚名谁))[？?]?$"
)
_PLACE_END = re.compile(r"[省市县区]$")
# A post of an office, as X的<post> asks it (星穹科技的董事长): not a relation (李明的父亲) or a part played
# (会议的主持人).
_OFFICE = re.compile(r"(长|书记|主席|总裁|经理|总监|董事|主任|委员|秘书|负责人|法官|官|总理|总统|理事)$")
_DEPUTY = ("副", "代", "前", "原")
# Words before the place or company a post question names (新任港务局…, 现任深圳…): not its name.
_TENURE = re.compile(r"^(?:新任|现任|前任|首任|时任|本届|这家|该)")


def role_asked(question: str) -> tuple[str, str] | None:
    """(qualifier, post) of a question that asks who holds a post: 江南省长是谁？ -> (江南, 省长), 深圳市市长是谁？ ->
    (深圳, 市长), 谁是星穹科技董事长？ -> (星穹科技, 董事长); None for any other question."""
    from retrieval.questions import tokens

    m = _ROLE_ASKED.match(to_simplified(question.strip()))
    if m is None:
        return None
    asked = m.group("a") or m.group("b")
    if "的" in asked:  # 星穹科技的董事长 asks as 星穹科技董事长; 他的父亲, 公司的新任董事长 are not a qualifier's post
        head, _, tail = asked.rpartition("的")
        if "的" in head or _NOT_A_NAME.search(head) or len(tokens(tail)) != 1 or not _OFFICE.search(tail):
            return None
        asked = head + tail
    words = tokens(asked)
    if len(words) < 2 or not POST_END.search(words[-1]):
        return None  # 市长是谁？ (no qualifier: any mayor), 他的父亲是谁？
    qualifier, post = "".join(words[:-1]), words[-1]
    if len(post) == 1 and _PLACE_END.search(qualifier):  # 广东省/长: the post is 省长
        qualifier, post = qualifier[:-1], qualifier[-1] + post
    if qualifier.endswith(_DEPUTY):  # 江南市|副|市长: the deputy's post is asked (副市长), not the mayor's
        qualifier, post = qualifier[:-1], qualifier[-1] + post
    qualifier = _PLACE_END.sub("", _TENURE.sub("", qualifier))
    if len(qualifier) < 2 or _NOT_A_NAME.search(qualifier):
        return None  # 这位市长, 王市长, 沪市长: no place or company to find the post of
    return qualifier, post


def _holds(written: str, qualifier: str, post: str, article_names: Callable[[str], bool]) -> bool:
    """Whether the posts written before a name (、-listed) hold the one asked: one of them ends in the post, not a
    deputy's (副省长 is not 省长), and names the qualifier or, bare (省长 after 江南省委副书记、), takes the list's
    (江南省委副书记、深圳市委书记 holds no 江南 secretary's post: 深圳市委 is its own); a bare post alone (市長黃俊明)
    takes the article's place when the article names the qualifier, and an office without its place (园林局长邱立言
    for 古镇园林局长) when the article names the rest of the qualifier (古镇; `article_names` is asked only then)."""
    if qualifier not in written:
        if not written.endswith(post):
            return False
        office = _PLACE_END.sub("", written[: len(written) - len(post)])
        if not office:
            return article_names(qualifier)
        place = _PLACE_END.sub("", qualifier[: len(qualifier) - len(office)])  # 古镇 of 古镇市园林
        return "、" not in office and qualifier.endswith(office) and bool(place) and article_names(place)
    for one in written.split("、"):
        own = one[: len(one) - len(post)]
        if one.endswith(post) and not own.endswith(_DEPUTY) and (qualifier in one or not _PLACE_END.sub("", own)):
            return True
    return False


def _sentences(hits: list[Hit]) -> Iterator[tuple[Hit, str, str]]:
    """Each retrieved sentence in hit order, with its Simplified form (same offsets)."""
    for hit in hits:
        text = hit.chunk.text
        for s, e in split_sentences(text):
            sentence = text[s:e].strip()
            yield hit, sentence, to_simplified(sentence)


def _found(question: str, answer: str, hit: Hit, sentence: str, corpus: Corpus) -> Answer:
    """The answer with its sentence as the evidence and its article as the source."""
    source = source_of(corpus.article(hit.chunk.article_id), hit.chunk.text, hit.score)
    return Answer(question=question, answered=True, answer=answer, evidence=[sentence], sources=[source], kind="who")


def role_holder(question: str, asked: tuple[str, str], hits: list[Hit], corpus: Corpus) -> Answer | None:
    """The person whose post, written next to the name, is the one asked (its qualifier in it, ending in the post, not
    a deputy's): 江南省委副书记、省长钱立新 answers 江南省长是谁？, not another province's governor in the same sentence
    or 江南省副省长; None when no retrieved sentence writes it (the question is then answered as any other)."""
    qualifier, post = asked
    named: dict[tuple[str, str], bool] = {}  # (article id, place) -> whether the article names it anywhere

    def names_place(article_id: str, place: str) -> bool:
        if (article_id, place) not in named:
            article = corpus.article(article_id)
            named[article_id, place] = place in to_simplified(f"{article.title}\n{article.text}")
        return named[article_id, place]

    for hit, sentence, folded in _sentences(hits):
        for person in persons_read_simplified(sentence):
            held = _post(sentence, folded, person.start, to_simplified(person.text))
            if held and _holds(to_simplified(held), qualifier, post, partial(names_place, hit.chunk.article_id)):
                return _found(question, person.text, hit, sentence, corpus)
    return None


def _post(sentence: str, folded: str, at: int, name: str) -> str | None:
    """The post written next to the name at `at` in the sentence (folded: its Simplified form, same offsets)."""
    start = _clause_start(folded, at)
    before = folded[start:at]
    cut = max(before.rfind(c) for c in "的和及与")  # 代表何志成的资深大律师黄国华, 张三和深圳市市长覃某: after it
    if cut >= 0:
        before = before[cut + 1 :]
    if 1 < len(before) <= MAX_TITLE and POST_END.search(before):
        # 省交通运输厅党组书记、厅长钱立新: posts listed with 、 before the name are all his
        start = at - len(before)
        while start > 1 and folded[start - 1] == "、":
            prev = _clause_start(folded, start - 1)
            if not (0 < start - 1 - prev <= MAX_TITLE and POST_END.search(folded[prev : start - 1])):
                break
            start = prev
        return sentence[start:at]
    rest = folded[at + len(name) :]
    verb = _AFTER_NAME.match(rest)
    if verb:
        end = next((m.start() for m in CLAUSE_MARKS.finditer(rest, verb.end())), len(rest))
        after = rest[verb.end() : end]
        if 1 < len(after) <= MAX_TITLE and POST_END.search(after):
            offset = at + len(name) + verb.end()
            return sentence[offset : offset + len(after)]
    return None


def identity_answer(question: str, name: str, hits: list[Hit], corpus: Corpus, strict: bool = True) -> Answer | None:
    """The post of `name` from the first retrieved sentence that writes one next to it, with that sentence as the
    evidence; a refusal when no retrieved passage names the person at all (asked about someone the articles do not
    mention, the answer components took another name: 王建军是谁？ -> 星穹科技总裁高建军); None when they name them
    without a post (the question is then answered as any other), or, not `strict`, when none names them."""
    if not any(name in to_simplified(h.chunk.text) for h in hits):
        return refusal(question, "who", hits, corpus) if strict else None
    for hit, sentence, folded in _sentences(hits):
        at = folded.find(name)
        while at >= 0:
            post = _post(sentence, folded, at, name)
            if post:
                return _found(question, post, hit, sentence, corpus)
            at = folded.find(name, at + len(name))
    return None


def _post_written(asked: tuple[str, str], hits: list[Hit], corpus: Corpus) -> bool:
    """Whether a retrieved passage writes the post, a former or acting holder's too, but not a deputy's (副省长 is not
    省长), in an article that names the qualifier's place or company (its first two characters, in order, a few apart
    for an abbreviation: 古镇, 港务 of 港务局行政, 发…改 of 发改委): 深圳市市长 in an article about Guangdong does not
    write 古镇's."""
    qualifier, post = asked
    named = re.compile(re.escape(qualifier[0]) + ".{0,8}?" + re.escape(qualifier[1]))
    for hit in hits:
        text = to_simplified(hit.chunk.text)
        at = text.find(post)
        while at >= 0:
            if not text[:at].endswith("副"):
                article = corpus.article(hit.chunk.article_id)
                if named.search(to_simplified(f"{article.title}\n{article.text}")):
                    return True
                break
            at = text.find(post, at + 1)
    return False


def who_is(query: str, question: str, hits: list[Hit], corpus: Corpus) -> Answer | None:
    """The answer to a who-is-X question (query: as searched; question: as asked, for the reply): in Chinese, or in
    English with the name found by its pinyin in the passages; None for any other question."""
    asked = role_asked(query)
    if asked is not None:
        held = role_holder(question, asked, hits, corpus)
        if held is None and not _post_written(asked, hits, corpus):  # 南岭省长是谁？: no passage writes its 省长
            return refusal(question, "who", hits, corpus)
        return held
    name = identity_name(query)
    romanised = None if name else english_identity(query)
    if romanised:
        spelt = name_terms(romanised, [h.chunk.text for h in hits])
        name = spelt[0] if spelt else None
    return identity_answer(question, name, hits, corpus, strict=asks_who(query)) if name else None
