"""The Milvus store: chunks, BM25 and vectors in Milvus (Lite at a path, a server at a URL), switched by an alias.

Layout, for the prefix P (NEWSBOT_MILVUS_PREFIX, default "newsbot"):
- P_<generation>: one row per chunk: id (int64 from article id + ord), article_id, ord, start, end, text, title,
  published (filterable), source, tokens (the project's own BM25 tokens, space-joined: the engine's BM25 function
  indexes them through a whitespace-style analyzer, so both stores score exactly the same terms), sparse (the
  BM25 function's output) and vector (from the embedding cache).
- P_<generation>_docs: the articles and the manifest as JSON (split in parts: VARCHAR holds 64 KiB), and a "head"
  row whose revision counts in-place updates (what a serving process polls to notice a change).
- the alias P names the serving P_<generation>: a full rebuild writes new collections, validates their counts and
  then moves the alias in one call, so questions never see a half-built index and a failed build leaves the alias.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import numpy as np

from retrieval.errors import ConfigError, IndexCorrupted, IndexNotBuilt, IndexWriteError, NewsBotError, StoreUnavailable
from retrieval.models import Article, Chunk, IndexCounts, IndexManifest
from retrieval.storage import Build, Lap
from retrieval.vectors import HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH, HNSW_M

if TYPE_CHECKING:
    from retrieval.config import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# BM25 parameters: the local store's (retrieval/lexical.py, bm25s "lucene"). Milvus's scores are bm25s's times
# (k1 + 1); dividing by it puts both stores' Hit.lexical on one scale.
BM25_K1 = 1.2
BM25_B = 0.75
_BM25_SCALE = BM25_K1 + 1.0
_BM25_PARAMS = {"bm25_k1": BM25_K1, "bm25_b": BM25_B}
# VARCHAR limits: bytes, not characters. Article JSON is split into parts of PART_CHARS (4 bytes a character at
# most in UTF-8, so a part always fits).
MAX_VARCHAR = 65_535
PART_CHARS = 16_000
INSERT_BATCH = 1_000
# Chunk rows and vectors kept per serving index: what one question's candidates and answers reread.
ROW_CACHE = 20_000
# Transient failures (a server restarting, a timeout) are retried this many times, waiting 0.2 s, 0.4 s, …
RETRIES = 3
BACKOFF = 0.2
CONNECT_TIMEOUT = 10.0

CHUNK_FIELDS = ["id", "article_id", "ord", "start", "end", "text"]
_NOT_WORD = re.compile(r"\W")
_COLLECTION_NOT_FOUND = 100


def chunk_id(article_id: str, ord_: int) -> int:
    """A stable positive int64 key for chunk `ord_` of an article (upserts replace the same rows)."""
    digest = hashlib.blake2b(f"{article_id}\x00{ord_}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def bm25_terms(tokens: Iterable[str]) -> str:
    """The project's tokens as one analyzer-proof string: word characters only, separated by single spaces.

    Milvus Lite's "standard" analyzer keeps \\w+ runs whole (CJK included) and lowercases (tokens already are);
    a server's "whitespace" analyzer splits on spaces only. Either way each token stays one term.
    """
    return " ".join(_NOT_WORD.sub("_", t) for t in tokens)


def _fit(text: str, limit: int = MAX_VARCHAR) -> str:
    raw = text.encode("utf-8")
    return text if len(raw) <= limit else raw[:limit].decode("utf-8", errors="ignore")


def _literal(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)


def _parts(body: str) -> list[str]:
    return [body[i : i + PART_CHARS] for i in range(0, len(body), PART_CHARS)] or [""]


def is_server_uri(uri: str) -> bool:
    return uri.startswith(("http://", "https://", "tcp://", "grpc://", "unix:"))


def redact(uri: str) -> str:
    """The URI without user:password (a server URI may carry them)."""
    if not is_server_uri(uri):
        return uri
    parts = urlsplit(uri)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"


def _quiet_pymilvus() -> None:
    """pymilvus logs every failed call at ERROR with a traceback (its own handlers, set when it is imported); the
    store reports each failure itself, in one line, so its loggers only speak for what the store cannot see."""
    for name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "code", None)
    return code if isinstance(code, int) else None


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0][:200]


def _transient(exc: BaseException) -> bool:
    """A failure worth retrying: the server unreachable for a moment, a timeout, a rate limit."""
    from pymilvus.exceptions import MilvusUnavailableException

    if isinstance(exc, MilvusUnavailableException | ConnectionError | TimeoutError):
        return True
    text = _message(exc).lower()
    return any(w in text for w in ("unavailable", "deadline", "timeout", "timed out", "rate limit", "connection"))


def _auth(exc: BaseException) -> bool:
    """A refused login or a missing privilege (gRPC UNAUTHENTICATED / PERMISSION_DENIED, or Milvus saying so)."""
    import grpc

    if isinstance(exc, grpc.RpcError) and exc.code() in (
        grpc.StatusCode.UNAUTHENTICATED,
        grpc.StatusCode.PERMISSION_DENIED,
    ):
        return True
    text = _message(exc).lower()
    return any(w in text for w in ("auth check", "authenticat", "credential", "permission denied", "privilege"))


class MilvusIndex:
    """A serving generation in Milvus: articles in memory; chunks, BM25 and vectors asked of Milvus per query."""

    def __init__(
        self, store: MilvusStore, collection: str, revision: int, manifest: IndexManifest, articles: list[Article]
    ) -> None:
        self._store = store
        self.collection = collection
        self.generation = f"{collection}@{revision}"
        self.manifest = manifest
        self.articles_by_id = {a.id: a for a in articles}
        self._rows: OrderedDict[int, Chunk] = OrderedDict()
        self._vectors: OrderedDict[int, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    # -- Corpus ----------------------------------------------------------------------------------------------
    def article(self, article_id: str) -> Article:
        return self.articles_by_id[article_id]

    def articles(self) -> list[Article]:
        return list(self.articles_by_id.values())

    def chunks_of(self, article_id: str) -> list[Chunk]:
        rows = self._store.call(
            "query",
            self.collection,
            filter=f"article_id == {_literal(article_id)}",
            output_fields=CHUNK_FIELDS,
            limit=16_384,
        )
        chunks = [self._remember(row) for row in rows]
        return sorted(chunks, key=lambda c: c.ord)

    # -- Index -----------------------------------------------------------------------------------------------
    @property
    def chunk_count(self) -> int:
        return self.manifest.counts.chunks

    @property
    def index_type(self) -> str:
        return self.manifest.index_type

    def lexical(self, tokens: Sequence[str], pool: int) -> MilvusLexicalHits:
        terms = bm25_terms(tokens)
        if not terms or not self.chunk_count:
            return MilvusLexicalHits(self, terms, [], [])
        hits = self._store.call(
            "search",
            self.collection,
            data=[terms],
            anns_field="sparse",
            limit=pool,
            output_fields=CHUNK_FIELDS[1:],
            search_params={"metric_type": "BM25"},
        )[0]
        found = [(abs(float(h["distance"])) / _BM25_SCALE, int(h["id"]), h) for h in hits]  # Lite reports -score
        found = sorted((f for f in found if f[0] > 0), key=lambda f: (-f[0], f[1]))
        for _, _, hit in found:
            self._remember(hit, hit["id"])
        return MilvusLexicalHits(self, terms, [f[1] for f in found], [f[0] for f in found])

    def dense(self, query: np.ndarray, pool: int) -> np.ndarray:
        if not self.chunk_count:
            return np.zeros(0, np.int64)
        params: dict[str, Any] = {"metric_type": "IP"}
        if self.index_type == "hnsw":
            params["params"] = {"ef": max(HNSW_EF_SEARCH, pool)}
        hits = self._store.call(
            "search",
            self.collection,
            data=[np.asarray(query, np.float32).reshape(-1).tolist()],
            anns_field="vector",
            limit=pool,
            output_fields=[*CHUNK_FIELDS[1:], "vector"],
            search_params=params,
        )[0]
        ids = []
        for h in hits:
            self._remember(h, h["id"])
            with self._lock:
                self._cache(self._vectors, int(h["id"]), np.asarray(h["vector"], np.float32))
            ids.append(int(h["id"]))
        return np.asarray(ids, np.int64)

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.zeros(0, np.float32)
        with self._lock:
            missing = [int(i) for i in ids if int(i) not in self._vectors]
        if missing:
            rows = self._store.call(
                "query", self.collection, filter=f"id in {missing}", output_fields=["id", "vector"], limit=len(missing)
            )
            with self._lock:
                for row in rows:
                    self._cache(self._vectors, int(row["id"]), np.asarray(row["vector"], np.float32))
        q = np.asarray(query, np.float32).reshape(-1)
        with self._lock:
            matrix = np.stack([self._vectors.get(int(i), np.zeros_like(q)) for i in ids])
        return matrix @ q

    def chunks_by_id(self, ids: np.ndarray) -> list[Chunk]:
        with self._lock:
            missing = [int(i) for i in ids if int(i) not in self._rows]
        if missing:
            for row in self._store.call(
                "query", self.collection, filter=f"id in {missing}", output_fields=CHUNK_FIELDS, limit=len(missing)
            ):
                self._remember(row)
        with self._lock:
            return [self._rows[int(i)] for i in ids]

    # -- row cache -------------------------------------------------------------------------------------------
    @staticmethod
    def _cache(cache: OrderedDict[int, T], key: int, value: T) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > ROW_CACHE:
            cache.popitem(last=False)

    def _remember(self, row: Any, key: Any = None) -> Chunk:
        chunk = Chunk(
            article_id=row["article_id"],
            ord=int(row["ord"]),
            text=row["text"],
            start=int(row["start"]),
            end=int(row["end"]),
        )
        with self._lock:
            self._cache(self._rows, int(key if key is not None else row["id"]), chunk)
        return chunk


class MilvusLexicalHits:
    """BM25 candidates from Milvus's BM25 function; the score of a chunk outside them is one filtered search away."""

    def __init__(self, index: MilvusIndex, terms: str, ids: list[int], scores: list[float]) -> None:
        self._index = index
        self._terms = terms
        self.ids = np.asarray(ids, np.int64)
        self.scores = np.asarray(scores, np.float32)
        self._known = dict(zip(ids, scores, strict=True))

    def score(self, ids: np.ndarray) -> np.ndarray:
        missing = [int(i) for i in ids if int(i) not in self._known]
        if missing and self._terms:
            hits = self._index._store.call(
                "search",
                self._index.collection,
                data=[self._terms],
                anns_field="sparse",
                filter=f"id in {missing}",
                limit=len(missing),
                search_params={"metric_type": "BM25"},
            )[0]
            self._known.update({int(h["id"]): abs(float(h["distance"])) / _BM25_SCALE for h in hits})
        return np.asarray([self._known.get(int(i), 0.0) for i in ids], np.float32)


