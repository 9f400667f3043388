"""Moderators' work on ideas: review queue, status changes (race-safe, audited), statistics
and exports. Hidden and rejected ideas appear only where a listing explicitly asks for them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from assistant.ideas.model import STATUSES, VISIBLE, Idea
from assistant.store.db import Database, Transaction, utcnow
from assistant.store.ideas import idea_from_row
from assistant.store.notices import KINDS, enqueue
from assistant.store.questions import QuestionLog

ACTIONS = {"approve": "approved", "reject": "rejected", "hide": "hidden"}


@dataclass(frozen=True)
class StatusChange:
    """The outcome of a moderation action."""

    idea: Idea | None  # the idea after the change (None: no such idea)
    changed: bool  # False: someone else handled it first, or it already had that status
    before: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One recorded moderation action."""

    id: int
    idea_id: int
    actor: str
    action: str
    status_before: str
    status_after: str
    reason: str
    at: str


@dataclass(frozen=True)
class Stats:
    """Counts for /stats (hidden ideas only in the per-status table)."""

    per_theme_status: dict[str, dict[str, int]]
    per_day: list[tuple[str, int]]  # last 14 days, visible ideas
    per_age_group: dict[str, int]  # visible ideas by the age group their authors gave
    questions: int
    answered: int
    votes_up: int
    votes_down: int


class DuplicateRefused(ValueError):
    """An idea cannot be marked a duplicate of that one; ``why`` says which rule refused."""

    def __init__(self, why: str, message: str) -> None:
        super().__init__(message)
        self.why = why


def _recorded(
    tx: Transaction, idea_id: int, actor: str, action: str, before: str, reason: str, now: str
) -> StatusChange:
    """After a status change, in its transaction: the audit row, and for an author who agreed
    to contact the notice of the decision (the outbox), so neither can go missing."""
    row = tx.execute("SELECT * FROM ideas WHERE id = ?", (idea_id,)).fetchone()
    idea = idea_from_row(row)
    tx.execute(
        "INSERT INTO moderation_audit (idea_id, actor, action, status_before, "
        "status_after, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (idea_id, actor, action, before, idea.status, reason, now),
    )
    if idea.contact_ok and idea.status in KINDS:
        enqueue(
            tx,
            idea.id,
            idea.author_id,
            idea.status,
            reason=(idea.moderation_reason or "") if idea.status == "rejected" else "",
            original=idea.duplicate_of,
        )
    return StatusChange(idea=idea, changed=True, before=before)


