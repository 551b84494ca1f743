"""Question classification: what kind of answer a question wants, its language and its content terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import jieba

from retrieval.tagging import pos_tokens
from retrieval.text import detect_lang, stopwords, to_mandarin, to_simplified, whole_number

jieba.setLogLevel(60)  # silence "Building prefix dict" on stderr

# Answer kinds. "list" wants every item; "entity" kinds (who/when/where/number/org/title) want a typed span.
KINDS = (
    "who",
    "when",
    "where",
    "number",
    "org",
    "title",
    "list",
    "which",
    "what",
    "why",
    "how",
    "yesno",
    "meta_published",
    "meta_source",
    "meta_author",
    "meta_title",
    "meta_url",
    "other",
)

_ARTICLE_REF_ZH = (
    r"(这篇|该篇|此篇|本篇|这则|这条|本文|该文|原文|文章|本报[道导]|该报[道导]|这个报[道导]|这份报[道导]|新闻稿|稿件"
    r"|这(?:则|条|篇|个)?(?:新闻|报[道导]|消息))"
)
_ARTICLE_REF_EN = r"\b(article|story|report|piece|news item|post|this news)\b"

_META_ZH: list[tuple[str, str]] = [
    ("meta_url", r"(链接|连结|网址|url|URL|地址|出处链接)"),
    ("meta_author", r"(作者|谁写|记者是|撰写|撰稿|执笔)"),
    ("meta_title", r"(标题|题目|题为|叫什么名|名字是什么)"),
    (
        "meta_source",
        r"(来源(?!于|自)|出处|哪家媒体|哪个媒体|什么媒体|哪个网站|什么网站|哪家网站|刊登|刊发在|转载自|发表在|发布在哪|哪个单位发布|谁发布|哪里发布|在哪发布|媒体)",
    ),
    (
        "meta_published",
        r"(什么时候|何时|哪天|哪一天|几号|日期|时间|哪年|几月).{0,6}(发布|发表|刊发|刊登|(?<![研开])发出|出版|上线)"
        r"|(发布|发表|刊发|刊登)(时间|日期|于哪|于何)",
    ),
]
_META_EN: list[tuple[str, str]] = [
    ("meta_url", r"\b(link|url|web address|where can i read)\b"),
    ("meta_author", r"\b(author|who wrote|written by|byline|reporter)\b"),
    ("meta_title", r"\b(title|headline|called)\b"),
    (
        "meta_published",
        r"\b(when|what date|which date|what day|date)\b.*\b(published|posted|released|written|come out|came out)\b"
        r"|\bpublication date\b",
    ),
    (
        "meta_source",
        r"\b(outlet|source|publication|publisher|website|site|newspaper|media|which paper|published by|published in"
        r"|published on which)\b",
    ),
]

# 年 of 年龄 / 年纪 / 年级 (何年紀 asks an age, 哪个年级 a grade), not of 纪念 / 纪委 / 级别: no year asked.
_NOT_AN_AGE = r"(?![龄齡]|[纪紀](?![念委律录錄检檢])|[级級](?![别別]))"
# Chinese question words, most specific first. (pattern, kind)
_ZH_RULES: list[tuple[str, str]] = [
    (r"为什么|为何|为啥|什么原因|何故|原因是什么|原因是|因为什么|什么目的|目的是什么|为了什么", "why"),
    (r"怎么样|怎样|如何|怎么|什么方式|何种方式|什么方法|哪种方式", "how"),
    (r"哪些|哪几|有什么.{0,4}(企业|公司|城市|地方|人|国家|项目|领域|方面|成员|作品)|都有(什么|谁)|分别是", "list"),
    (
        r"什么时候|何时|哪一?年"
        + _NOT_AN_AGE
        + r"|哪一?天|哪一?月|几月|几号|几日|几点|什么时间|何年"
        + _NOT_AN_AGE
        + r"|何日|哪个时期|什么时期|哪个朝代|什么朝代|哪个年代|什么年代|多久以前|日期"
        r"|啥时候?|甚么时候|几时",  # as people type it (啥时候), 甚麼時候 and Cantonese 幾時
        "when",
    ),
    (r"多久|多长时间|几年|几天|几个月|几小时|多少年|多少天|多少小时|多少个月", "number"),
    (
        r"哪家|哪个(公司|企业|机构|组织|单位|部门|团体|集团|大学|学校|银行|媒体|协会|球队|俱乐部|政党|党派)|什么(公司|企业|机构|组织|单位|部门)",
        "org",
    ),
    (
        r"哪里|哪儿|何处|何地|什么地方|哪个地方|哪个城市|哪座城市|哪个省|哪个国家|哪国|哪个县|哪个市|哪个区|哪个州|哪座|在哪|位于哪|什么地点|哪个地区|哪一?个?地区",
        "where",
    ),
    (r"谁|哪位|哪个人|什么人|何人|哪一位|哪名|哪两位|哪几位", "who"),
    (
        r"多少|几[个名位件家次座条项种岁人年天倍]?|多大|多高|多长|多远|多重|多宽|多深|多快|多少钱|百分之几|几成|第几",
        "number",
    ),
    (r"哪[个一部首本种类支只条座间场届]?", "which"),
    (r"什么|甚么|啥|何[种物]", "what"),
    (r"是否|是不是|有没有|能否|可否|会不会|吗[？?]?$", "yesno"),
]

_EN_RULES: list[tuple[str, str]] = [
    (r"^\s*why\b|\bfor what reason\b|\bwhat (was|is) the reason\b", "why"),
    (r"\bhow (many|much)\b|\bwhat (number|percentage|amount)\b|\bhow (long|old|far|big|large|tall|high)\b", "number"),
    (r"^\s*how\b", "how"),
    (r"^\s*when\b|\bwhat (year|date|day|month|time)\b|\bwhich (year|date|day|month)\b|\bon what date\b", "when"),
    (
        r"^\s*where\b|\bwhich (city|country|town|place|province|state|region)\b|\bin what (city|country|place)\b",
        "where",
    ),
    (r"^\s*(who|whom|whose)\b|\bwhich (person|people|official|minister|leader)\b", "who"),
    (
        r"\bwhich (companies|firms|cities|countries|people|officials|places|organizations|organisations"
        r"|businesses|ones)"
        r"\b"
        r"|\bwhat (companies|firms|cities|countries|places)\b|\bname (the|all)\b|\blist\b",
        "list",
    ),
    (r"\bwhich (company|firm|organization|organisation|agency|institution|group|team|party|university|bank)\b", "org"),
    (r"^\s*which\b|\bwhich\b", "which"),
    (r"^\s*what\b|\bwhat\b", "what"),
    (r"^\s*(is|are|was|were|do|does|did|can|could|will|has|have|had)\b", "yesno"),
]

# Question words, particles and very common function words: never content terms (the "question" role of the one
# stopword list, retrieval/resources/stopwords.txt), Chinese and English apart.
STOPWORDS_ZH = frozenset(w for w in stopwords("question") if not w.isascii())
STOPWORDS_EN = frozenset(w for w in stopwords("question") if w.isascii())
_PARTICLES = stopwords("particle")

_PUNCT = re.compile(r"^[\s\W_]+$", re.UNICODE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Question:
    """A classified question: its kind, language, content terms and the surroundings of its question word."""

    text: str
    kind: str
    lang: str  # "zh" or "en"
    terms: tuple[str, ...]  # content terms (lowercased), question words and stopwords removed
    qword: str = ""  # the matched question word ("" when none)
    left: str = ""  # question text before the question word
    right: str = ""  # question text after the question word, trailing punctuation removed
    head: str = ""  # head noun of a which/list question (企业, 城市, companies ...), "" when none
    titles: tuple[str, ...] = field(default_factory=tuple)  # 《》 titles mentioned in the question

    @property
    def is_meta(self) -> bool:
        """True for questions about the article itself (date, outlet, author, title, link)."""
        return self.kind.startswith("meta_")


@lru_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    """jieba tokens of a text (precise mode), cached."""
    return tuple(jieba.lcut(text))


def whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened to the jieba word boundaries around it (words of the Simplified form, whose offsets are the
    text's): a span whose sub-word tokens cut a word (斗煥 of 全斗煥, 元十一年 of 至元十一年) is quoted whole.

    Except where jieba glued one character of the span to a dictionary word outside it: 陈立军代表 is cut 陈立 /
    军代表, and a span read up to 军 stays there rather than taking 代表 (or, cut back, losing 军). Only a single
    character: a span that cuts a longer word (纳粹德国 read from 德国) is widened, as the reader's own boundaries
    inside compounds are wrong more often than right (out of fold on the shared data: 5 right answers lost when any
    dictionary word outside kept the cut, none with this rule; `reader_training report`)."""
    s = to_simplified(text)
    bounds = [0]
    for w in tokens(s):
        bounds.append(bounds[-1] + len(w))
    if bounds[-1] != len(text):  # not expected (jieba keeps every character); then the span as it is
        return start, end
    lo = max(b for b in bounds if b <= start)
    hi = min((b for b in bounds if b >= end), default=end)
    if lo < start and min(b for b in bounds if b > start) - start == 1 and _is_word(s[lo:start]):
        lo = start
    if hi > end and end - max(b for b in bounds if b < end) == 1 and _is_word(s[end:hi]):
        hi = end
    for a, b in _document_numbers(s):  # 国发〔2022〕2号 is one name: a span that cuts it takes it whole
        if a < hi and lo < b:
            lo, hi = min(lo, a), max(hi, b)
    return whole_number(s, lo, hi)


