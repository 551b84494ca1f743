"""Overlapping chunks of whole sentences (the sentences of retrieval/text.py)."""

from __future__ import annotations

import re

from retrieval.models import Article, Chunk
from retrieval.text import split_sentences

# Where a sentence longer than the hard limit may be cut: after a comma-like mark.
_SOFT = re.compile(r"[，,、:：]")

# Chunk size trade-off: small chunks make BM25 precise and evidence easy to pick; large chunks keep lists and context
# together. 200 characters measured best on the zh QA benchmark (docs/results.md "Results"); overlap is one sentence.
DEFAULT_CHUNK_CHARS = 200


def _cut_long(text: str, span: tuple[int, int], limit: int) -> list[tuple[int, int]]:
    """Split a sentence longer than limit at commas (or hard, as a last resort) into pieces of at most limit."""
    start, end = span
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        window = text[start : start + limit]
        cuts = [m.end() for m in _SOFT.finditer(window) if m.end() > limit // 3]
        cut = start + (cuts[-1] if cuts else limit)
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        pieces.append((start, end))
    return pieces


def chunk_article(article: Article, chunk_chars: int = DEFAULT_CHUNK_CHARS) -> list[Chunk]:
    """Overlapping chunks of whole sentences, about chunk_chars long; consecutive chunks share one sentence."""
    text = article.text
    sentences: list[tuple[int, int]] = []
    for span in split_sentences(text):
        sentences.extend(_cut_long(text, span, chunk_chars * 2))
    chunks: list[Chunk] = []
    i = 0
    while i < len(sentences):
        j = i
        size = 0
        while j < len(sentences) and (j == i or size + (sentences[j][1] - sentences[j][0]) <= chunk_chars):
            size += sentences[j][1] - sentences[j][0]
            j += 1
        start, end = sentences[i][0], sentences[j - 1][1]
        chunks.append(Chunk(article_id=article.id, ord=len(chunks), text=text[start:end], start=start, end=end))
        if j >= len(sentences):
            break
        i = j - 1 if j - 1 > i else j  # one sentence of overlap, always moving forward
    return chunks