def pseudonym(secret: str, user_id: int) -> str:
    """A stable label for an author that does not reveal the Telegram id."""
    digest = hmac.new(secret.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"inwoner-{digest[:8]}"


class ModerationStore:
    """Review queue, race-safe status changes with an audit row each, stats and exports."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def next_pending(self, skip: set[int] | None = None) -> Idea | None:
        """The oldest pending idea not in ``skip``."""
        skip = skip or set()
        marks = ",".join("?" * len(skip))
        where = f" AND id NOT IN ({marks})" if skip else ""
        row = self.db.execute(
            # only '?' placeholders are interpolated, the values are bound (bandit B608)
            f"SELECT * FROM ideas WHERE status = 'pending'{where} ORDER BY id LIMIT 1",  # nosec B608
            tuple(skip),
        ).fetchone()
        return idea_from_row(row) if row else None

    def pending_count(self) -> int:
        """How many ideas wait for review."""
        return int(
            self.db.execute("SELECT COUNT(*) FROM ideas WHERE status = 'pending'").fetchone()[0]
        )

    def set_status(
        self,
        idea_id: int,
        new_status: str,
        actor: str,
        *,
        reason: str = "",
        expected: str | None = "pending",
    ) -> StatusChange:
        """Change an idea's status if it still has ``expected`` (None: any other status).

        Two moderators pressing at once: the second finds the status changed and gets
        ``changed=False``; nothing is written twice. Every change writes an audit row in the
        same transaction.
        """
        if new_status == "duplicate":
            raise ValueError("a duplicate needs the idea it joins: use mark_duplicate")
        if new_status not in STATUSES:
            raise ValueError(f"unknown status '{new_status}' (allowed: {', '.join(STATUSES)})")
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM ideas WHERE id = ?", (idea_id,)).fetchone()
            if row is None:
                return StatusChange(idea=None, changed=False)
            before = row["status"]
            if before == new_status or (expected is not None and before != expected):
                return StatusChange(idea=idea_from_row(row), changed=False, before=before)
            now = utcnow()
            # Conditional on the status read: a concurrent moderator's change makes it a no-op.
            updated = conn.execute(
                "UPDATE ideas SET status = ?, updated_at = ?, moderated_by = ?, "
                "moderated_at = ?, moderation_reason = ? WHERE id = ? AND status = ?",
                (new_status, now, actor, now, reason, idea_id, before),
            ).rowcount
            if updated == 0:
                current = conn.execute("SELECT * FROM ideas WHERE id = ?", (idea_id,)).fetchone()
                return StatusChange(idea=idea_from_row(current), changed=False, before=before)
            action = next((a for a, s in ACTIONS.items() if s == new_status), "set-" + new_status)
            return _recorded(conn, idea_id, actor, action, before, reason, now)

    def mark_duplicate(
        self, idea_id: int, of_id: int, actor: str, *, expected: str | None = "pending"
    ) -> StatusChange:
        """Mark an idea as a duplicate of another (status 'duplicate', ``duplicate_of``, an
        audit row), like ``set_status``: a second press or another moderator changes nothing.

        It joins the original: marked against an idea that is itself a duplicate, it points to
        that one's original. ``DuplicateRefused`` (a ValueError, its ``why`` a key for the
        moderator's message) for itself, an unknown idea, one that leads back, a hidden or
        rejected original, or one on another theme: Telegram, the CLI and the console refuse
        exactly the same.
        """
        with self.db.transaction() as conn:
            row = conn.execute("SELECT * FROM ideas WHERE id = ?", (idea_id,)).fetchone()
            if row is None:
                return StatusChange(idea=None, changed=False)
            target, seen = of_id, {idea_id}
            while True:
                if target in seen:
                    raise DuplicateRefused("loop", f"idea {of_id} leads back to idea {idea_id}")
                seen.add(target)
                other = conn.execute(
                    "SELECT status, duplicate_of, theme FROM ideas WHERE id = ?", (target,)
                ).fetchone()
                if other is None:
                    raise DuplicateRefused("unknown", f"there is no idea {of_id}")
                if other["status"] != "duplicate" or other["duplicate_of"] is None:
                    break
                target = int(other["duplicate_of"])
            if other["status"] in ("hidden", "rejected"):
                raise DuplicateRefused(
                    "not_visible", f"idea {target} is {other['status']}: an idea cannot join it"
                )
            if other["theme"] != row["theme"]:
                raise DuplicateRefused(
                    "other_theme",
                    f"idea {target} is on another theme ({other['theme']}, not {row['theme']})",
                )
            before = row["status"]
            if before == "duplicate" or (expected is not None and before != expected):
                return StatusChange(idea=idea_from_row(row), changed=False, before=before)
            now = utcnow()
            updated = conn.execute(
                "UPDATE ideas SET status = 'duplicate', duplicate_of = ?, updated_at = ?, "
                "moderated_by = ?, moderated_at = ?, moderation_reason = ? "
                "WHERE id = ? AND status = ?",
                (target, now, actor, now, f"#{target}", idea_id, before),
            ).rowcount
            if updated == 0:
                current = conn.execute("SELECT * FROM ideas WHERE id = ?", (idea_id,)).fetchone()
                return StatusChange(idea=idea_from_row(current), changed=False, before=before)
            return _recorded(conn, idea_id, actor, "duplicate", before, f"#{target}", now)

    def audit(self, limit: int = 1000) -> list[AuditEntry]:
        """The newest audit rows first."""
        rows = self.db.execute(
            "SELECT * FROM moderation_audit ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [AuditEntry(**dict(r)) for r in rows]

    def ideas(
        self, *, theme: str | None = None, statuses: tuple[str, ...] = VISIBLE
    ) -> list[Idea]:
        """Ideas filtered by theme and status; hidden and rejected only when asked for."""
        marks = ",".join("?" * len(statuses))
        # only '?' placeholders are interpolated, the values are bound (bandit B608)
        sql = f"SELECT * FROM ideas WHERE status IN ({marks})"  # nosec B608
        args: list[Any] = list(statuses)
        if theme:
            sql += " AND theme = ?"
            args.append(theme)
        return [idea_from_row(r) for r in self.db.execute(sql + " ORDER BY id", args).fetchall()]

    def stats(self, today: dt.date | None = None) -> Stats:
        """Ideas per theme and status, visible ideas per day (14 days), questions, feedback."""
        conn = self.db
        table: dict[str, dict[str, int]] = {}
        for row in conn.execute(
            "SELECT theme, status, COUNT(*) AS n FROM ideas GROUP BY theme, status"
        ):
            table.setdefault(row["theme"], dict.fromkeys(STATUSES, 0))[row["status"]] = row["n"]
        today = today or dt.datetime.now(dt.UTC).date()
        days = [(today - dt.timedelta(days=n)).isoformat() for n in range(13, -1, -1)]
        counts = dict(
            conn.execute(
                "SELECT substr(created_at, 1, 10) AS day, COUNT(*) FROM ideas WHERE status IN "
                "('pending', 'approved') AND created_at >= ? GROUP BY day",
                (days[0],),
            ).fetchall()
        )
        total, answered, up, down = QuestionLog(self.db).totals()
        ages = dict(
            conn.execute(
                "SELECT age_group, COUNT(*) FROM ideas WHERE status IN ('pending', 'approved') "
                "AND age_group <> '' GROUP BY age_group"
            ).fetchall()
        )
        return Stats(
            per_theme_status=table,
            per_age_group={str(k): int(v) for k, v in ages.items()},
            per_day=[(d, int(counts.get(d, 0))) for d in days],
            questions=total,
            answered=answered,
            votes_up=up,
            votes_down=down,
        )
