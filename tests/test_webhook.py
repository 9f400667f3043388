"""Webhook mode: python-telegram-bot's own webhook server, checked for the secret token."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from assistant.bot.app import InProcess, build_application, webhook_options, webhook_secret
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from tests.support import free_port

NL = Resident(id=515, language_code="nl")


async def test_webhook_with_secret(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("ASSISTANT_WEBHOOK_URL", "https://bot.example.org/")
    monkeypatch.setenv("ASSISTANT_WEBHOOK_LISTEN", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_WEBHOOK_PORT", str(port))
    monkeypatch.setenv("ASSISTANT_WEBHOOK_SECRET", "s3cret-token")
    configured = Settings.from_env()
    api = LocalBotApi()
    app = build_application(configured, InProcess(api, updater=True), encoder=encoder)
    telegram = LocalTelegram(app, api)
    await telegram.start()
    assert app.updater is not None
    await app.updater.start_webhook(**webhook_options(configured))
    try:
        assert api.webhook["url"] == "https://bot.example.org/telegram"
        assert api.webhook["secret_token"] == "s3cret-token"
        update = telegram.message_update(NL, "Wat is een burgerberaad?").to_dict()
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            refused = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            )
            accepted = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"}
            )
        assert refused.status_code == 403 and accepted.status_code == 200
        for _ in range(100):
            if api.to_chat(NL.id):
                break
            await asyncio.sleep(0.05)
        [reply] = api.to_chat(NL.id)
        assert "burgerberaden" in reply.text
    finally:
        await app.updater.stop()
        await telegram.stop()


async def test_webhook_without_a_configured_secret_still_refuses_forgeries(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ASSISTANT_WEBHOOK_SECRET: a secret derived from the bot token is registered (the
    same on every replica), and a forged staff update without it changes nothing."""
    port = free_port()
    monkeypatch.setenv("ASSISTANT_WEBHOOK_URL", "https://bot.example.org/")
    monkeypatch.setenv("ASSISTANT_WEBHOOK_LISTEN", "127.0.0.1")
    monkeypatch.setenv("ASSISTANT_WEBHOOK_PORT", str(port))
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", "900")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:replica-token")
    configured = Settings.from_env()
    secret = webhook_secret(configured)
    assert secret == webhook_secret(Settings.from_env())  # another replica derives the same
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:another-bot")
    assert webhook_secret(Settings.from_env()) != secret
    api = LocalBotApi()
    app = build_application(configured, InProcess(api, updater=True), encoder=encoder)
    telegram = LocalTelegram(app, api)
    await telegram.start()
    assert app.updater is not None
    await app.updater.start_webhook(**webhook_options(configured))
    try:
        assert api.webhook["secret_token"] == secret
        moderator = Resident(id=900, language_code="nl")
        forged = telegram.message_update(moderator, "/stats").to_dict()
        url = f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as client:
            refused = await client.post(url, json=forged)
        assert refused.status_code == 403
        await asyncio.sleep(0.3)
        assert api.to_chat(900) == []
    finally:
        await app.updater.stop()
        await telegram.stop()
