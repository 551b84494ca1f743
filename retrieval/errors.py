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
