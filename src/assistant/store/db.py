"""The database, by URL: SQLite (default) or PostgreSQL, behind one small interface.

``execute`` runs one statement (autocommit), ``transaction()`` groups statements atomically;
both take SQL with ``?`` placeholders and return rows that work by index and by column name.
SQLite is opened safely (WAL, synchronous=FULL, foreign keys, busy timeout); PostgreSQL commits
durably by default. Migrations (each with its own SQL per dialect) are applied on open (under
an advisory lock on PostgreSQL, so replicas starting together do not race). The bot calls stores
through ``call``, which runs them one at a time on the database's own thread: the event loop
never blocks on disk or network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, Protocol, TypeVar

from assistant.errors import StorageError, StorageUnavailable
from assistant.store.migrations import MIGRATIONS

P = ParamSpec("P")
T = TypeVar("T")
MIGRATION_LOCK = 727_001  # pg_advisory_lock key


def utcnow() -> str:
    """Now, as ISO 8601 UTC text (what every *_at column holds)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Cursor(Protocol):
    """What ``execute`` returns: a DB-API cursor."""

    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Row(tuple[Any, ...]):
    """A result row readable as ``row[0]`` and ``row["column"]`` (like sqlite3.Row)."""

    _names: Sequence[str]

    def __new__(cls, names: Sequence[str], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row._names = names
        return row

    def keys(self) -> Sequence[str]:
        return self._names

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, list(self._names).index(key))
        return tuple.__getitem__(self, key)


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


def read_only(exc: BaseException) -> bool:
    """The database refused a write because it is read-only (file or folder permissions, a
    read-only mount, a PostgreSQL standby or read-only default)."""
    if isinstance(exc, sqlite3.OperationalError):
        return getattr(exc, "sqlite_errorname", "").startswith("SQLITE_READONLY")
    return getattr(exc, "sqlstate", None) == "25006"  # psycopg: read_only_sql_transaction


