"""Follow-up questions: detect a question that leans on the previous turn and complete it from that turn.

A question is completed only when it carries a marker that it refers back: a pronoun without an antecedent in the
question itself (他/她/它/他们/该/其, he/she/it/they), an ellipsis ("那X呢？", "还有呢？", "what about X?"), a bare
question word ("什么时候？", "when?"), a leading "那…" with no subject, or a reference to "the article". A question
without such a marker stands on its own and is never rewritten. The rules are linguistic patterns only; they know
nothing about particular articles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.extract import persons_read_simplified
from retrieval.questions import classify, pos_tokens
from retrieval.reading import analyse
from retrieval.text import stopwords, to_simplified

# Previous answers longer than this are sentences, not a referent one can put in place of a pronoun (Chinese
# characters; an English answer by words: "Mayor Daniel Okafor" is a referent, a clause is not).
MAX_REFERENT_CHARS = 16
MAX_REFERENT_WORDS = 4

_ZH_PERSON = re.compile(r"(?<![其吉])(他们|她们|他|她)(?![人乡国])")
_ZH_THING = re.compile(r"(它们|它|(?<![尤极与及])其(?=[\u4e00-\u9fff])(?![他它中余实次]))")
# 这/那 + classifier + noun ("这次会议", "那家公司"): the noun names what the previous turn was about.
_ZH_DEMONSTRATIVE = re.compile(r"(这|那|此|该)(次|个|项|家|位|份|些|场|件|座|所|条|届|种)?(?=[\u4e00-\u9fff])")
_ZH_ARTICLE = re.compile(
    r"(这|该|此|本|那)(篇|则|条|份|个)?(文章|报[道导]|新闻|消息|稿件)|(这|该|此|那)[篇则]|本文|原文|文中"
)
_ZH_LEAD = re.compile(r"^(那么|那|还有|另外|然后|再问一下|再问|至于|对了)[，,、\s]*")
_ZH_TAIL = re.compile(r"[呢吗啊呀吧]?[？?！!。.，,\s]*$")
_ZH_MORE = {"", "还有", "别的", "其他", "其它", "另外", "更多", "还有别的", "还有其他"}
_ZH_BARE = re.compile(
    r"^(是|在|又是|那是|都是)?(什么时候|何时|哪天|哪一天|哪一年|哪年|几号|在哪里|在哪儿|在哪|哪里|哪儿|为什么|为何|"
    r"怎么样|怎么回事|如何|怎样|是谁|谁|有多少|多少|几个|几次|哪些|有哪些|什么|是什么|结果|后来)(的|了|呢)?$"
)
# Demonstratives that start a time or place adverb, not an ellipsis: 那时, 那里.
_ZH_NOT_LEAD = re.compile(r"^那(个|些|里|儿|时|天|年|次|位|家|种|样|么多)")

_EN_ANOTHER = re.compile(r"\b(?:article|story|report|piece)\s+(?:about|on|regarding|concerning)\b", re.I)
_EN_PERSON = re.compile(r"\b(he|she|him|her|his|hers|they|them|their)\b", re.I)
_EN_THING = re.compile(r"\b(it|its)\b", re.I)
# "the article about the ruling" names another article: not the previous one
_EN_ARTICLE = re.compile(
    r"\b(this|that|the) (article|story|report|piece)\b(?!\s+(?:about|on|from|regarding|concerning|of|in|by)\b)", re.I
)
_EN_WHAT_ABOUT = re.compile(r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(.+?)[\s?.!]*$|^\s*and\s+(.+?)[\s?.!]*$", re.I)
_EN_BARE = re.compile(
    r"^\s*(?:and\s+|so\s+)?(when|where|why|who|how many|how much|how|what|which ones?)"
    r"(?:\s+(?:was that|was it|is that|did that happen|exactly))?[\s?.!]*$",
    re.I,
)
_EN_QUESTION_START = re.compile(
    r"(who|whom|whose|what|when|where|why|how|which|is|are|was|were|do|does|did|can|could|will|has|have|had)\b", re.I
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|the|de|van|von)?\s*[A-Z][\w'’-]*)*")
_NOMINAL = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "l", "j", "eng", "vn", "ng")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NAMED = ("nr", "ns", "nt", "nz", "m", "t")
_PROPER = ("nr", "nrfg", "nrt", "ns", "nt", "nz")  # any proper name stands for another
# Word classes that end a leading subject: verbs, prepositions, particles, adverbs, pronouns, conjunctions, marks.
_STOP_FLAGS = ("v", "p", "u", "d", "r", "c", "x", "y", "e")
_STOP_WORDS = stopwords("follow-up")
_DATE_CLAUSE = re.compile(r"^(?:在)?[\d一二三四五六七八九十零〇年月日号时至到\-－~～]{2,14}[，,]\s*")


@dataclass(frozen=True)
class Turn:
    """What a follow-up may lean on: the previous (completed) question, its short answer and its article."""

    question: str
    answer: str = ""
    article_id: str | None = None
    article_title: str = ""


@dataclass(frozen=True)
class Resolution:
    """How a question was understood: the text to ask, whether it was completed, and an article to prefer."""

    text: str
    rewritten: bool = False
    prefer_article: str | None = None
    reason: str = ""  # "pronoun", "ellipsis", "bare", "subject", "article" or "" for a standalone question


def _short(answer: str) -> str:
    answer = answer.strip().rstrip("。.")
    if _HAN.search(answer) or not answer:
        return answer if 0 < len(answer) <= MAX_REFERENT_CHARS else ""
    return answer if len(answer.split()) <= MAX_REFERENT_WORDS and not re.search(r"[,;:]", answer) else ""


def subject(question: str) -> str:
    """The leading noun phrase of a question (its topic): "乍都节公园的面积有多大？" → "乍都节公园".

    Everything before the first verb, particle, pronoun or question word counts (names that jieba splits stay
    whole); a question that starts with its question word ("谁主持了X？") has no leading subject: its first noun
    phrase is taken instead.
    """
    if classify(question).lang == "en":
        return _en_subject(question)
    lead = leading_subject(question)
    if lead:
        return lead
    words: list[str] = []
    for word, flag in (*pos_tokens(_DATE_CLAUSE.sub("", question.strip())), ("。", "x")):
        if flag.startswith(_NOMINAL) or (words and word in ("·", "-", "－")):
            words.append(word)
        elif words:
            break
    return "".join(words).strip("·-－")


def leading_subject(question: str) -> str:
    """The words before the first verb, particle, pronoun or question word ("" when the question starts with one)."""
    body = _DATE_CLAUSE.sub("", question.strip())
    words: list[str] = []
    tokens = list(pos_tokens(body))
    for k, (word, flag) in enumerate(tokens):
        stop = flag.startswith(_STOP_FLAGS) and not flag.startswith(("vn", "nr", "ns", "nt", "nz"))
        if stop and _name_char(tokens, k):
            stop = False
        if stop or word in _STOP_WORDS:
            if words:
                break
            if flag.startswith(("p", "d", "c", "x", "t")) and word not in _STOP_WORDS:
                continue  # a leading "在", "，": the subject may follow
            return ""
        words.append(word)
    return "".join(words).strip("·-－ ")


def _en_subject(question: str) -> str:
    """The longest capitalised name after the first word, else the first "the X" noun, else the last term."""
    names = [m.group(0) for m in _CAPITALISED.finditer(question) if m.start() > 0]
    if names:
        return max(names, key=len)
    m = re.search(r"\b(the|this|that) ([a-z][\w-]*)", question, re.I)
    if m:
        return f"the {m.group(2)}"
    terms = classify(question).terms
    return terms[-1] if terms else ""


def _name_char(tokens: list[tuple[str, str]], k: int) -> bool:
    """Whether a one-character "verb" is part of a name jieba does not know ("鸡毛|松|有" → 鸡毛松).

    jieba falls back to single characters for unknown names; a single character followed by another single one,
    a noun, or directly by 是/有/的 (a verb is rarely followed by those) is taken as part of the name; one followed
    by a particle (了/着/过) or a longer verb is a verb.
    """
    word, flag = tokens[k]
    if len(word) != 1 or not _HAN.match(word) or word in _STOP_WORDS or not flag.startswith(("v", "a", "d", "q")):
        return False
    if flag in ("vg", "ag", "dg", "qg"):  # a bound morpheme, not a word: part of an unknown name
        return True
    if k + 1 >= len(tokens):
        return False
    after, after_flag = tokens[k + 1]
    if after in ("是", "有", "的"):
        return True
    if after_flag.startswith(("u", "x", "y", "p", "r")):
        return False
    return (len(after) == 1 and after not in _STOP_WORDS) or after_flag.startswith((*_NOMINAL, "a"))


def _put(text: str, start: int, end: int, referent: str, glue: str = "") -> str:
    """`text` with [start, end) (a pronoun) replaced by the referent; where the words after the pronoun repeat the
    referent's end ("它占地面积…" for "X占地面积"), that end is dropped from the referent."""
    after = text[end:]
    for k in range(len(referent) - 1, 0, -1):
        if after.startswith(referent[-k:]) and _HAN.match(referent[-k]):
            referent = referent[:-k]
            break
    return text[:start] + referent + glue + after


