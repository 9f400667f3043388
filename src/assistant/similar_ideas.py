"""Ideas beside each other and beside the proposals: near-duplicates, clusters, related sections.

One embedding per idea (the encoder in service, the question side: an idea is read like a
question to the proposals, and two ideas are compared like two questions), stored with the idea
(``store/idea_vectors.py``). Each process keeps a FAISS copy of the stored vectors and, before
every lookup, takes in what was written since its last look, so replicas that share only the
database see each other's ideas at once. Which ideas a caller may see (residents: approved
only) is checked against the database for every result, never against the copy.

Everything here blocks (encoding, FAISS, the database): the bot calls it off the event loop.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import faiss
import numpy as np

from assistant.knowledge import ABOUT_SECTION
from assistant.retrieval.search import Retriever
from assistant.store.db import Database
from assistant.store.idea_vectors import IdeaVectorStore, StoredVector, VectorRow

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IdeaTuning:
    """Thresholds for one encoder (calibrated by ``python -m bench.ideas``). Two ideas score
    ``meaning * cosine + (1 - meaning) * wording`` (wording: their letter trigrams)."""

    duplicate: float  # two ideas at or above this say the same thing
    cluster: float  # two ideas at or above this belong to one group
    # another section than the idea's own proposal is shown as one it builds on when the section
    # classifier believes in it at or above this (2.0: never; ``python -m bench.idea_pairs``)
    related: float
    meaning: float = 1.0  # weight of the cosine against the wording
    # a pair whose cosine alone, less this, beats the blend scores that (the same idea in
    # another language shares no wording); 1.0: never
    alone: float = 1.0

    def score(self, cosine: float, wording: float) -> float:
        """How alike two ideas are, from their cosine and their wording."""
        return max(self.meaning * cosine + (1.0 - self.meaning) * wording, cosine - self.alone)


# Without calibrated thresholds (a model nobody measured) nothing is called alike or related:
# no similarity at all is better than similarity at random.
UNCALIBRATED = IdeaTuning(duplicate=2.0, cluster=2.0, related=2.0)
CANDIDATES = 100  # nearest ideas by meaning that are then scored by meaning and wording


def idea_tuning(thresholds: dict[str, float]) -> IdeaTuning:
    """The thresholds of a calibration's ``ideas`` block (all three, or none at all)."""
    try:
        return IdeaTuning(
            duplicate=thresholds["duplicate"],
            cluster=thresholds["cluster"],
            related=thresholds["related"],
            meaning=thresholds.get("meaning", 1.0),
            alone=thresholds.get("alone", 1.0),
        )
    except KeyError:
        return UNCALIBRATED


@dataclass(frozen=True)
class SimilarIdea:
    """Another idea close to the one asked about."""

    id: int
    score: float
    status: str
    theme: str


@dataclass(frozen=True)
class RelatedSection:
    """A section of the knowledge base an idea builds on, with what it takes to cite it."""

    key: str  # "<doc>#<section>", as Passage.section_key
    heading: str
    doc_title: str
    year: int
    score: float  # the section classifier's belief that the idea is about it; 1.0 for its own
    own: bool = False  # the proposal the idea's theme belongs to


def to_stored(model: str, vector: np.ndarray) -> StoredVector:
    """A vector as the database keeps it."""
    return StoredVector(model=model, data=np.asarray(vector, dtype=np.float32).tobytes())


def _matrix(rows: Sequence[VectorRow], dim: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, dim), dtype=np.float32)
    return np.vstack([np.frombuffer(r.data, dtype=np.float32) for r in rows]).reshape(-1, dim)


_WORD = re.compile(r"\w+")


def trigrams(text: str) -> Counter[str]:
    """Letter trigrams of the words of three letters or more: two spellings of one word
    (a typo, "wijkcentrum"/"wijkcentra") still share most of theirs."""
    grams: Counter[str] = Counter()
    for word in _WORD.findall(text.lower()):
        if len(word) >= 3:
            padded = f" {word} "
            grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


