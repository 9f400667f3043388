"""Operations: health and metrics endpoints, JSON logs, the printed configuration."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from assistant.bot.app import InProcess, build_application
from assistant.bot.ops_server import start_ops_server
from assistant.cli import main
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.logs import JsonFormatter
from assistant.retrieval.encoder import Encoder
from tests.conftest import TEST_MODEL, services_of
from tests.support import free_port, walk

NL = Resident(id=731, language_code="nl")


async def test_an_in_process_bot_opens_no_port(
    settings: Settings, api: LocalBotApi, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'assistant chat' and the tests run beside a production bot: they leave its ops port."""
    port = free_port()
    monkeypatch.setenv("ASSISTANT_OPS_PORT", str(port))
    app = build_application(Settings.from_env(), InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram, httpx.AsyncClient() as client:
        await telegram.send(NL, "Wat is een burgerberaad?")
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{port}/healthz")


async def test_health_and_metrics(telegram: LocalTelegram) -> None:
    services = services_of(telegram)
    port = free_port()
    server = await start_ops_server(services, "127.0.0.1", port)
    try:
        await telegram.send(NL, "Wat is een burgerberaad?")
        await telegram.send(NL, "Hoe laat speelt Ajax?")
        summary = await walk(telegram, NL, "theme:ai-voor-iedereen", "AI-spreekuur in de wijk.")
        await telegram.press(NL, summary, "send")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            health = await client.get("/healthz")
            metrics = await client.get("/metrics")
    finally:
        server.stop()
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["index"]["passages"] == 24 and body["index"]["model"] == TEST_MODEL
    text = metrics.text
    assert 'assistant_questions_total{answered="yes"} 1.0' in text
    assert 'assistant_questions_total{answered="no"} 1.0' in text
    assert 'assistant_ideas_submitted_total{theme="ai-voor-iedereen"} 1.0' in text
    assert "assistant_reply_latency_seconds_count 2.0" in text


def test_json_log_lines() -> None:
    record = logging.LogRecord(
        "assistant.x", logging.WARNING, __file__, 1, "idea %s stored", (7,), None
    )
    data = json.loads(JsonFormatter().format(record))
    assert data["level"] == "WARNING" and data["message"] == "idea 7 stored"
    assert data["logger"] == "assistant.x" and data["time"].endswith("+00:00")


def test_config_masks_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "555:very-secret")
    monkeypatch.setenv("ASSISTANT_WEBHOOK_SECRET", "hook-secret")
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", "3, 1")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "TELEGRAM_BOT_TOKEN=***" in out and "ASSISTANT_WEBHOOK_SECRET=***" in out
    assert "very-secret" not in out and "hook-secret" not in out
    assert "ASSISTANT_MODERATOR_IDS=1,3" in out and "ASSISTANT_DATA_DIR=" in out
    monkeypatch.setenv("ASSISTANT_LOG_FORMAT", "xml")
    assert main(["config"]) == 1
