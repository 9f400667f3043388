"""The SQLite database: opened safely (WAL, synchronous=FULL, foreign keys, busy timeout),
migrated on open, and used from one worker thread so the event loop never blocks on disk.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from assistant.errors import StorageError
from assistant.store.migrations import MIGRATIONS

P = ParamSpec("P")
T = TypeVar("T")


def utcnow() -> str:
    """Now, as ISO 8601 UTC text (what every *_at column holds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (comments may hold semicolons)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines():
        code = line.split("--", 1)[0]
        if not code.strip():
            continue
        buffer += code + "\n"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StorageError(f"incomplete SQL statement in a migration: {buffer.strip()[:60]}")
    return statements


class Database:
    """One SQLite file. Sync methods of the stores run on ``conn``; the bot calls them through
    ``call`` so that they run, one at a time, on the database's own thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")
        self._conn: sqlite3.Connection | None = None

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, opened (and migrated) on first use, again after ``close``."""
        if self._conn is None:
            self.open()
        assert self._conn is not None
        return self._conn

    def open(self) -> Database:
        """Open (creating the file and directory if needed) and apply pending migrations."""
        if self._conn is not None:
            return self
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, check_same_thread=False,
                                   isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # an acknowledged idea survives power loss
            conn.execute("PRAGMA foreign_keys = ON")
            self._conn = conn
            self._migrate()
        except sqlite3.Error as exc:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            raise StorageError(f"cannot open the database {self.path}: {exc}") from exc
        return self

    def _migrate(self) -> None:
        conn = self._conn
        assert conn is not None
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in MIGRATIONS:
            if version in done:
                continue
            with self.transaction():
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)",
                             (version, name, utcnow()))

    def transaction(self) -> _Transaction:
        """``with db.transaction():`` runs its statements atomically (BEGIN IMMEDIATE)."""
        if self._conn is None:
            self.open()
        assert self._conn is not None
        return _Transaction(self._conn)

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store method on the database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))

    def applied_migrations(self) -> list[str]:
        """Names of the applied migrations, in order."""
        return [r[0] for r in self.conn.execute(
            "SELECT name FROM schema_migrations ORDER BY version")]

    def close(self) -> None:
        """Close the connection and stop the worker thread."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        self._executor.shutdown(wait=True)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite")


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
