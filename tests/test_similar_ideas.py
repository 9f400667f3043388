"""Near-duplicates and groups of ideas, on vectors whose cosines the test chooses (a real
SQLite file and FAISS copy; the encoder is not involved in these lookups).

Mutations tried (each turned a test red): ``IdeaTuning.score`` with the meaning and wording
weights swapped; ``IdeaMatcher.clusters`` cutting at the duplicate threshold instead of the
cluster one; ``similar`` ignoring the theme; groups spanning two themes; ``related`` without
the idea's own proposal, and with the related floor ignored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.ideas.model import Draft
from assistant.retrieval.search import Retriever
from assistant.similar_ideas import IdeaMatcher, IdeaTuning, to_stored
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore

MODEL = "test-vectors"


def unit(dim: int, cosine_to_first: float, axis: int = 1) -> np.ndarray:
    """A unit vector at the given cosine to the first axis (the matcher's copy has the
    dimension of the encoder in service)."""
    v = np.zeros(dim, dtype=np.float32)
    v[0] = cosine_to_first
    v[axis] = np.sqrt(1.0 - cosine_to_first**2)
    return v


def store(db: Database, theme: str, text: str, vector: np.ndarray, key: str) -> int:
    idea, _ = IdeaStore(db).submit(
        7, Draft(theme=theme, text=text), key, vector=to_stored(MODEL, vector)
    )
    return idea.id


def test_meaning_weighs_the_cosine_and_the_rest_the_wording() -> None:
    tuning = IdeaTuning(duplicate=0.5, cluster=0.6, related=0.3, meaning=0.8)
    assert abs(tuning.score(cosine=0.9, wording=0.1) - (0.8 * 0.9 + 0.2 * 0.1)) < 1e-9
    alone = IdeaTuning(duplicate=0.5, cluster=0.6, related=0.3, meaning=0.5, alone=0.1)
    assert abs(alone.score(cosine=0.9, wording=0.0) - 0.8) < 1e-9  # the other language


def test_groups_cut_at_the_cluster_threshold_and_within_a_theme(
    tmp_path: Path, retriever: Retriever
) -> None:
    dim = retriever.encoder.dimension
    db = Database(tmp_path / "ideas.sqlite3").open()
    try:
        tuning = IdeaTuning(duplicate=0.5, cluster=0.9, related=0.3)
        a = store(db, "preventiecoalitie", "idee a", unit(dim, 1.0), "a")
        b = store(
            db, "preventiecoalitie", "idee b", unit(dim, 0.7), "b"
        )  # a duplicate, not a group
        c = store(
            db, "preventiecoalitie", "idee c", unit(dim, 0.95, axis=2), "c"
        )  # a group with a
        d = store(db, "ai-voor-iedereen", "idee d", unit(dim, 0.99, axis=3), "d")  # another theme
        matcher = IdeaMatcher(db, retriever, MODEL, tuning)
        groups = matcher.clusters([a, b, c, d])
        assert groups[a] == groups[c] == a
        assert groups[b] == b and groups[d] == d
        close = matcher.similar(
            unit(dim, 1.0), text="idee a", statuses=("pending",), exclude=(a,), k=5
        )
        assert {m.id for m in close} == {b, c, d}
        same_theme = matcher.similar(
            unit(dim, 1.0),
            text="idee a",
            statuses=("pending",),
            exclude=(a,),
            k=5,
            theme="preventiecoalitie",
        )
        assert {m.id for m in same_theme} == {b, c}
    finally:
        db.close()


PROPOSALS = {
    "preventiecoalitie": "metropool-van-morgen#regionale-preventiecoalitie",
    "ai-voor-iedereen": "metropool-van-morgen#ai-verantwoord-en-voor-iedereen",
}
ASSEMBLY = (
    "Laat een burgerberaad van gelote inwoners beslissen welke AI de gemeente mag gebruiken."
)
ASSEMBLIES = "metropool-van-morgen#burgerberaden"


def test_an_idea_builds_on_its_own_proposal_first_and_on_others_only_above_the_floor(
    tmp_path: Path, retriever: Retriever
) -> None:
    """The section classifier (real encoder, real index) is sure this AI idea is about
    citizens' assemblies; it is shown only when the floor lets it, after the AI proposal."""
    db = Database(tmp_path / "ideas.sqlite3").open()
    try:
        vector = retriever.encoder.encode_queries([ASSEMBLY])[0]
        assert retriever.section_beliefs(vector, ASSEMBLY)[ASSEMBLIES] > 0.5

        def related(floor: float, proposals: dict[str, str]) -> list[tuple[str, bool]]:
            tuning = IdeaTuning(duplicate=2.0, cluster=2.0, related=floor)
            matcher = IdeaMatcher(db, retriever, MODEL, tuning, proposals)
            return [(r.key, r.own) for r in matcher.related(vector, ASSEMBLY, "ai-voor-iedereen")]

        own = (PROPOSALS["ai-voor-iedereen"], True)
        assert related(2.0, PROPOSALS) == [own]
        assert related(0.5, PROPOSALS) == [own, (ASSEMBLIES, False)]
        # a theme whose proposal left the texts: only what the classifier is sure of
        assert related(0.5, {"ai-voor-iedereen": "metropool-van-morgen#weg"}) == [
            (ASSEMBLIES, False)
        ]
        assert related(2.0, {}) == []
    finally:
        db.close()
