"""Answer a question from a loaded index: hybrid ranking, an honest no-answer, and excerpts.

Ranking blends three kinds of evidence per candidate passage: the dense cosine (FAISS; the mean
of the passage's and its best sentence's), the cosine of the best maintainer-written phrasing of
how residents ask about its section (``vragen``), and the saturated BM25 score times the share
of the question's words found. Below a calibrated threshold on the best score the honest answer
is "no good answer"; the threshold is judged on the question without place names and years,
which match everything here. Greetings and municipal services are recognised first
(``assistant.intents``). Weights and thresholds are calibrated per encoder
(``retrieval.calibration``). Reciprocal rank fusion was measured too and ranked worse here: it
throws away how strong a match is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from assistant.intents import Intent, read_message
from assistant.passages import Passage
from assistant.retrieval.calibration import Tuning
from assistant.retrieval.classifier import OUTSIDE_PREFIX
from assistant.retrieval.encoder import Encoder, Vectors
from assistant.retrieval.index import SearchIndex
from assistant.retrieval.lexical import Terms, coverage, forget_words, tokenize
from assistant.retrieval.places import has_topic, names_a_place, strip_places

Mode = Literal["hybrid", "dense", "lexical"]
Verdict = Literal["sure", "maybe", "none"]
VERDICTS: tuple[Verdict, ...] = ("sure", "maybe", "none")
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
MAX_HITS = 9  # enough for three pages of "more results"
EXCERPT_MAX_SENTENCES = 3
EXCERPT_MAX_CHARS = 420
MAX_QUESTION_CHARS = 1000
FIRST_PAGE = 2  # at most this many hits in the first reply to a sure answer
# A second hit joins the first reply only if it clears the threshold by this share of the
# margin by which the best clears it (scale-free: e5 scores sit in a narrow band).
RUNNER_UP = 0.75
MAYBE_SECTIONS = 3  # a "maybe" offers at most this many sections to choose from
# Intents a word can trigger inside a real question: searched too, and answered from the texts
# when the search is sure by ``Tuning.intent_margin`` above the threshold.
WEAK_INTENTS = ("service", "off_topic")


@dataclass(frozen=True)
class _Learned:
    """The classifier's probabilities for one question."""

    section: Vectors  # per section row of the index
    outside: float  # the outside kinds together
    outside_kind: str  # the likeliest outside kind


@dataclass
class _Asked:
    """What one search reads of the question, once: its stems, whether it asks for examples,
    and (as they are needed) its cosines with a passage's sentences."""

    stems: list[str]
    wants_examples: bool
    vector: Vectors
    _cosines: dict[int, Vectors] = field(default_factory=dict)

    def cosines(self, index: SearchIndex, i: int) -> Vectors:
        """The question's cosine with each sentence of passage ``i``."""
        found = self._cosines.get(i)
        if found is None:
            start = index.sentence_offsets[i]
            rows = index.sentence_vectors[start : start + len(index.sentences[i])]
            found = self._cosines[i] = rows.astype(np.float32) @ self.vector
        return found


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
    intent: Intent | None = None  # a greeting, thanks or service question: not searched
    # How likely the classifier finds the question outside the texts (its outside kinds
    # together), and the kind it finds likeliest ("" when none or no classifier).
    outside: float = 0.0
    outside_kind: str = ""
    inside: float = 0.0  # the classifier's probability of its likeliest section
    elsewhere: bool = False  # declined because the classifier finds it outside the texts
    # The verdict, judged once here with this encoder's thresholds, and what follows from it:
    # "sure": ``shown`` are the hits worth showing, best first, of which the first reply shows
    # ``first_page`` (the rest behind "more results"); "maybe": ``shown`` are the likely
    # sections to offer ("did you mean"), never as the answer; "none": nothing to show.
    verdict: Verdict = "none"
    shown: tuple[Hit, ...] = ()
    first_page: int = 0


