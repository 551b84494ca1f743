"""The one object the edges use: loads model and index once, answers questions, rebuilds the index."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock, Timeout

from retrieval import registry, tagging
from retrieval.articles import SUFFIXES, LoadResult, content_hash, load_articles
from retrieval.chunking import chunk_article
from retrieval.config import Settings
from retrieval.crosslingual import has_names, lexical_terms, name_terms
from retrieval.dates import find_period, without_relative
from retrieval.embedding import Embedder, EmbeddingCache, LazyEmbedder, choose_backend, embed_passages, text_key
from retrieval.errors import IndexCorrupted, IndexNotBuilt, IndexWriteError, ReindexInProgress
from retrieval.identity import who_is
from retrieval.lexical import TOKENIZER_VERSION, tokenize_cached
from retrieval.models import Answer, Article, Chunk, Hit, IndexManifest, IndexStats, ReindexReport
from retrieval.onnx_backend import onnx_cache_dir
from retrieval.questions import mandarin_question, unframed
from retrieval.reading import reading_forms
from retrieval.retention import retained
from retrieval.search import SearchParams, dense_weight_for, search
from retrieval.storage import Build, Index, Store
from retrieval.store import IndexStore
from retrieval.tagging import tag_all
from retrieval.text import detect_lang
from retrieval.timeline import compare, focus, outside, reported_about

if TYPE_CHECKING:
    from retrieval.generative import Generative

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# How often a serving process looks at CURRENT for a generation another process (a CLI reindex) switched to: one
# small file read per interval at most, so a bot notices a rebuild within seconds without a stat per question.
REFRESH_INTERVAL = 3.0
# Hits looked at when a question names a period or a follow-up prefers an article: enough to find an older or a
# newer report of the same story beyond the usual 8, few enough to stay fast.
FOCUS_POOL = 32
# Articles listed by /latest.
LATEST_LIMIT = 5
# Results of the first search in which a romanised name of an English question is looked for (Chinese spelling).
NAME_POOL = 20


def passage_text(article: Article, chunk: Chunk) -> str:
    """What retrieval sees of a chunk: the article title as context, then the chunk text."""
    return f"{article.title}\n{chunk.text}" if article.title else chunk.text


def open_store(settings: Settings) -> Store:
    """The store NEWSBOT_STORE chooses: local (the default) or milvus (Lite at a path, a server at a URL)."""
    if settings.store == "milvus":
        from retrieval.milvus_store import MilvusStore  # pymilvus loads only when asked for

        return MilvusStore.from_settings(settings)
    return IndexStore(settings.index_dir, settings.keep_generations)


class Engine:
    """Model, index and settings, loaded once per process and shared by the CLI and the bot."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.store = open_store(settings)
        self._embedder = embedder
        self._index: Index | None = None
        self._load_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._checked_at = time.monotonic()
        self.refresh_interval = REFRESH_INTERVAL
        self.last_report: ReindexReport | None = None
        self.today: Callable[[], date] = date.today  # the clock of time-aware questions (injectable for tests)
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
    def index(self) -> Index:
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
        if detect_lang(question) != "en":
            return search(index, embedder, question, k=k, params=self.search_params)
        # English: the question's Chinese words go to BM25 too (retrieval/crosslingual.py); a name in pinyin is
        # read off the first results and searched for again.
        extra = lexical_terms(question)
        if has_names(question):
            first = search(index, embedder, question, max(k, NAME_POOL), self.search_params, extra_terms=extra)
            extra += name_terms(question, [h.chunk.text for h in first])
        return search(index, embedder, question, k, self.search_params, extra_terms=extra)

    def ask(self, question: str, user: str | None = None, *, prefer_article: str | None = None) -> Answer:
        """The extractive answer; with NEWSBOT_LLM_URL set, the model's answer when it passes verification.

        `user` (e.g. "user:123"; default: the one set by generative.asking_user) counts against the per-user limit
        on model calls. A date in the question (上周, 3月15日, latest) narrows the articles to that period, relative
        to `self.today()`; `prefer_article` (a follow-up about the same story) answers from that article.
        """
        index = self.index
        period = find_period(question, self.today())
        query = mandarin_question(unframed(without_relative(question, period)))
        widen = period is not None or prefer_article is not None
        hits = self.search(query, k=FOCUS_POOL if widen else 8)
        from retrieval.answer import answer_question

        focused = focus(hits, index, period, prefer_article)
        hits = focused.hits[:8]
        reader = self.settings.answer_reader
        answer = who_is(query, question.strip(), hits, index)  # 王建军是谁？: the post the articles give the name
        if answer is None:
            answer = answer_question(query, hits, index, reader=reader)
            answer = answer.model_copy(update={"question": question.strip()})
        if prefer_article is None:  # several reports of the story: newest first, earlier ones marked
            answer = compare(answer, hits, index, lambda some: answer_question(query, some, index, reader=reader))
        generative = self.generative
        if generative is not None:
            from retrieval.generative import current_user

            extractive = answer
            answer = generative.answer(question, hits, index.articles_by_id, answer, user=user or current_user())
            if answer.via == "llm":  # the model answered from the same passages: the comparison stays with it
                answer.earlier, answer.corroborated = extractive.earlier, extractive.corroborated
        if period is not None:  # after the model too: its answer is flagged just the same
            answer.period = period.label
            if focused.outside and answer.answered and not reported_about(period, answer.evidence):
                answer.outside_period = outside(period, answer.sources[0].published if answer.sources else None)
        for source in answer.sources:  # syndicated copies merged at ingest: "also reported by" on the source
            article = index.articles_by_id.get(source.article_id)
            if article is not None and article.also_reported_by and not source.also_reported_by:
                source.also_reported_by = list(article.also_reported_by)
        return answer

    def latest(self, topic: str = "", limit: int = LATEST_LIMIT, period: str = "") -> list[Article]:
        """The newest articles, newest first; with a topic, only articles that contain a word of it (an English
        topic's Chinese words too), not the dense side's nearest articles, which always exist; with a period ("上周",
        "last week", relative to `self.today()`), only the articles published in it."""
        index = self.index
        asked = find_period(period, self.today()) if period.strip() else None
        if topic.strip():
            hits = self.search(topic, k=FOCUS_POOL)
            ids = list(dict.fromkeys(h.chunk.article_id for h in hits if h.lexical > 0))
            articles = [index.articles_by_id[a] for a in ids if a in index.articles_by_id]
        else:
            articles = index.articles()
        if asked is not None and asked.dated:
            articles = [a for a in articles if asked.contains(a.published)]
        return sorted(articles, key=lambda a: a.published or "", reverse=True)[:limit]

    def article(self, article_id: str) -> Article | None:
        """One article of the serving index by id, or None."""
        return self.index.articles_by_id.get(article_id)

    @property
    def generative(self) -> Generative | None:
        """The model path, built on first use when NEWSBOT_LLM_URL is set; None otherwise."""
        if self._generative is None and self.settings.llm_url:
            with self._load_lock:
                if self._generative is None:
                    from retrieval.generative import Generative

                    self._generative = Generative(self.settings)
        return self._generative

    def _check_model(self, index: Index) -> None:
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
            if index.manifest.model == self.settings.embedding_model:  # same name, another vector space
                raise IndexCorrupted(
                    f"the index was built with model {index.manifest.model!r} as {index.manifest.model_key!r}, "
                    f"this setup embeds as {self.model_key()!r} (backend or prefix changed); run `newsbot reindex`"
                )
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
            chunks=index.chunk_count,
            model=index.manifest.model,
            dimension=index.manifest.dimension,
            generation=index.generation,
            built_at=index.manifest.created_at,
            first_published=dates[0] if dates else None,
            last_published=dates[-1] if dates else None,
            index_type=index.index_type,
            store=self.store.describe(),
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

    def _previous(self) -> Index | None:
        try:
            return self.store.load()
        except (IndexNotBuilt, IndexCorrupted):
            return None

    def _keep_last_good(self, loaded: LoadResult) -> None:
        """A file that no longer parses (cut short, a bad byte) is skipped and reported, and its articles as the
        serving index holds them stay in the build: a broken edit must not take an article out of the answers."""
        broken = {s.path for s in loaded.skipped if s.path.lower().endswith(SUFFIXES)}  # files, not JSONL lines
        if not broken:
            return
        previous = self._index if self._index is not None else self._previous()
        if previous is None:
            return
        have = {a.id for a in loaded.articles}
        kept = [a for a in previous.articles() if a.path in broken and a.id not in have]
        if not kept:
            return
        loaded.articles = sorted([*loaded.articles, *kept], key=lambda a: a.path or "")  # stable: file order kept
        from_kept = {a.path for a in kept}
        for skip in loaded.skipped:
            if skip.path in from_kept:
                skip.reason += "; its last indexed version is kept"
        log.warning("%d articles of files that no longer parse are kept as last indexed", len(kept))

    def _current_manifest(self) -> IndexManifest | None:
        """The serving generation's manifest when valid (no parsing of chunks, BM25 or vectors), else None."""
        return self.store.current_manifest()

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
        self._keep_last_good(loaded)
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
        old = dict(previous.manifest.article_hashes) if previous is not None and same_config else {}
        lap("load_previous")

        # CURRENT may name a damaged or missing generation while an older good one loaded: then this build must
        # write a fresh generation and switch CURRENT to it, not report the older one as up to date.
        previous_is_current = previous is not None and previous.generation == self.store.current()
        if previous is not None and same_config and old == hashes and previous_is_current:
            # Nothing changed: the serving generation already is this build.
            self._index = previous
            return self._report(loaded, hashes, old, previous.generation, previous.chunk_count, 0, started, full)

        # A store that updates in place (Milvus) gets only the changed articles and the removed ids; the local store
        # gets every article and writes a whole new generation.
        in_place = self.store.updates_in_place and previous is not None and same_config and previous_is_current
        changed = [a for a in articles if old.get(a.id) != hashes[a.id]] if in_place else articles
        removed = [a for a in old if a not in hashes] if in_place else []
        by_id = {a.id: a for a in articles}
        chunks: list[Chunk] = []
        # Unchanged articles reuse the chunks the local store holds in memory; Milvus would answer one query per
        # article, slower than chunking again (which gives the same chunks).
        reuse = previous if previous is not None and self.store.kind == "local" else None
        for a in changed:
            if reuse is not None and old.get(a.id) == hashes[a.id]:
                chunks.extend(reuse.chunks_of(a.id))  # unchanged article: same chunks as last time
            else:
                chunks.extend(chunk_article(a, self.settings.chunk_chars))
        texts = [passage_text(by_id[c.article_id], c) for c in chunks]
        lap("chunk")
        cache = EmbeddingCache(self.store.cache_path)
        try:
            tokens = tokenize_cached(texts, cache)
            lap("tokenize")
            # New or edited articles only (a full build: all): unchanged ones were tagged when they came in, and
            # re-reading every sentence of a large index would cost seconds per one-article update.
            to_tag = articles if full else [a for a in articles if old.get(a.id) != hashes[a.id]]
            tagged = tag_all((f for a in to_tag for f in reading_forms(a.text)), cache)
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
        manifest = IndexManifest(
            model=self.settings.embedding_model,
            model_key=self.model_key(),
            dimension=dimension,
            chunk_chars=self.settings.chunk_chars,
            embedding_backend=self.backend(),
            tokenizer=TOKENIZER_VERSION,
            article_hashes=hashes,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        build = Build(changed, chunks, tokens, vectors, manifest)
        if in_place and previous is not None:
            fresh = self.store.update(previous, build, removed, lap)
        else:
            fresh = self.store.replace(build, lap)  # validated before it is switched to; the old one serves till then
        self._index = fresh
        self._checked_at = time.monotonic()
        tagging.attach(self.store.cache_path)
        lap("validate_switch")
        return self._report(loaded, hashes, old, fresh.generation, fresh.chunk_count, embedded, started, full)

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
