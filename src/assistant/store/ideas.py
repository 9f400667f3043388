"""Residents' ideas and their drafts: saved on every step, submitted exactly once.

Submitting is one transaction: the idea is inserted (idempotent on ``submit_key``, the chat and
message of the Send button) and the draft deleted, committed with synchronous=FULL before the
bot confirms anything to the resident.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from assistant.errors import AssistantError
from assistant.ideas.model import MAX_PER_DAY, Draft, Idea
from assistant.store.db import Database, Transaction, utcnow
from assistant.store.idea_vectors import StoredVector, note_removed, write_vector

# Where /vergeetmij deletes (notices go with their ideas, by foreign key).
ERASED_TABLES = ("idea_vectors", "ideas", "drafts", "prefs", "notices")


class DailyLimitReached(AssistantError):
    """The resident already sent the maximum number of ideas in the last 24 hours."""


def next_idea_number(tx: Transaction) -> int:
    """A number no idea ever had, taken inside the inserting transaction.

    SQLite gives a new row the highest rowid plus one, so an erased idea's number would be
    handed out again and a moderator's old button would act on a stranger's idea. The counter
    only goes up; it also steps over any row written without it (a bulk load).
    """
    (highest,) = tx.execute("SELECT COALESCE(MAX(id), 0) FROM ideas").fetchone()
    row = tx.execute(
        "UPDATE counters SET value = CASE WHEN value > ? THEN value + 1 ELSE ? END "
        "WHERE name = 'ideas' RETURNING value",
        (highest, int(highest) + 1),
    ).fetchone()
    return int(row[0])


def idea_from_row(row: Any) -> Idea:
    """An idea from a row of the ideas table (any listing of ideas reads them this way)."""
    return Idea(
        id=row["id"],
        theme=row["theme"],
        text=row["text"],
        answers=json.loads(row["answers"]),
        municipality=row["municipality"],
        contact_ok=bool(row["contact_ok"]),
        contact_name=row["contact_name"],
        author_id=row["author_id"],
        lang=row["lang"],
        status=row["status"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        moderated_by=row["moderated_by"],
        moderated_at=row["moderated_at"],
        moderation_reason=row["moderation_reason"],
        duplicate_of=row["duplicate_of"],
        age_group=row["age_group"],
    )


class IdeaStore:
    """Drafts (which are the idea conversation's state) and submitted ideas of residents."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- drafts ------------------------------------------------------------------------------
    def save_draft(self, user_id: int, chat_id: int, draft: Draft) -> None:
        """Write the draft now (every step), stamping its last activity: the whole state of
        the resident's conversation, in one value."""
        draft.updated_at = utcnow()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (user_id, chat_id, data, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                "SET chat_id = excluded.chat_id, data = excluded.data, "
                "updated_at = excluded.updated_at",
                (user_id, chat_id, draft.to_json(), draft.updated_at),
            )

    def draft(self, user_id: int) -> Draft | None:
        """The resident's draft, if any."""
        row = self.db.execute("SELECT data FROM drafts WHERE user_id = ?", (user_id,)).fetchone()
        return Draft.from_json(row[0]) if row is not None else None

    def delete_draft(self, user_id: int) -> None:
        """Drop the resident's draft (cancelled)."""
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))

    # --- ideas -------------------------------------------------------------------------------
    def submit(
        self,
        user_id: int,
        draft: Draft,
        submit_key: str,
        contact_name: str = "",
        vector: StoredVector | None = None,
    ) -> tuple[Idea, bool]:
        """Store the draft as an idea once; returns (idea, created). A repeated submit_key
        returns the idea stored the first time. ``contact_name`` is kept only with consent;
        ``vector`` (the idea's embedding) is stored in the same transaction."""
        try:
            return self._submit_once(user_id, draft, submit_key, contact_name, vector)
        except self.db.integrity_errors:
            # the same Send, stored meanwhile by another replica: return what it stored
            existing = self.by_submit_key(submit_key)
            if existing is None:
                raise
            return existing, False

    def _submit_once(
        self,
        user_id: int,
        draft: Draft,
        submit_key: str,
        contact_name: str,
        vector: StoredVector | None,
    ) -> tuple[Idea, bool]:
        with self.db.transaction() as conn:
            existing = conn.execute(
                "SELECT * FROM ideas WHERE submit_key = ?", (submit_key,)
            ).fetchone()
            if existing is not None:
                return idea_from_row(existing), False
            since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).isoformat(timespec="seconds")
            recent = conn.execute(
                "SELECT COUNT(*) FROM ideas WHERE author_id = ? AND created_at > ?",
                (user_id, since),
            ).fetchone()[0]
            if recent >= MAX_PER_DAY:
                raise DailyLimitReached(f"at most {MAX_PER_DAY} ideas per day")
            now = utcnow()
            row = conn.execute(
                "INSERT INTO ideas (id, theme, text, answers, municipality, age_group, "
                "contact_ok, contact_name, author_id, lang, status, submit_key, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) "
                "RETURNING *",
                (
                    next_idea_number(conn),
                    draft.theme,
                    draft.text,
                    json.dumps(draft.answers, ensure_ascii=False),
                    draft.municipality or "",
                    draft.age_group or "",
                    int(bool(draft.contact_ok)),
                    contact_name if draft.contact_ok else "",
                    user_id,
                    draft.lang,
                    submit_key,
                    now,
                    now,
                ),
            ).fetchone()
            conn.execute("DELETE FROM drafts WHERE user_id = ?", (user_id,))
            if vector is not None:
                write_vector(conn, row["id"], vector)
            return idea_from_row(row), True

    def get(self, idea_id: int) -> Idea | None:
        """One idea by number."""
        row = self.db.execute("SELECT * FROM ideas WHERE id = ?", (idea_id,)).fetchone()
        return idea_from_row(row) if row else None

    def by_submit_key(self, submit_key: str) -> Idea | None:
        """The idea a Send button already stored, if any."""
        row = self.db.execute("SELECT * FROM ideas WHERE submit_key = ?", (submit_key,)).fetchone()
        return idea_from_row(row) if row else None

    def by_author(self, user_id: int) -> list[Idea]:
        """The resident's own ideas, newest first (all statuses: it is their own list)."""
        rows = self.db.execute(
            "SELECT * FROM ideas WHERE author_id = ? ORDER BY id DESC", (user_id,)
        ).fetchall()
        return [idea_from_row(r) for r in rows]

    # --- residents' right to be forgotten ----------------------------------------------------
    def forget(self, user_id: int) -> dict[str, int]:
        """Delete everything stored about the resident; returns rows removed per table."""
        removed: dict[str, int] = {}
        with self.db.transaction() as conn:
            removed["idea_vectors"] = conn.execute(
                "DELETE FROM idea_vectors WHERE idea_id IN "
                "(SELECT id FROM ideas WHERE author_id = ?)",
                (user_id,),
            ).rowcount
            if removed["idea_vectors"]:
                note_removed(conn)
            for table, column in (
                ("ideas", "author_id"),
                ("drafts", "user_id"),
                ("prefs", "user_id"),
            ):
                # table and column come from the constant pairs above (bandit B608)
                removed[table] = conn.execute(
                    f"DELETE FROM {table} WHERE {column} = ?",  # nosec B608
                    (user_id,),
                ).rowcount
        # the erased rows leave the write-ahead log (SQLite) and the table files (PostgreSQL)
        self.db.purge(ERASED_TABLES)
        return removed
