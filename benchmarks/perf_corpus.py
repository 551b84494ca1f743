"""Benchmark corpora of realistic Chinese news text, built from CMRC 2018 contexts and the sample article.

- `write_base_corpus`: the ~850-article corpus of the rebuild targets. The CMRC contexts (unchanged, so their
  questions keep a gold context) plus the sample article, plus "digest" articles whose bodies are runs of whole
  sentences drawn from 2-3 different contexts (new text: every chunk is embedded for real).
- `write_scaled_corpus`: ~1k/10k/100k-chunk corpora for query latency, made the same way from the base corpus's
  sentences. Their vectors are *composed*, not embedded: each sentence takes the vector of the base chunk it came
  from, a chunk's vector is the normalised mean of its sentences' vectors, and these are written into the embedding
  cache (keyed by text hash) before the real `Engine.reindex()` runs, so the build path is the real one but the
  model is never called. BM25 sees honest, varied text; FAISS sees vectors with the base set's geometry.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.articles import article_from_record
from retrieval.chunking import chunk_article
from retrieval.embedding import EmbeddingCache, text_key
from retrieval.engine import passage_text
from retrieval.models import Article
from retrieval.text import split_sentences

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "articles" / "000_c2a779a1f5c97f83.txt"


@dataclass
class Squad:
    """CMRC/SQuAD contexts and questions with the id of their gold context."""

    contexts: list[dict[str, str]] = field(default_factory=list)  # {"id", "title", "text"}
    questions: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (question, context id, answers)


def load_squad(path: Path) -> Squad:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = Squad()
    for doc in data["data"]:
        for p_no, para in enumerate(doc["paragraphs"]):
            cid = str(para.get("id") or f"{doc.get('id', doc.get('title'))}-{p_no}")
            out.contexts.append({"id": cid, "title": doc.get("title", ""), "text": para["context"]})
            for qa in para["qas"]:
                out.questions.append((qa["question"], cid, list(dict.fromkeys(a["text"] for a in qa["answers"]))))
    return out


def sentences_of(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def _digest(rng: random.Random, pools: list[tuple[str, list[str]]], target_chars: int) -> tuple[str, str]:
    """A title and a body of whole sentences taken in order from 2-3 random sources (a news digest)."""
    picks = rng.sample(pools, k=min(len(pools), rng.choice((2, 2, 3))))
    per = max(1, target_chars // len(picks))
    body: list[str] = []
    for _, sents in picks:
        if not sents:
            continue
        start = rng.randrange(len(sents))
        size = 0
        for s in sents[start:] + sents[:start]:
            body.append(s)
            size += len(s)
            if size >= per:
                break
    return f"{picks[0][0]}综述", "".join(body)


def write_base_corpus(squad: Squad, data_dir: Path, articles: int = 850, seed: int = 0) -> int:
    """Write the base corpus (CMRC contexts + sample + digests up to `articles` articles); returns the count."""
    rng = random.Random(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    if SAMPLE.is_file():
        (data_dir / SAMPLE.name).write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    lines = [json.dumps(c, ensure_ascii=False) for c in squad.contexts][: max(0, articles - 1)]
    pools = [(c["title"], sentences_of(c["text"])) for c in squad.contexts]
    n_digests = max(0, articles - 1 - len(lines))
    digests = []
    for i in range(n_digests):
        # 250-550 characters: with the CMRC contexts, ~850 articles make ≈3k chunks (the corpus size)
        title, text = _digest(rng, pools, target_chars=rng.randint(250, 550))
        digests.append(json.dumps({"id": f"digest-{i:05d}", "title": title, "text": text}, ensure_ascii=False))
    (data_dir / "contexts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if digests:
        (data_dir / "digests.jsonl").write_text("\n".join(digests) + "\n", encoding="utf-8")
    return len(lines) + len(digests) + (1 if SAMPLE.is_file() else 0)


def write_distractor_base(squad: Squad, distractors: Squad, data_dir: Path, n_distractors: int) -> int:
    """The base corpus for answer quality at scale: every gold context, plus `n_distractors` contexts of another
    data set (no question is asked about them; their sentences feed the scaled corpora's digests)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    gold = [json.dumps(c, ensure_ascii=False) for c in squad.contexts]
    other = [
        json.dumps(dict(c, id=f"distractor-{c['id']}"), ensure_ascii=False)
        for c in distractors.contexts[:n_distractors]
    ]
    (data_dir / "contexts.jsonl").write_text("\n".join(gold) + "\n", encoding="utf-8")
    (data_dir / "distractors.jsonl").write_text("\n".join(other) + "\n", encoding="utf-8")
    return len(gold) + len(other)


def new_article(rng: random.Random, squad: Squad, n: int) -> dict[str, str]:
    """One more digest article with fresh text (for the one-article rebuild)."""
    pools = [(c["title"], sentences_of(c["text"])) for c in squad.contexts]
    title, text = _digest(rng, pools, target_chars=700)
    return {"id": f"new-{n:03d}", "title": f"{title}（第{n}期）", "text": f"第{n}期。" + text}


def sentence_vectors(articles: list[Article], chunk_vectors: dict[tuple[str, int], np.ndarray], chunks_of) -> dict:  # type: ignore[no-untyped-def]
    """Map every sentence of the base corpus to the vector of the first base chunk that contains it."""
    out: dict[str, np.ndarray] = {}
    for a in articles:
        for c in chunks_of(a.id):
            vec = chunk_vectors.get((c.article_id, c.ord))
            if vec is None:
                continue
            for s in sentences_of(c.text):
                out.setdefault(s, vec)
    return out


def write_scaled_corpus(
    base_articles: list[Article],
    sentence_vec: dict[str, np.ndarray],
    data_dir: Path,
    cache_path: Path,
    cache_key: str,
    chunks: int,
    chunk_chars: int,
    seed: int = 0,
    digest_from: list[Article] | None = None,
) -> tuple[int, int]:
    """Write ~`chunks` chunks of articles (base articles first, then digests) and prefill the embedding cache.

    Returns (articles, chunks). Each chunk's vector is the normalised mean of its sentences' base vectors. Digests
    take their sentences from `digest_from` (default: the base articles); give it articles no question is asked
    about, and the distractors never repeat a gold sentence.
    """
    rng = random.Random(seed)
    data_dir.mkdir(parents=True, exist_ok=True)
    pools = [(a.title, sentences_of(a.text)) for a in (digest_from or base_articles)]
    dim = len(next(iter(sentence_vec.values())))
    fallback = np.zeros(dim, np.float32)
    records: list[Article] = []
    total = 0
    for a in base_articles:
        if total >= chunks:
            break
        records.append(a)
        total += len(chunk_article(a, chunk_chars))
    i = 0
    while total < chunks:
        title, text = _digest(rng, pools, target_chars=rng.randint(500, 900))
        art = article_from_record({"id": f"scale-{i:06d}", "title": title, "text": text}, f"scale-{i:06d}")
        records.append(art)
        total += len(chunk_article(art, chunk_chars))
        i += 1
    cache = EmbeddingCache(cache_path)
    try:
        batch: list[tuple[str, np.ndarray]] = []
        for art in records:
            for c in chunk_article(art, chunk_chars):
                vecs = [sentence_vec[s] for s in sentences_of(c.text) if s in sentence_vec]
                vec = np.mean(vecs, axis=0) if vecs else fallback + 1.0 / np.sqrt(dim)
                vec = (vec / max(float(np.linalg.norm(vec)), 1e-9)).astype(np.float32)
                batch.append((text_key(cache_key, passage_text(art, c)), vec))
                if len(batch) >= 5000:
                    cache.put_many(batch)
                    batch = []
        cache.put_many(batch)
    finally:
        cache.close()
    # Files of 1000 articles: one 100k-chunk file would pass the parser's 20 MiB per-file limit and be skipped.
    for start in range(0, len(records), 1000):
        with (data_dir / f"scaled-{start // 1000:04d}.jsonl").open("w", encoding="utf-8") as fh:
            for art in records[start : start + 1000]:
                record = {"id": art.id, "title": art.title, "text": art.text}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return len(records), total
