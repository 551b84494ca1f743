"""Features for the learned answer components: evidence sentences and answer-span candidates, as numbers.

Everything here is matching on the Simplified form of the text (retrieval/text.py), so a Traditional question
matches a Simplified article and the other way round; offsets are those of the original text, which is what a
user is shown.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Protocol

from retrieval.extract import ENTITY_FUNCS, expected_entities, is_definition
from retrieval.models import Article, Chunk, Hit
from retrieval.questions import Question, classify, pos_tokens
from retrieval.text import split_sentences, to_simplified, whole_number

# ---------------------------------------------------------------- shared pieces


class Corpus(Protocol):
    """Read access to the indexed articles and their chunks."""

    def article(self, article_id: str) -> Article: ...

    def chunks_of(self, article_id: str) -> list[Chunk]: ...

    def articles(self) -> list[Article]: ...


QWORDS_RE = re.compile(
    r"什么时候|为什么|怎么样|哪些|哪个|哪里|哪儿|哪位|哪家|哪年|哪天|多少|什么|怎样|怎么|如何|为何|何时|何地|谁|几|吗|呢|是否|请问"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN_TERM = re.compile(r"[a-z0-9.%\-]+")
# Punctuation that ends a clause inside a sentence (an ASCII comma inside a number such as 1,000 does not).
CLAUSE_PUNCT = frozenset("，,；;：:。！？!?…")
OPENERS = frozenset("《“「『（(【‘\"'")
CLOSERS = frozenset("》”」』）)】’\"'")
PUNCT_WORD = re.compile(r"^[\W_]+$")


def analyse(question: str) -> Question:
    """The question classified on its Simplified form (Traditional question words are Simplified ones there)."""
    return classify(to_simplified(question.strip()))


@lru_cache(maxsize=1)
def _background_idf() -> tuple[dict[str, float], float]:
    """jieba's bundled IDF table (general Chinese text): common words like 主要/进行 weigh little."""
    import jieba.analyse

    idf, median = jieba.analyse.TFIDF().idf_loader.get_idf()
    return idf, median


def background_weight(term: str) -> float:
    """How informative a term is in general text; unknown words (names, rare terms) weigh like rare ones."""
    idf, median = _background_idf()
    if _LATIN_TERM.fullmatch(term):
        return 2.0 if len(term) <= 2 and not term.isdigit() else median
    return idf.get(term, median)


EN_FLOOR = 0.2  # lightest relative weight of an English term found in every sentence
EN_SHARPNESS = 2.0  # a short article spans a narrow IDF range: squaring it separates topic words from absent ones


def term_weights(q: Question, articles: list[Article]) -> dict[str, float]:
    """General informativeness per question term. Chinese: jieba's background IDF. English (no background table
    here): an IDF over the sentences of the retrieved articles, so absent terms weigh like unknown Chinese words
    and the articles' topic words little."""
    out = {t: background_weight(t.lower()) for t in q.terms}
    latin = [t for t in q.terms if _LATIN_TERM.fullmatch(t.lower()) and not t.isdigit()] if q.lang == "en" else []
    if not latin:
        return out
    sents = [set(re.findall(r"[a-z0-9]+", a.text[s:e].lower())) for a in articles for s, e in split_sentences(a.text)]
    n = len(sents)
    if n < 2:
        return out
    _idf, median = _background_idf()
    top = math.log(1 + n / 0.5)
    for t in latin:
        parts = re.findall(r"[a-z0-9]+", t.lower())
        df = sum(1 for ws in sents if all(p in ws or any(w.startswith(p) for w in ws) for p in parts))
        out[t] = median * max(EN_FLOOR, math.log(1 + n / (df + 0.5)) / top) ** EN_SHARPNESS
    return out


def presence(term: str, low: str) -> float:
    """1 when the term occurs; for longer Chinese terms split differently (北京市长 vs 市长), bigram share x 0.8."""
    if term in low:
        return 1.0
    if len(term) >= 3 and _HAN.search(term):
        grams = [term[i : i + 2] for i in range(len(term) - 1)]
        return 0.8 * sum(1 for g in grams if g in low) / len(grams)
    return 0.0


