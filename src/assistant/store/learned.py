"""What maintainers taught the search from residents' questions: learned phrasings (a question
assigned to a section, used by the next re-index beside knowledge/'s ``vragen``) and the triage
of unanswered questions (assigned, or "not in our texts"), shared by every replica."""

from __future__ import annotations

from dataclasses import dataclass

from assistant.store.db import Database, Transaction, utcnow

OUTSIDE = ""  # the triage section of a question that is "not in our texts"
MAX_CHARS = 300  # as a ``vragen`` line of knowledge/


@dataclass(frozen=True)
class LearnedPhrasing:
    """A phrasing a maintainer added to a section (who: ``actor``, never shown)."""

    id: int
    section: str  # "doc#section"
    text: str
    question_id: int | None
    actor: str
    created_at: str


class LearnedStore:
    """Learned phrasings and question triage."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def assign(self, question_id: int, section: str, text: str, actor: str) -> bool:
        """Store ``text`` (the question, perhaps edited) as a phrasing of ``section`` and take
        the question off the list; False when the question is gone or the text is empty."""
        text = " ".join(text.split())[:MAX_CHARS]
        if not text or not section:
            return False
        now = utcnow()
        with self.db.transaction() as tx:
            if not self._triage(tx, question_id, section, actor, now):
                return False
            tx.execute(
                "INSERT INTO learned_phrasings (section, text, question_id, actor, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (section, text) DO NOTHING",
                (section, text, question_id, actor, now),
            )
        return True

    def not_in_texts(self, question_id: int, actor: str) -> bool:
        """Mark a question as not answerable from our texts; False when it is gone."""
        with self.db.transaction() as tx:
            return self._triage(tx, question_id, OUTSIDE, actor, utcnow())

    @staticmethod
    def _triage(tx: Transaction, question_id: int, section: str, actor: str, now: str) -> bool:
        """Record what was decided about a question (the last decision counts); False, and
        nothing written, when the question is gone."""
        if tx.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone() is None:
            return False
        tx.execute(
            "INSERT INTO question_triage (question_id, section, actor, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (question_id) DO UPDATE SET section = excluded.section, "
            "actor = excluded.actor, at = excluded.at",
            (question_id, section, actor, now),
        )
        return True

    def phrasings(self) -> list[LearnedPhrasing]:
        """Every learned phrasing, oldest first."""
        rows = self.db.execute(
            "SELECT id, section, text, question_id, actor, created_at FROM learned_phrasings "
            "ORDER BY id"
        ).fetchall()
        return [LearnedPhrasing(*r) for r in rows]

    def by_section(self) -> dict[str, tuple[str, ...]]:
        """The learned phrasings per section key, oldest first (what a re-index adds)."""
        out: dict[str, list[str]] = {}
        for p in self.phrasings():
            out.setdefault(p.section, []).append(p.text)
        return {k: tuple(v) for k, v in out.items()}
