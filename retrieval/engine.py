"""The one object the edges use: loads model and index once, answers questions, rebuilds the index."""

from __future__ import annotations

# Implementation in progress (core issue). Public surface, stable for bot/ and answer work:
#
#   engine = Engine(settings)                 # loads the embedder once (or pass embedder=...)
#   engine.search(question, k=8) -> list[Hit] # hybrid retrieval, best first; raises IndexNotBuilt
#   engine.ask(question) -> Answer            # retrieval + answer extraction
#   engine.reindex(full=False, progress=None) -> ReindexReport  # builds aside, swaps atomically;
#                                             # raises ReindexInProgress if another build holds the lock
#   engine.stats() -> IndexStats
#   engine.corpus -> Corpus                   # article(id) -> Article, chunks_of(id) -> list[Chunk],
#                                             # articles() -> list[Article]
#   engine.last_report -> ReindexReport | None
