"""The outbox of notices to idea authors: written with the decision, delivered with retries.

A moderation decision and the notice that tells its author about it are one transaction
(``enqueue`` runs inside the caller's), so no crash, failing screen edit or Telegram outage can
leave a decision without its notice. Whoever talks to Telegram (the bot) takes due notices
with ``claim`` (a claim expires, so a process that died mid-send leaves nothing stuck), and
reports back with ``delivered`` (the row goes) or ``retry_later`` (backing off).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assistant.store.db import Database, Transaction, utcnow

KINDS = ("approved", "rejected", "duplicate")
CLAIM_SECONDS = 120
# Seconds to wait after the 1st, 2nd, ... failed attempt; the last step repeats.
BACKOFF = (5, 30, 120, 600, 3600)
GIVE_UP_AFTER = dt.timedelta(days=14)  # a notice nobody could deliver for two weeks goes


@dataclass(frozen=True)
class Notice:
    """One notice waiting for delivery."""

    id: int
    idea_id: int
    recipient: int
    kind: str
    reason: str
    original: int | None
    created_at: str
    attempts: int


def _later(seconds: float, now: dt.datetime | None = None) -> str:
    moment = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds")


def enqueue(
    tx: Transaction,
    idea_id: int,
    recipient: int,
    kind: str,
    *,
    reason: str = "",
    original: int | None = None,
) -> None:
    """Write a notice inside the deciding transaction; due at once."""
    if kind not in KINDS:
        raise ValueError(f"no notice for '{kind}'")
    now = utcnow()
    tx.execute(
        "INSERT INTO notices (idea_id, recipient, kind, reason, original, created_at, due_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (idea_id, recipient, kind, reason, original, now, now),
    )


class NoticeStore:
    """The outbox: due notices, claimed by one process at a time."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, limit: int = 20, now: dt.datetime | None = None) -> list[Notice]:
        """Take up to ``limit`` due notices that no other process is sending right now."""
        moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM notices WHERE due_at <= ? AND claimed_until < ? "
                "ORDER BY id LIMIT ?",
                (moment, moment, limit),
            ).fetchall()
            taken: list[Notice] = []
            until = _later(CLAIM_SECONDS, now)
            for row in rows:
                claimed = tx.execute(
                    "UPDATE notices SET claimed_until = ? WHERE id = ? AND claimed_until < ?",
                    (until, row["id"], moment),
                ).rowcount
                if claimed:
                    taken.append(
                        Notice(
                            id=int(row["id"]),
                            idea_id=int(row["idea_id"]),
                            recipient=int(row["recipient"]),
                            kind=row["kind"],
                            reason=row["reason"],
                            original=row["original"],
                            created_at=row["created_at"],
                            attempts=int(row["attempts"]),
                        )
                    )
            return taken

    def delivered(self, notice_id: int) -> None:
        """Telegram took it (or it can never arrive): the notice goes."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM notices WHERE id = ?", (notice_id,))

    def retry_later(self, notice: Notice, now: dt.datetime | None = None) -> bool:
        """Count a failed attempt and release the claim until the next try; False when the
        notice is older than ``GIVE_UP_AFTER`` and was dropped instead."""
        moment = now or dt.datetime.now(dt.UTC)
        if moment - dt.datetime.fromisoformat(notice.created_at) > GIVE_UP_AFTER:
            self.delivered(notice.id)
            return False
        wait = BACKOFF[min(notice.attempts, len(BACKOFF) - 1)]
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE notices SET attempts = attempts + 1, due_at = ?, claimed_until = '' "
                "WHERE id = ?",
                (_later(wait, moment), notice.id),
            )
        return True

    def waiting(self) -> int:
        """How many notices wait (for /healthz-style figures and tests)."""
        return int(self.db.execute("SELECT COUNT(*) FROM notices").fetchone()[0])

    def next_due(self) -> str | None:
        """When the earliest waiting notice is due (ISO UTC), or None."""
        row = self.db.execute("SELECT MIN(due_at) FROM notices").fetchone()
        return str(row[0]) if row and row[0] else None