def _kind(turn: Turn) -> str:
    """The previous question's kind, from its text (the same whichever path answered it)."""
    return analyse(turn.question).kind


def _asks_for_referent(turn: Turn) -> bool:
    """Whether the previous answer is what the next pronoun means: "谁主持了X？", "X是谁？", "哪家公司…？"."""
    q = classify(turn.question)
    if not _short(turn.answer) or _kind(turn) not in ("who", "org", "which", "title"):
        return False
    return not q.left.strip() or not q.right.strip() or not leading_subject(turn.question)


def _person(turn: Turn) -> str:
    """Whom "he/she/they" most likely means: the answer to "who…?", else the previous question's subject (the
    preferred antecedent: the topic carries on), else a person named in it."""
    if _asks_for_referent(turn) and _kind(turn) == "who":
        said = _short(turn.answer)
        # an answer with its post or a word around the one name (广东省副省长黄志远当天): he is the name
        found = {sp.text for sp in persons_read_simplified(said)} if _HAN.search(said) else set()
        return found.pop() if len(found) == 1 else said
    if classify(turn.question).lang == "en":
        names = [m.group(0) for m in _CAPITALISED.finditer(turn.question) if m.start() > 0]
        return names[0] if names else _short(turn.answer)
    lead = leading_subject(turn.question)
    if lead:
        return lead
    for word, flag in pos_tokens(turn.question):
        if flag in ("nr", "nrfg", "nrt"):
            return word
    return subject(turn.question) or _short(turn.answer)