_DOC_NUMBER = re.compile(r"[〔［\[]\d{4}[〕］\]]\d{1,4}号")
_ISSUER_MAX = 4  # characters of the issuing office's abbreviation before 〔 (国发, 国办发, 粤府办, 京政办发)


def _document_numbers(s: str) -> list[tuple[int, int]]:
    """[start, end) of each official document number in s (国发〔2022〕2号): the abbreviation of the issuing office,
    the year in 〔〕 and the number. The abbreviation is at most _ISSUER_MAX characters before 〔: abbreviations
    (粤府, 国办发), single characters (国, 发) and, right before 〔 only, a short noun (财税); so 落实国发〔2022〕2号 is
    国发…, 公告财税〔2019〕13号 is 财税…."""
    found = []
    for m in _DOC_NUMBER.finditer(s):
        start = m.start()
        words = pos_tokens(s[max(0, start - 2 * _ISSUER_MAX) : start])
        for n, (word, flag) in enumerate(reversed(words)):
            one = len(word) == 1 and (flag in ("j", "n", "nz", "ng", "ns", "b") or word in "发办函")
            short = 1 < len(word) <= 3 and (flag in ("j", "nt") or (n == 0 and flag in ("n", "nz")))
            if not (one or short) or start - len(word) < m.start() - _ISSUER_MAX:
                break
            start -= len(word)
        found.append((start, m.end()))
    return found


