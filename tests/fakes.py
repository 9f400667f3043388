"""Deterministic stand-ins for unit tests of index mechanics (quality tests use the real model)."""

from __future__ import annotations

import hashlib

import numpy as np

from assistant.retrieval.encoder import Vectors


class HashingEncoder:
    """Bag of hashed words: same text, same vector; shared words, similar vectors."""

    dimension = 64

    def __init__(self, name: str = "hashing", fail_after: int | None = None) -> None:
        self.name = name
        self.calls = 0
        self.fail_after = fail_after

    def _encode(self, texts: list[str]) -> Vectors:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("encoder failed half-way")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big")
                out[row, h % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: list[str]) -> Vectors:
        return self._encode(texts)
