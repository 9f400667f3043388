"""The SQLite database: pragmas, numbered migrations, atomic transactions, idempotent ideas."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.store import Database
from assistant.store.ideas import Draft, IdeaStore, problem_with_text
from assistant.store.migrations import MIGRATIONS


def test_pragmas_and_migrations(tmp_path: Path) -> None:
    db = Database(tmp_path / "a.sqlite3").open()
    conn = db.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.applied_migrations() == [name for _, name, _ in MIGRATIONS]
    db.close()
    again = Database(tmp_path / "a.sqlite3").open()  # re-opening applies nothing twice
    assert again.applied_migrations() == [name for _, name, _ in MIGRATIONS]
    assert again.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    again.close()


def test_transaction_rolls_back(tmp_path: Path) -> None:
    db = Database(tmp_path / "b.sqlite3").open()
    with pytest.raises(RuntimeError), db.transaction() as conn:
        conn.execute("INSERT INTO prefs VALUES (1, 'nl', 'now')")
        raise RuntimeError("half-way")
    assert db.conn.execute("SELECT COUNT(*) FROM prefs").fetchone()[0] == 0
    db.close()


def test_submit_is_idempotent_and_removes_draft(tmp_path: Path) -> None:
    db = Database(tmp_path / "c.sqlite3").open()
    store = IdeaStore(db)
    draft = Draft(theme="preventiecoalitie", text="Een idee voor de buurt", contact_ok=True)
    store.save_draft(5, 5, draft)
    first, created = store.submit(5, draft, "5:10", "Anna")
    again, created_again = store.submit(5, draft, "5:10", "Anna")
    assert created and not created_again and first == again
    assert store.draft(5) is None
    assert first.contact_name == "Anna"
    assert db.conn.execute("SELECT COUNT(*) FROM ideas").fetchone()[0] == 1
    db.close()


@pytest.mark.parametrize(("text", "problem"), [
    ("", "no_words"), ("kort", "too_short"), ("x" * 2001, "too_long"), ("👍" * 10, "no_words"),
    ("https://www.example.com/heel-lang-pad", "only_link"), ("zie www.x.nl !!", "only_link"),
    ("Meer groen in de wijk", None), ("Bekijk https://x.nl voor mijn plan voor de wijk", None),
])
def test_text_rules(text: str, problem: str | None) -> None:
    assert problem_with_text(text) == problem
