"""An operator's mistake is one clear line, never a traceback (issue 25, point 4), and the old
index keeps serving.

Found from outside: an ``http://`` webhook URL printed 103 lines and two tracebacks; the
webhook port or ASSISTANT_OPS_PORT already in use printed tracebacks; a ``*.yaml`` path in
knowledge/ that is a folder stopped /reindex at "Herindexeren gestart..." with the generic
apology, and made ``assistant index`` and ``assistant check`` print tracebacks.

Mutations tried (each turned a test red): no https check in ``Settings``; ``require_free_port``
without the ops port; ``_read_yaml`` without its folder check; ``content_hash`` reading a
folder; ``_swap_to_current`` swapping the index before loading the knowledge.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.bot import maintenance, texts
from assistant.config import Settings
from assistant.errors import KnowledgeError
from assistant.localbot.simulator import LocalTelegram
from assistant.service import rebuild
from tests.conftest import REPO, services_of
from tests.support import MAINTAINER


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    for word in words:
        assert word in lines[0]
    return lines[0]


def base_env(settings: Settings) -> dict[str, str]:
    return {
        "ASSISTANT_DATA_DIR": str(settings.data_dir),
        "ASSISTANT_DATABASE_URL": settings.database,
        "ASSISTANT_KNOWLEDGE_DIR": str(settings.knowledge_dir),
        "ASSISTANT_MODEL": settings.model,
        "TELEGRAM_BOT_TOKEN": "123456:NOT-A-REAL-TOKEN",
    }


def test_an_http_webhook_url_is_one_line(settings: Settings) -> None:
    env = base_env(settings) | {"ASSISTANT_WEBHOOK_URL": "http://bot.example.org"}
    one_line(run_cli(env, "run"), "ASSISTANT_WEBHOOK_URL", "https://")


@pytest.mark.parametrize("setting", ["ASSISTANT_OPS_PORT", "ASSISTANT_WEBHOOK_PORT"])
def test_a_port_in_use_is_one_line(settings: Settings, setting: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = base_env(settings) | {
            "ASSISTANT_WEBHOOK_URL": "https://bot.example.org",
            "ASSISTANT_WEBHOOK_LISTEN": "127.0.0.1",
            "ASSISTANT_OPS_PORT": "0",
            setting: str(port),
        }
        one_line(run_cli(env, "run"), setting, str(port))


def test_a_yaml_folder_in_knowledge_is_one_line(settings: Settings) -> None:
    (settings.knowledge_dir / "extra.yaml").mkdir()
    for command in ("check", "index"):
        one_line(run_cli(base_env(settings), command), "extra.yaml", "folder")


async def test_reindex_names_the_folder_and_keeps_serving(
    staffed: LocalTelegram, settings: Settings
) -> None:
    services = services_of(staffed)
    before = services.retriever.index.path
    (settings.knowledge_dir / "extra.yaml").mkdir()
    [status] = await staffed.send(MAINTAINER, "/reindex")
    final = staffed.api.messages[(status.chat_id, status.message_id)].text
    assert "extra.yaml" in final and "folder" in final  # which file, and why
    assert texts.html("nl", "error") not in [m.text for m in staffed.api.sent]
    assert services.retriever.index.path == before
    [answer] = await staffed.send(MAINTAINER, "Wat is een burgerberaad?")
    assert "burgerberaden" in answer.text


async def test_an_outside_rebuild_with_broken_knowledge_keeps_the_old_index(
    telegram: LocalTelegram, settings: Settings
) -> None:
    """``assistant index`` built a new version, then the content broke before the bot looked:
    the bot keeps index and knowledge of one version, the old one."""
    services = services_of(telegram)
    before = services.retriever.index.path
    rebuild(settings, services.retriever.encoder)  # a new version, made outside the bot
    (settings.knowledge_dir / "extra.yaml").mkdir()
    with pytest.raises(KnowledgeError):
        await maintenance._swap_to_current(services)
    assert services.retriever.index.path == before


def test_a_folder_named_yaml_does_not_break_the_content_hash(tmp_path: Path) -> None:
    from assistant.knowledge import content_hash

    (tmp_path / "a.yaml").write_text("id: a\n", encoding="utf-8")
    (tmp_path / "b.yaml").mkdir()
    assert len(content_hash(tmp_path)) == 64
