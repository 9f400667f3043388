"""Idea vectors and duplicates in the database, on both backends: the upgrade that adds them
keeps every idea, the duplicate status refuses what makes no sense and joins the original, and
the in-memory copy follows writes and deletions of another connection.

Mutations tried (each turned a test here red, then undone): the SQLite table rebuild copying
no rows, ``mark_duplicate`` accepting an idea as its own duplicate, not following a chain to
the original, and ``sync`` returning early before a deletion was taken in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.ideas.model import Draft
from assistant.similar_ideas import IdeaIndex, cluster_labels, to_stored
from assistant.store import Database
from assistant.store import db as db_module
from assistant.store.idea_vectors import IdeaVectorStore, StoredVector
from assistant.store.ideas import IdeaStore
from assistant.store.moderation import ModerationStore


def submitted(
    store: IdeaStore, user_id: int, text: str, vector: StoredVector | None = None
) -> int:
    draft = Draft(theme="preventiecoalitie", text=text, contact_ok=False)
    idea, _ = store.submit(user_id, draft, f"{user_id}:1", vector=vector)
    return idea.id


def _unit(seed: int, dim: int = 8) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def test_upgrade_keeps_every_idea_and_its_number(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        db_module, "MIGRATIONS", [m for m in db_module.MIGRATIONS if m.version <= 4]
    )
    old = Database(database_url).open()  # the release before: rows written as it wrote them
    with old.transaction() as tx:
        for n in range(3):
            tx.execute(
                "INSERT INTO ideas (theme, text, answers, contact_ok, author_id, lang, status, "
                "submit_key, created_at, updated_at) VALUES ('preventiecoalitie', ?, '{}', 0, "
                "?, 'nl', ?, ?, '2026-11-01T10:00:00+00:00', '2026-11-01T10:00:00+00:00')",
                (
                    f"Idee nummer {n} voor de buurt.",
                    700 + n,
                    "approved" if n == 1 else "pending",
                    f"k{n}",
                ),
            )
    numbers = [int(r[0]) for r in old.execute("SELECT id FROM ideas ORDER BY id").fetchall()]
    old.close()
    monkeypatch.undo()
    db = Database(database_url).open()
    try:
        store = IdeaStore(db)
        assert [store.get(n).text for n in numbers] == [  # type: ignore[union-attr]
            f"Idee nummer {n} voor de buurt." for n in range(3)
        ]
        assert store.get(numbers[1]).status == "approved"  # type: ignore[union-attr]
        newer = submitted(store, 799, "Een nieuw idee na de upgrade.")
        assert newer == max(numbers) + 1  # numbering goes on, none reused
        change = ModerationStore(db).mark_duplicate(numbers[0], numbers[1], "test")
        assert change.changed and change.idea is not None
        assert change.idea.status == "duplicate" and change.idea.duplicate_of == numbers[1]
    finally:
        db.close()


def test_duplicate_refuses_itself_and_unknown_and_joins_the_original(database_url: str) -> None:
    db = Database(database_url).open()
    try:
        store, moderation = IdeaStore(db), ModerationStore(db)
        a, b, c = (
            submitted(store, 710 + n, f"Een idee over sporten in wijk {n}.") for n in range(3)
        )
        with pytest.raises(ValueError):
            moderation.mark_duplicate(a, a, "test")
        with pytest.raises(ValueError):
            moderation.mark_duplicate(a, 9999, "test")
        assert moderation.mark_duplicate(b, a, "test").changed
        joined = moderation.mark_duplicate(c, b, "test")  # b is itself a duplicate of a
        assert joined.idea is not None and joined.idea.duplicate_of == a
        with pytest.raises(ValueError):  # a duplicate cannot be made by set_status alone
            moderation.set_status(a, "duplicate", "test")
        audit = [(e.idea_id, e.action, e.reason) for e in moderation.audit()]
        assert (c, "duplicate", f"#{a}") in audit and (b, "duplicate", f"#{a}") in audit
    finally:
        db.close()


def test_copy_follows_another_connection(database_url: str) -> None:
    writer, reader = Database(database_url).open(), Database(database_url).open()
    try:
        store = IdeaStore(writer)
        copy = IdeaIndex(IdeaVectorStore(reader), "m", 8)
        assert copy.sync() == 0 and copy.size == 0
        first = submitted(store, 720, "Moestuinen bij scholen.", to_stored("m", _unit(1)))
        submitted(store, 721, "Een ander model.", to_stored("other", _unit(2)))
        assert copy.sync() == 1 and copy.size == 1
        assert copy.sync() == 0  # nothing new: one small read
        assert copy.search(_unit(1), 1)[0][0] == first
        assert copy.wording(copy.grams[first], first) == pytest.approx(1.0)
        store.forget(720)
        copy.sync()
        assert copy.size == 0 and copy.search(_unit(1), 1) == []
    finally:
        writer.close()
        reader.close()


def test_groups_are_mutual_neighbours_above_the_threshold() -> None:
    base = _unit(3)
    near = base + 0.05 * _unit(4)
    far = _unit(5)
    vectors = np.vstack([base, near / np.linalg.norm(near), far]).astype(np.float32)
    labels = cluster_labels([10, 11, 12], vectors, threshold=0.9, neighbours=2)
    assert labels == {10: 10, 11: 10, 12: 12}
    assert cluster_labels([10, 11, 12], vectors, threshold=1.01, neighbours=2) == {
        10: 10,
        11: 11,
        12: 12,
    }


def test_a_calibration_in_the_data_directory_wins(tmp_path: Path) -> None:
    """A maintainer's calibration (``bench.ideas --write-calibration`` into the data dir) is
    used before the one shipped with the package."""
    import json

    from assistant.retrieval.calibration import load_idea_thresholds
    from tests.conftest import TEST_MODEL

    shipped = load_idea_thresholds(TEST_MODEL)
    assert shipped  # the default model ships thresholds
    own = {"duplicate": 0.99, "cluster": 0.98, "related": 0.97}
    folder = tmp_path / "calibrations"
    folder.mkdir()
    (folder / f"{TEST_MODEL}.json").write_text(json.dumps({"ideas": own}), encoding="utf-8")
    assert load_idea_thresholds(TEST_MODEL, tmp_path) == own
    assert load_idea_thresholds(TEST_MODEL, tmp_path / "elsewhere") == shipped