def word_frequency(text: str) -> int:
    """How often jieba's dictionary counts the word (0 when it is not one)."""
    if not jieba.dt.initialized:
        jieba.dt.initialize()
    return int(jieba.dt.FREQ.get(text, 0))


def _is_word(text: str) -> bool:
    """A word of two or more characters in jieba's dictionary."""
    return len(text) > 1 and word_frequency(text) > 0


_PAIRS = dict(zip("“‘「『《（(【[〈", "”’」』》）)】]〉", strict=True))  # opener -> closer
_OPENERS = {close: open_ for open_, close in _PAIRS.items()}


def balanced(answer: str) -> str:
    """The answer without a quote or bracket whose partner it does not hold: a span read up to 四个不摘” (the opening “
    left outside) is quoted as 四个不摘; 《长江》 stays whole."""
    while answer and answer[-1] in _OPENERS and answer.count(answer[-1]) > answer.count(_OPENERS[answer[-1]]):
        answer = answer[:-1].rstrip()
    while answer and answer[0] in _PAIRS and answer.count(answer[0]) > answer.count(_PAIRS[answer[0]]):
        answer = answer[1:].lstrip()
    return answer


_FINAL_PUNCT = re.compile(r"[?？!！。.…]$")


def as_asked(question: str) -> str:
    """The question as the reader was trained to see it: ending in a question mark (？ where it holds Chinese). Every
    training question ends in one; one typed without it (usual in chat) read differently: on 300 shared-data questions
    the shipped reader changed 25 answers when the mark was dropped, 4 fewer right (246 -> 242)."""
    q = question.strip()
    if not q or _FINAL_PUNCT.search(q):
        return q
    return q + ("？" if _HAN.search(q) else "?")


