"""Ideas' embeddings in the database, the truth every replica's in-memory index follows.

A vector is written with a number from ``counters.idea_vectors``, taken by a row update in the
writing transaction: writers queue on that row (PostgreSQL) or on the database (SQLite), so rows
commit in number order and "everything after the last number I saw" misses nothing. Vectors
are bytes here (float32, unit length); what they mean is the similarity module's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assistant.store.db import Database, Transaction


@dataclass(frozen=True)
class StoredVector:
    """An idea's embedding as stored: the encoder that made it and its float32 bytes."""

    model: str
    data: bytes


@dataclass(frozen=True)
class VectorRow:
    """One stored vector, with the number it was written under and the idea's text."""

    idea_id: int
    model: str
    data: bytes
    seq: int
    text: str = ""


def write_vector(tx: Transaction, idea_id: int, vector: StoredVector) -> int:
    """Store (or replace) an idea's vector inside the caller's transaction; its number."""
    seq = int(
        tx.execute(
            "UPDATE counters SET value = value + 1 WHERE name = 'idea_vectors' RETURNING value"
        ).fetchone()[0]
    )
    tx.execute("DELETE FROM idea_vectors WHERE idea_id = ?", (idea_id,))
    tx.execute(
        "INSERT INTO idea_vectors (idea_id, model, vector, seq) VALUES (?, ?, ?, ?)",
        (idea_id, vector.model, vector.data, seq),
    )
    return seq


def note_removed(tx: Transaction) -> None:
    """Record, inside the deleting transaction, that idea vectors were deleted."""
    tx.execute("UPDATE counters SET value = value + 1 WHERE name = 'idea_vectors_removed'")


def _row(row: Any) -> VectorRow:
    return VectorRow(
        idea_id=int(row["idea_id"]),
        model=row["model"],
        data=bytes(row["vector"]),
        seq=int(row["seq"]),
        text=str(row["text"]),
    )


class IdeaVectorStore:
    """Reads and writes of idea vectors; the in-memory index asks what changed since when."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def put(self, idea_id: int, vector: StoredVector) -> bool:
        """Store an idea's vector (False: the idea is gone meanwhile)."""
        with self.db.transaction() as tx:
            if tx.execute("SELECT 1 FROM ideas WHERE id = ?", (idea_id,)).fetchone() is None:
                return False
            write_vector(tx, idea_id, vector)
            return True

    def marks(self) -> tuple[int, int]:
        """(vectors written, deletions) so far: unchanged means nothing to take in."""
        values = dict(self.db.execute("SELECT name, value FROM counters").fetchall())
        return int(values["idea_vectors"]), int(values["idea_vectors_removed"])

    def since(self, seq: int, model: str) -> list[VectorRow]:
        """Vectors of this model written after number ``seq``, oldest first, with texts."""
        rows = self.db.execute(
            "SELECT v.idea_id, v.model, v.vector, v.seq, i.text FROM idea_vectors v "
            "JOIN ideas i ON i.id = v.idea_id WHERE v.seq > ? AND v.model = ? ORDER BY v.seq",
            (seq, model),
        ).fetchall()
        return [_row(r) for r in rows]

    def count(self, model: str) -> int:
        """How many ideas have a vector of this model."""
        row = self.db.execute("SELECT COUNT(*) FROM idea_vectors WHERE model = ?", (model,))
        return int(row.fetchone()[0])

    def get(self, idea_id: int) -> VectorRow | None:
        """One idea's stored vector."""
        row = self.db.execute(
            "SELECT v.idea_id, v.model, v.vector, v.seq, i.text FROM idea_vectors v "
            "JOIN ideas i ON i.id = v.idea_id WHERE v.idea_id = ?",
            (idea_id,),
        ).fetchone()
        return _row(row) if row else None

    def without_vector(self, model: str, limit: int = 256) -> list[tuple[int, str]]:
        """Ideas (number, text) that have no vector of this model: new since a crash, or made
        with another model before a model change."""
        rows = self.db.execute(
            "SELECT i.id, i.text FROM ideas i LEFT JOIN idea_vectors v ON v.idea_id = i.id "
            "WHERE v.idea_id IS NULL OR v.model <> ? ORDER BY i.id LIMIT ?",
            (model, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def statuses(self, idea_ids: list[int]) -> dict[int, tuple[str, str]]:
        """The current status and theme of these ideas (gone ones are absent)."""
        if not idea_ids:
            return {}
        marks = ",".join("?" * len(idea_ids))
        rows = self.db.execute(
            # only '?' placeholders are interpolated, the values are bound (bandit B608)
            f"SELECT id, status, theme FROM ideas WHERE id IN ({marks})",  # nosec B608
            tuple(idea_ids),
        ).fetchall()
        return {int(r[0]): (str(r[1]), str(r[2])) for r in rows}
