"""The database on both backends: migrations, atomic transactions, idempotent ideas."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import StorageError
from assistant.ideas.model import Draft, problem_with_text
from assistant.store import Database
from assistant.store.ideas import IdeaStore
from assistant.store.migrations import MIGRATIONS
from assistant.store.moderation import ModerationStore

# What has shipped: a migration is never renumbered or renamed (a deployed database records
# these pairs and would apply a renumbered one twice, or skip a new one).
SHIPPED = [
    (1, "m001_create_questions_feedback_prefs"),
    (2, "m002_create_ideas_drafts_conversations"),
    (3, "m003_create_moderation_audit"),
    (4, "m004_draft_is_the_conversation_state"),
    (5, "m005_duplicate_status_and_idea_vectors"),
    (6, "m006_idea_numbers_never_reused_and_notices_outbox"),
    (7, "m007_draft_state_in_one_value_and_age_group"),
    (8, "m008_questions_keep_their_answer"),
]


def test_shipped_migrations_keep_their_numbers_and_names() -> None:
    assert [(m.version, m.name) for m in MIGRATIONS][: len(SHIPPED)] == SHIPPED
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_migrations_recorded_once(database_url: str) -> None:
    db = Database(database_url).open()
    assert db.applied_migrations() == [m.name for m in MIGRATIONS]
    db.close()
    again = Database(database_url).open()  # re-opening applies nothing twice
    assert again.applied_migrations() == [m.name for m in MIGRATIONS]
    again.close()


def test_sqlite_pragmas(tmp_path: Path) -> None:
    db = Database(tmp_path / "pragmas.sqlite3").open()
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_transaction_rolls_back(database_url: str) -> None:
    db = Database(database_url).open()
    with pytest.raises(RuntimeError), db.transaction() as tx:
        tx.execute("INSERT INTO prefs VALUES (1, 'nl', 'now')")
        raise RuntimeError("half-way")
    assert db.execute("SELECT COUNT(*) FROM prefs").fetchone()[0] == 0
    db.close()


def test_telegram_ids_beyond_32_bits(database_url: str) -> None:
    db = Database(database_url).open()
    store = IdeaStore(db)
    big = 7_000_000_000_123
    idea, _ = store.submit(
        big, Draft(theme="ai-voor-iedereen", text="Een groot id werkt ook"), f"{big}:1"
    )
    assert store.by_author(big)[0].id == idea.id and idea.author_id == big
    db.close()


def test_submit_is_idempotent_and_removes_draft(database_url: str) -> None:
    db = Database(database_url).open()
    store = IdeaStore(db)
    draft = Draft(theme="preventiecoalitie", text="Een idee voor de buurt", contact_ok=True)
    store.save_draft(5, 5, draft)
    first, created = store.submit(5, draft, "5:10", "Anna")
    again, created_again = store.submit(5, draft, "5:10", "Anna")
    assert created and not created_again and first == again
    assert store.draft(5) is None
    assert first.contact_name == "Anna"
    assert db.execute("SELECT COUNT(*) FROM ideas").fetchone()[0] == 1
    db.close()


def test_status_change_is_conditional_and_audited(database_url: str) -> None:
    db = Database(database_url).open()
    ideas, moderation = IdeaStore(db), ModerationStore(db)
    idea, _ = ideas.submit(
        9, Draft(theme="preventiecoalitie", text="Meer sport in de wijk"), "9:1"
    )
    first = moderation.set_status(idea.id, "approved", "a")
    second = moderation.set_status(idea.id, "hidden", "b")  # expects pending: too late
    assert first.changed and not second.changed
    assert second.idea is not None and second.idea.status == "approved"
    assert [(e.actor, e.status_after) for e in moderation.audit()] == [("a", "approved")]
    db.close()


def test_bad_database_url_is_one_clear_error() -> None:
    with pytest.raises(StorageError, match="sqlite:/// or postgresql://"):
        Database("mysql://nope")
    with pytest.raises(StorageError, match="cannot open the database"):
        Database("postgresql://nobody@127.0.0.1:1/none").open()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "no_words"),
        ("kort", "too_short"),
        ("x" * 2001, "too_long"),
        ("👍" * 10, "no_words"),
        ("https://www.example.com/heel-lang-pad", "only_link"),
        ("zie www.x.nl !!", "only_link"),
        ("Meer groen in de wijk", None),
        ("Bekijk https://x.nl voor mijn plan voor de wijk", None),
    ],
)
def test_text_rules(text: str, problem: str | None) -> None:
    assert problem_with_text(text) == problem


def test_corrupted_database_is_one_clear_error_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "broken.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    with pytest.raises(StorageError, match=r"cannot open the database \(sqlite\): DatabaseError"):
        Database(path).open()
    assert path.read_bytes() == garbage  # nothing overwritten: it can still be rescued
