"""The one object the edges use: loads model and index once, answers questions, rebuilds the index."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from filelock import FileLock, Timeout

from retrieval.articles import content_hash, load_articles
from retrieval.chunking import chunk_article
from retrieval.config import Settings
from retrieval.embedding import Embedder, EmbeddingCache, SentenceTransformerEmbedder, embed_passages
from retrieval.errors import IndexCorrupted, IndexNotBuilt, ReindexInProgress
from retrieval.lexical import LexicalIndex, tokenize_many
from retrieval.models import Answer, Article, Chunk, Hit, IndexStats, ReindexReport
from retrieval.search import SearchParams, search
from retrieval.store import IndexStore, LoadedIndex
from retrieval.vectors import VectorIndex

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


def passage_text(article: Article, chunk: Chunk) -> str:
    """What retrieval sees of a chunk: the article title as context, then the chunk text."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text


class Engine:
    """Model, index and settings, loaded once per process and shared by the CLI and the bot."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = IndexStore(settings.index_dir)
        self._embedder = embedder
        self._index: LoadedIndex | None = None
        self._load_lock = threading.Lock()
        self.last_report: ReindexReport | None = None
        self.search_params = SearchParams(dense_weight=settings.dense_weight)

    # -- resources -------------------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    self._embedder = SentenceTransformerEmbedder(
                        self.settings.embedding_model,
                        query_prefix=self.settings.query_prefix,
                        passage_prefix=self.settings.passage_prefix,
                        backend=self.settings.embedding_backend,
                    )
        return self._embedder

    @property
    def index(self) -> LoadedIndex:
        """The serving generation (loaded and verified on first use); raises IndexNotBuilt / IndexCorrupted."""
        if self._index is None:
            with self._load_lock:
                if self._index is None:
                    self._index = self.store.load()
        return self._index

    @property
    def corpus(self) -> LoadedIndex:
        return self.index

    def has_index(self) -> bool:
        try:
            _ = self.index
        except (IndexNotBuilt, IndexCorrupted):
            return False
        return True

    def model_key(self) -> str:
        """Identifies the vector space: model name plus passage prefix (both change every vector)."""
        return f"{self.settings.embedding_model}|{self.settings.passage_prefix}"

    # -- questions -------------------------------------------------------------------------------------------
    def search(self, question: str, k: int = 8) -> list[Hit]:
        index = self.index
        self._check_model(index)
        embedder = self.embedder if self.search_params.dense_weight > 0 else None
        return search(index, embedder, question, k=k, params=self.search_params)

    def ask(self, question: str) -> Answer:
        index = self.index
        hits = self.search(question, k=8)
        from retrieval.answer import answer_question

        return answer_question(question, hits, index)

    def _check_model(self, index: LoadedIndex) -> None:
        if index.manifest.get("model_key") != self.model_key():
            raise IndexCorrupted(
                f"the index was built with model {index.manifest.get('model')!r}, settings say "
                f"{self.settings.embedding_model!r}; run `newsbot reindex`"
            )

    # -- stats -----------------------------------------------------------------------------------------------
    def stats(self) -> IndexStats:
        index = self.index
        dates = sorted(a.published for a in index.articles_by_id.values() if a.published)
        return IndexStats(
            articles=len(index.articles_by_id),
            chunks=len(index.chunks),
            model=str(index.manifest.get("model")),
            dimension=int(index.manifest.get("dimension", 0)),  # type: ignore[call-overload]
            generation=index.generation,
            built_at=str(index.manifest.get("created_at")),
            first_published=dates[0] if dates else None,
            last_published=dates[-1] if dates else None,
            index_type=index.vectors.kind,
        )

    # -- building --------------------------------------------------------------------------------------------
    def reindex(self, full: bool = False, progress: Progress | None = None, show_bar: bool = False) -> ReindexReport:
        """Build a new generation from the data dir aside and switch to it; the old one serves until then."""
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.store.lock_path), timeout=0)
        try:
            lock.acquire()
        except Timeout as exc:
            raise ReindexInProgress("another reindex is running; try again when it has finished") from exc
        try:
            report = self._build(full, progress, show_bar)
        finally:
            lock.release()
        self.last_report = report
        return report

    def _previous(self) -> LoadedIndex | None:
        try:
            return self.store.load()
        except (IndexNotBuilt, IndexCorrupted):
            return None

    def _build(self, full: bool, progress: Progress | None, show_bar: bool) -> ReindexReport:
        started = time.perf_counter()
        loaded = load_articles(self.settings.data_dir)
        articles = loaded.articles
        hashes = {a.id: content_hash(a) for a in articles}
        previous = None if full else self._previous()
        config = {"model_key": self.model_key(), "chunk_chars": self.settings.chunk_chars}
        same_config = previous is not None and all(previous.manifest.get(k) == v for k, v in config.items())
        old = previous.article_hashes if previous is not None and same_config else {}
        added = sum(1 for a, h in hashes.items() if a not in old)
        changed = sum(1 for a, h in hashes.items() if a in old and old[a] != h)
        removed = sum(1 for a in old if a not in hashes)
        unchanged = len(hashes) - added - changed

        def report(generation: str, chunks: int, embedded: int) -> ReindexReport:
            return ReindexReport(
                generation=generation,
                articles=len(articles),
                added=added,
                changed=changed,
                removed=removed,
                unchanged=unchanged,
                skipped=loaded.skipped,
                chunks=chunks,
                embedded=embedded,
                seconds=time.perf_counter() - started,
                full=full,
            )

        if previous is not None and same_config and old == hashes:
            # Nothing changed: the serving generation already is this build.
            self._index = previous
            return report(previous.generation, len(previous.chunks), 0)

        by_id = {a.id: a for a in articles}
        chunks = [c for a in articles for c in chunk_article(a, self.settings.chunk_chars)]
        texts = [passage_text(by_id[c.article_id], c) for c in chunks]
        embedder = self.embedder
        cache = EmbeddingCache(self.store.cache_path)
        try:
            vectors, embedded = embed_passages(
                embedder, texts, None if full else cache, self.model_key(), progress=progress, show_bar=show_bar
            )
            if full and embedded:
                from retrieval.embedding import text_key

                cache.put_many([(text_key(self.model_key(), t), v) for t, v in zip(texts, vectors, strict=True)])
        finally:
            cache.close()
        vector_index = VectorIndex.build(vectors, embedder.dimension)
        lexical = LexicalIndex.build(tokenize_many(texts))
        manifest: dict[str, object] = {
            "model": self.settings.embedding_model,
            "dimension": embedder.dimension,
            "index_type": vector_index.kind,
            "article_hashes": hashes,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **config,
        }
        generation = self.store.write_generation(articles, chunks, vector_index, lexical, manifest)
        fresh = self.store.load_generation(generation)  # validate what was written before serving it
        self.store.switch(generation)
        self._index = fresh
        self.store.prune(self.settings.keep_generations)
        return report(generation, len(chunks), embedded)
