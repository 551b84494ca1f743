"""Typed domain errors of the retrieval core, translated into user messages at the edges."""

from __future__ import annotations


class NewsBotError(Exception):
    """Base class for every error the retrieval core raises on purpose."""


class IndexNotBuilt(NewsBotError):
    """No usable index generation exists yet."""


class IndexCorrupted(NewsBotError):
    """A stored index generation failed validation (checksum, counts or format)."""


class ArticleParseError(NewsBotError):
    """An article file could not be decoded or parsed."""


class ReindexInProgress(NewsBotError):
    """Another reindex holds the build lock."""


class ConfigError(NewsBotError):
    """A setting has a value the core cannot use."""


class DataDirMissing(NewsBotError):
    """The data folder does not exist (a typo would otherwise build an empty index over a good one)."""


class IndexWriteError(NewsBotError):
    """A new generation could not be written (disk full, read-only, permissions); the old one keeps serving."""


def describe_os_error(exc: OSError) -> str:
    """One readable line for an OSError: what failed and on which path ("No space left on device: data/index")."""
    what = exc.strerror or str(exc) or type(exc).__name__
    paths = [str(p) for p in (exc.filename, exc.filename2) if p not in (None, "")]
    return f"{what}: {' -> '.join(paths)}" if paths else what


class StoreUnavailable(NewsBotError):
    """The index store (a Milvus server) cannot be reached or refused access; the index there is untouched."""
