"""The shared text layer: the one language detector, sentence splitter, English stemmer and stopword list; script
folding."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

import opencc
import Stemmer

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


@cache
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def stem_en(word: str) -> str:
    """The Snowball stem of a lower-cased English word (PyStemmer; the stemmer bm25s recommends): visited -> visit,
    replaces -> replac, so a stem is found inside its inflected forms. The one stemmer for BM25 tokens, question
    terms and answer matching."""
    return str(_stemmer().stemWord(word.lower()))


@lru_cache(maxsize=65536)
def lemma_en(word: str) -> str:
    """The dictionary form of an English word (held -> hold, companies -> company, visited -> visit), lower-cased,
    by simplemma (MIT, maintained, offline): for question terms matched as words and for dictionary look-ups, where
    a stem (compani) would not read as a word."""
    import simplemma

    return str(simplemma.lemmatize(word.lower(), lang="en")).lower()


STOPWORD_ROLES = ("index", "question", "particle", "function", "follow-up", "verify")


@cache
def _stopword_table() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {role: set() for role in STOPWORD_ROLES}
    text = resources.files("retrieval").joinpath("resources/stopwords.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, *roles = line.split()
        for role in roles:
            table[role].add(word)  # an unknown role is a broken file: KeyError on first use, not a silent miss
    return {role: frozenset(words) for role, words in table.items()}


def stopwords(role: str) -> frozenset[str]:
    """The words that one step drops (retrieval/resources/stopwords.txt, the one stopword list; its header says what
    each role is for): "index" (BM25), "question" (never a question's content term), "particle", "function",
    "follow-up", "verify"."""
    if role not in STOPWORD_ROLES:
        raise ValueError(f"unknown stopword role {role!r}; one of {', '.join(STOPWORD_ROLES)}")
    return _stopword_table()[role]


def detect_lang(text: str) -> str:
    """'zh' when the text is Chinese, 'en' when it is English: Chinese characters against Latin letters, a Chinese
    character counting as four letters (an English word is ~5 letters, a Chinese word ~1.5 characters), so a Chinese
    name in an English sentence or an English name in a Chinese one does not change its language. The one detector
    for questions, evidence and the bot's reply language."""
    han = len(_HAN.findall(text))
    latin = sum(len(w) for w in _LATIN_WORD.findall(text))
    return "zh" if han and han * 2 >= latin * 0.5 else "en"


@cache
def _t2s() -> opencc.OpenCC:
    # "t2s" maps Traditional characters (and a few phrases) to Simplified; Simplified text passes unchanged.
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    """Text in Simplified characters, for matching only (never shown to a user), with the same length and offsets.

    OpenCC's phrase table may change a phrase's length; then the text is converted character by character
    instead, so that an offset found in the folded text is the same offset in the original.
    """
    if not _HAN.search(text):
        return text
    out = _t2s().convert(text)
    if len(out) == len(text):
        return out
    return "".join(c if len(c) == 1 else t for t, c in ((t, _t2s().convert(t)) for t in text))


@cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@lru_cache(maxsize=4096)
def to_traditional(text: str) -> str:
    """Text in Traditional characters (OpenCC s2t), for a model that reads best in one script: never shown."""
    return _s2t().convert(text) if _HAN.search(text) else text


def in_script_of(question: str, passage: str) -> str:
    """The question written in the passage's script: Traditional when the passage has Traditional-only characters,
    else Simplified (a reader trained on questions and passages in the same script reads mixed pairs worse)."""
    return to_traditional(question) if to_simplified(passage) != passage else to_simplified(question)


# Cantonese as Hong Kong users type questions, in Simplified characters, and the Mandarin words news text and the
# reader's training questions use (边个 -> 谁, 几多 -> 多少, 讲咗乜嘢 -> 讲了什么). Longest first; only applied to a
# message with a marker no Mandarin sentence holds, so 了解 or 几个 in Mandarin are never touched.
_CANTONESE = (
    ("系唔系", "是不是"), ("系咪", "是不是"), ("边一个", "哪一个"), ("边个", "谁"), ("边位", "哪位"),
    ("边度", "哪里"), ("边处", "哪里"), ("喺边", "在哪"), ("几多", "多少"), ("几时", "什么时候"), ("几钱", "多少钱"),
    ("几耐", "多久"),
    ("乜嘢", "什么"), ("乜野", "什么"), ("咩嘢", "什么"), ("点解", "为什么"), ("点样", "怎样"),
    ("佢哋", "他们"), ("佢", "他"), ("嘅", "的"), ("咗", "了"), ("喺", "在"), ("冇", "没有"),
    ("唔", "不"), ("啲", "些"), ("𠮶", "那"), ("嗰", "那"),
    ("系谁", "是谁"), ("系什么", "是什么"), ("系哪", "是哪"), ("系多少", "是多少"),  # 係 folds to 系
)  # fmt: skip
_CANTONESE_MARK = re.compile(
    "边个|边位|边度|边处|喺|几多|几时|几钱|几耐|乜嘢|乜野|咩嘢|点解|点样|佢|嘅|咗|冇|唔|啲|𠮶|嗰"
)


def to_mandarin(text: str) -> str:
    """A Cantonese question in the Mandarin words (on Simplified text, same script out): 边个批评港铁？ -> 谁批评港铁？;
    and spoken Mandarin question words in the written ones (啥时候开的 -> 什么时候开的). Text with neither comes back
    unchanged."""
    if _CANTONESE_MARK.search(text):
        for cantonese, mandarin in _CANTONESE:
            text = text.replace(cantonese, mandarin)
    if _SPOKEN_MARK.search(text):
        for spoken, written in _SPOKEN:
            text = text.replace(spoken, written)
    return text


# Spoken Mandarin question words and the written ones of news text and the reader's training questions. Asked so, the
# shared data's questions lose answers: 150 Simplified questions holding 为什么/什么时候/什么/怎么/哪里/多少钱, each
# asked as written and with its first such word spoken (为啥, 啥时候, 啥, 咋, 哪儿, 几块钱): 107 against 99 right short
# answers, EM 88 against 74 (same index, same reader; in-sample level, read the difference).
_SPOKEN = (
    ("为啥", "为什么"), ("干啥", "做什么"), ("干嘛", "做什么"), ("啥时候", "什么时候"), ("啥时", "什么时候"),
    ("啥样", "什么样"), ("啥", "什么"), ("咋样", "怎么样"), ("咋办", "怎么办"), ("咋", "怎么"), ("哪儿", "哪里"),
    ("多少块钱", "多少钱"), ("几块钱", "多少钱"),
)  # fmt: skip
_SPOKEN_MARK = re.compile("啥|咋|干嘛|哪儿|块钱")


# ---------------------------------------------------------------- sentences
# Hand-written rather than pysbd (MIT, keeps offsets): measured on 200 public reading-comprehension contexts (105k
# characters), pysbd's Chinese mode took 2.3 ms per 1,000 characters against 0.09 here (25x; a reindex splits every
# article), and it cut "(Dr. Virginia Apgar)" after "Dr."; otherwise the two agree on all but 14 of ~2,400 sentences.

_SENT_END = "。！？!?…"
_CLOSERS = "”’」』）)】\"'"
# Words after which an English full stop does not end a sentence.
_ABBREVIATIONS = frozenset(["Mr", "Mrs", "Ms", "Dr", "Prof", "St", "Jr", "Sr", "Inc", "Ltd", "Co", "No", "vs", "U.S"])


@lru_cache(maxsize=4096)
def split_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence (start, end) offsets: Chinese ends 。！？…, English . ! ? before whitespace (not after an initial
    or a common abbreviation), a newline always; closing quotes and brackets stay with their sentence; whitespace
    trimmed, punctuation-only pieces dropped. Used by chunking, retrieval, answering, verification and summaries."""
    spans: list[tuple[int, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        end = _next_end(text, pos)
        s, e = pos, end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s and not re.fullmatch(r"[\W_]+", text[s:e]):
            spans.append((s, e))
        pos = max(end, pos + 1)
    return tuple(spans)


# Punctuation that running text has in every line and a heading has none of (clause and sentence marks).
_PROSE_MARK = re.compile(r"[。！？!?…；;，,、：:]")


def without_headings(text: str) -> str:
    """The text with its heading lines blanked (spaces, so offsets hold): a line with no clause or sentence mark is a
    headline, deck line or credit ("两市在京举行合作会议", "张明李华王强参加有关活动", "记者 某某 摄"), not prose.
    The text as it was when nothing but headings is left. In the shared training data no retrieved passage has such a
    line (0 of 13,477), so the span reader, trained on prose, never learnt to read them."""
    out = []
    kept = False
    for line in text.split("\n"):
        if line.strip() and not _PROSE_MARK.search(line):
            out.append(" " * len(line))
        else:
            out.append(line)
            kept = kept or bool(line.strip())
    return "\n".join(out) if kept else text


# A "sentence" longer than this (a page flattened into one line, a list without stops) ends at the next space or
# comma: evidence is quoted whole, and no reader wants pages of it. Far above real sentences (the longest of the
# shared data's 1,256 contexts has 596 characters).
MAX_SENTENCE_CHARS = 1000
_RUN_BREAK = " \t，,；;、"


def _next_end(text: str, pos: int) -> int:
    n = len(text)
    i = pos
    while i < n:
        ch = text[i]
        if ch == "\n":
            return i + 1
        if i - pos >= MAX_SENTENCE_CHARS and ch in _RUN_BREAK:
            return i + 1
        if ch in _SENT_END:
            j = i + 1
            while j < n and (text[j] in _SENT_END or text[j] in _CLOSERS):
                j += 1
            return j
        if ch == ".":
            j = i + 1
            while j < n and text[j] in _CLOSERS:  # 'families." The …': the quote stays with its sentence
                j += 1
            if j >= n or text[j].isspace():
                word = re.search(r"(\w+)$", text[pos:i])
                w = word.group(1) if word else ""
                clock = re.search(r"\b[ap]\.m$", text[pos:i], re.I) and not re.match(r"\s+[A-Z]", text[j:])
                if w not in _ABBREVIATIONS and not (len(w) == 1 and w.isupper()) and not clock:
                    return j
        i += 1
    return n


# One written number: digits with thousands commas and a decimal part, and the 万/亿/千 that join digits in Chinese
# (9.3万, 3萬6千, 32萬5000, 8,000).
_NUMBER_RUN = re.compile(r"\d+(?:,\d{3}(?!\d))*(?:[.．]\d+)?(?:[万萬亿億千]\d+(?:,\d{3}(?!\d))*(?:[.．]\d+)?)*")


def whole_number(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) widened over any written number it cuts: a span read from inside 9.3万人 or 3萬6千戶 (3万人,
    6千戶) quotes the number whole; spans that hold whole numbers or none are returned as they are."""
    if not any(c.isdigit() for c in text[max(0, start - 1) : start + 1] + text[max(0, end - 1) : end + 1]):
        return start, end  # no digit at either edge: nothing to cut (most spans; this runs for every candidate)
    for m in _NUMBER_RUN.finditer(text, max(0, start - 32), min(len(text), end + 32)):
        a, b = m.span()
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    return start, end
