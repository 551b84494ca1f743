"""The one object the edges use: loads model and index once, answers questions, rebuilds the index."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock, Timeout

from retrieval import registry, tagging
from retrieval.articles import LoadResult, content_hash, load_articles
from retrieval.chunking import chunk_article
from retrieval.config import Settings
from retrieval.embedding import Embedder, EmbeddingCache, LazyEmbedder, choose_backend, embed_passages, text_key
from retrieval.errors import IndexCorrupted, IndexNotBuilt, IndexWriteError, ReindexInProgress
from retrieval.lexical import TOKENIZER_VERSION, LexicalIndex, tokenize_cached
from retrieval.models import Answer, Article, Chunk, Hit, IndexManifest, IndexStats, ReindexReport
from retrieval.onnx_backend import onnx_cache_dir
from retrieval.reading import reading_forms
from retrieval.retention import retained
from retrieval.search import SearchParams, dense_weight_for, search
from retrieval.store import IndexStore, LoadedIndex
from retrieval.tagging import tag_all
from retrieval.vectors import VectorIndex

if TYPE_CHECKING:
    from retrieval.generative import Generative

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# How often a serving process looks at CURRENT for a generation another process (a CLI reindex) switched to: one
# small file read per interval at most, so a bot notices a rebuild within seconds without a stat per question.
REFRESH_INTERVAL = 3.0


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
        self._refresh_lock = threading.Lock()
        self._checked_at = time.monotonic()
        self.refresh_interval = REFRESH_INTERVAL
        self.last_report: ReindexReport | None = None
        self.last_timings: dict[str, float] = {}  # seconds per build phase of the last reindex
        self._generative: Generative | None = None
        self._warned_stale: set[str] = set()  # generations already reported as built by an older tokenizer
        # Loads the model only when a query or a build needs vectors (not for a Chinese query the model can't vote
        # on, nor for a rebuild whose chunks are all in the embedding cache): start-up without torch.
        self._chosen: registry.Backend | None = None
        self._lazy = LazyEmbedder(
            settings.embedding_model, lambda: self.embedder, lambda: self._backend().languages(settings.embedding_model)
        )
        self.search_params = SearchParams(dense_weight=dense_weight_for(self.backend(), settings.dense_weight))

    # -- resources -------------------------------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            with self._load_lock:
                if self._embedder is None:
                    request = self.settings.model_request(onnx_cache_dir(self.settings.index_dir))
                    self._embedder = self._backend().load(request)
        return self._embedder

    def _backend(self) -> registry.Backend:
        """The embedding backend: the injected embedder's, else the one the settings choose (see choose_backend)."""
        injected = getattr(self._embedder, "backend", None) if self._embedder is not None else None
        if isinstance(injected, str):
            return registry.get(injected)
        if self._chosen is None:
            self._chosen = choose_backend(self.settings.model_request(), self.settings.embedding_backend)
        return self._chosen

    @property
    def index(self) -> LoadedIndex:
        """The serving generation (loaded and verified on first use); raises IndexNotBuilt / IndexCorrupted.

        A generation switched to by another process is picked up here (see refresh).
        """
        if self._index is None:
            with self._load_lock:
                if self._index is None:
                    self._index = self.store.load()
                    self._checked_at = time.monotonic()
                    tagging.attach(self.store.cache_path)
            return self._index
        self.refresh()
        return self._index

    def refresh(self, force: bool = False) -> bool:
        """Switch to the generation CURRENT names when another process changed it; True when switched.

        CURRENT is read at most once per refresh_interval. One thread loads and verifies the new generation while
        the others keep answering from the old one; the switch is a single reference assignment.
        """
        serving = self._index
        if serving is None or (not force and time.monotonic() - self._checked_at < self.refresh_interval):
            return False
        if not self._refresh_lock.acquire(blocking=False):
            return False  # another thread is loading it
        try:
            self._checked_at = time.monotonic()
            name = self.store.current()
            if name is None or name == serving.generation:
                return False
            try:
                fresh = self.store.load_generation(name)
            except IndexCorrupted as exc:
                log.warning("index generation %s is damaged (%s); still serving %s", name, exc, serving.generation)
                return False
            self._index = fresh
            tagging.attach(self.store.cache_path)
            log.info("switched to index generation %s", name)
            return True
        finally:
            self._refresh_lock.release()

    def model_key(self) -> str:
        """Identifies the vector space (the backend's: e.g. model name plus passage prefix), kept in the manifest."""
        return self._backend().space(self.settings.model_request())

    def backend(self) -> str:
        """The embedding backend that runs here: the setting, or its fallback where it cannot (see choose_backend)."""
        return self._backend().name

    def cache_key(self) -> str:
        """Embedding-cache key prefix: the exact vectors (the space plus e.g. int8 quantisation)."""
        return self._backend().identity(self.settings.model_request())

    # -- questions -------------------------------------------------------------------------------------------
    def search(self, question: str, k: int = 8) -> list[Hit]:
        index = self.index
        self._check_model(index)
        embedder = (self._embedder or self._lazy) if self.search_params.dense_weight > 0 else None
        return search(index, embedder, question, k=k, params=self.search_params)

    def ask(self, question: str, user: str | None = None) -> Answer:
        """The extractive answer; with NEWSBOT_LLM_URL set, the model's answer when it passes verification.

        `user` (e.g. "user:123"; default: the one set by generative.asking_user) counts against the per-user limit
        on model calls.
        """
        index = self.index
        hits = self.search(question, k=8)
        from retrieval.answer import answer_question

        answer = answer_question(question, hits, index)
        generative = self.generative
        if generative is not None:
            from retrieval.generative import current_user

            answer = generative.answer(question, hits, index.articles_by_id, answer, user=user or current_user())
        for source in answer.sources:  # syndicated copies merged at ingest: "also reported by" on the source
            article = index.articles_by_id.get(source.article_id)
            if article is not None and article.also_reported_by and not source.also_reported_by:
                source.also_reported_by = list(article.also_reported_by)
        return answer

    @property
    def generative(self) -> Generative | None:
        """The model path, built on first use when NEWSBOT_LLM_URL is set; None otherwise."""
        if self._generative is None and self.settings.llm_url:
            with self._load_lock:
                if self._generative is None:
                    from retrieval.generative import Generative

                    self._generative = Generative(self.settings)
        return self._generative

    def _check_model(self, index: LoadedIndex) -> None:
        built_with = index.manifest.tokenizer
        if built_with != TOKENIZER_VERSION and index.generation not in self._warned_stale:
            self._warned_stale.add(index.generation)
            log.warning(
                "index generation %s was built with tokenizer v%s (now v%s); run `newsbot reindex` for the best "
                "lexical matches",
                index.generation,
                built_with,
                TOKENIZER_VERSION,
            )
        if index.manifest.model_key != self.model_key():
            raise IndexCorrupted(
                f"the index was built with model {index.manifest.model!r}, settings say "
                f"{self.settings.embedding_model!r}; run `newsbot reindex`"
            )

    # -- stats -----------------------------------------------------------------------------------------------
    def stats(self) -> IndexStats:
        index = self.index
        dates = sorted(a.published for a in index.articles_by_id.values() if a.published)
        return IndexStats(
            articles=len(index.articles_by_id),
            chunks=len(index.chunks),
            model=index.manifest.model,
            dimension=index.manifest.dimension,
            generation=index.generation,
            built_at=index.manifest.created_at,
            first_published=dates[0] if dates else None,
            last_published=dates[-1] if dates else None,
            index_type=index.vectors.kind,
            llm=self._generative.stats() if self._generative is not None else None,
        )

    # -- building --------------------------------------------------------------------------------------------
    def reindex(self, full: bool = False, progress: Progress | None = None, show_bar: bool = False) -> ReindexReport:
        """Build a new generation from the data dir aside and switch to it; the old one serves until then.

        The build lock (a file in the index folder) is the one owner of rebuilds across threads and processes.
        """
        index_dir = self.settings.index_dir
        lock = FileLock(str(self.store.lock_path), timeout=0)
        try:
            index_dir.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout as exc:
            raise ReindexInProgress("another reindex is running; try again when it has finished") from exc
        except OSError as exc:
            raise IndexWriteError(f"cannot use the index folder {index_dir}: {exc.strerror or exc}") from exc
        try:
            self.store.remove_temporary()  # what a killed or failed build left behind
            report = self._build(full, progress, show_bar)
        except sqlite3.Error as exc:  # the embedding cache: "database or disk is full", "readonly database"
            raise IndexWriteError(self.store.write_failure(exc)) from exc
        except OSError as exc:
            raise IndexWriteError(self.store.write_failure(exc)) from exc
        finally:
            lock.release()
        self.last_report = report
        return report

    def _previous(self) -> LoadedIndex | None:
        try:
            return self.store.load()
        except (IndexNotBuilt, IndexCorrupted):
            return None

    def _current_manifest(self) -> IndexManifest | None:
        """CURRENT's manifest after its checksums verify (no parsing of chunks, BM25 or vectors), else None."""
        name = self.store.current()
        if name is None:
            return None
        try:
            return self.store.verify(name)
        except IndexCorrupted:
            return None

    def _build(self, full: bool, progress: Progress | None, show_bar: bool) -> ReindexReport:
        started = time.perf_counter()
        timings: dict[str, float] = {}
        self.last_timings = timings
        mark = time.perf_counter()

        def lap(phase: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            timings[phase] = timings.get(phase, 0.0) + now - mark
            mark = now

        loaded = load_articles(self.settings.data_dir)
        loaded.articles, retired = retained(loaded.articles, self.settings.retention_days)
        if retired:
            log.info(
                "%d articles older than %d days left out (NEWSBOT_RETENTION_DAYS)",
                retired,
                self.settings.retention_days,
            )
        articles = loaded.articles
        if not articles and not loaded.skipped:
            log.warning("the data folder %s holds no articles; building an empty index", self.settings.data_dir)
        hashes = {a.id: content_hash(a) for a in articles}
        config = {
            "model_key": self.model_key(),
            "chunk_chars": self.settings.chunk_chars,
            "embedding_backend": self.backend(),
            "tokenizer": TOKENIZER_VERSION,
        }
        lap("parse")

        def config_matches(manifest: IndexManifest) -> bool:
            return all(getattr(manifest, k) == v for k, v in config.items())

        if not full:
            # Fast path for "nothing changed": verify CURRENT's checksums and compare hashes, without parsing it.
            current = self._current_manifest()
            if current is not None and config_matches(current) and current.article_hashes == hashes:
                generation = current.generation
                if self._index is not None and self._index.generation != generation:
                    self._index = None  # another process switched generations: load lazily on next use
                lap("verify")
                return self._report(loaded, hashes, hashes, generation, current.counts.chunks, 0, started, full)

        previous = None if full else self._previous()
        same_config = previous is not None and config_matches(previous.manifest)
        old = previous.article_hashes if previous is not None and same_config else {}
        lap("load_previous")

        # CURRENT may name a damaged or missing generation while an older good one loaded: then this build must
        # write a fresh generation and switch CURRENT to it, not report the older one as up to date.
        previous_is_current = previous is not None and previous.generation == self.store.current()
        if previous is not None and same_config and old == hashes and previous_is_current:
            # Nothing changed: the serving generation already is this build.
            self._index = previous
            return self._report(loaded, hashes, old, previous.generation, len(previous.chunks), 0, started, full)

        by_id = {a.id: a for a in articles}
        chunks: list[Chunk] = []
        for a in articles:
            if previous is not None and old.get(a.id) == hashes[a.id]:
                chunks.extend(previous.chunks_of(a.id))  # unchanged article: same chunks as last time
            else:
                chunks.extend(chunk_article(a, self.settings.chunk_chars))
        texts = [passage_text(by_id[c.article_id], c) for c in chunks]
        lap("chunk")
        cache = EmbeddingCache(self.store.cache_path)
        try:
            tokens = tokenize_cached(texts, cache)
            lap("tokenize")
            tagged = tag_all((f for a in articles for f in reading_forms(a.text)), cache)
            log.info("%d new sentences POS-tagged for answering", tagged)
            lap("tag")
            if texts:
                key = self.cache_key()
                embedder = self._embedder or self._lazy
                vectors, embedded = embed_passages(
                    embedder, texts, None if full else cache, key, progress=progress, show_bar=show_bar
                )
                if full and embedded:
                    cache.put_many([(text_key(key, t), v) for t, v in zip(texts, vectors, strict=True)])
                dimension = int(vectors.shape[1])
            else:
                known = previous.manifest.dimension if previous is not None else 0
                dimension = known if known > 0 else self.embedder.dimension
                vectors = np.zeros((0, dimension), dtype=np.float32)
                embedded = 0
        finally:
            cache.close()
        lap("embed")
        vector_index = VectorIndex.build(vectors, dimension)
        lap("index_vectors")
        lexical = LexicalIndex.build(tokens)
        lap("index_bm25")
        manifest = IndexManifest(
            model=self.settings.embedding_model,
            model_key=self.model_key(),
            dimension=dimension,
            index_type=vector_index.kind,
            chunk_chars=self.settings.chunk_chars,
            embedding_backend=self.backend(),
            tokenizer=TOKENIZER_VERSION,
            article_hashes=hashes,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        generation = self.store.write_generation(articles, chunks, vector_index, lexical, manifest)
        lap("write")
        fresh = self.store.load_generation(generation)  # validate what was written before serving it
        self.store.switch(generation)
        self._index = fresh
        self._checked_at = time.monotonic()
        tagging.attach(self.store.cache_path)
        self.store.prune(self.settings.keep_generations)
        lap("validate_switch")
        return self._report(loaded, hashes, old, generation, len(chunks), embedded, started, full)

    @staticmethod
    def _report(
        loaded: LoadResult,
        hashes: dict[str, str],
        old: dict[str, str],
        generation: str,
        chunks: int,
        embedded: int,
        started: float,
        full: bool,
    ) -> ReindexReport:
        added = sum(1 for a in hashes if a not in old)
        changed = sum(1 for a, h in hashes.items() if a in old and old[a] != h)
        return ReindexReport(
            generation=generation,
            articles=len(loaded.articles),
            added=added,
            changed=changed,
            removed=sum(1 for a in old if a not in hashes),
            unchanged=len(hashes) - added - changed,
            skipped=loaded.skipped,
            chunks=chunks,
            embedded=embedded,
            seconds=time.perf_counter() - started,
            full=full,
        )