class Retriever:
    """Searches the current index; ``swap`` replaces the index while searches run."""

    def __init__(
        self, index: SearchIndex, encoder: Encoder, *, mode: Mode = "hybrid", tuning: Tuning
    ) -> None:
        self._index = index
        self._lock = threading.Lock()
        self.encoder = encoder
        self.mode = mode
        self.tuning = tuning

    @property
    def index(self) -> SearchIndex:
        """The index version in service."""
        return self._index

    def swap(self, index: SearchIndex) -> SearchIndex:
        """Put a new index in service; searches already running finish on the old one."""
        with self._lock:
            old, self._index = self._index, index
        return old

    def forget_asked(self) -> None:
        """Forget the texts residents sent that the caches remember (the encoder's questions,
        the stemmer's words), so that deleted texts leave memory as they left the database."""
        forget = getattr(self.encoder, "forget_queries", None)
        if forget is not None:
            forget()
        forget_words()

    def section_beliefs(self, vector: Vectors, text: str) -> dict[str, float]:
        """How sure the section classifier is that a text (an idea, say) is about each section
        of the texts, from its vector and its words; empty without a classifier."""
        index = self._index
        learned = self._classify(index, np.asarray(vector, dtype=np.float32).reshape(1, -1), text)
        if learned is None:
            return {}
        return {key: float(p) for key, p in zip(index.section_keys, learned.section, strict=True)}

    def with_tuning(self, tuning: Tuning) -> Retriever:
        """A retriever on the same index and encoder with other weights and thresholds."""
        return Retriever(self._index, self.encoder, mode=self.mode, tuning=tuning)

    def with_mode(self, mode: Mode) -> Retriever:
        """A retriever on the same index and encoder with another ranking mode."""
        return Retriever(self._index, self.encoder, mode=mode, tuning=self.tuning)

    def search(self, question: str, k: int = MAX_HITS) -> Answer:
        """Rank sections for the question; at most one hit per section, best passage first."""
        index = self._index  # one version for the whole search, even if swapped meanwhile
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        if not question or not index.passages:
            return Answer(question=question, hits=(), answered=False, confidence=0.0)
        return self._judged(self._answer(index, question, k))

    def _answer(self, index: SearchIndex, question: str, k: int) -> Answer:
        reading = read_message(question)
        if reading.intent is None:
            return self._search(index, question, reading.question, k)
        if reading.intent in WEAK_INTENTS:
            # A word of a service or an everyday topic inside a real question ("ik zit in de
            # bijstand, ...", "... zoals koken?"): the texts answer it when they clearly do.
            found = self._search(index, question, reading.question, k)
            if (
                found.answered
                and found.confidence >= self._threshold() + self.tuning.intent_margin
            ):
                return found
        return Answer(
            question=question, hits=(), answered=False, confidence=0.0, intent=reading.intent
        )

    def _search(self, index: SearchIndex, question: str, asked: str, k: int) -> Answer:
        """Search the texts for ``asked`` (the message without a greeting)."""
        # A place name or a year matches everything here ("in 2040", "in zaandam"): the question
        # is searched without them, and one with nothing else in it is not answered.
        text = strip_places(asked) if names_a_place(asked) else asked
        only_places = not has_topic(text)
        if only_places:
            text = asked
        query = self.encoder.encode_queries([text])
        asked_for = _Asked(
            stems=tokenize(text),
            wants_examples=bool(_EXAMPLES.search(text)),
            vector=query[0],
        )
        learned = self._classify(index, query, text)
        candidates, dense, bm25, lexical = self._score_candidates(
            index, text, query, asked_for, learned
        )
        fused = self._fuse(dense, bm25, lexical)
        if learned is not None and self.mode == "hybrid":
            believed = learned.section[index.passage_section[candidates]].astype(np.float32)
            # The classifier learned from the phrasings of the last index and cannot know a rare
            # word a maintainer added since ("een zeppelinhaven in Lelystad"): a passage that
            # holds the question's own words this well gets its favourite's belief.
            known = lexical >= self.tuning.outside_unless_lexical
            believed[known] = np.maximum(believed[known], learned.section.max(initial=0.0))
            fused = fused + self.tuning.classifier_weight * believed
        hits: list[Hit] = []
        seen: set[str] = set()
        for j in np.argsort(-fused, kind="stable"):
            if fused[j] <= 0 or len(hits) >= k:
                break
            i = int(candidates[j])
            if index.passages[i].section_key in seen:
                continue
            seen.add(index.passages[i].section_key)
            i, relevance = self._answering_passage(index, i, asked_for)
            hits.append(
                Hit(
                    passage=index.passages[i],
                    excerpt=self._excerpt(index, i, relevance),
                    score=round(float(fused[j]), 4),
                    dense_score=round(float(dense[j]), 4),
                    lexical_score=round(float(lexical[j]), 4),
                )
            )
        # rounded before it is compared: the confidence logged and shown is the one that decided
        confidence = 0.0 if only_places else round(self._confidence(fused, lexical), 4)
        outside = learned.outside if learned is not None else 0.0
        elsewhere = (
            learned is not None
            and self.mode == "hybrid"
            and outside >= self.tuning.outside_ceiling
            and outside > float(learned.section.max(initial=0.0))
            and float(lexical.max(initial=0.0)) < self.tuning.outside_unless_lexical
        )
        return Answer(
            question=question,
            hits=tuple(hits),
            answered=bool(hits) and confidence >= self._threshold() and not elsewhere,
            confidence=confidence,
            outside=round(outside, 4),
            outside_kind=learned.outside_kind if learned is not None else "",
            inside=round(float(learned.section.max(initial=0.0)), 4) if learned else 0.0,
            elsewhere=elsewhere,
        )

    def _judged(self, answer: Answer) -> Answer:
        """The answer with its verdict and the hits it shows: the one place where the
        thresholds turn scores into what a resident sees."""
        threshold = self._threshold()
        hits = answer.hits
        if answer.answered:
            shown = hits[:1] + tuple(h for h in hits[1:] if h.score >= threshold)
            margin = shown[0].score - threshold
            first = 1 + sum(
                1 for h in shown[1:FIRST_PAGE] if h.score - threshold >= RUNNER_UP * margin
            )
            return replace(answer, verdict="sure", shown=shown, first_page=first)
        floor = self.tuning.suggest_threshold if self.mode == "hybrid" else 1.0
        if answer.elsewhere or answer.intent is not None or not hits or answer.confidence < floor:
            return replace(answer, verdict="none", shown=(), first_page=0)
        # below the threshold, down to where declined questions are as often in scope as not
        # (never one the classifier finds outside the texts): the likely sections are offered
        # as a maybe, the best always
        shown = hits[:1] + tuple(h for h in hits[1:MAYBE_SECTIONS] if h.score >= floor)
        return replace(answer, verdict="maybe", shown=shown, first_page=len(shown))

    def _classify(self, index: SearchIndex, query: Vectors, text: str) -> _Learned | None:
        """The classifier's view of the question: per section, and outside the texts."""
        classifier = index.classifier
        if classifier is None or self.mode != "hybrid":
            return None
        p = classifier.probabilities(query[0], text)
        section = np.zeros(len(index.section_keys), dtype=np.float32)
        inside = index.class_section >= 0
        np.add.at(section, index.class_section[inside], p[inside])
        outside = p[index.class_outside]
        kind = ""
        if len(outside):
            best = int(np.argmax(np.where(index.class_outside, p, -1.0)))
            kind = classifier.labels[best].removeprefix(OUTSIDE_PREFIX)
        return _Learned(section=section, outside=float(outside.sum()), outside_kind=kind)

    def _confidence(self, fused: Vectors, lexical: Vectors) -> float:
        evidence = lexical if self.mode == "lexical" else fused
        return float(evidence.max(initial=0.0))

    def _score_candidates(
        self,
        index: SearchIndex,
        question: str,
        query: Vectors,
        asked_for: _Asked,
        learned: _Learned | None,
    ) -> tuple[npt.NDArray[np.int64], Vectors, Vectors, Vectors]:
        """Candidate passages (top of either retriever, and the passages of the sections whose
        phrasings match best) with their dense score, their saturated BM25 score and their
        lexical score (saturated BM25 times coverage).

        The dense score of a passage is the mean of its own cosine and its best sentence's (a
        short question often matches one sentence of a long passage much better than the
        passage as a whole), or the best phrasing of its section less an offset, if higher.
        """
        t = self.tuning
        n = len(index.passages)
        pool: dict[int, float] = {}
        probe_best = np.full(len(index.section_keys), -1.0, dtype=np.float32)
        if self.mode != "lexical":
            scores, ids = index.dense.search(query, min(t.candidates, n))
            pool.update(
                (int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0
            )
            if len(index.probes):
                scores = (index.probe_vectors @ query[0]).astype(np.float32)
                for row, members in enumerate(index.section_probes):
                    if members:
                        top = np.sort(scores[members])[::-1][:2]
                        probe_best[row] = (
                            top[0]
                            if len(top) == 1
                            else (1 - t.probe_second) * top[0] + t.probe_second * top[1]
                        )
                for row in np.argsort(-probe_best, kind="stable")[: t.probe_sections]:
                    for i in index.section_passages[int(row)]:
                        pool.setdefault(i, np.nan)
            if learned is not None:  # the sections the classifier finds likeliest join too
                for row in np.argsort(-learned.section, kind="stable")[: t.probe_sections]:
                    for i in index.section_passages[int(row)]:
                        pool.setdefault(i, np.nan)
        bm25 = index.lexical.scores(question) if self.mode != "dense" else np.zeros(n)
        if self.mode != "dense":
            top = np.argsort(-bm25, kind="stable")[: t.candidates]
            pool.update((int(i), pool.get(int(i), np.nan)) for i in top if bm25[i] > 0)
        candidates = np.fromiter(pool, dtype=np.int64, count=len(pool))
        dense = np.zeros(len(candidates), dtype=np.float32)
        if self.mode != "lexical":
            for j, i in enumerate(candidates):
                own = pool[int(i)]
                if np.isnan(own):
                    own = float(index.dense.reconstruct(int(i)) @ query[0])
                best = float(asked_for.cosines(index, int(i)).max(initial=own))
                asked = float(probe_best[index.passage_section[i]]) - t.probe_offset
                dense[j] = max(0.5 * own + 0.5 * best, asked)
        saturated = (bm25[candidates] / (bm25[candidates] + t.lexical_saturation)).astype(
            np.float32
        )
        lexical = np.zeros(len(candidates), dtype=np.float32)
        if self.mode != "dense":
            stems = asked_for.stems
            for j, i in enumerate(candidates):
                # A document's "over" block lists every topic of the document: its words prove
                # nothing about a topical question (its phrasings still lead to it).
                if saturated[j] > 0 and not index.is_about[i]:
                    lexical[j] = saturated[j] * coverage(stems, self._terms(index, int(i)))
        return candidates, dense, saturated, lexical

    def _terms(self, index: SearchIndex, i: int) -> Terms:
        """The stems of passage ``i`` (cached per index version)."""
        terms = index.terms_cache.get(i)
        if terms is None:
            passage = index.passages[i]
            terms = index.terms_cache[i] = Terms.of(f"{passage.heading} {passage.text}")
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
        return {
            "hybrid": t.hybrid_threshold,
            "dense": t.dense_threshold,
            "lexical": t.lexical_threshold,
        }[self.mode]

    def _answering_passage(
        self, index: SearchIndex, i: int, asked_for: _Asked
    ) -> tuple[int, Vectors]:
        """The passage of passage ``i``'s section that holds the sentence answering the
        question best, with its sentences' relevance (for its excerpt): a long section is cut
        into several passages, and the one that ranks best as a whole need not hold the
        answering sentence ("mantelzorg" in a passage about the economy)."""
        members = index.section_passages[int(index.passage_section[i])]
        if len(members) <= 1:
            return i, self._sentence_relevance(index, i, asked_for)
        best, best_score = i, -np.inf
        best_relevance = np.zeros(0, dtype=np.float32)
        for m in members:
            relevance = self._sentence_relevance(index, m, asked_for)
            if len(relevance) and float(relevance.max()) > best_score:
                best, best_score, best_relevance = m, float(relevance.max()), relevance
        if best_score == -np.inf:  # no member has sentences
            return i, self._sentence_relevance(index, i, asked_for)
        return best, best_relevance

    def _sentence_relevance(self, index: SearchIndex, i: int, asked_for: _Asked) -> Vectors:
        """How well each sentence of passage ``i`` answers the question (the cosine, plus
        the share of the question's words it holds); sentences that may not lead an excerpt
        are pushed far down."""
        sentences = index.sentences[i]
        semantic = asked_for.cosines(index, i)
        # the question's words a sentence holds, weighted by rarity: "zorgt" (as in "zorgt
        # voor") is in many sentences and proves little; "mantelzorg" proves much
        weight = _rarity(index)
        words = set(asked_for.stems)
        total = sum(weight(w) for w in words) or 1.0
        terms = index.sentence_terms.get(i)
        if terms is None:
            terms = index.sentence_terms[i] = [frozenset(tokenize(s)) for s in sentences]
        overlap = np.array(
            [sum(weight(w) for w in words & t) / total for t in terms], dtype=np.float32
        )
        relevance = semantic + 0.5 * overlap
        eligible = np.array(
            [_can_lead(s, asked_for.wants_examples) for s in sentences], dtype=bool
        )
        if eligible.any():
            relevance = np.where(eligible, relevance, relevance - 10.0)
        out: Vectors = relevance.astype(np.float32)
        return out

    def _excerpt(self, index: SearchIndex, i: int, relevance: Vectors) -> str:
        """The sentences of passage ``i`` that answer the question (``relevance`` per sentence,
        from ``_sentence_relevance``), in reading order.

        The best sentence is never a rhetorical question, a fragment of a few words ("Het is
        2040.") or the bare list of example names, unless the question asks for examples; a
        short best sentence brings its neighbour along, so that it reads as an answer.
        """
        sentences = index.sentences[i]
        if len(sentences) <= 1:
            return sentences[0] if sentences else index.passages[i].text
        chosen: list[int] = []
        total = 0
        for j in np.argsort(-relevance, kind="stable"):
            if len(chosen) == EXCERPT_MAX_SENTENCES:
                break
            if chosen and (
                relevance[j] < relevance[chosen[0]] - 0.15
                or total + len(sentences[j]) > EXCERPT_MAX_CHARS
            ):
                continue
            chosen.append(int(j))
            total += len(sentences[j])
        best = chosen[0]
        if len(sentences[best]) < SHORT_SENTENCE and len(chosen) == 1:
            neighbour = best + 1 if best + 1 < len(sentences) else best - 1
            chosen.append(neighbour)
        parts: list[str] = []
        previous = -2
        for j in sorted(set(chosen)):
            if parts and j != previous + 1:
                parts.append("…")
            parts.append(sentences[j])
            previous = j
        return " ".join(parts)


SHORT_SENTENCE = 60  # a best sentence shorter than this brings a neighbour for context
FRAGMENT = 30  # shorter than this, a sentence never leads an excerpt
_EXAMPLES = re.compile(
    r"\b(?:voorbeeld\w*|example\w*|initiatie\w*|inspiratie|project\w*)\b", re.IGNORECASE
)
_EXAMPLE_LIST = "Voorbeelden en inspiratie:"


def _rarity(index: SearchIndex) -> Callable[[str], float]:
    """A stem's weight: its inverse sentence frequency in the texts (log, at least 0.1)."""
    df = index.sentence_df
    if not df:
        counts: dict[str, int] = {}
        for group in index.sentences:
            for sentence in group:
                for stem in set(tokenize(sentence)):
                    counts[stem] = counts.get(stem, 0) + 1
        df.update(counts)
    n = sum(len(group) for group in index.sentences) + 1
    return lambda stem: max(0.1, math.log(n / (1 + df.get(stem, 0))))


def _can_lead(sentence: str, wants_examples: bool) -> bool:
    """Whether a sentence may be the main sentence of an excerpt."""
    if sentence.startswith(_EXAMPLE_LIST):
        return wants_examples
    return len(sentence) >= FRAGMENT and not sentence.rstrip().endswith("?")


def hit_record(hit: Hit) -> dict[str, object]:
    """A shown hit as stored with its question (JSON): everything needed to show it again,
    whatever index is in service by then."""
    p = hit.passage
    return {
        "passage": {
            "id": p.id,
            "doc_id": p.doc_id,
            "doc_title": p.doc_title,
            "kind": p.kind,
            "date": p.date.isoformat(),
            "section_id": p.section_id,
            "heading": p.heading,
            "themes": list(p.themes),
            "text": p.text,
            "position": p.position,
        },
        "excerpt": hit.excerpt,
        "score": hit.score,
        "dense_score": hit.dense_score,
        "lexical_score": hit.lexical_score,
    }


def hit_from_record(record: dict[str, Any]) -> Hit:
    """The hit ``hit_record`` stored."""
    p = record["passage"]
    return Hit(
        passage=Passage(
            id=str(p["id"]),
            doc_id=str(p["doc_id"]),
            doc_title=str(p["doc_title"]),
            kind=str(p["kind"]),
            date=dt.date.fromisoformat(p["date"]),
            section_id=str(p["section_id"]),
            heading=str(p["heading"]),
            themes=tuple(p["themes"]),
            text=str(p["text"]),
            position=int(p["position"]),
        ),
        excerpt=str(record["excerpt"]),
        score=float(record["score"]),
        dense_score=float(record["dense_score"]),
        lexical_score=float(record["lexical_score"]),
    )