def coverage(text: str, weights: dict[str, float]) -> float:
    """Weighted share of question terms present in a (Simplified, lower-cased) text."""
    total = sum(weights.values())
    if total <= 0:
        return 0.0
    return sum(w * presence(t, text) for t, w in weights.items()) / total


def bigrams(text: str) -> set[str]:
    core = re.sub(r"[^\w]", "", text.lower())
    return {core[i : i + 2] for i in range(len(core) - 1)}


def _clean(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


# ---------------------------------------------------------------- evidence sentences


@dataclass
class Sentence:
    """One sentence of a retrieved article: where it is, its Simplified form, and what retrieval said of it."""

    article_id: str
    start: int
    end: int
    text: str  # as in the article (shown to the user)
    simp: str  # Simplified, lower-cased: what features match against
    rank: int  # rank of the best hit the sentence came from
    hit: Hit
    index: int  # position of the sentence in its article
    neighbours: tuple[str, str] = ("", "")  # previous and next sentence (Simplified, lower-cased)
    features: list[float] = field(default_factory=list)
    score: float = 0.0


POOL_HITS = 5  # retrieved chunks whose sentences compete as evidence


def reading_form(text: str) -> str:
    """A sentence as the features read it (and as its POS tags are stored at build time): Simplified, lower-cased."""
    return to_simplified(text).lower()


def reading_forms(text: str) -> list[str]:
    """The reading form of every sentence of an article's text (what an index build tags)."""
    return [reading_form(text[s:e]) for s, e in split_sentences(text)]


def pool(hits: list[Hit], corpus: Corpus, n_hits: int = POOL_HITS) -> list[Sentence]:
    """The sentences of the top retrieved chunks, each once, in retrieval order."""
    seen: dict[tuple[str, int], Sentence] = {}
    for rank, hit in enumerate(hits[:n_hits]):
        ch = hit.chunk
        text = corpus.article(ch.article_id).text
        spans = split_sentences(text)
        for i, (s, e) in enumerate(spans):
            if e <= ch.start or s >= ch.end or (ch.article_id, s) in seen:
                continue
            prev = reading_form(text[spans[i - 1][0] : spans[i - 1][1]]) if i > 0 else ""
            nxt = reading_form(text[spans[i + 1][0] : spans[i + 1][1]]) if i + 1 < len(spans) else ""
            seen[(ch.article_id, s)] = Sentence(
                ch.article_id, s, e, text[s:e], reading_form(text[s:e]), rank, hit, i, (prev, nxt)
            )
    return list(seen.values())


def local_weights(q: Question, sents: list[Sentence], base: dict[str, float]) -> dict[str, float]:
    """Weight per question term: general-text IDF times how rare the term is among the candidate sentences."""
    n = max(len(sents), 1)
    norm = math.log(1 + n)
    out: dict[str, float] = {}
    for t in q.terms:
        low = t.lower()
        df = sum(1 for s in sents if low in s.simp)
        local = math.log(1 + n / (1 + df)) / norm if norm > 0 else 1.0
        out[low] = base.get(t, background_weight(low)) * (0.4 + 0.6 * local)
    return out


def missing_share(q: Question, weights: dict[str, float], articles: list[Article]) -> float:
    """Weighted share of question terms (the head noun aside) found in none of the retrieved articles."""
    text = " ".join(to_simplified(a.text).lower() for a in articles)
    need = {t: w for t, w in weights.items() if not (q.head and (t in q.head or q.head in t))}
    total = sum(need.values())
    if total <= 0:
        return 0.0
    return sum(w for t, w in need.items() if presence(t, text) < 0.5) / total


def lcs_share(core: str, text: str) -> float:
    """Longest run of the question (question words removed) copied verbatim in the sentence, as a share."""
    if len(core) < 2:
        return 0.0
    m = SequenceMatcher(None, core, text, autojunk=False).find_longest_match(0, len(core), 0, len(text))
    return min(m.size, 12) / min(len(core), 12) if m.size >= 2 else 0.0


def _anchor_share(left: str, right: str, sentence: str) -> float:
    """How much of the question's text right before and after its question word the sentence repeats."""
    left, right = left[-8:], right[:8]
    total = len(left) + len(right)
    if total < 2:
        return 0.0
    got = next((n for n in range(len(left), 1, -1) if left[-n:] in sentence), 0)
    got += next((n for n in range(len(right), 1, -1) if right[:n] in sentence), 0)
    return got / total


SENTENCE_FEATURES = (
    "coverage",
    "bigram_overlap",
    "lcs_share",
    "anchor_share",
    "title_coverage",
    "expected_entity",
    "chars",
    "first_in_article",
    "index_in_article",
    "starts_with_term",
    "defines_subject",
    "hit_rank",
    "hit_score_rel",
    "hit_lexical_rel",
    "prev_coverage",
    "next_coverage",
    "question_terms",
    "question_kind",
    "question_en",
    "missing_share",
    "coverage_rank",
    "coverage_gap",
)
KIND_IDS = {
    k: i
    for i, k in enumerate(
        ("other", "who", "when", "where", "number", "org", "title", "list", "which", "what", "why", "how", "yesno")
    )
}


def sentence_features(
    q: Question, sents: list[Sentence], weights: dict[str, float], titles: dict[str, str], missing: float
) -> None:
    """Fill each sentence's feature vector (SENTENCE_FEATURES order)."""
    qgrams = bigrams(QWORDS_RE.sub(" ", q.text))
    core = _clean(QWORDS_RE.sub("", q.text.lower()))
    left, right = _clean(q.left.lower()), _clean(q.right.lower())
    ents = expected_entities(q)
    subject = ""
    if q.lang == "zh" and is_definition(q):
        subject = re.sub(r"^(是|为)|(是|指)$", "", (q.left or q.right).strip("？?，, "))
    top_score = max((s.hit.score for s in sents), default=0.0) or 1.0
    top_lex = max((s.hit.lexical for s in sents), default=0.0) or 1.0
    covs = [coverage(s.simp, weights) for s in sents]
    order = sorted(range(len(sents)), key=lambda i: -covs[i])
    cov_rank = {i: r for r, i in enumerate(order)}
    best_cov = covs[order[0]] if order else 0.0
    for i, s in enumerate(sents):
        title = to_simplified(titles.get(s.article_id, "")).lower()
        sg = bigrams(s.simp)
        big = sum(1 for g in qgrams if g in sg) / len(qgrams) if qgrams else 0.0
        found = 0.0
        if ents:
            found = 1.0 if any(sp.text not in q.text for sp in _entities(s.simp, ents)) else -1.0
        head = re.sub(r"^[\W_]+", "", s.simp)
        head = head[1:] if head[:1] in "其该此这" else head
        starts = any(head.startswith(t) and t not in title and not t.isdigit() for t in weights)
        s.features = [
            covs[i],
            big,
            lcs_share(core, s.simp),
            _anchor_share(left, right, s.simp),
            coverage(title, weights) if title else 0.0,
            found,
            float(len(s.text)),
            float(s.index == 0),
            float(min(s.index, 30)),
            float(starts),
            float(bool(subject) and s.simp.lstrip("“「\"'《").startswith(subject)),
            float(s.rank),
            s.hit.score / top_score,
            s.hit.lexical / top_lex,
            coverage(s.neighbours[0], weights),
            coverage(s.neighbours[1], weights),
            float(len(weights)),
            float(KIND_IDS.get(q.kind, 0)),
            float(q.lang == "en"),
            missing,
            float(cov_rank[i]),
            best_cov - covs[i],
        ]


@lru_cache(maxsize=4096)
def _entity_spans(sentence: str, kind: str) -> tuple[tuple[int, int], ...]:
    return tuple((sp.start, sp.end) for sp in ENTITY_FUNCS[kind](sentence))


def _entities(sentence: str, kinds: tuple[str, ...]) -> list[_Ent]:
    return [_Ent(sentence[s:e], s, e, k) for k in kinds for s, e in _entity_spans(sentence, k)]


@dataclass(frozen=True)
class _Ent:
    text: str
    start: int
    end: int
    kind: str


# ---------------------------------------------------------------- answer spans

ENTITY_IDS = {"person": 1, "place": 2, "org": 3, "date": 4, "number": 5, "title": 6}
_POS_IDS: dict[str, int] = {}
COPULAS = frozenset({"是", "为", "叫", "叫做", "称为", "称", "名为", "即", "乃", "系", "指", "成为", "被称为", "有"})
MAX_WORDS = 10  # longest word n-gram proposed inside a clause
MAX_CHARS = 40  # longest n-gram proposed


def pos_id(flag: str) -> int:
    """A stable small integer per jieba POS flag (first letter classes; LightGBM reads them as categories)."""
    return POS_CLASSES.get(flag, POS_CLASSES.get(flag[:1], 0)) if flag else 0


POS_CLASSES = {
    f: i + 1
    for i, f in enumerate(
        (
            "n",
            "nr",
            "ns",
            "nt",
            "nz",
            "v",
            "vn",
            "a",
            "ad",
            "d",
            "m",
            "q",
            "t",
            "f",
            "s",
            "p",
            "c",
            "u",
            "uj",
            "ul",
            "r",
            "x",
            "eng",
            "j",
            "i",
            "l",
            "b",
            "z",
            "y",
            "e",
            "o",
            "h",
            "k",
            "g",
            "nrt",
            "nrfg",
            "mq",
        )
    )
}


@dataclass
class Span:
    """A candidate answer: a stretch of one evidence sentence (offsets into the sentence)."""

    sentence: Sentence
    start: int
    end: int
    entity: int = 0  # ENTITY_IDS of an entity recogniser that proposed exactly this span, 0 for none
    features: list[float] = field(default_factory=list)
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.sentence.text[self.start : self.end]


@lru_cache(maxsize=8192)
def words(sentence: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, POS flag) of each jieba word of a Simplified sentence."""
    out: list[tuple[int, int, str]] = []
    pos = 0
    for w, flag in pos_tokens(sentence):
        i = sentence.find(w, pos)
        if i < 0:
            continue
        out.append((i, i + len(w), flag))
        pos = i + len(w)
    return tuple(out)


def _is_boundary(sentence: str, start: int, end: int) -> bool:
    text = sentence[start:end]
    if text not in CLAUSE_PUNCT:
        return False
    if text == "," and start > 0 and end < len(sentence):
        return not (sentence[start - 1].isdigit() and sentence[end].isdigit())
    return True


def candidates(sent: Sentence, q: Question) -> list[Span]:
    """Answer-span candidates of a sentence: word n-grams inside each clause, whole clauses, two clauses, the
    sentence, and the spans entity recognisers find (names, places, organisations, dates, numbers, 《titles》)."""
    s = sent.simp
    ws = words(s)
    found: dict[tuple[int, int], Span] = {}

    def add(a: int, b: int, ent: int = 0) -> None:
        while a < b and (s[a].isspace() or (s[a] in CLAUSE_PUNCT or s[a] in "、") or s[a] in CLOSERS):
            a += 1
        while b > a and (s[b - 1].isspace() or s[b - 1] in CLAUSE_PUNCT or s[b - 1] in "、" or s[b - 1] in OPENERS):
            b -= 1
        if b <= a:
            return
        a, b = whole_number(s, a, b)  # never a cut number (3万人 of 9.3万人): the same span as the whole one
        span = found.get((a, b))
        if span is None:
            found[(a, b)] = Span(sent, a, b, ent)
        elif ent and not span.entity:
            span.entity = ent

    clauses: list[list[tuple[int, int, str]]] = [[]]
    for w in ws:
        if _is_boundary(s, w[0], w[1]):
            clauses.append([])
        else:
            clauses[-1].append(w)
    clauses = [c for c in clauses if c]
    bounds = [(c[0][0], c[-1][1]) for c in clauses]
    for c in clauses:
        n = len(c)
        for i in range(n):
            if PUNCT_WORD.match(s[c[i][0] : c[i][1]]) and s[c[i][0]] not in OPENERS:
                continue
            for j in range(i, min(n, i + MAX_WORDS)):
                if c[j][1] - c[i][0] > MAX_CHARS:
                    break
                last = s[c[j][0] : c[j][1]]
                if PUNCT_WORD.match(last) and last[-1] not in CLOSERS:
                    continue
                add(c[i][0], c[j][1])
    for k, (a, b) in enumerate(bounds):
        add(a, b)
        if k + 1 < len(bounds):
            add(a, bounds[k + 1][1])
    if bounds:
        add(bounds[0][0], bounds[-1][1])
    for kind, ent_id in ENTITY_IDS.items():
        for a, b in _entity_spans(s, kind):
            add(a, b, ent_id)
    return list(found.values())


SPAN_FEATURES = (
    "question_kind",
    "question_en",
    "entity",
    "entity_expected",
    "sentence_has_expected",
    "chars",
    "words",
    "share_of_sentence",
    "is_clause",
    "is_sentence",
    "clauses_spanned",
    "starts_clause",
    "ends_clause",
    "pos_first",
    "pos_last",
    "pos_before",
    "pos_after",
    "copula_before",
    "de_after",
    "chars_in_question",
    "question_terms_inside",
    "left_match",
    "right_match",
    "left_match_near",
    "right_match_near",
    "term_distance",
    "clause_coverage",
    "sentence_coverage",
    "head_after",
    "head_at_end",
    "has_digit",
    "has_cn_numeral",
    "has_latin",
    "has_book_title",
    "start_share",
    "sentence_score",
    "sentence_rank",
    "right_first_at_end",
    "question_chars",
    "left_chars",
    "right_chars",
    "question_word",
    "expected_entity_inside",
    "enumeration_mark",
)

# The question word itself, as a category: 哪一年 and 多少 want different extents than 什么 or 为什么.
QWORD_WORDS = (
    "什么时候 为什么 怎么样 哪些 哪个 哪里 哪儿 哪位 哪家 哪一年 哪年 哪天 多少 什么 怎样 怎么 如何 为何"
    " 何时 何地 谁 几 多久 多长 多大 多高 第几 哪 是否 何 啥 when where who whom whose which what why how"
)
QWORD_IDS = {w: i + 1 for i, w in enumerate(QWORD_WORDS.split(" "))}


def qword_id(q: Question) -> int:
    """QWORD_IDS of the question's question word (by its longest known prefix), 0 when unknown."""
    w = q.qword.lower()
    for n in range(len(w), 0, -1):
        if w[:n] in QWORD_IDS:
            return QWORD_IDS[w[:n]]
    return 0


def _tail_match(s: str, end: int, left: str) -> int:
    """Length of the longest tail of `left` (at most 12 characters) that ends exactly at `end` in s."""
    for n in range(min(len(left), end, 12), 0, -1):
        if s[end - n : end] == left[-n:]:
            return n
    return 0


def _head_match(s: str, start: int, right: str) -> int:
    """Length of the longest head of `right` (at most 12 characters) that starts exactly at `start` in s."""
    for n in range(min(len(right), len(s) - start, 12), 0, -1):
        if s[start : start + n] == right[:n]:
            return n
    return 0


def _prefix_counts(s: str, test: Callable[[str], bool]) -> list[int]:
    out = [0]
    for ch in s:
        out.append(out[-1] + test(ch))
    return out


@dataclass
class _Layout:
    """Per-sentence facts shared by all its spans: computed once per sentence, so a span's features cost O(1)
    lookups (a sentence has hundreds of candidates)."""

    s: str
    words: tuple[tuple[int, int, str], ...]
    starts: list[int]  # word start offsets, ascending
    ends: list[int]  # word end offsets, ascending
    cuts: list[int]  # clause boundaries (0, after each clause punctuation, len)
    occurrences: list[tuple[int, int, str]]  # (start, end, term) of each question-term occurrence
    partial: dict[str, float]  # per clause ("start:end"): partial (bigram) presence of its missing terms, lazily
    entities: list[tuple[int, int]]  # spans of the expected entity kinds
    has_expected: bool
    coverage: float
    word_chars: list[int]  # prefix counts: word characters (what _clean keeps)
    question_chars: list[int]  # prefix counts: word characters that occur in the question
    digits: list[int]
    cn_numerals: list[int]
    latin: list[int]
    before: list[int]  # per position: longest tail of the question's text before its question word ending there
    after: list[int]  # per position: longest head of the question's text after its question word starting there
    before_near: list[int]  # the same, ending within 3 characters before the position
    after_near: list[int]  # the same, starting within 3 characters after the position


NEAR = 3  # slack of the *_match_near features, in characters


def _layout(
    s: str, weights: dict[str, float], ents: tuple[str, ...], qchars: set[str], left: str, right: str
) -> _Layout:
    ws = words(s)
    cuts = [0] + [w[1] for w in ws if _is_boundary(s, w[0], w[1])] + [len(s)]
    occ = [(m.start(), m.end(), t) for t in weights if t for m in re.finditer(re.escape(t), s)]
    found = [(a, b) for e in ents for a, b in _entity_spans(s, e)]
    before = [_tail_match(s, p, left) for p in range(len(s) + 1)] if left else [0] * (len(s) + 1)
    after = [_head_match(s, p, right) for p in range(len(s) + 1)] if right else [0] * (len(s) + 1)
    return _Layout(
        s,
        ws,
        [w[0] for w in ws],
        [w[1] for w in ws],
        cuts,
        occ,
        {},
        found,
        bool(found),
        coverage(s, weights),
        _prefix_counts(s, lambda ch: not _NON_WORD.match(ch)),
        _prefix_counts(s, lambda ch: ch in qchars and not _NON_WORD.match(ch)),
        _prefix_counts(s, str.isdigit),
        _prefix_counts(s, lambda ch: bool(_CN_NUM.match(ch))),
        _prefix_counts(s, lambda ch: bool(_LATIN_CHAR.match(ch))),
        before,
        after,
        [max(before[max(p - NEAR, 0) : p + 1]) for p in range(len(s) + 1)],
        [max(after[p : p + NEAR + 1]) for p in range(len(s) + 1)],
    )


def _clause_partial(lay: _Layout, c0: int, c1: int, weights: dict[str, float]) -> float:
    """Weighted partial presence (bigram share) of the terms that do not occur whole in the clause."""
    key = f"{c0}:{c1}"
    if key not in lay.partial:
        clause = lay.s[c0:c1]
        lay.partial[key] = sum(w * presence(t, clause) for t, w in weights.items() if t not in clause)
    return lay.partial[key]


def span_features(q: Question, spans: list[Span], weights: dict[str, float]) -> None:
    """Fill each span's feature vector (SPAN_FEATURES order)."""
    left = re.sub(r"[\W_]+$", "", q.left.lower())
    left = re.sub(r"(是|为|的是)$", "", left)
    right = re.sub(r"^[\W_]+", "", q.right.lower())
    right_first = right[:1]
    qchars = set(_clean(q.text.lower()))
    ents = expected_entities(q)
    want = {ENTITY_IDS[e] for e in ents}
    head = q.head.lower()
    total_w = sum(weights.values()) or 1.0
    kind = float(KIND_IDS.get(q.kind, 0))
    qword = float(qword_id(q))
    en = float(q.lang == "en")
    layouts: dict[int, _Layout] = {}
    for sp in spans:
        sent = sp.sentence
        s = sent.simp
        lay = layouts.get(id(sent))
        if lay is None:
            lay = layouts[id(sent)] = _layout(s, weights, ents, qchars, left, right)
        ws = lay.words
        a, b = sp.start, sp.end
        text = s[a:b]
        i0 = bisect_left(lay.starts, a)  # first word starting at or after a
        i1 = bisect_right(lay.ends, b)  # words ending at or before b
        first = ws[i0] if i0 < len(ws) else None
        last = ws[i1 - 1] if i1 > 0 else None
        before = ws[i0 - 1] if i0 > 0 else None
        after = ws[i1] if i1 < len(ws) else None
        c0 = lay.cuts[bisect_right(lay.cuts, a) - 1]
        c1 = lay.cuts[min(bisect_left(lay.cuts, b), len(lay.cuts) - 1)]
        clause = s[c0:c1]
        spanned = bisect_left(lay.cuts, b) - bisect_right(lay.cuts, a)
        dist = 60
        inside: set[str] = set()
        outside: set[str] = set()
        for st, e, t in lay.occurrences:
            if a <= st and e <= b:
                inside.add(t)
            elif e <= a or st >= b:
                dist = min(dist, a - e if e <= a else st - b)
                if c0 <= st and e <= c1:
                    outside.add(t)
        n_word = lay.word_chars[b] - lay.word_chars[a]
        w_before = s[before[0] : before[1]] if before else ""
        sp.features = [
            kind,
            en,
            float(sp.entity),
            float(sp.entity in want),
            float(lay.has_expected),
            float(len(text)),
            float(max(i1 - i0, 0)),
            len(text) / max(len(s), 1),
            float(text == clause.strip("，,；;：:。！？!?… ")),
            float(b - a >= len(s.strip("，,；;：:。！？!?… ")) - 1),
            float(spanned),
            float(a <= c0 + 1),
            float(b >= c1 - 1),
            float(pos_id(first[2]) if first else 0),
            float(pos_id(last[2]) if last else 0),
            float(pos_id(before[2]) if before else 0),
            float(pos_id(after[2]) if after else 0),
            float(w_before in COPULAS),
            float(s[b : b + 1] == "的"),
            (lay.question_chars[b] - lay.question_chars[a]) / max(n_word, 1),
            sum(weights[t] for t in inside) / total_w,
            float(lay.before[a]),
            float(lay.after[b]),
            float(lay.before_near[a]),
            float(lay.after_near[b]),
            float(dist),
            (sum(weights[t] for t in outside) + _clause_partial(lay, c0, c1, weights)) / total_w,
            lay.coverage,
            float(bool(head) and head in s[b : b + len(head) + 3]),
            float(bool(head) and text.endswith(head)),
            float(lay.digits[b] > lay.digits[a]),
            float(lay.cn_numerals[b] > lay.cn_numerals[a]),
            float(lay.latin[b] > lay.latin[a]),
            float("《" in text),
            a / max(len(s), 1),
            sent.score,
            float(sent.rank),
            float(bool(right_first) and text.endswith(right_first)),
            float(len(q.text)),
            float(len(left)),
            float(len(right)),
            qword,
            float(sum(1 for x, y in lay.entities if a <= x and y <= b)),
            float("、" in text),
        ]


_NON_WORD = re.compile(r"[\W_]")
_CN_NUM = re.compile("[零〇一二三四五六七八九十百千万亿两]")
_LATIN_CHAR = re.compile("[a-z]")


# ---------------------------------------------------------------- one question, prepared


@dataclass
class Prepared:
    """A question with its evidence pool, term weights and sentence features, ready for the models."""

    question: Question
    sentences: list[Sentence]
    weights: dict[str, float]
    missing: float
    articles: list[Article]


def prepare(question: str | Question, hits: list[Hit], corpus: Corpus) -> Prepared:
    """Analyse the question, pool the sentences of the top hits and compute their features."""
    q = analyse(question) if isinstance(question, str) else question
    sents = pool(hits, corpus)
    arts = [corpus.article(a) for a in dict.fromkeys(s.article_id for s in sents)]
    base = term_weights(q, arts)
    weights = local_weights(q, sents, base)
    missing = missing_share(q, weights, arts)
    sentence_features(q, sents, weights, {a.id: a.title for a in arts}, missing)
    return Prepared(q, sents, weights, missing, arts)
