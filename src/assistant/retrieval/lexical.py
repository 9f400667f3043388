"""Lexical retrieval: BM25 (bm25s) over Dutch-stemmed words and their 4-grams, no stop words."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt
import Stemmer
from bm25s.stopwords import STOPWORDS_DUTCH

_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*", re.UNICODE)
# Question words and fillers residents type that carry no topic.
_EXTRA_STOPWORDS = {
    "wat",
    "hoe",
    "waarom",
    "wanneer",
    "welke",
    "welk",
    "wie",
    "waar",
    "gaat",
    "komt",
    "vind",
    "we",
    "jullie",
    "zo",
    "eigenlijk",
    "scenario",
    "mra",
}
_STOPWORDS = frozenset(STOPWORDS_DUTCH) | _EXTRA_STOPWORDS
# Bumped whenever tokenizing changes, so that old indexes are detected as stale.
LEXICAL_VERSION = "2"
GRAM = 4
GRAM_MIN_WORD = 6
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
_stemmers = threading.local()  # PyStemmer objects must not be shared between threads


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_stemmers, "dutch", None)
    if stemmer is None:
        stemmer = _stemmers.dutch = Stemmer.Stemmer("dutch")
    return stemmer


def _fold(word: str) -> str:
    """Lowercase and drop diacritics, so 'geïsoleerde' matches 'geisoleerde'."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def index_terms(stems: list[str]) -> list[str]:
    """Stems plus the character 4-grams of long stems.

    Dutch glues words together ("zorgsysteem", "ruileconomie"); the 4-grams let a question's
    "zorg" or "ruilen" meet them. The grams carry a prefix so they never collide with a stem.
    """
    grams = [
        f"#{w[i : i + GRAM]}"
        for w in stems
        if len(w) > GRAM_MIN_WORD
        for i in range(len(w) - GRAM + 1)
    ]
    return stems + grams


@functools.lru_cache(maxsize=200_000)
def _word_stems(word: str) -> tuple[str, ...]:
    """The stems one written word contributes (cached: a corpus repeats its words)."""
    folded = _fold(word)
    parts = [folded, *folded.split("-")] if "-" in folded else [folded]
    kept = [p for p in parts if p and p not in _STOPWORDS and len(p) > 1]
    return tuple(_stemmer().stemWords(kept)) if kept else ()


def forget_words() -> None:
    """Empty the word cache (it also holds words of residents' questions)."""
    _word_stems.cache_clear()


def tokenize(text: str) -> list[str]:
    """Dutch-stemmed content words of a text; hyphenated words also give their parts."""
    return [stem for match in _WORD.finditer(text) for stem in _word_stems(match.group(0))]


@dataclass(frozen=True)
class Terms:
    """A passage's stems, and the same joined into one string: "is this question word inside
    one of them" (a compound) is then one substring search instead of one per stem."""

    stems: frozenset[str]
    joined: str

    @classmethod
    def of(cls, text: str) -> Terms:
        """The terms of a text."""
        stems = frozenset(tokenize(text))
        return cls(stems, "\n".join(sorted(stems)))


def coverage(question_stems: list[str], terms: Terms) -> float:
    """The share of the question's words that the passage contains (also inside compounds).

    A passage matching one word of a four-word question ("Hoeveel kost een tramkaartje in
    Amsterdam?") is weak evidence however rare that word is; BM25 alone cannot tell.
    """
    wanted = set(question_stems)
    if not wanted:
        return 0.0
    found = sum(1 for w in wanted if w in terms.stems or (len(w) >= GRAM and w in terms.joined))
    return found / len(wanted)


class LexicalIndex:
    """A BM25 index over passages; scores come back aligned with the passage order."""

    def __init__(self, model: bm25s.BM25, size: int) -> None:
        self._model = model
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        """Index texts (in passage order)."""
        model = bm25s.BM25()
        model.index([index_terms(tokenize(t)) or ["_empty_"] for t in texts], show_progress=False)
        return cls(model, len(texts))

    def save(self, directory: Path) -> None:
        """Write the index files into ``directory``."""
        self._model.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        """Read an index written by ``save``."""
        model = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(model, size)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every passage for the query (zeros if no query word is known)."""
        ids = self._model.get_tokens_ids(index_terms(tokenize(query)))
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores_from_ids(ids), dtype=np.float32)