class IdeaIndex:
    """The in-memory copy of one model's stored idea vectors (FAISS) and of the ideas' letter
    trigrams (for the wording half of the score), kept in step by ``sync``."""

    def __init__(self, store: IdeaVectorStore, model: str, dim: int) -> None:
        self.store = store
        self.model = model
        self.dim = dim
        self._lock = threading.Lock()
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self._seq = 0
        self._marks = (-1, -1)
        self.grams: dict[int, Counter[str]] = {}
        self.df: Counter[str] = Counter()  # in how many ideas each trigram occurs

    @property
    def size(self) -> int:
        """How many idea vectors the copy holds."""
        return int(self._index.ntotal)

    def sync(self) -> int:
        """Take in the vectors written since the last look (by any process); start again from
        the database when vectors were deleted (a resident used /vergeetmij). One small read
        when nothing changed. Returns how many rows were taken in."""
        with self._lock:
            marks = self.store.marks()
            if marks == self._marks:
                return 0
            if marks[1] != self._marks[1]:  # deletions: rebuild from what is stored now
                self._index.reset()
                self.grams, self.df, self._seq = {}, Counter(), 0
            self._marks = marks
            rows = self.store.since(self._seq, self.model)
            if rows:
                ids = np.array([r.idea_id for r in rows], dtype=np.int64)
                # a re-embedded idea replaces its old vector (the Python wrapper takes an array)
                self._index.remove_ids(ids)  # type: ignore[arg-type]
                self._index.add_with_ids(_matrix(rows, self.dim), ids)
                for r in rows:
                    if r.idea_id in self.grams:
                        self.df.subtract(self.grams[r.idea_id].keys())
                    self.grams[r.idea_id] = trigrams(r.text)
                    self.df.update(self.grams[r.idea_id].keys())
                self._seq = rows[-1].seq
            return len(rows)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest ideas in the copy by meaning (any status), best first."""
        with self._lock:
            if self._index.ntotal == 0:
                return []
            query = np.asarray(vector, dtype=np.float32).reshape(1, self.dim)
            scores, ids = self._index.search(query, min(k, int(self._index.ntotal)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def wording(self, grams: Counter[str], other: int) -> float:
        """Cosine of two ideas' trigram profiles, weighted by how rare each trigram is among
        the ideas (so "idee", "voor" and "graag" count for little)."""
        theirs = self.grams.get(other)
        if not theirs or not grams:
            return 0.0
        total = len(self.grams) + 1

        def weight(gram: str, count: int) -> float:
            return (1.0 + math.log(count)) * (math.log(total / (self.df.get(gram, 0) + 1)) + 1.0)

        a = {g: weight(g, c) for g, c in grams.items()}
        b = {g: weight(g, c) for g, c in theirs.items()}
        dot = sum(v * b[g] for g, v in a.items() if g in b)
        norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0


class IdeaMatcher:
    """Embeds ideas and answers: which ideas are alike, which sections an idea builds on, and
    which groups the ideas form.

    ``proposals`` maps each idea theme to the section of the proposal it belongs to
    (``KnowledgeBase.proposal_sections``); whoever swaps the knowledge in service replaces it.
    """

    def __init__(
        self,
        db: Database,
        retriever: Retriever,
        model: str,
        tuning: IdeaTuning,
        proposals: dict[str, str] | None = None,
    ) -> None:
        self.retriever = retriever
        self.model = model
        self.tuning = tuning
        self.proposals = dict(proposals or {})
        self.vectors = IdeaVectorStore(db)
        self.index = IdeaIndex(self.vectors, model, retriever.index.manifest.dimension)

    # --- vectors -------------------------------------------------------------------------------
    def embed(self, text: str) -> np.ndarray:
        """An idea's vector (unit length)."""
        return np.asarray(self.retriever.encoder.encode_queries([text])[0], dtype=np.float32)

    def stored(self, vector: np.ndarray) -> StoredVector:
        """A vector of this matcher's model, as the database keeps it."""
        return to_stored(self.model, vector)

    def vector_of(self, idea_id: int, text: str) -> np.ndarray:
        """A stored idea's vector (embedded again when it has none of this model yet)."""
        row = self.vectors.get(idea_id)
        if row is not None and row.model == self.model:
            return np.frombuffer(row.data, dtype=np.float32)
        return self.embed(text)

    def stored_vectors(self, idea_ids: Iterable[int]) -> dict[int, np.ndarray]:
        """The stored vectors of this model for these ideas (one read for all of them)."""
        wanted = set(idea_ids)
        return {
            r.idea_id: np.frombuffer(r.data, dtype=np.float32)
            for r in self.vectors.since(0, self.model)
            if r.idea_id in wanted
        }

    def reembed(self, batch: int = 64, progress: Progress | None = None) -> int:
        """Give every idea without a vector of this model one (after a crash between submit
        and vector, or a model change); a batch at a time, so residents are never kept waiting
        long. Returns how many were embedded."""
        done = 0
        while True:
            todo = self.vectors.without_vector(self.model, batch)
            if not todo:
                return done
            encoded = self.retriever.encoder.encode_queries([text for _, text in todo])
            for (idea_id, _), vector in zip(todo, encoded, strict=True):
                self.vectors.put(idea_id, self.stored(np.asarray(vector, dtype=np.float32)))
            done += len(todo)
            if progress is not None:
                progress(done, done + len(self.vectors.without_vector(self.model, batch)))

    # --- lookups -------------------------------------------------------------------------------
    def scored(
        self, vector: np.ndarray, text: str, k: int = CANDIDATES
    ) -> list[tuple[int, float]]:
        """The ``k`` nearest ideas by meaning (any status), scored by meaning and wording,
        best first."""
        self.index.sync()
        grams = trigrams(text)
        tuning = self.tuning
        found = [
            (i, tuning.score(cosine, self.index.wording(grams, i)))
            for i, cosine in self.index.search(vector, k)
        ]
        return sorted(found, key=lambda pair: -pair[1])

    def similar(
        self,
        vector: np.ndarray,
        *,
        text: str,
        statuses: Iterable[str],
        exclude: Iterable[int] = (),
        k: int = 3,
        threshold: float | None = None,
        theme: str | None = None,
    ) -> list[SimilarIdea]:
        """Ideas at or above the near-duplicate threshold with one of ``statuses`` (checked in
        the database now, not in the copy), on ``theme`` when given, best first."""
        allowed, skip = set(statuses), set(exclude)
        floor = self.tuning.duplicate if threshold is None else threshold
        close = [(i, s) for i, s in self.scored(vector, text) if s >= floor and i not in skip]
        current = self.vectors.statuses([i for i, _ in close])
        hits = [
            SimilarIdea(i, s, *current[i])
            for i, s in close
            if i in current
            and current[i][0] in allowed
            and (theme is None or current[i][1] == theme)
        ]
        return hits[:k]

    def related(
        self, vector: np.ndarray, text: str, theme: str, n: int = 2
    ) -> list[RelatedSection]:
        """The sections an idea builds on: first the proposal its theme belongs to, then up to
        ``n - 1`` other sections the section classifier believes in at or above the related
        floor. Measured on hand-written ideas (``python -m bench.idea_pairs``), the nearest
        passages by cosine named no section for most prevention ideas and a wrong one for a
        fifth of all ideas, and no other signal here names a second section precisely enough
        to show it: with the offline encoders the floor is "never"."""
        index = self.retriever.index
        own = self._proposal(theme)
        wanted = [(own, 1.0)] if own else []
        if len(wanted) < n and self.tuning.related <= 1.0:  # a floor the classifier can reach
            beliefs = self.retriever.section_beliefs(vector, text)
            ranked = sorted(beliefs.items(), key=lambda kv: -kv[1])
            wanted += [(k, b) for k, b in ranked if k != own and b >= self.tuning.related]
        found: list[RelatedSection] = []
        for key, belief in wanted:
            if len(found) >= n:
                break
            if key not in index.section_keys:
                continue  # the classifier of an index swapped in meanwhile
            p = index.passages[index.section_passages[index.section_keys.index(key)][0]]
            if p.section_id == ABOUT_SECTION:
                continue
            found.append(
                RelatedSection(
                    key, p.heading, p.doc_title, p.date.year, round(belief, 4), own=key == own
                )
            )
        return found

    def _proposal(self, theme: str) -> str | None:
        """The section key of the proposal ``theme`` belongs to, while it is in the index in
        service (a theme whose proposal left the texts has none: the classifier decides)."""
        own = self.proposals.get(theme)
        return own if own in self.retriever.index.section_keys else None

    def nearest_sections(self, vectors: dict[int, np.ndarray]) -> dict[int, RelatedSection]:
        """Each idea's first related section (its own proposal while its theme has one); ideas
        with none are left out. Reads the ideas' themes and texts: call it on the database's
        thread."""
        themes = {i: theme for i, (_, theme) in self.vectors.statuses(list(vectors)).items()}
        texts: dict[int, str] = {}
        if any(self._proposal(themes.get(i, "")) is None for i in vectors):  # the classifier
            rows = self.vectors.since(0, self.model)
            texts = {r.idea_id: r.text for r in rows if r.idea_id in vectors}
        out: dict[int, RelatedSection] = {}
        for idea_id, vector in vectors.items():
            found = self.related(vector, texts.get(idea_id, ""), themes.get(idea_id, ""), n=1)
            if found:
                out[idea_id] = found[0]
        return out

    def clusters(self, idea_ids: Sequence[int], neighbours: int = 10) -> dict[int, int]:
        """Groups of similar ideas among ``idea_ids``: each idea's group is named by its
        smallest number; ideas alike to nobody form a group of one. Connected components of
        the pairs scoring at or above the cluster threshold among each idea's mutual nearest
        neighbours by meaning."""
        wanted = set(idea_ids)
        rows = sorted(
            (r for r in self.vectors.since(0, self.model) if r.idea_id in wanted),
            key=lambda r: r.idea_id,
        )
        grams = {r.idea_id: trigrams(r.text) for r in rows}
        themes = {i: theme for i, (_, theme) in self.vectors.statuses(list(wanted)).items()}
        self.index.sync()  # its trigram frequencies weigh the wording
        tuning = self.tuning

        def score(a: int, b: int, cosine: float) -> float:
            if themes.get(a) != themes.get(b):  # a group never spans two themes
                return -1.0
            if tuning.meaning >= 1.0:
                return cosine
            return tuning.score(cosine, self.index.wording(grams[a], b))

        labels = cluster_labels(
            [r.idea_id for r in rows],
            _matrix(rows, self.index.dim),
            self.tuning.cluster,
            neighbours,
            score,
        )
        return {i: labels.get(i, i) for i in idea_ids}


