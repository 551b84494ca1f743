"""Pydantic data types passed between the pipeline stages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Report(BaseModel):
    """Another outlet's copy of an article (a syndicated near-duplicate merged into it): "also reported by"."""

    title: str = ""
    url: str | None = None
    published: str | None = None
    source: str | None = None


class Article(BaseModel):
    """One news article after parsing and cleaning."""

    id: str
    title: str
    text: str
    url: str | None = None
    published: str | None = None  # ISO date (YYYY-MM-DD) or datetime
    source: str | None = None
    author: str | None = None
    path: str | None = None  # data-dir relative file it came from
    also_reported_by: list[Report] = Field(default_factory=list)  # merged syndicated copies (retrieval/ingest.py)


class Chunk(BaseModel):
    """A run of whole sentences of one article; start/end are offsets into Article.text."""

    article_id: str
    ord: int
    text: str
    start: int
    end: int


class Hit(BaseModel):
    """One retrieved chunk with its fused score and the scores of each retriever."""

    chunk: Chunk
    score: float
    lexical: float = 0.0
    dense: float = 0.0


class Source(BaseModel):
    """An article cited by an answer (the JSON contract's `sources` item)."""

    article_id: str
    title: str
    url: str | None = None
    published: str | None = None
    source: str | None = None
    text: str
    score: float
    also_reported_by: list[Report] = Field(default_factory=list)  # in the JSON contract only when not empty

    def contract(self) -> dict[str, object]:
        """The contract's source object; "also_reported_by" is added only for an article with merged copies."""
        return self.model_dump(exclude=None if self.also_reported_by else {"also_reported_by"})


class Earlier(BaseModel):
    """An answer from another article that says otherwise (an earlier or later report of the same story)."""

    answer: str
    evidence: list[str] = Field(default_factory=list)
    source: Source


class Answer(BaseModel):
    """The reply to one question (the JSON contract of `newsbot ask --json`)."""

    question: str
    answered: bool
    answer: str = ""
    evidence: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    kind: str = "other"  # question type; not part of the JSON contract
    # Which path answered when a language model is configured ("extractive" after a fallback, "llm" when the
    # model's answer passed verification); None when no model is configured, so the contract stays unchanged.
    via: Literal["extractive", "llm"] | None = None
    # Time-aware questions: the expression asked about ("上周"), and, when no article of that period answered,
    # where the answering article lies instead; both only for the bot's reply, not the contract.
    period: str | None = None
    outside_period: Literal["older", "newer", "undated"] | None = None
    # Other articles that answer differently, newest first (the answer itself is from the newest article).
    earlier: list[Earlier] = Field(default_factory=list)
    # Reports of other dates give the same answer (their sources are cited with it); not part of the contract.
    corroborated: bool = False
    # The Chinese answer to an English question in pinyin (Zhāng Wěi), so a reader of English can say it, or in
    # English words where it is a date, a time or a figure (April 28, 7:35 a.m.; 928.6 billion yuan:
    # retrieval/gloss.py); in the JSON as "reading" when set.
    reading: str | None = None

    def contract(self) -> dict[str, object]:
        """The JSON object promised by the CLI contract: its fields, plus `via` when a language model is set."""
        data: dict[str, object] = {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "evidence": list(self.evidence),
            "sources": [
                s.model_dump(exclude=None if s.also_reported_by else {"also_reported_by"}) for s in self.sources
            ],
        }
        if self.via is not None:
            data["via"] = self.via
        if self.reading:
            data["reading"] = self.reading
        if self.earlier:  # several articles disagree: the other answers, each with its source
            data["earlier"] = [
                {"answer": e.answer, "evidence": list(e.evidence), "source": e.source.contract()} for e in self.earlier
            ]
        return data


class SkippedFile(BaseModel):
    """An input file (or JSONL line range) left out of a build, with the reason."""

    path: str
    reason: str


class ReindexReport(BaseModel):
    """What one `reindex` did; printed as the one-line summary and posted to admins."""

    generation: str
    articles: int
    added: int
    changed: int
    removed: int
    unchanged: int
    skipped: list[SkippedFile] = Field(default_factory=list)
    chunks: int
    embedded: int  # chunks sent to the model (cache misses)
    seconds: float
    full: bool = False

    def summary(self) -> str:
        """One line for the CLI and the admin chat."""
        return (
            f"indexed {self.articles} articles ({self.added} added, {self.changed} changed, "
            f"{self.removed} removed, {len(self.skipped)} skipped), {self.chunks} chunks, "
            f"{self.embedded} embedded, in {self.seconds:.1f}s [generation {self.generation}]"
        )


class LLMUsage(BaseModel):
    """Model calls since the process started (for /stats): how many answered, failed, fell back, and how fast."""

    model: str
    calls: int = 0  # requests sent to the model
    answered: int = 0  # model answers that passed verification and were shown
    failures: int = 0  # timeouts, HTTP errors, malformed replies
    rejected: int = 0  # well-formed answers that failed verification
    refused: int = 0  # the model said the passages do not answer the question
    limited: int = 0  # questions answered extractively because a call limit was reached
    fallbacks: int = 0  # questions where the extractive answer was used after trying (or skipping) the model
    mean_latency_ms: float = 0.0


class IndexStats(BaseModel):
    """Facts about the serving index for /help and /stats."""

    articles: int
    chunks: int
    model: str
    dimension: int
    generation: str
    built_at: str  # ISO timestamp (UTC)
    first_published: str | None = None
    last_published: str | None = None
    index_type: str = "flat"
    store: str = "local"  # which store and where: "local data/index", "milvus lite data/index/milvus.db (collection …)"
    llm: LLMUsage | None = None  # model calls since start, when NEWSBOT_LLM_URL is set


class IndexCounts(BaseModel):
    """How many articles, chunks and vectors a generation holds (checked on load)."""

    articles: int = 0
    chunks: int = 0
    vectors: int = 0


class IndexManifest(BaseModel):
    """manifest.json of one index generation: what it was built with, counts, and the sha256 of every file.

    Versioned by `format_version`; fields added later have defaults so generations written before them still load.
    """

    model_config = ConfigDict(extra="ignore")

    format_version: int = 1
    generation: str = ""
    created_at: str = ""
    built_at: str = ""
    model: str = ""
    model_key: str = ""
    dimension: int = 0
    index_type: str = "flat"
    chunk_chars: int = 0
    embedding_backend: str = "torch"  # generations from before the backend was recorded were built with torch
    tokenizer: int = 1  # likewise, the first tokenizer version
    article_hashes: dict[str, str] = Field(default_factory=dict)
    counts: IndexCounts = Field(default_factory=IndexCounts)
    files: dict[str, str] = Field(default_factory=dict)  # relative path -> sha256
