"""Numbered schema migrations, applied in order and recorded in ``schema_migrations``.

Never edit a migration that has shipped: add the next number. A migration is one script for
both databases (PostgreSQL gets it through ``db._postgres_ddl``), or a dict of one script per
dialect where they must differ (changing a CHECK constraint).
"""

from __future__ import annotations

# Pieces of migration 5 (the two dialects share them).
_IDEAS_COLUMNS = (
    "id, theme, text, answers, municipality, contact_ok, contact_name, author_id, lang, "
    "status, submit_key, created_at, updated_at, moderated_by, moderated_at, moderation_reason"
)
_IDEA_VECTORS = """
    -- One vector per idea (unit length, float32), with the encoder that made it; ``seq`` comes
    -- from counters.idea_vectors, taken with a row lock in the writing transaction, so rows
    -- commit in seq order and a replica can take in everything after the last seq it saw.
    CREATE TABLE idea_vectors (
        idea_id INTEGER NOT NULL PRIMARY KEY REFERENCES ideas (id) ON DELETE CASCADE,
        model   TEXT NOT NULL,
        vector  BLOB NOT NULL,
        seq     INTEGER NOT NULL
    );
    CREATE INDEX idea_vectors_seq ON idea_vectors (seq);
    CREATE TABLE counters (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    );
    INSERT INTO counters (name, value) VALUES ('idea_vectors', 0);
    -- bumped whenever idea vectors are deleted (/vergeetmij): the copies rebuild
    INSERT INTO counters (name, value) VALUES ('idea_vectors_removed', 0);
"""