def _unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or written right now (read-only, locked, disk full,
    connection lost), as opposed to a wrong statement or a constraint: worth telling the
    resident to try again later."""
    if isinstance(exc, StorageError | sqlite3.OperationalError) or read_only(exc):
        return True
    psycopg = sys.modules.get("psycopg")  # loaded only when a PostgreSQL URL is used
    return psycopg is not None and isinstance(exc, psycopg.OperationalError)


def sqlite_url(path: Path) -> str:
    """The URL of a SQLite file."""
    return f"sqlite:///{path}"


class Database:
    """One database, by URL (``sqlite:///path`` or ``postgresql://...``) or SQLite path."""

    def __init__(self, url: str | Path) -> None:
        self.url = sqlite_url(url) if isinstance(url, Path) else url
        if self.url.startswith("sqlite:///"):
            self.dialect = "sqlite"
            self.path: Path | None = Path(self.url.removeprefix("sqlite:///"))
        elif self.url.startswith(("postgresql://", "postgres://")):
            self.dialect = "postgresql"
            self.path = None
        else:
            raise StorageError("the database URL must start with sqlite:/// or postgresql://")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self._conn: Any = None
        self.integrity_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    # --- connection ----------------------------------------------------------------------------
    @property
    def conn(self) -> Any:
        """The underlying connection, opened (and migrated) on first use, again after close."""
        if self._conn is None:
            self.open()
        return self._conn

    def open(self) -> Database:
        """Connect and apply pending migrations."""
        if self._conn is not None:
            return self
        try:
            if self.dialect == "sqlite":
                self._conn = self._open_sqlite()
            else:
                self._conn = self._open_postgres()
            self._migrate()
        except StorageError:
            self._drop()
            raise
        except Exception as exc:  # sqlite3.Error, psycopg.Error, OSError: one clear message
            self._drop()
            if read_only(exc):
                raise StorageError(self._read_only_message(exc)) from exc
            first_line = (str(exc).splitlines() or [""])[0]
            raise StorageError(
                f"cannot open the database ({self.dialect}): {type(exc).__name__}: {first_line}"
            ) from exc
        return self

    def _read_only_message(self, exc: Exception) -> str:
        if self.dialect == "postgresql":
            return (
                "the PostgreSQL database is read-only (a standby, or "
                "default_transaction_read_only is on): the assistant stores questions and "
                "ideas, so point ASSISTANT_DATABASE_URL at the primary server"
            )
        folder = getattr(exc, "sqlite_errorname", "") == "SQLITE_READONLY_DIRECTORY"
        return (
            f"the database is read-only for this user ({self.path}): the assistant stores "
            "questions and ideas, so it needs write access to "
            + ("the folder the database is in" if folder else "the database file")
            + "; nothing in it was changed"
        )

    def _open_sqlite(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=10, check_same_thread=False, isolation_level=None
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")  # an acknowledged idea survives power loss
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")  # erased rows are overwritten, not left over
        return conn

    def purge(self, tables: Sequence[str]) -> None:
        """After deleting personal data from ``tables``: leave no copy in the database's files.

        SQLite overwrites deleted rows (secure_delete) but keeps them in the write-ahead log
        until a checkpoint, so the log is folded in and emptied. PostgreSQL keeps deleted and
        updated rows as dead tuples in the table file even after a plain VACUUM, so the tables
        are rewritten (VACUUM FULL; a short exclusive lock, fine for a daily retention and the
        rare erasure). What no database command reaches is said in docs/privacy.md: PostgreSQL's
        write-ahead segments until they are recycled, and backups until they expire.
        """
        if self.dialect == "sqlite":
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        for table in tables:
            if not table.isidentifier():
                raise ValueError(f"not a table name: {table!r}")
            self.execute(f"VACUUM FULL {table}")

    def _open_postgres(self) -> Any:
        import psycopg

        def rows(cursor: Any) -> Callable[[Sequence[Any]], Row]:
            names = [c.name for c in cursor.description or ()]
            return lambda values: Row(names, values)

        self.integrity_errors = (psycopg.errors.IntegrityError,)
        conn = psycopg.connect(self.url, autocommit=True, row_factory=rows, connect_timeout=10)
        # Like SQLite's busy timeout: a write blocked by another session's lock fails after
        # 10 s instead of stalling the database thread, and with it the whole bot.
        conn.execute("SET lock_timeout = '10s'")
        return conn

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _migrate(self) -> None:
        self.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        with self.transaction() as tx:
            if self.dialect == "postgresql":
                tx.execute(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            done = {row[0] for row in tx.execute("SELECT version FROM schema_migrations")}
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                for statement in _statements(migration.script(self.dialect)):
                    tx.execute(statement)
                tx.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.version, migration.name, utcnow()),
                )

    # --- statements ----------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run one statement on its own (committed at once)."""
        try:
            return self.conn.execute(self._sql(sql), tuple(params))  # type: ignore[no-any-return]
        except Exception:
            self._forget_broken_connection()
            raise

    def _forget_broken_connection(self) -> None:
        """After a lost PostgreSQL connection (server restart, failover), connect afresh on
        the next call instead of failing on the dead one forever."""
        if self.dialect == "postgresql" and self._conn is not None and self._conn.broken:
            self._drop()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """``with db.transaction() as tx: tx.execute(...)``: all or nothing."""
        conn = self.conn
        if self.dialect == "postgresql":
            try:
                with conn.transaction():
                    yield Transaction(self)
            except Exception:
                self._forget_broken_connection()
                raise
            return
        conn.execute("BEGIN IMMEDIATE")  # writers queue here, not half-way through
        try:
            yield Transaction(self)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    async def call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store method on the database thread and await its result; an outage (see
        ``_unavailable``) comes out as ``StorageUnavailable``, whatever the backend."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, lambda: fn(*args, **kwargs))
        except StorageUnavailable:
            raise
        except Exception as exc:
            if _unavailable(exc):
                raise StorageUnavailable(
                    f"the database is unavailable: {type(exc).__name__}"
                ) from exc
            raise

    def applied_migrations(self) -> list[str]:
        """Names of the applied migrations, in order."""
        return [
            r[0]
            for r in self.execute("SELECT name FROM schema_migrations ORDER BY version").fetchall()
        ]

    def close(self) -> None:
        """Close the connection and stop the worker thread."""
        self._executor.shutdown(wait=True)
        self._drop()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")


class Transaction:
    """The statements of one transaction (same placeholders as ``Database.execute``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        """Run a statement inside the transaction."""
        return self.db.conn.execute(self.db._sql(sql), tuple(params))  # type: ignore[no-any-return]