# How users point a question at the article ("根据文章，", "这篇报道中，", "文章提到的", "According to the article,"):
# no training question is framed so, and the framing costs the reader (benchmarks/framing.py, 200 shared-data
# questions: 86.0% right short answers plain, 77.0% after 根据文章，, 78.5% after 这篇报道中，; 86.0% once dropped).
_DOC_ZH = (
    r"(?:(?:这|该|此|本|那)(?:篇|则|条|份|个)?(?:文章|报道|报导|新闻|消息|稿件|材料|文)"
    r"|文章|报道|报导|原文|全文|稿件|材料|文中|本文)"
)
_SAY_ZH = r"(?:提到|提及|所说|说|称|所写|写|讲|介绍|指出|所述|表示)"
_FRAME_ZH = re.compile(
    r"^(?:请问|我想问一下|我想问|想问一下|想问)?[，,：:\s]*"
    r"(?:"
    rf"(?:根据|按照|依据|据|从){_DOC_ZH}(?:的?内容|所说|所述|中|里|来看|看)?(?:来看)?(?:[，,：:\s]+|(?=[\u4e00-\u9fff]))"
    rf"|在?{_DOC_ZH}(?:中|里|里面|当中)(?!心){_SAY_ZH}?(?:的|了)?[，,：:\s]*"
    rf"|(?:{_DOC_ZH}|新闻(?:中|里)?){_SAY_ZH}(?:的|了)?[，,：:\s]*"
    r")?"
)
_FRAME_EN = re.compile(
    r"^\s*(?:(?:according to|based on|from|in)\s+(?:the|this)\s+(?:article|report|story|news|text)\s*[,:]?"
    r"|(?:the|this)\s+(?:article|report|story)\s+(?:says|said|mentions|mentioned|reports|reported)\s*(?:that\s+)?[,:]?)"
    r"\s*",
    re.IGNORECASE,
)


def unframed(question: str) -> str:
    """The question without the words that point it at the article or ask politely: 根据文章，谁主持了会议？ ->
    谁主持了会议？, 文章提到的会议在哪里举行？ -> 会议在哪里举行？ (in its own script: 這篇報導中 too). They say the
    question is about what the article reports, so they go even where they would make it read as one about the article
    itself (根据文章，《X》的作者是谁？ asks for the book's author); a question they would empty keeps them."""
    q = question.strip()
    english = detect_lang(q) == "en"
    rest = q
    for _ in range(3):  # 根据文章，文中提及，...
        m = _FRAME_EN.match(rest) if english else _FRAME_ZH.match(to_simplified(rest))
        if m is None or not m.end():
            break
        rest = rest[m.end() :]
    if english and rest != q:
        rest = rest[:1].upper() + rest[1:]
    return rest if rest != q and content_terms(rest) else q


def mandarin_question(question: str) -> str:
    """A question typed in Cantonese or with spoken question words, in the written Mandarin ones (Simplified: the
    reader gets it in each passage's script): 邊個批評港鐵？ -> 谁批评港铁？, 啥时候开的 -> 什么时候开的; any other
    question exactly as it is."""
    folded = to_simplified(question)
    said = to_mandarin(folded)
    return said if said != folded else question