def _thing(turn: Turn) -> str:
    """What "it/它" most likely means: the answer when the question asked for a named thing ("哪家公司…？"),
    else the previous question's topic."""
    if _asks_for_referent(turn) and _kind(turn) != "who":
        return _short(turn.answer)
    return subject(turn.question) or _short(turn.answer)


def _statement(turn: Turn) -> str:
    """The previous question as a statement: its question word replaced by the answer (or dropped)."""
    q = classify(turn.question)
    answer = _short(turn.answer)
    # A verb or preposition matched with the question word stays before the answer: 在哪里 -> 在杭州, 位于哪 -> 位于…
    lead = re.match(r"(.*?)(?=哪|什么|什麼|谁|誰|何|几|幾|多少)", q.qword) if q.lang == "zh" else None
    keep = lead.group(1) if lead and not answer.startswith(lead.group(1)) else ""
    body = q.left + keep + answer + q.right if q.qword else turn.question
    return re.sub(r"[？?。！!\s]+$", "", body).strip()


def _same_slot(fragment: str, previous: str) -> tuple[int, int] | None:
    """Where in the previous question `fragment` takes the place of a term ("第三季度" for "第二季度"), or None."""
    frag_tokens = [(w, f) for w, f in pos_tokens(fragment) if w.strip()]
    if not frag_tokens:
        return None
    frag_flag = frag_tokens[0][1] if len(frag_tokens) == 1 else ""
    date = r"\d{1,4}年(?:\d{1,2}月)?(?:\d{1,2}[日号])?|\d{1,2}月(?:\d{1,2}[日号])?"
    if re.fullmatch(date, fragment):  # a date such as "1992年4月" is split by jieba; match it as a whole
        m = re.search(date, previous)
        return (m.start(), m.end()) if m else None
    # the span of up to four words of the previous question that shares most of its start and end with the
    # fragment ("江苏省长" for "浙江省长"); verbs and question words are never replaced
    words = list(pos_tokens(previous))
    offsets = [0]
    for w, _ in words:
        offsets.append(offsets[-1] + len(w))
    best: tuple[int, int, int, int] | None = None  # score, -length, start, end
    for i in range(len(words)):
        for j in range(i + 1, min(i + 5, len(words) + 1)):
            span = previous[offsets[i] : offsets[j]]
            blocked = any(f.startswith(("r", "x", "u", "v")) and len(w) > 1 for w, f in words[i:j])
            if blocked or not _HAN.match(span[-1]) or span == fragment:
                continue
            score = _common(span, fragment) + _common(span[::-1], fragment[::-1])
            if score > 0 and (best is None or (score, -len(span)) > best[:2]):
                best = (score, -len(span), offsets[i], offsets[j])
    if best is not None:
        start, end = best[2], best[3]
        for k in range(len(fragment) - 1, 0, -1):  # "扩建|一期" for "扩建二期": the shared start goes too
            if previous[:start].endswith(fragment[:k]):
                return start - k, end
        return start, end
    for same in (True, False):  # a name for a name, a place for a place; then any name (jieba tags 高雄 a person)
        for (word, flag), at in zip(words, offsets, strict=False):
            named = (frag_flag == flag and flag in _NAMED) if same else (frag_flag in _PROPER and flag in _PROPER)
            if len(word) >= 2 and word != fragment and named:
                return at, at + len(word)
    return None


