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

import numpy as np

from retrieval import stacking
from retrieval.answer_model import AnswerModel, default_model
from retrieval.crosslingual import chinese_question, reading
from retrieval.extract import expected_entities
from retrieval.models import Answer, Hit, Source
from retrieval.questions import Question, as_asked, balanced, whole_words
from retrieval.reader import TRAILING, SpanReader, default_reader
from retrieval.reading import Corpus, Prepared, Sentence, Span, analyse, candidates, prepare, span_features
from retrieval.rules import answer_question as rule_answer
from retrieval.rules import list_answer, meta_answer, refusal, source_of
from retrieval.text import detect_lang, in_script_of, split_sentences, without_headings


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
        # An English question over Chinese articles: asked again in Chinese (retrieval/crosslingual.py), so the
        # components trained on Chinese questions see its terms; the reply keeps the question as asked.
        # The LightGBM components answer the written question or refuse (their answerability model is the one that
        # refuses questions the articles do not answer; the reader's margin, trained on Chinese questions, lets
        # too many English ones through). When they answer, the span reader's reading of the sentences closest to the
        # English question is the answer where its margin clears its trained refusal margin (_read_english).
        chinese = chinese_question(text, [h.chunk.text for h in hits])
        carried = answer_question(chinese, hits, corpus, model, "trees")
        neural = default_reader() if reader == "neural" and carried.answered else None
        read = _read_english(text, chinese, hits, corpus, neural) if neural is not None else None
        carried = read or carried
        said = reading(carried.answer, q.kind) if carried.answered else None
        return carried.model_copy(update={"question": text, "kind": q.kind, "reading": said})
    if not hits or not q.terms:
        return refusal(text, q.kind, hits, corpus)
    if _english_text([h.chunk.text for h in hits[:5]]):
        return rule_answer(question, hits, corpus)
    neural = default_reader() if reader == "neural" else None
    if neural is not None:
        return _read(q, text, hits, corpus, neural, model)
    p = prepare(q, hits, corpus)
    if not p.sentences:
        return refusal(text, q.kind, hits, corpus)
    if _english_evidence(p.sentences):
        return rule_answer(question, hits, corpus)
    model = model or default_model()
    cfg = model.config
    ranked, spans, probability = _score_trees(q, p, model)
    if not spans or probability < cfg.refusal_threshold:
        return refusal(text, q.kind, hits, corpus)
    best = max(spans, key=lambda sp: sp.score)
    chosen = best.sentence
    others = [s for s in ranked if s is not chosen and s.score >= chosen.score - cfg.evidence_margin]
    answer, evidence = _gather_list(
        q, chosen, best.text.strip(), [chosen.text, *[s.text for s in others[: cfg.evidence_extra]]], p, corpus
    )
    sources = _sources([s.hit for s in [chosen, *ranked]], corpus)
    return Answer(
        question=text,
        answered=True,
        answer=answer,
        evidence=evidence,
        sources=sources,
        kind=q.kind,
    )


def _read_english(text: str, chinese: str, hits: list[Hit], corpus: Corpus, neural: SpanReader) -> Answer | None:
    """An English question over Chinese passages, read by the span reader: the sentences of the top passages ranked by
    e5 cosine to the English question (multilingual-e5-small reads both languages: retrieval/e5.py), the best few
    read with the question written in Chinese and as asked (the reader is trained on Chinese questions; the English
    words still align in its multilingual encoder). None when the best margin is below the reader's trained refusal
    margin: the caller keeps the LightGBM components' answer.

    Measured with benchmarks/crosslingual.py on data/dev/en_over_zh_dev.jsonl (README "English questions over
    Chinese articles")."""
    from retrieval.e5 import sentence_encoder

    cfg = neural.config
    sentences = [
        (h, s, e) for h in hits[: cfg.passages] for s, e in split_sentences(without_headings(h.chunk.text)) if e - s > 1
    ]
    if not sentences:
        return None
    encoder = sentence_encoder()
    vectors = encoder.encode([h.chunk.text[s:e] for h, s, e in sentences])
    closest = np.argsort(-(vectors @ encoder.encode([text], query=True)[0]), kind="stable")[: cfg.english_sentences]
    chosen = [sentences[int(n)] for n in closest]
    texts = [h.chunk.text[s:e] for h, s, e in chosen]
    reads = neural.read([f"{in_script_of(chinese, t)} {text}" for t in texts], texts)
    best = max(range(len(reads)), key=lambda n: reads[n].margin)
    r = reads[best]
    if r.margin < cfg.refusal_margin:
        return None
    sentence = texts[best]
    start, end = whole_words(sentence, r.start, r.end)
    answer = balanced(sentence[start:end].strip().rstrip(TRAILING))
    if not answer:
        return None
    sources = _sources([chosen[best][0], *hits], corpus)
    return Answer(question=text, answered=True, answer=answer, evidence=[sentence], sources=sources)


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


def _read(
    q: Question, text: str, hits: list[Hit], corpus: Corpus, neural: SpanReader, model: AnswerModel | None
) -> Answer:
    """The span reader's answer: the best span over the top passages; the evidence is the article's sentence that
    holds it. Refused when the refusal model (stacking.py: the reader's margin, the trees' probability and their
    agreement) says so, or, without it, when the margin over "no answer here" is below the trained one. Where the
    answer chooser is shipped, it picks among the reader's span in each passage and the trees' best span."""
    cfg = neural.config
    passages = hits[: cfg.passages]
    texts = [h.chunk.text for h in passages]
    asked = as_asked(text)
    reads = neural.read([in_script_of(asked, t) for t in texts], [without_headings(t) for t in texts])
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
            pick = neural.selector.choose(stacking.candidate_features(found, trees, probability, q.kind, scored))
            if pick < len(found) and found[pick][2]:
                n = found[pick][0]
                r, hit, answer = reads[n], passages[n], found[pick][2]
                at, article_id = hit.chunk.start + r.start, hit.chunk.article_id
            elif pick == len(found) and top is not None and trees:
                hit, answer = top.sentence.hit, trees
                at, article_id = top.sentence.start + top.start, top.sentence.article_id
    elif r.margin < cfg.refusal_margin:
        return refusal(text, q.kind, hits, corpus)
    answer = balanced(answer) or answer
    chosen = next((s for s in p.sentences if s.article_id == article_id and s.start <= at < s.end), None)
    evidence = [chosen.text if chosen else hit.chunk.text]
    if chosen is not None:
        answer, evidence = _gather_list(q, chosen, answer, evidence, p, corpus)
    sources = _sources([hit, *hits], corpus)
    return Answer(question=text, answered=True, answer=answer, evidence=evidence, sources=sources, kind=q.kind)