def normalize_en(word: str) -> str:
    """Lowercase and strip a few English inflections so 'visited' matches 'visit'.

    Not the Snowball stemmer of retrieval/text.py nor its lemmatizer, measured on the English test questions: question
    terms are found in sentences as substrings, and a stem stops reading as the word (companies -> compani, which
    "company" does not contain), a dictionary form misses irregular verbs (built -> build, not in "was built")."""
    w = word.lower()
    for suf in ("ies", "ing", "ed", "es", "s"):
        if len(w) > len(suf) + 2 and w.endswith(suf):
            return w[: -len(suf)] + ("y" if suf == "ies" else "")
    return w


def is_content(tok: str) -> bool:
    """A token that carries meaning for matching: not punctuation, not a stopword or question word."""
    t = tok.strip()
    if not t or _PUNCT.match(t):
        return False
    low = t.lower()
    if low in STOPWORDS_EN or t in STOPWORDS_ZH:
        return False
    return not (len(t) == 1 and _HAN.match(t) and t in _PARTICLES)


_DATE_TERM = re.compile(
    r"\d{1,4}年\d{1,2}月\d{1,2}[日号]|\d{1,2}月\d{1,2}[日号]|\d{1,4}年\d{1,2}月|\d{3,4}年|\d+(?:\.\d+)?%?"
)


def content_terms(text: str) -> list[str]:
    """Content terms of a text in order, de-duplicated (dates/numbers whole, English normalised, Chinese words)."""
    out: list[str] = []
    seen: set[str] = set()
    for m in _DATE_TERM.finditer(text):
        if m.group(0) not in seen:
            seen.add(m.group(0))
            out.append(m.group(0))
    rest = _DATE_TERM.sub(" ", text)
    for tok in tokens(rest):
        if not is_content(tok):
            continue
        term = normalize_en(tok) if _LATIN_WORD.fullmatch(tok) else tok
        if len(term) >= 2 and term[0] in "此该其这本" and _HAN.match(term):
            term = term[1:]  # 此鱼 -> 鱼: the demonstrative points back to the topic
        if term not in seen:
            seen.add(term)
            out.append(term)
    return out


# A question that asks for nothing but a field of the article ("作者是谁？", "来源？", "原文链接呢？"): about the
# article even without a word for it. With any other content word ("《红楼梦》的作者是谁？") it needs one.
_FIELD_ONLY_ZH = re.compile(
    r"^(?:那|请问)?(?:作者|记者|撰稿人|撰稿|来源|出处|标题|题目|原文链接|链接|网址|发布时间|发布日期|发表时间|发布单位)"
    r"(?:是|是谁|是什么|是哪里|是哪个|是哪家|是多少|在哪里|呢|在哪)?(?:呢|啊|呀)?[？?。!！\s]*$"
)
_FIELD_ONLY_EN = re.compile(
    r"^\s*(?:and\s+)?(?:who is |what is |what's |who's |where is )?(?:the )?"
    r"(?:author|byline|reporter|source|outlet|publisher|title|headline|link|url|publication date)\??\s*$",
    re.IGNORECASE,
)


def _match_meta(text: str, lang: str) -> str | None:
    if lang == "zh":
        if not re.search(_ARTICLE_REF_ZH, text) and not _FIELD_ONLY_ZH.match(text):
            return None
        for kind, pat in _META_ZH:
            if re.search(pat, text):
                return kind
        return None
    low = text.lower()
    if not re.search(_ARTICLE_REF_EN, low) and not _FIELD_ONLY_EN.match(low):
        return None
    for kind, pat in _META_EN:
        if re.search(pat, low):
            return kind
    return None


_HEAD_EN = re.compile(r"\b(?:which|what|how many|how much)\s+([a-z]+)")


