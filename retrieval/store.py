"""Index generations on disk: written aside, checksummed, validated, then switched atomically via CURRENT."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import ValidationError

from retrieval.errors import IndexCorrupted, IndexNotBuilt, IndexWriteError, describe_os_error
from retrieval.lexical import LexicalIndex
from retrieval.models import Article, Chunk, IndexCounts, IndexManifest
from retrieval.storage import Build, Index, Lap
from retrieval.vectors import VectorIndex

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
VECTORS_FILE = "vectors.faiss"
CHUNKS_FILE = "chunks.jsonl"
ARTICLES_FILE = "articles.jsonl"
MANIFEST_FILE = "manifest.json"
BM25_DIR = "bm25"
CURRENT_FILE = "CURRENT"
GENERATIONS_DIR = "generations"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class LoadedIndex:
    """One generation in memory: articles, chunks, BM25, vectors and the manifest they were built with."""

    generation: str
    manifest: IndexManifest
    articles_by_id: dict[str, Article]
    chunks: list[Chunk]
    lexical_index: LexicalIndex
    vectors: VectorIndex
    _by_article: dict[str, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for i, chunk in enumerate(self.chunks):
            self._by_article.setdefault(chunk.article_id, []).append(i)

    def article(self, article_id: str) -> Article:
        return self.articles_by_id[article_id]

    def articles(self) -> list[Article]:
        return list(self.articles_by_id.values())

    def chunks_of(self, article_id: str) -> list[Chunk]:
        return [self.chunks[i] for i in self._by_article.get(article_id, [])]

    @property
    def article_hashes(self) -> dict[str, str]:
        return dict(self.manifest.article_hashes)

    # -- the Index interface (retrieval/storage.py): chunk ids are positions in `chunks` ------------------------
    @property
    def chunk_count(self) -> int:
        return len(self.chunks)

    @property
    def index_type(self) -> str:
        return self.vectors.kind

    def lexical(self, tokens: Sequence[str], pool: int) -> LocalLexicalHits:
        return LocalLexicalHits(self.lexical_index.scores(tokens), pool)

    def dense(self, query: np.ndarray, pool: int) -> np.ndarray:
        return self.vectors.search(query, pool)[1]

    def similarity(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        return self.vectors.similarity(query, ids)

    def chunks_by_id(self, ids: np.ndarray) -> list[Chunk]:
        return [self.chunks[int(i)] for i in ids]


class LocalLexicalHits:
    """BM25 over every chunk of a local generation: the top `pool` with a positive score, any chunk on request."""

    def __init__(self, all_scores: np.ndarray, pool: int) -> None:
        self._all = all_scores
        top = top_ids(all_scores, pool) if len(all_scores) and float(all_scores.max()) > 0 else np.zeros(0, np.int64)
        self.ids = top[all_scores[top] > 0]
        self.scores = all_scores[self.ids]

    def score(self, ids: np.ndarray) -> np.ndarray:
        return self._all[ids]


def top_ids(scores: np.ndarray, k: int) -> np.ndarray:
    """Ids of the k highest scores, best first (ties by id): O(n) selection, not a full sort of the corpus.

    At 100k chunks a full argsort costs several milliseconds per query; argpartition plus sorting k is ~10× less.
    """
    n = len(scores)
    ids = np.arange(n) if k >= n else np.argpartition(-scores, k - 1)[:k]
    return ids[np.lexsort((ids, -scores[ids]))].astype(np.int64)


class IndexStore:
    """The local store: generations/<id>/ in the index directory, the CURRENT pointer, the cache and the build lock."""

    kind = "local"
    updates_in_place = False  # every build writes a whole generation (FAISS and BM25 are rebuilt, not patched)

    def __init__(self, root: Path, keep_generations: int = 3) -> None:
        self.root = root
        self.generations = root / GENERATIONS_DIR
        self.keep_generations = keep_generations

    def describe(self) -> str:
        return f"local {self.root}"

    def current_manifest(self) -> IndexManifest | None:
        name = self.current()
        if name is None:
            return None
        try:
            return self.verify(name)
        except IndexCorrupted:
            return None

    def replace(self, build: Build, lap: Lap) -> Index:
        """Index vectors (FAISS) and tokens (BM25), write the generation, validate it by loading, switch CURRENT."""
        dimension = build.manifest.dimension
        vector_index = VectorIndex.build(build.vectors, dimension)
        lap("index_vectors")
        lexical = LexicalIndex.build(build.tokens)
        lap("index_bm25")
        manifest = build.manifest.model_copy(update={"index_type": vector_index.kind})
        generation = self.write_generation(build.articles, build.chunks, vector_index, lexical, manifest)
        lap("write")
        fresh = self.load_generation(generation)  # validate what was written before serving it
        self.switch(generation)
        self.prune(self.keep_generations)
        return fresh

    def update(self, previous: Index, build: Build, removed: Sequence[str], lap: Lap) -> Index:
        raise NotImplementedError("the local store writes whole generations (updates_in_place is False)")

    @property
    def lock_path(self) -> Path:
        return self.root / ".reindex.lock"

    @property
    def cache_path(self) -> Path:
        return self.root / "cache" / "embeddings.sqlite"

    def current(self) -> str | None:
        try:
            name = (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return name or None

    def write_generation(
        self,
        articles: list[Article],
        chunks: list[Chunk],
        vectors: VectorIndex,
        lexical: LexicalIndex,
        manifest: IndexManifest,
    ) -> str:
        """Write a complete generation under a temporary name, fsync it, and rename it into place.

        Any failure (disk full, read-only, permissions) removes the temporary folder and raises IndexWriteError.
        """
        # Names sort by creation time to the microsecond (prune keeps the newest by name; builds that reuse chunks,
        # tokens and vectors can finish several times a second), then pid and a monotonic tail against collisions.
        generation = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        tmp = self.generations / f".tmp-{generation}"
        try:
            self.generations.mkdir(parents=True, exist_ok=True)
            tmp.mkdir()
            vectors.save(tmp / VECTORS_FILE)
            lexical.save(tmp / BM25_DIR)
            _write_text(tmp / ARTICLES_FILE, "".join(a.model_dump_json() + "\n" for a in articles))
            _write_text(tmp / CHUNKS_FILE, "".join(c.model_dump_json() + "\n" for c in chunks))
            files = {
                p.relative_to(tmp).as_posix(): sha256_file(p)
                for p in sorted(tmp.rglob("*"))
                if p.is_file() and p.name != MANIFEST_FILE
            }
            full_manifest = manifest.model_copy(
                update={
                    "format_version": FORMAT_VERSION,
                    "generation": generation,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "counts": IndexCounts(articles=len(articles), chunks=len(chunks), vectors=len(vectors)),
                    "files": files,
                }
            )
            _write_text(tmp / MANIFEST_FILE, full_manifest.model_dump_json(indent=2))
            _fsync_dir(tmp)
            os.replace(tmp, self.generations / generation)
            _fsync_dir(self.generations)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError | RuntimeError):  # faiss reports write errors as RuntimeError
                raise IndexWriteError(self.write_failure(exc)) from exc
            raise
        return generation

    def write_failure(self, exc: BaseException) -> str:
        """Why writing into the index folder failed, with the free space left there, as one line."""
        if isinstance(exc, OSError):
            reason = describe_os_error(exc)
        else:  # faiss: "Error in void faiss::write_index(…) at …: Error: '…' failed: write error in /path"
            detail = str(exc).strip()
            failed_write = re.search(r"write error in ([^\s:]+)", detail)
            reason = f"write error in {Path(failed_write[1]).name}" if failed_write else detail.splitlines()[-1][:160]
        try:
            left = shutil.disk_usage(self.root).free
            free = f"; {left / 1e6:.0f} MB free there" if left >= 1e6 else f"; disk full ({left // 1024} KB left)"
        except OSError:
            free = ""
        return f"cannot write the index in {self.root} ({reason}{free}); the previous index keeps serving"

    def remove_temporary(self) -> None:
        """Delete half-written generations left by a build that was killed or ran out of space (call under the lock)."""
        if self.generations.is_dir():
            for tmp in self.generations.glob(".tmp-*"):
                shutil.rmtree(tmp, ignore_errors=True)
        for tmp in self.root.glob(f".{CURRENT_FILE}.tmp-*"):
            tmp.unlink(missing_ok=True)

    def switch(self, generation: str) -> None:
        """Point CURRENT at generation atomically (write aside, fsync, os.replace)."""
        tmp = self.root / f".{CURRENT_FILE}.tmp-{os.getpid()}"
        try:
            _write_text(tmp, generation + "\n")
            os.replace(tmp, self.root / CURRENT_FILE)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise IndexWriteError(self.write_failure(exc)) from exc
        _fsync_dir(self.root)

    def candidates(self) -> list[str]:
        """Generations to try, CURRENT first, then the others newest first."""
        names = (
            sorted(
                (p.name for p in self.generations.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
            )
            if self.generations.is_dir()
            else []
        )
        current = self.current()
        if current in names:
            names.remove(current)
            names.insert(0, current)
        return names

    def load(self) -> LoadedIndex:
        """Load CURRENT after verifying every checksum; fall back to an older good generation with a warning."""
        names = self.candidates()
        if not names:
            raise IndexNotBuilt(f"no index in {self.root}; run `newsbot reindex`")
        problems: list[str] = []
        for name in names:
            try:
                loaded = self.load_generation(name)
            except IndexCorrupted as exc:
                problems.append(f"{name}: {exc}")
                log.warning("index generation %s is damaged (%s); trying an older one", name, exc)
                continue
            if problems:
                log.warning("serving older index generation %s; `newsbot reindex` repairs the index", name)
            return loaded
        raise IndexCorrupted("no valid index generation: " + "; ".join(problems) + "; run `newsbot reindex --full`")

    def verify(self, name: str) -> IndexManifest:
        """The manifest of generation name, after checking every file's sha256 (raises IndexCorrupted)."""
        directory = self.generations / name
        try:
            raw = (directory / MANIFEST_FILE).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:
            raise IndexCorrupted(f"unreadable manifest: {exc}") from exc
        try:
            manifest = IndexManifest.model_validate_json(raw)
        except ValidationError as exc:
            raise IndexCorrupted(f"invalid manifest: {exc.errors()[0]['msg']}") from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexCorrupted(f"format version {manifest.format_version} (expected {FORMAT_VERSION})")
        if VECTORS_FILE not in manifest.files:
            raise IndexCorrupted("manifest lists no files")
        for rel, expected in manifest.files.items():
            path = directory / rel
            if not path.is_file():
                raise IndexCorrupted(f"missing file {rel}")
            try:
                actual = sha256_file(path)
            except OSError as exc:
                raise IndexCorrupted(f"unreadable file {rel}: {describe_os_error(exc)}") from exc
            if actual != expected:
                raise IndexCorrupted(f"checksum mismatch in {rel}: sha256 {actual[:12]}… expected {expected[:12]}…")
        return manifest

    def load_generation(self, name: str) -> LoadedIndex:
        manifest = self.verify(name)
        directory = self.generations / name
        counts = manifest.counts
        try:
            articles = [Article.model_validate_json(line) for line in _lines(directory / ARTICLES_FILE)]
            chunks = [Chunk.model_validate_json(line) for line in _lines(directory / CHUNKS_FILE)]
            vectors = VectorIndex.load(directory / VECTORS_FILE, manifest.dimension)
            lexical = LexicalIndex.load(directory / BM25_DIR, len(chunks))
        except Exception as exc:
            raise IndexCorrupted(f"cannot read generation: {type(exc).__name__}: {exc}") from exc
        if len(articles) != counts.articles or len(chunks) != counts.chunks or len(vectors) != len(chunks):
            raise IndexCorrupted(
                f"counts disagree: {len(articles)} articles, {len(chunks)} chunks, {len(vectors)} vectors "
                f"vs manifest {counts.model_dump()}"
            )
        return LoadedIndex(name, manifest, {a.id: a for a in articles}, chunks, lexical, vectors)

    def prune(self, keep: int) -> None:
        """Delete all but the newest `keep` generations (never CURRENT) and stale temporary directories."""
        if not self.generations.is_dir():
            return
        current = self.current()
        names = sorted(
            (p.name for p in self.generations.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
        )
        for name in names[keep:]:
            if name != current:
                shutil.rmtree(self.generations / name, ignore_errors=True)
        self.remove_temporary()


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
