"""Retrieval: encoders, the persisted hybrid index and the searcher that answers questions.

Knows nothing of Telegram; the CLI, the bot and the benchmarks share it.
"""

from assistant.retrieval.encoder import Encoder, load_encoder
from assistant.retrieval.index import (
    IndexBuild,
    IndexStatus,
    build_index,
    index_status,
    open_index,
)
from assistant.retrieval.search import Answer, Hit, Retriever

__all__ = [
    "Answer",
    "Encoder",
    "Hit",
    "IndexBuild",
    "IndexStatus",
    "Retriever",
    "build_index",
    "index_status",
    "load_encoder",
    "open_index",
]
