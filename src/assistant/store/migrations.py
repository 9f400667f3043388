"""Numbered schema migrations, applied in order and recorded in ``schema_migrations``.

Never edit a migration that has shipped: add the next number.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (1, "m001_create_questions_feedback_prefs", """
        CREATE TABLE prefs (
            user_id    INTEGER PRIMARY KEY,
            lang       TEXT NOT NULL CHECK (lang IN ('nl', 'en')),
            updated_at TEXT NOT NULL
        );
        -- Questions are stored without any user id: for "more results", feedback and the
        -- maintainers' report of what content is missing.
        CREATE TABLE questions (
            id         INTEGER PRIMARY KEY,
            text       TEXT NOT NULL,
            lang       TEXT NOT NULL,
            answered   INTEGER NOT NULL CHECK (answered IN (0, 1)),
            confidence REAL NOT NULL,
            hits       TEXT NOT NULL,  -- JSON list of the passage ids shown, best first
            created_at TEXT NOT NULL
        );
        CREATE INDEX questions_answered ON questions (answered, created_at);
        CREATE TABLE feedback (
            id          INTEGER PRIMARY KEY,
            question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
            passage_id  TEXT NOT NULL,
            vote        INTEGER NOT NULL CHECK (vote IN (-1, 1)),
            created_at  TEXT NOT NULL,
            UNIQUE (question_id, passage_id)
        );
    """),
]
