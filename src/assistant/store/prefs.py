"""Residents' language choice, by Telegram user id (deleted by /vergeetmij)."""

from __future__ import annotations

from assistant.store.db import Database, utcnow


class Preferences:
    """Remembered language per user."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def language(self, user_id: int) -> str | None:
        """The language the user chose, if any."""
        row = self.db.execute("SELECT lang FROM prefs WHERE user_id = ?", (user_id,)).fetchone()
        return str(row[0]) if row else None

    def set_language(self, user_id: int, lang: str) -> None:
        """Remember the user's language."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO prefs VALUES (?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                "SET lang = excluded.lang, updated_at = excluded.updated_at",
                (user_id, lang, utcnow()),
            )

    def forget(self, user_id: int) -> int:
        """Delete the user's preferences; returns the number of rows removed."""
        with self.db.transaction() as conn:
            return conn.execute("DELETE FROM prefs WHERE user_id = ?", (user_id,)).rowcount