def _common(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _ask_again(turn: Turn, reason: str) -> Resolution:
    return Resolution(turn.question, True, turn.article_id, reason)


def resolve(question: str, turn: Turn | None) -> Resolution:
    """Complete `question` from the previous turn when it refers back to it; otherwise return it unchanged."""
    text = question.strip()
    if turn is None or not text:
        return Resolution(question)
    found = _resolve_en(text, turn) if classify(text).lang == "en" else _resolve_zh(text, turn)
    # a question that stands on its own goes on exactly as asked
    return found if found.rewritten else Resolution(question, False, found.prefer_article, found.reason)


def _resolve_zh(text: str, turn: Turn) -> Resolution:
    folded = to_simplified(text)  # same length: offsets found here apply to the original
    lead = _ZH_LEAD.match(folded) if not _ZH_NOT_LEAD.match(folded) else None
    body_start = lead.end() if lead else 0
    tail = _ZH_TAIL.search(folded)
    body_end = tail.start() if tail else len(folded)
    body = folded[body_start:body_end]
    ends_ne = bool(re.search(r"呢[？?！!。.\s]*$", folded))
    q = classify(folded)

    if (_ZH_ARTICLE.search(folded) or q.is_meta) and turn.article_id:  # 这篇…, or "作者是谁？" about the last one
        return Resolution(text, False, turn.article_id, "article")
    if ends_ne and q.kind == "other" and len(body) <= 12:
        if body in _ZH_MORE:
            return _ask_again(turn, "ellipsis")
        fragment = text[body_start:body_end]
        slot = _same_slot(fragment, turn.question)
        if slot is not None:
            out = turn.question[: slot[0]] + fragment + turn.question[slot[1] :]
            return Resolution(out, True, turn.article_id, "ellipsis")
        topic = subject(turn.question)
        if topic and topic not in fragment:  # "那X呢？" about another attribute of the same topic: "topic的X"
            return Resolution(f"{topic}的{fragment}是什么？", True, turn.article_id, "ellipsis")
        return Resolution(f"{fragment}，{_statement(turn)}？", True, turn.article_id, "ellipsis")
    if _ZH_BARE.match(body):
        if body in ("结果", "后来"):
            return _ask_again(turn, "bare")
        return Resolution(f"{_statement(turn)}，{text[body_start:].strip()}", True, turn.article_id, "bare")

    person = _ZH_PERSON.search(folded)
    if person and not _has_person_before(text, person.start()):
        referent = turn.answer.strip() if person.group(1) in ("他们", "她们") and _kind(turn) == "who" else ""
        referent = referent if 0 < len(referent) <= 40 else _person(turn)
        if referent:
            out = _put(text, person.start(), person.end(), referent)
            return Resolution(
                out[body_start if body_start <= person.start() else 0 :], True, turn.article_id, "pronoun"
            )
    thing = _ZH_THING.search(folded)
    if thing and _kind(turn).startswith("meta_") and turn.article_id:  # "它" after a question about the article
        out = text[: thing.start()] + "这篇文章" + text[thing.end() :]
        return Resolution(out, True, turn.article_id, "article")
    if thing and (thing.group(1) != "其" or not _has_subject_before(text, thing.start())):
        referent = _thing(turn)
        if referent:
            word = thing.group(1)
            glue = "的" if word == "其" else ""
            out = _put(text, thing.start(), thing.end(), referent, glue)
            return Resolution(out[body_start if body_start <= thing.start() else 0 :], True, turn.article_id, "pronoun")
    demo = _ZH_DEMONSTRATIVE.match(folded[body_start:])
    if demo and (lead or demo.group(1) in ("这", "该", "此")):
        start = body_start + demo.end()
        rest = text[start:]
        topic = subject(turn.question)
        head = next((w for w, f in pos_tokens(rest) if f.startswith((*_NOMINAL, "t"))), "")
        if topic and head and rest.startswith(head) and topic != head:
            if topic.endswith(head[-1]):  # "该公园" after a question about "X公园": X公园
                return Resolution(topic + rest[len(head) :], True, turn.article_id, "pronoun")
            if demo.group(1) in ("该", "此") or demo.group(2):  # "该漫画", "这个周期" after a question about Y
                return Resolution(f"{topic}的{rest}", True, turn.article_id, "pronoun")
    leans = lead is not None and lead.group(1) in ("那", "那么", "至于") and q.kind != "other"
    if leans and not _has_own_subject(text[body_start:]):
        topic = subject(turn.question)
        if topic and topic not in text:
            return Resolution(f"{topic}，{text[body_start:]}", True, turn.article_id, "subject")
    return Resolution(text)


def _has_person_before(text: str, end: int) -> bool:
    """Whether a person's name precedes position `end` in the question (the pronoun's antecedent is there)."""
    seen = 0
    for word, flag in pos_tokens(text):
        if seen >= end:
            return False
        if flag in ("nr", "nrfg", "nrt"):
            return True
        seen += len(word)
    return False


def _has_subject_before(text: str, end: int) -> bool:
    """Whether a noun phrase of its own comes before a 它/该/其 (then it refers inside the question)."""
    return len(subject(text[:end])) >= 2


def _has_own_subject(text: str) -> bool:
    """Whether a clause has a named entity of its own (a person, place, organisation or a proper name)."""
    return any(flag in ("nr", "ns", "nt", "nz", "nrt", "nrfg", "eng") for _, flag in pos_tokens(text))


def _resolve_en(text: str, turn: Turn) -> Resolution:
    about_another = _EN_ANOTHER.search(text)
    if (_EN_ARTICLE.search(text) or (classify(text).is_meta and not about_another)) and turn.article_id:
        return Resolution(text, False, turn.article_id, "article")
    bare = _EN_BARE.match(text)
    if bare:
        word = bare.group(1)
        return Resolution(f"{word.capitalize()}: {_statement(turn)}?", True, turn.article_id, "bare")
    about = _EN_WHAT_ABOUT.match(text)
    if about:
        fragment = (about.group(1) or about.group(2) or "").strip()
        if fragment.lower() in ("then", "so", "more", "else", "after that", "next"):
            return _ask_again(turn, "ellipsis")
        if about.group(2) and _EN_QUESTION_START.match(fragment):  # "and how much did X pay?": a question itself
            return _resolve_en(fragment, turn)
        core = re.sub(r"^(the|a|an)\s+", "", fragment, flags=re.I)
        names = [m.group(0) for m in _CAPITALISED.finditer(turn.question) if m.start() > 0]
        if core[:1].isupper() and names:
            return Resolution(turn.question.replace(names[0], core, 1), True, turn.article_id, "ellipsis")
        return Resolution(f"{fragment}: {turn.question}", True, turn.article_id, "ellipsis")
    own_names = [m for m in _CAPITALISED.finditer(text) if m.start() > 0]
    person = _EN_PERSON.search(text)
    if person and not any(m.start() < person.start() for m in own_names):
        referent = _person(turn)
        if referent:
            word = person.group(1).lower()
            value = referent + "'s" if word in ("his", "their") else referent
            return Resolution(text[: person.start()] + value + text[person.end() :], True, turn.article_id, "pronoun")
    thing = _EN_THING.search(text)
    if thing and _kind(turn).startswith("meta_") and turn.article_id:  # "it" after a question about the article
        value = "the article's" if thing.group(1).lower() == "its" else "the article"
        return Resolution(text[: thing.start()] + value + text[thing.end() :], True, turn.article_id, "article")
    if thing and not own_names and not re.match(r"^\s*(is|was)\s+it\s+true\b", text, re.I):
        referent = _thing(turn)
        if referent:
            value = referent + "'s" if thing.group(1).lower() == "its" else referent
            return Resolution(text[: thing.start()] + value + text[thing.end() :], True, turn.article_id, "pronoun")
    return Resolution(text)