class MilvusStore:
    """Generations as Milvus collections behind one alias; the build lock and embedding cache stay in index_dir."""

    kind = "milvus"

    def __init__(
        self,
        uri: str,
        index_dir: Path,
        prefix: str = "newsbot",
        token: str | None = None,
        keep_generations: int = 2,
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.uri = uri
        self.lite = not is_server_uri(uri)
        # A server upserts changed articles and deletes removed ones in place: its query nodes merge BM25 statistics
        # over all segments. Milvus Lite keeps them per segment (a TODO in its sources), so rows written by an
        # update would be scored against their own small segment's IDF and rank apart from the local store's;
        # there every reindex writes a new collection (vectors and tokens from the cache) and moves the alias.
        self.updates_in_place = not self.lite
        self.index_dir = index_dir
        self.alias = prefix
        self.keep_generations = max(1, keep_generations)
        self._token = token
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._factory = client_factory
        self._serving: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> MilvusStore:
        uri = settings.milvus_uri or str(settings.index_dir / "milvus.db")
        token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
        return cls(uri, settings.index_dir, settings.milvus_prefix, token, settings.keep_generations)

    # -- connection and errors -------------------------------------------------------------------------------
    @property
    def where(self) -> str:
        return f"Milvus Lite at {self.uri}" if self.lite else f"the Milvus server at {redact(self.uri)}"

    def _connect(self) -> Any:
        with self._client_lock:
            if self._client is None:
                if self._factory is not None:
                    self._client = self._factory()
                else:
                    try:
                        from pymilvus import MilvusClient
                    except ImportError as exc:
                        raise ConfigError(
                            "NEWSBOT_STORE=milvus needs pymilvus (and milvus-lite for a local path): "
                            "pip install 'newsbot[milvus]'"
                        ) from exc

                    _quiet_pymilvus()
                    if self.lite:
                        Path(self.uri).parent.mkdir(parents=True, exist_ok=True)
                    self._client = MilvusClient(self.uri, token=self._token or "", timeout=CONNECT_TIMEOUT)
            return self._client

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """client.method(*args, **kwargs), retried with backoff on transient failures, errors as StoreUnavailable."""
        delay = BACKOFF
        for attempt in range(RETRIES + 1):
            try:
                return getattr(self._connect(), method)(*args, **kwargs)
            except NewsBotError:
                raise
            except Exception as exc:
                if _code(exc) == _COLLECTION_NOT_FOUND:
                    raise IndexNotBuilt(
                        f"the index collection is missing in {self.where}; run `newsbot reindex --full`"
                    ) from exc
                if _transient(exc) and attempt < RETRIES:
                    log.info("%s: %s failed (%s); retrying in %.1fs", self.where, method, _message(exc), delay)
                    time.sleep(delay)
                    delay *= 2
                    with self._client_lock:
                        self._client = None if self._factory is None else self._client  # reconnect next time
                    continue
                raise StoreUnavailable(self._explain(exc)) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _explain(self, exc: BaseException) -> str:
        if _auth(exc):
            return f"{self.where} refused the credentials (NEWSBOT_MILVUS_TOKEN); the index there is untouched"
        reason = _message(exc)
        if self._token:
            reason = reason.replace(self._token, "***")
        if _transient(exc):
            return f"cannot reach {self.where} ({reason}); try again when it is up"
        return f"{self.where} failed: {reason}"

    # -- Store -----------------------------------------------------------------------------------------------
    @property
    def lock_path(self) -> Path:
        return self.index_dir / ".reindex.lock"

    @property
    def cache_path(self) -> Path:
        return self.index_dir / "cache" / "embeddings.sqlite"

    def describe(self) -> str:
        where = f"milvus lite {self.uri}" if self.lite else f"milvus {redact(self.uri)}"
        return f"{where}, alias {self.alias} → collection {self._serving or '(none)'}"

    def serving_collection(self) -> str | None:
        """The collection the alias names (None when there is no alias yet)."""
        aliases = self.call("list_aliases").get("aliases", [])
        if self.alias not in aliases:
            return None
        name = self.call("describe_alias", self.alias).get("collection_name")
        return str(name) if name else None

    def current(self) -> str | None:
        collection = self.serving_collection()
        if collection is None:
            return None
        return f"{collection}@{self._revision(collection)}"

    def _revision(self, collection: str) -> int:
        rows = self.call("query", f"{collection}_docs", filter='kind == "head"', output_fields=["body"], limit=1)
        return int(rows[0]["body"]) if rows else 0

    def _read_blobs(self, collection: str, kind: str, versions: dict[str, str]) -> dict[str, str]:
        """The JSON body of each ref at the given version, its parts joined (refs asked 200 at a time)."""
        parts: dict[str, dict[int, str]] = {}
        refs = sorted(versions)
        for start in range(0, len(refs), 200):
            batch = json.dumps(refs[start : start + 200], ensure_ascii=False)
            rows = self.call(
                "query",
                f"{collection}_docs",
                filter=f"kind == {_literal(kind)} and ref in {batch}",
                output_fields=["ref", "version", "part", "body"],
                limit=16_384,
            )
            for row in rows:
                if row["version"] == versions[row["ref"]]:
                    parts.setdefault(row["ref"], {})[int(row["part"])] = row["body"]
        return {ref: "".join(p[i] for i in sorted(p)) for ref, p in parts.items()}

    def _manifest(self, collection: str, revision: int) -> IndexManifest:
        raw = self._read_blobs(collection, "manifest", {"": str(revision)}).get("")
        if raw is None:
            raise IndexCorrupted(
                f"collection {collection} in {self.where} has no manifest; run `newsbot reindex --full`"
            )
        try:
            return IndexManifest.model_validate_json(raw)
        except ValueError as exc:
            raise IndexCorrupted(f"invalid manifest in {collection}: {exc}") from exc

    def current_manifest(self) -> IndexManifest | None:
        collection = self.serving_collection()
        if collection is None:
            return None
        revision = self._revision(collection)
        try:
            manifest = self._manifest(collection, revision)
        except (IndexCorrupted, IndexNotBuilt):
            return None
        return manifest.model_copy(update={"generation": f"{collection}@{revision}"})

    def load(self) -> MilvusIndex:
        collection = self.serving_collection()
        if collection is None:
            raise IndexNotBuilt(f"no index in {self.where} (no alias {self.alias!r}); run `newsbot reindex`")
        return self.load_generation(f"{collection}@{self._revision(collection)}")

    def load_generation(self, name: str) -> MilvusIndex:
        collection, _, rev = name.partition("@")
        self.call("load_collection", collection)
        self.call("load_collection", f"{collection}_docs")
        manifest = self._manifest(collection, int(rev or 0))
        bodies = self._read_blobs(collection, "article", manifest.article_hashes)
        articles = [Article.model_validate_json(body) for body in bodies.values()]
        if len(articles) != manifest.counts.articles:
            raise IndexCorrupted(
                f"{collection}: {len(articles)} articles, manifest says {manifest.counts.articles}; "
                "run `newsbot reindex --full`"
            )
        self._serving = collection
        return MilvusIndex(self, collection, int(rev or 0), manifest, articles)

    # -- writing ---------------------------------------------------------------------------------------------
    def _create(self, collection: str, dimension: int) -> None:
        from pymilvus import DataType, Function, FunctionType

        client = self._connect()
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("article_id", DataType.VARCHAR, max_length=1024)
        schema.add_field("ord", DataType.INT64)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR)
        schema.add_field("title", DataType.VARCHAR, max_length=2048)
        schema.add_field("published", DataType.VARCHAR, max_length=64)  # ISO date: string order is date order
        schema.add_field("source", DataType.VARCHAR, max_length=512)
        analyzer = {"tokenizer": "standard"} if self.lite else {"tokenizer": "whitespace"}
        schema.add_field(
            "tokens", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True, analyzer_params=analyzer
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["tokens"],
                output_field_names=["sparse"],
            )
        )
        index = client.prepare_index_params()
        # pymilvus flattens `params` into top-level keys (what a server reads); Lite reads a nested "params" entry.
        bm25: dict[str, Any] = {"params": {"params": _BM25_PARAMS} if self.lite else _BM25_PARAMS}
        index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25", **bm25)
        if self.lite:  # Lite: exact search (tests, small setups); a server: HNSW with the local store's knobs
            index.add_index(field_name="vector", index_type="FLAT", metric_type="IP")
        else:
            index.add_index(
                field_name="vector",
                index_type="HNSW",
                metric_type="IP",
                params={"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION},
            )
        index.add_index(field_name="article_id", index_type="INVERTED")
        self.call("create_collection", collection, schema=schema, index_params=index, consistency_level="Strong")

        docs = client.create_schema(auto_id=False)
        docs.add_field("id", DataType.VARCHAR, is_primary=True, max_length=1200)
        docs.add_field("kind", DataType.VARCHAR, max_length=16)
        docs.add_field("ref", DataType.VARCHAR, max_length=1024)
        docs.add_field("version", DataType.VARCHAR, max_length=64)  # article: content hash; manifest: revision
        docs.add_field("part", DataType.INT64)
        docs.add_field("body", DataType.VARCHAR, max_length=MAX_VARCHAR)
        docs.add_field("unused", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector field in every collection
        docs_index = client.prepare_index_params()
        docs_index.add_index(field_name="unused", index_type="FLAT", metric_type="L2")
        self.call(
            "create_collection", f"{collection}_docs", schema=docs, index_params=docs_index, consistency_level="Strong"
        )

    @staticmethod
    def _chunk_rows(build: Build) -> Iterable[dict[str, Any]]:
        by_id = {a.id: a for a in build.articles}
        for chunk, tokens, vector in zip(build.chunks, build.tokens, build.vectors, strict=True):
            article = by_id[chunk.article_id]
            yield {
                "id": chunk_id(chunk.article_id, chunk.ord),
                "article_id": chunk.article_id,
                "ord": chunk.ord,
                "start": chunk.start,
                "end": chunk.end,
                "text": _fit(chunk.text),
                "title": _fit(article.title, 2048),
                "published": (article.published or "")[:64],
                "source": _fit(article.source or "", 512),
                "tokens": _fit(bm25_terms(tokens)),
                "vector": np.asarray(vector, np.float32).tolist(),
            }

    @staticmethod
    def _blob_rows(kind: str, ref: str, version: str, body: str) -> list[dict[str, Any]]:
        """Rows of one JSON body; a new version gets new rows, so the old one stays readable until the switch."""
        return [
            {
                "id": f"{kind}\x1f{ref}\x1f{version}\x1f{i}",
                "kind": kind,
                "ref": ref,
                "version": version,
                "part": i,
                "body": part,
                "unused": [0.0, 0.0],
            }
            for i, part in enumerate(_parts(body))
        ]

    def _write(self, method: str, collection: str, rows: Iterable[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= INSERT_BATCH:
                self.call(method, collection, batch)
                batch = []
        if batch:
            self.call(method, collection, batch)

    def _count(self, collection: str, filter_: str = "") -> int:
        rows = self.call("query", collection, filter=filter_, output_fields=["count(*)"])
        return int(rows[0]["count(*)"]) if rows else 0

    def _finish_manifest(self, manifest: IndexManifest, collection: str, articles: int, chunks: int) -> IndexManifest:
        return manifest.model_copy(
            update={
                "generation": collection,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "index_type": "flat" if self.lite else "hnsw",
                "counts": IndexCounts(articles=articles, chunks=chunks, vectors=chunks),
            }
        )

    def replace(self, build: Build, lap: Lap) -> MilvusIndex:
        """Write new collections, check their counts, then move the alias to them (one call, atomic)."""
        generation = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        collection = f"{self.alias}_{generation}"
        try:
            self._create(collection, build.manifest.dimension)
            self._write("insert", collection, self._chunk_rows(build))
            lap("index_vectors")
            docs = f"{collection}_docs"
            manifest = self._finish_manifest(build.manifest, collection, len(build.articles), len(build.chunks))
            hashes = build.manifest.article_hashes
            self._write(
                "insert",
                docs,
                (
                    r
                    for a in build.articles
                    for r in self._blob_rows("article", a.id, hashes[a.id], a.model_dump_json())
                ),
            )
            self._write("insert", docs, self._blob_rows("manifest", "", "0", manifest.model_dump_json()))
            self._write("insert", docs, self._blob_rows("head", "", "", "0"))
            self.call("flush", collection)
            self.call("flush", docs)
            self.call("load_collection", collection)
            self.call("load_collection", docs)
            lap("write")
            stored = self._count(collection)
            if stored != len(build.chunks):
                raise IndexCorrupted(f"{collection}: {stored} chunks stored of {len(build.chunks)}")
            fresh = self.load_generation(f"{collection}@0")
        except BaseException as exc:
            self._drop(collection)
            if isinstance(exc, StoreUnavailable | IndexCorrupted | IndexNotBuilt):
                raise IndexWriteError(f"{exc}; the previous index keeps serving") from exc
            raise
        previous = self.serving_collection()
        if previous is None:
            self.call("create_alias", collection, self.alias)
        else:
            self.call("alter_alias", collection, self.alias)
        self._serving = collection
        self.prune()
        return fresh

    def update(self, previous: Any, build: Build, removed: Sequence[str], lap: Lap) -> MilvusIndex:
        """Apply changed and removed articles to the serving collection; the head row's revision is the commit.

        Chunks are upserted (stable ids) and stale ones deleted; article JSON and the manifest are written as new
        versions beside the old ones; then the head row moves to the new revision, and only then are the old
        versions deleted. A build that dies before the head moves leaves the old manifest serving, and the next
        reindex (whose hashes still differ from it) redoes the same articles.
        """
        collection = previous.collection if isinstance(previous, MilvusIndex) else self.serving_collection()
        if collection is None:
            raise IndexNotBuilt(f"no index in {self.where}; run `newsbot reindex --full`")
        docs = f"{collection}_docs"
        hashes = build.manifest.article_hashes
        self._write("upsert", collection, self._chunk_rows(build))
        counts: dict[str, int] = {}
        for chunk in build.chunks:
            counts[chunk.article_id] = counts.get(chunk.article_id, 0) + 1
        for article in build.articles:  # an article that shrank: drop its chunks past the new last one
            stale = f"article_id == {_literal(article.id)} and ord >= {counts.get(article.id, 0)}"
            self.call("delete", collection, filter=stale)
        for start in range(0, len(removed), 200):
            ids = json.dumps(list(removed[start : start + 200]), ensure_ascii=False)
            self.call("delete", collection, filter=f"article_id in {ids}")
        lap("index_vectors")
        self._write(
            "upsert",
            docs,
            (r for a in build.articles for r in self._blob_rows("article", a.id, hashes[a.id], a.model_dump_json())),
        )
        self.call("flush", collection)
        chunks = self._count(collection)
        old = self._revision(collection)
        revision = old + 1
        manifest = self._finish_manifest(build.manifest, collection, len(hashes), chunks)
        self._write("upsert", docs, self._blob_rows("manifest", "", str(revision), manifest.model_dump_json()))
        self.call("flush", docs)
        self._write("upsert", docs, self._blob_rows("head", "", "", str(revision)))  # the commit point
        self.call("flush", docs)
        self.call("delete", docs, filter=f'kind == "manifest" and version != "{revision}"')
        for article in build.articles:
            self.call(
                "delete",
                docs,
                filter=f'kind == "article" and ref == {_literal(article.id)} and version != "{hashes[article.id]}"',
            )
        for start in range(0, len(removed), 200):
            ids = json.dumps(list(removed[start : start + 200]), ensure_ascii=False)
            self.call("delete", docs, filter=f'kind == "article" and ref in {ids}')
        self.call("flush", docs)
        lap("write")
        return self.load_generation(f"{collection}@{revision}")

    def _collections(self) -> list[str]:
        """This prefix's chunk collections, oldest first."""
        pattern = re.compile(rf"^{re.escape(self.alias)}_\d{{20}}$")
        return sorted(c for c in self.call("list_collections") if pattern.match(c))

    def _drop(self, collection: str) -> None:
        for name in (collection, f"{collection}_docs"):
            try:
                self.call("drop_collection", name)
            except NewsBotError as exc:
                log.warning("could not drop %s in %s: %s", name, self.where, exc)

    def prune(self) -> None:
        """Drop all but the newest keep_generations collections (never the serving one)."""
        serving = self.serving_collection()
        for name in self._collections()[: -self.keep_generations]:
            if name != serving:
                self._drop(name)

    def remove_temporary(self) -> None:
        """Drop collections newer than the serving one: what a build killed before its alias switch left."""
        serving = self.serving_collection()
        for name in self._collections():
            if serving is None or name > serving:
                self._drop(name)

    def write_failure(self, exc: BaseException) -> str:
        return f"cannot write the index to {self.where} ({_message(exc)}); the previous index keeps serving"
