"""A read-only or unreachable database: one clear line at start; during a run, residents still
get answers, are told honestly that nothing can be saved, and lose nothing once it is back.

Each outage is real: a SQLite file and folder the bot may not write (as root, the bot process
runs without the capabilities that let root ignore permissions), a SQLite write lock held by
another process, and a PostgreSQL database switched to read-only with the bot's connection cut.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from assistant.bot import texts
from assistant.bot.app import IDEA_GROUP
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.store.db import Database
from tests.conftest import KNOWLEDGE, POSTGRES_ADMIN_URL, services_of
from tests.support import IDEA, rows, walk

WHO = Resident(id=701, first_name="Noor", language_code="nl")
OTHER = Resident(id=702, first_name="Sam", language_code="en")


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


# Root ignores file permissions through these capabilities; without them they bind.
AS_PLAIN_USER = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    path.mkdir()
    yield path
    path.chmod(0o755)  # let pytest clean up


def run_bot(data_dir: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    """`assistant run` as its own process, with a token and an unreachable Bot API."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(data_dir),
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_DATABASE_URL": database_url,
        "ASSISTANT_KNOWLEDGE_DIR": str(KNOWLEDGE),
        "HF_HUB_OFFLINE": "1",
        "TELEGRAM_BOT_TOKEN": "123456:secret-token-value",
        "TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
    }
    prefix = AS_PLAIN_USER if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, str(Path(sys.executable).parent / "assistant"), "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_read_only_database_at_start_is_one_clear_line(database_url: str, data_dir: Path) -> None:
    Database(database_url).open().close()  # the schema exists: only writing is refused
    if database_url.startswith("sqlite"):
        path = data_dir / "assistant.sqlite3"
        shutil.copy(Path(database_url.removeprefix("sqlite:///")), path)
        database_url = f"sqlite:///{path}"
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        path.chmod(0o444)
        data_dir.chmod(0o555)
        expected = "the database is read-only for this user"
    else:
        admin(
            f'ALTER DATABASE "{database_name(database_url)}" '
            "SET default_transaction_read_only = on"
        )
        expected = "the PostgreSQL database is read-only"
    done = run_bot(data_dir, database_url)
    err = done.stderr.strip()
    assert done.returncode == 1, err
    assert err.startswith(f"error: {expected}") and "\n" not in err
    assert "secret-token-value" not in done.stdout + done.stderr
    if database_url.startswith("sqlite"):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


class Outage:
    """Makes the bot's database refuse writes, for real, and ends that again.

    "lock": another session holds write locks (a backup, a stuck script); reads still work and
    the bot's writes fail after its lock timeout, shortened here from 10 s.
    "read-only" (PostgreSQL): the database turns read-only and the bot's connection is cut, as
    in a failover; the bot reconnects to a database it can neither migrate nor write.
    """

    TABLES = "ideas, drafts, questions"

    def __init__(self, telegram: LocalTelegram, kind: str) -> None:
        self.db = services_of(telegram).db
        self.kind = kind
        self.holder: Any = None

    def start(self) -> None:
        if self.kind == "lock" and self.db.dialect == "sqlite":
            self.db.conn.execute("PRAGMA busy_timeout = 200")
            self.holder = sqlite3.connect(str(self.db.path), isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")
        elif self.kind == "lock":
            import psycopg

            self.db.conn.execute("SET lock_timeout = '200ms'")
            self.holder = psycopg.connect(self.db.url)
            self.holder.execute(f"LOCK TABLE {self.TABLES} IN EXCLUSIVE MODE")
        else:
            name = database_name(self.db.url)
            admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            )

    def end(self) -> None:
        if self.holder is not None:
            self.holder.rollback() if self.db.dialect == "postgresql" else self.holder.execute(
                "ROLLBACK"
            )
            self.holder.close()
        else:
            admin(
                f'ALTER DATABASE "{database_name(self.db.url)}" '
                "RESET default_transaction_read_only"
            )


async def test_outage_during_a_submission_loses_nothing(telegram: LocalTelegram) -> None:
    summary = await walk(telegram, WHO, "Regionale preventiecoalitie", IDEA)
    db = services_of(telegram).db
    outage = Outage(telegram, "lock" if db.dialect == "sqlite" else "read-only")
    outage.start()
    try:
        sorry = await telegram.press(WHO, summary, "send")
        # Told honestly, in their language, that it was not saved; the button stops spinning.
        assert [m.text for m in sorry] == [texts.html("nl", "storage_unavailable")]
        assert telegram.callback_answer() is not None
        assert [d for _, d in summary.buttons] == ["send", "edit", "cancel"]

        # Another resident's questions are still answered (without the feedback buttons that
        # need the question log).
        [answer] = await telegram.send(OTHER, "What is Local for Local about?")
        assert "Local for Local" in answer.text
        assert all(not data.startswith(("fb:", "more:")) for _, data in answer.buttons)
    finally:
        outage.end()

    assert rows(telegram, "SELECT * FROM ideas") == []  # nothing half-written
    replies = await telegram.press(WHO, summary, "send")  # the same summary, pressed again
    [idea] = rows(telegram, "SELECT * FROM ideas")
    assert f"#{idea['id']}" in replies[-1].text
    assert idea["text"] == IDEA and idea["author_id"] == WHO.id
    assert rows(telegram, "SELECT * FROM drafts") == []

    [again] = await telegram.send(OTHER, "What is Local for Local about?")  # with buttons
    assert any(data.startswith("fb:") for _, data in again.buttons)


async def test_a_step_taken_just_before_an_outage_is_not_undone(telegram: LocalTelegram) -> None:
    """The resident's step is saved, then the outage starts before the update is done: the bot
    must go on from that step. (Until issue 15 the conversation state was written apart from
    the draft, after the handlers, and an outage in between reset the resident to the state
    the database still held; the draft is now the only state, so the step either is saved
    with it or the resident is told it was not.)"""
    outage = Outage(telegram, "lock")

    async def outage_starts(update: object, context: object) -> None:
        if outage.holder is None:
            outage.start()

    # Starts as the /idee update's handling ends: after the draft and its step were written.
    [router] = telegram.app.handlers[IDEA_GROUP]
    route = router.callback

    async def route_then_outage(update: object, context: Any) -> None:
        try:
            await route(update, context)
        finally:
            await outage_starts(update, context)

    router.callback = route_then_outage
    [choice] = await telegram.send(WHO, "/idee")
    router.callback = route
    try:
        [sorry] = await telegram.press(WHO, choice, "theme:preventiecoalitie")
        assert sorry.text == texts.html("nl", "storage_unavailable")
    finally:
        outage.end()
    # Back: the theme button works now, and the idea text lands as the idea text.
    [prompt] = await telegram.press(WHO, choice, "theme:preventiecoalitie")
    assert "10" in prompt.text and "2000" in prompt.text
    await telegram.send(WHO, IDEA)
    [draft] = rows(telegram, "SELECT * FROM drafts")
    assert IDEA in str(draft["data"])
    assert json.loads(str(draft["data"])).get("mode", "") == ""  # asking, no menu open
