"""Staff sign-in for the web console: single-use links, sessions, and the audit of both.

A link carries a random nonce; only its SHA-256 is stored, with who asked for it and until
when it is valid, so any replica accepts it once (consumed by one conditional UPDATE) and a
database leak gives no usable link. A session works the same way: the cookie holds a random
token, the database its hash, the person's id and the session's CSRF token. Whether the person
may still use the console (their current role) is not stored here: the console checks it on
every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from assistant.store.db import Database, utcnow

LINK_MINUTES = 15
SESSION_HOURS = 8


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _at(minutes: float, now: dt.datetime | None = None) -> str:
    moment = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=minutes)
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Session:
    """A signed-in staff member's session."""

    user_id: int
    csrf: str
    expires_at: str


class StaffStore:
    """Links, sessions and the console's audit."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def new_link(self, user_id: int, now: dt.datetime | None = None) -> str:
        """A fresh single-use nonce for this person, valid for LINK_MINUTES."""
        nonce = secrets.token_urlsafe(32)
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO console_links (nonce_hash, user_id, created_at, expires_at) "
                "VALUES (?, ?, ?, ?)",
                (_digest(nonce), user_id, utcnow(), _at(LINK_MINUTES, now)),
            )
        return nonce

    def use_link(self, nonce: str, now: dt.datetime | None = None) -> int | None:
        """The person a valid, unused link belongs to (and it is used up now), else None."""
        moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        with self.db.transaction() as tx:
            row = tx.execute(
                "UPDATE console_links SET used_at = ? WHERE nonce_hash = ? AND used_at IS NULL "
                "AND expires_at > ? RETURNING user_id",
                (moment, _digest(nonce), moment),
            ).fetchone()
        return int(row[0]) if row else None

    def new_session(self, user_id: int, now: dt.datetime | None = None) -> tuple[str, Session]:
        """Start a session; returns the cookie's token and the session."""
        token = secrets.token_urlsafe(32)
        session = Session(user_id, secrets.token_urlsafe(24), _at(SESSION_HOURS * 60, now))
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO console_sessions (token_hash, user_id, csrf, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (_digest(token), user_id, session.csrf, utcnow(), session.expires_at),
            )
        return token, session

    def session(self, token: str, now: dt.datetime | None = None) -> Session | None:
        """The session a cookie's token opens, unless it expired or ended."""
        moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        row = self.db.execute(
            "SELECT user_id, csrf, expires_at FROM console_sessions WHERE token_hash = ? "
            "AND expires_at > ?",
            (_digest(token), moment),
        ).fetchone()
        return Session(int(row[0]), str(row[1]), str(row[2])) if row else None

    def end_session(self, token: str) -> None:
        """Sign out."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM console_sessions WHERE token_hash = ?", (_digest(token),))

    def end_sessions_of(self, user_id: int) -> int:
        """End every session of a person (their role was taken away); returns how many."""
        with self.db.transaction() as tx:
            return int(
                tx.execute("DELETE FROM console_sessions WHERE user_id = ?", (user_id,)).rowcount
            )

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        """Record a sign-in or an action (actor: 'console:<id>'; never shown in the console)."""
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO console_audit (actor, action, detail, at) VALUES (?, ?, ?, ?)",
                (actor, action, detail[:500], utcnow()),
            )

    def forget_expired(self, now: dt.datetime | None = None) -> None:
        """Drop links and sessions that can no longer be used."""
        moment = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM console_links WHERE expires_at <= ?", (moment,))
            tx.execute("DELETE FROM console_sessions WHERE expires_at <= ?", (moment,))
