"""Extractive summaries: at most three sentences of an article, verbatim, the lead first when it states the event.

Methods (measured by benchmarks/summary.py, README "Summaries"): "lead" (the first full sentences), "textrank"
(centrality: PageRank over the sentences' word-overlap graph, as in Mihalcea & Tarau 2004) and "lead+textrank"
(the lead, then the most central others). On the sample article and 30 reading-comprehension contexts all three
are verbatim and at most three sentences; lead keeps the most of what readers ask about (answer coverage 45.9%,
against 42.3% for lead+textrank and 39.6% for textrank, which also drops the lead in 61% of articles), so lead is
the default.
TextRank is a few lines of numpy over the project's own tokens (jieba, stopwords, OpenCC folding); sumy's
TextRank would bring its own tokenisers and an nltk dependency for the same computation.
"""

from __future__ import annotations

import math
import re
from enum import Enum

import numpy as np

from retrieval.lexical import tokenize
from retrieval.models import Article
from retrieval.text import split_sentences, to_simplified

MAX_SENTENCES = 3
# Sentences shorter than this (characters) are fragments: bylines, photo credits, headings.
MIN_CHARS = 12
# PageRank damping: the usual 0.85; the ranking of a news article's few dozen sentences is not sensitive to it.
DAMPING = 0.85
_ENDED = re.compile(r"[。！？!?.…；;][”’」』\"')）】]*$")
# A photo caption: its line ends with a credit ("记者 某某 摄", "（供图）", "Photo: …").
_CREDIT = re.compile(r"(摄|摄影|供图|图片来源[^\n]*|[（(]图[)）]|Photo[^\n]*|Credit[^\n]*)\s*$", re.I)


class Method(Enum):
    """How sentences are chosen."""

    LEAD = "lead"
    TEXTRANK = "textrank"
    LEAD_TEXTRANK = "lead+textrank"


def sentences(article: Article) -> list[str]:
    """The article's full sentences in order: headings, captions and fragments without end punctuation left out."""
    text = article.text
    out = []
    for start, end in split_sentences(text):
        s = text[start:end].strip()
        line_end = text.find("\n", end)
        rest_of_line = text[end : line_end if line_end >= 0 else len(text)]
        if len(s) >= MIN_CHARS and _ENDED.search(s) and not _CREDIT.search(to_simplified(rest_of_line)):  # 攝 too
            out.append(s)
    return out


def centrality(items: list[str]) -> np.ndarray:
    """TextRank scores of sentences: PageRank over similarity |common words| / (log|a| + log|b|)."""
    n = len(items)
    if n == 0:
        return np.zeros(0)
    words = [set(tokenize(s)) for s in items]
    weights = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            common = len(words[i] & words[j])
            if common and len(words[i]) > 1 and len(words[j]) > 1:
                w = common / (math.log(len(words[i])) + math.log(len(words[j])))
                weights[i, j] = weights[j, i] = w
    sums = weights.sum(axis=1, keepdims=True)
    transition = np.divide(weights, sums, out=np.full_like(weights, 1.0 / n), where=sums > 0)
    scores = np.full(n, 1.0 / n)
    for _ in range(50):
        updated = (1 - DAMPING) / n + DAMPING * transition.T @ scores
        if np.abs(updated - scores).sum() < 1e-8:
            return updated
        scores = updated
    return scores


def summarize(article: Article, limit: int = MAX_SENTENCES, method: Method = Method.LEAD) -> list[str]:
    """At most `limit` sentences of the article, verbatim and in article order."""
    items = sentences(article)
    if len(items) <= limit:
        return items
    if method is Method.LEAD:
        return items[:limit]
    scores = centrality(items)
    order = [int(i) for i in np.argsort(-scores, kind="stable")]
    chosen = [0] if method is Method.LEAD_TEXTRANK else []
    chosen += [i for i in order if i not in chosen][: limit - len(chosen)]
    return [items[i] for i in sorted(chosen)]