MIGRATIONS: list[tuple[int, str, str | dict[str, str]]] = [
    (
        1,
        "m001_create_questions_feedback_prefs",
        """
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
    """,
    ),
    (
        2,
        "m002_create_ideas_drafts_conversations",
        """
    -- author_id is kept for notifications and deletion only; moderators see a pseudonym.
    CREATE TABLE ideas (
        id                INTEGER PRIMARY KEY,
        theme             TEXT NOT NULL,
        text              TEXT NOT NULL,
        answers           TEXT NOT NULL,  -- JSON object: follow-up question id -> answer
        municipality      TEXT NOT NULL DEFAULT '',
        contact_ok        INTEGER NOT NULL CHECK (contact_ok IN (0, 1)),
        contact_name      TEXT NOT NULL DEFAULT '',  -- only filled when contact_ok = 1
        author_id         INTEGER NOT NULL,
        lang              TEXT NOT NULL,
        status            TEXT NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'approved', 'rejected', 'hidden')),
        submit_key        TEXT NOT NULL UNIQUE,  -- chat and message of the Send button
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        moderated_by      TEXT,
        moderated_at      TEXT,
        moderation_reason TEXT
    );
    CREATE INDEX ideas_author ON ideas (author_id, created_at);
    CREATE INDEX ideas_status ON ideas (status, theme, created_at);
    CREATE TABLE drafts (
        user_id    INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL,
        data       TEXT NOT NULL,  -- JSON of the Draft
        updated_at TEXT NOT NULL
    );
    -- python-telegram-bot ConversationHandler states, written on every change.
    CREATE TABLE conversations (
        name       TEXT NOT NULL,
        chat_id    INTEGER NOT NULL,
        user_id    INTEGER NOT NULL,
        state      TEXT NOT NULL,  -- JSON
        updated_at TEXT NOT NULL,
        PRIMARY KEY (name, chat_id, user_id)
    );
""",
    ),
    (
        3,
        "m003_create_moderation_audit",
        """
    -- Every moderation action: who (moderator id or 'cli:<user>'), what, when, before/after.
    CREATE TABLE moderation_audit (
        id            INTEGER PRIMARY KEY,
        idea_id       INTEGER NOT NULL,
        actor         TEXT NOT NULL,
        action        TEXT NOT NULL,
        status_before TEXT NOT NULL,
        status_after  TEXT NOT NULL,
        reason        TEXT NOT NULL DEFAULT '',
        at            TEXT NOT NULL
    );
    CREATE INDEX moderation_audit_idea ON moderation_audit (idea_id, at);
""",
    ),
    (
        4,
        "m004_draft_is_the_conversation_state",
        """
    -- Where the resident is in the idea conversation lives on the draft alone: its step (in
    -- data), and here whether a menu is open ('edit', 'resume'), the conversation was left with
    -- the draft kept ('parked'), or the draft's step is awaiting an answer (''). Drafts of a
    -- running deployment carry over the python-telegram-bot state they had, so a resident in
    -- the middle of an idea goes on where they were.
    ALTER TABLE drafts ADD COLUMN mode TEXT NOT NULL DEFAULT '';
    UPDATE drafts SET mode = 'parked' WHERE NOT EXISTS (
        SELECT 1 FROM conversations c
        WHERE c.name = 'idea' AND c.chat_id = drafts.chat_id AND c.user_id = drafts.user_id
    );
    UPDATE drafts SET mode = 'edit' WHERE EXISTS (
        SELECT 1 FROM conversations c
        WHERE c.name = 'idea' AND c.chat_id = drafts.chat_id AND c.user_id = drafts.user_id
        AND c.state = '"edit"'
    );
    UPDATE drafts SET mode = 'resume' WHERE EXISTS (
        SELECT 1 FROM conversations c
        WHERE c.name = 'idea' AND c.chat_id = drafts.chat_id AND c.user_id = drafts.user_id
        AND c.state = '"resume"'
    );
    DROP TABLE conversations;
""",
    ),
    (
        5,
        "m005_duplicate_status_and_idea_vectors",
        {
            # SQLite cannot change a CHECK constraint: the table is rebuilt, rows and ids kept.
            "sqlite": """
    CREATE TABLE ideas_new (
        id                INTEGER PRIMARY KEY,
        theme             TEXT NOT NULL,
        text              TEXT NOT NULL,
        answers           TEXT NOT NULL,
        municipality      TEXT NOT NULL DEFAULT '',
        contact_ok        INTEGER NOT NULL CHECK (contact_ok IN (0, 1)),
        contact_name      TEXT NOT NULL DEFAULT '',
        author_id         INTEGER NOT NULL,
        lang              TEXT NOT NULL,
        status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                          ('pending', 'approved', 'rejected', 'hidden', 'duplicate')),
        submit_key        TEXT NOT NULL UNIQUE,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        moderated_by      TEXT,
        moderated_at      TEXT,
        moderation_reason TEXT,
        duplicate_of      INTEGER
    );
    INSERT INTO ideas_new (@COLUMNS) SELECT @COLUMNS FROM ideas;
    DROP TABLE ideas;
    ALTER TABLE ideas_new RENAME TO ideas;
    CREATE INDEX ideas_author ON ideas (author_id, created_at);
    CREATE INDEX ideas_status ON ideas (status, theme, created_at);
    @IDEA_VECTORS""",
            "postgresql": """
    ALTER TABLE ideas DROP CONSTRAINT ideas_status_check;
    ALTER TABLE ideas ADD CONSTRAINT ideas_status_check CHECK (status IN
        ('pending', 'approved', 'rejected', 'hidden', 'duplicate'));
    ALTER TABLE ideas ADD COLUMN duplicate_of INTEGER;
    @IDEA_VECTORS""",
        },
    ),
]
# Migration 5 shares its column list and vector tables between the dialects (plain text
# substitution of module constants: no value from outside ever reaches a migration).
_FIVE = MIGRATIONS[4][2]
assert isinstance(_FIVE, dict)
for _dialect, _script in _FIVE.items():
    _FIVE[_dialect] = _script.replace("@COLUMNS", _IDEAS_COLUMNS).replace(
        "@IDEA_VECTORS", _IDEA_VECTORS
    )