def cluster_labels(
    ids: Sequence[int],
    vectors: np.ndarray,
    threshold: float,
    neighbours: int = 10,
    score: Callable[[int, int, float], float] | None = None,
) -> dict[int, int]:
    """Connected components of the mutual nearest-neighbour pairs (by cosine) whose score
    (the cosine, or ``score(id, other id, cosine)``) is at or above ``threshold``; each id is
    labelled with the smallest id of its component."""
    if not ids:
        return {}
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    scores, rows = flat.search(
        np.ascontiguousarray(vectors, dtype=np.float32), min(neighbours + 1, len(ids))
    )
    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    near = [set(int(b) for b in row) for row in rows]
    for a in range(len(ids)):
        for b, cosine in zip(rows[a], scores[a], strict=True):
            # mutual neighbours only: one idea that is a little like two groups does not
            # chain them into one
            if b < 0 or b == a or a not in near[b]:
                continue
            value = score(ids[a], ids[b], float(cosine)) if score else float(cosine)
            if value >= threshold:
                ra, rb = root(a), root(int(b))
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    smallest: dict[int, int] = {}
    for n, idea_id in enumerate(ids):
        r = root(n)
        smallest[r] = min(smallest.get(r, idea_id), idea_id)
    return {idea_id: smallest[root(n)] for n, idea_id in enumerate(ids)}
