"""Residents' ideas and their drafts: saved on every step, submitted exactly once.

Submitting is one transaction: the idea is inserted (idempotent on ``submit_key``, the chat and
message of the Send button) and the draft deleted, committed with synchronous=FULL before the
bot confirms anything to the resident.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.errors import AssistantError
from assistant.store.db import Database, Transaction, utcnow
from assistant.store.idea_vectors import StoredVector, note_removed, write_vector

STATUSES = ("pending", "approved", "rejected", "hidden", "duplicate")
# Limits in UTF-16 units (how Telegram counts; an emoji is two). They add up so that the
# summary and the moderators' review of the longest allowed idea fit in one Telegram message
# (4096 units): 2000 + 2 x 500 + 100 + the fixed texts (tests/test_message_limits.py).
MIN_CHARS = 10
MAX_CHARS = 2000
MAX_ANSWER_CHARS = 500
MAX_PLACE_CHARS = 100
MAX_PER_DAY = 10
_URL = re.compile(r"(https?://\S+|www\.\S+|\S+\.(nl|com|org|net|eu|io)\b\S*)", re.IGNORECASE)


# Where /vergeetmij deletes (notices go with their ideas, by foreign key).
ERASED_TABLES = ("idea_vectors", "ideas", "drafts", "prefs", "notices")


class DailyLimitReached(AssistantError):
    """The resident already sent the maximum number of ideas in the last 24 hours."""


@dataclass
class Draft:
    """An idea being written: everything the resident typed so far and where they are."""

    theme: str = ""
    text: str = ""
    answers: dict[str, str | None] = field(default_factory=dict)  # None: skipped
    municipality: str | None = None  # "" skipped, None not asked yet
    contact_ok: bool | None = None
    lang: str = "nl"
    step: str = "theme"
    question_index: int = 0
    editing: bool = False
    updated_at: str = ""
    pending: str = ""  # a question-like message: is it the answer? (asked with buttons)
    # The text whose related sections and similar approved ideas were already shown (and,
    # for a similar idea, the resident chose to go on): not shown again at every summary.
    checked_text: str = ""
    # Where the conversation is besides the step: "" answering the step, "edit" or "resume"
    # (that menu is open), "parked" (left, the draft kept). Its own column: set without
    # touching the draft's last activity.
    mode: str = ""

    def to_json(self) -> str:
        data = asdict(self)
        del data["mode"]
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Draft:
        data: dict[str, Any] = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """Time since the resident last changed the draft."""
        if not self.updated_at:
            return dt.timedelta(0)
        now = now or dt.datetime.now(dt.UTC)
        return now - dt.datetime.fromisoformat(self.updated_at)


@dataclass(frozen=True)
class Idea:
    """A submitted idea."""

    id: int
    theme: str
    text: str
    answers: dict[str, str | None]
    municipality: str
    contact_ok: bool
    contact_name: str
    author_id: int
    lang: str
    status: str
    created_at: str
    updated_at: str
    moderated_by: str | None = None
    moderated_at: str | None = None
    moderation_reason: str | None = None
    duplicate_of: int | None = None  # status 'duplicate': the idea this one joins


def text_length(text: str) -> int:
    """Length in UTF-16 units, as Telegram counts (and as the limits above are meant)."""
    return len(text.encode("utf-16-le")) // 2


def problem_with_text(
    text: str, *, minimum: int = MIN_CHARS, maximum: int = MAX_CHARS
) -> str | None:
    """Why a text cannot be accepted ('too_short', 'too_long', 'no_words', 'only_link'), or
    None. Emoji, punctuation and links do not count as words."""
    stripped = text.strip()
    if text_length(stripped) > maximum:
        return "too_long"
    without_links = _URL.sub(" ", stripped)
    letters = sum(1 for c in without_links if unicodedata.category(c).startswith(("L", "N")))
    if letters == 0:
        return "only_link" if _URL.search(stripped) else "no_words"
    if len(stripped) < minimum:
        return "too_short"
    if letters < minimum // 2:
        return "only_link" if _URL.search(stripped) else "no_words"
    return None


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
    )


class IdeaStore:
    """Drafts (which are the idea conversation's state) and submitted ideas of residents."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # --- drafts ------------------------------------------------------------------------------
    def save_draft(self, user_id: int, chat_id: int, draft: Draft) -> None:
        """Write the draft now (every step), stamping its last activity."""
        draft.updated_at = utcnow()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (user_id, chat_id, data, updated_at, mode) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                "SET chat_id = excluded.chat_id, data = excluded.data, "
                "updated_at = excluded.updated_at, mode = excluded.mode",
                (user_id, chat_id, draft.to_json(), draft.updated_at, draft.mode),
            )

    def set_mode(self, user_id: int, mode: str) -> None:
        """Open a menu on the draft, or park it (see ``Draft.mode``); no draft, no change."""
        with self.db.transaction() as conn:
            conn.execute("UPDATE drafts SET mode = ? WHERE user_id = ?", (mode, user_id))

    def draft(self, user_id: int) -> Draft | None:
        """The resident's draft, if any."""
        row = self.db.execute(
            "SELECT data, mode FROM drafts WHERE user_id = ?", (user_id,)
        ).fetchone()
        if row is None:
            return None
        draft = Draft.from_json(row[0])
        draft.mode = row[1]
        return draft

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
                "INSERT INTO ideas (id, theme, text, answers, municipality, contact_ok, "
                "contact_name, author_id, lang, status, submit_key, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?) RETURNING *",
                (
                    next_idea_number(conn),
                    draft.theme,
                    draft.text,
                    json.dumps(draft.answers, ensure_ascii=False),
                    draft.municipality or "",
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
