"""Kill the bot process (SIGKILL) at random moments of idea submissions, many times: every idea
acknowledged to a resident is stored, intact; no half-written row; the database is sound. An
acknowledgement is the confirmation as the transport receives it (tests/crash_worker.py), and at
that moment a second connection must already find the idea.

Mutation tried: the SQLite COMMIT replaced by a no-op (confirmation before the commit): the
worker prints UNCOMMITTED and this test fails."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

from assistant.config import Settings
from assistant.retrieval.encoder import Encoder
from assistant.store.db import Database
from tests.conftest import REPO
from tests.crash_worker import idea_text
from tests.support import prebuild_index

# 8 in the suite; a soak run sets more: CRASH_KILLS=50 pytest tests/test_crash.py -s
KILLS = int(os.environ.get("CRASH_KILLS", "8"))


def _worker(
    env: dict[str, str], first: int, acks: list[tuple[int, int]], uncommitted: list[str]
) -> None:
    """Start a worker, kill it at a random moment after it is ready, collect its ACKs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", str(first), "500"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("READY"):
                ready.set()
            elif line.startswith("ACK"):
                _, rid, number = line.split()
                acks.append((int(rid), int(number)))
            elif line.startswith("UNCOMMITTED"):  # confirmed before the commit
                uncommitted.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert ready.wait(120), "the worker did not start"
    time.sleep(random.uniform(0.3, 2.5))
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    reader.join(10)
    assert process.stdout is not None
    process.stdout.close()


def test_sigkill_loses_no_acknowledged_idea(settings: Settings, encoder: Encoder) -> None:
    prebuild_index(settings, encoder)
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "ASSISTANT_DATABASE_URL": settings.database,
        "ASSISTANT_RATE_LIMIT": "false",
        "ASSISTANT_FLOOD_LIMIT": "10000",
    }
    random.seed(7)
    acks: list[tuple[int, int]] = []
    uncommitted: list[str] = []
    for kill in range(KILLS):
        _worker(env, 100_000 * (kill + 1), acks, uncommitted)
    assert uncommitted == []  # every confirmation left after its idea was committed
    assert len(acks) >= KILLS  # the kills landed in the middle of real work
    print(f"{KILLS} kills, {len(acks)} acknowledged ideas checked")
    db = Database(settings.database).open()
    try:
        for rid, number in acks:
            row = db.execute(
                "SELECT author_id, text, status FROM ideas WHERE id = ?", (number,)
            ).fetchone()
            assert row is not None, f"acknowledged idea #{number} is missing"
            assert (row[0], row[1], row[2]) == (rid, idea_text(rid), "pending")
        for row in db.execute("SELECT * FROM ideas").fetchall():  # no half-written idea
            assert row["text"] == idea_text(row["author_id"]) and row["submit_key"]
            assert json.loads(row["answers"]) == {"voor_wie": None, "samenwerking": None}
        for row in db.execute("SELECT data FROM drafts").fetchall():
            json.loads(row[0])  # every draft is whole
        if db.dialect == "sqlite":
            assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