def _head(text: str, lang: str) -> str:
    """The noun after the question word: 哪些企业 -> 企业, 哪些重点领域 -> 重点领域, which companies -> company."""
    if lang == "zh":
        toks = pos_tokens(text)
        for i, (w, _f) in enumerate(toks):
            if re.fullmatch(r"哪些|哪几|哪|哪个|哪家|哪位|哪种|哪类|哪项|什么|哪几个|哪几位|哪几种", w) or (
                w.startswith("哪") and len(w) <= 3
            ):
                rest = w[1:] if w.startswith("哪") and len(w) > 1 and w not in ("哪些", "哪个", "哪里", "哪儿") else ""
                words: list[str] = [rest[1:]] if rest[:1] in "几个家位种类项座所" and len(rest) > 1 else []
                for w2, f2 in toks[i + 1 :]:
                    if f2.startswith("n") or f2 in ("vn", "j", "ng") or (f2 == "q" and not words):
                        words.append(w2)
                    elif f2 == "m" and not words:
                        continue
                    else:
                        break
                head = "".join(words)
                head = re.sub(r"^[几个家位种类项座所]", "", head) if len(head) > 1 else head
                return head
        return ""
    m = _HEAD_EN.search(text.lower())
    if m and m.group(1) not in STOPWORDS_EN:
        return normalize_en(m.group(1))
    return ""


def classify(text: str) -> Question:
    """Classify a question (Chinese or English) into an answer kind with its content terms."""
    q = text.strip()
    lang = detect_lang(q)
    titles = tuple(re.findall(r"《([^》]+)》", q))
    terms = tuple(content_terms(q))
    meta = _match_meta(q, lang)
    if meta:
        return Question(q, meta, lang, terms, titles=titles)
    rules = _ZH_RULES if lang == "zh" else _EN_RULES
    body = q if lang == "zh" else q.lower()
    best: tuple[int, str, re.Match[str]] | None = None
    for order, (pat, kind) in enumerate(rules):
        m = re.search(pat, body)
        if m and m.group(0):
            # Rules are ordered by specificity; the first matching rule wins.
            best = (order, kind, m)
            break
    if best is None:
        kind = "title" if re.search(r"《》|书名|作品名", q) else "other"
        return Question(q, kind, lang, terms, titles=titles)
    _, kind, m = best
    if kind == "why" and m.group(0) == "为什么" and lang == "zh":
        before = q[: m.start()]
        # "被誉为什么" / "称为什么" / "的名字为什么": 为 belongs to the verb, the question asks "what"
        if re.search(
            r"(誉|称|成|作|视|改|名|分|译|定|选|认|命|列|划|封|立|任|更|转|变|设|评|奉|尊|追)$", before
        ) or not q[m.end() :].strip("？?。 "):
            what = re.compile("什么").search(q, m.start())
            if what is not None:
                m = what
                kind = "what"
    # Terms from the text around the question word, copulas cut off, so jieba cannot glue 长|是 into one word.
    around = re.sub(r"(是|为|的是)$", "", q[: m.start()]) + "，" + re.sub(r"^(是|为)", "", q[m.end() :])
    terms = tuple(content_terms(around if lang == "zh" else q))
    if (
        kind in ("what", "which")
        and lang == "zh"
        and re.search(
            r"(什么|哪[个部本首])[\u4e00-\u9fff]{0,2}?(书|作品|电影|歌|歌曲|专辑|节目|剧|小说|杂志|报纸|游戏|诗|画)", q
        )
    ):
        kind = "title"
    left = q[: m.start()]
    qend = m.end()
    if q[m.start() : qend].endswith("哪") and q[qend : qend + 1] in ("里", "儿", "裡", "兒"):
        qend += 1  # "位于哪" matched before "哪里" (or 哪裡): the 里 belongs to the question word
    right = re.sub(r"[？?。！!\s]+$", "", q[qend:])
    head = _head(q, lang)
    return Question(q, kind, lang, terms, qword=q[m.start() : qend], left=left, right=right, head=head, titles=titles)
