"""The local Bot API over HTTP (``assistant.localbot.http_server``), the stand-in that
``scripts/image-test`` runs the production container against: the real bot, with its real HTTP
transport and ``TELEGRAM_BASE_URL``, polls it and answers a resident.

Mutations tried (each turned a test red): ``getUpdates`` ignoring ``offset`` (the question was
answered twice); form fields passed on without JSON decoding (``setMyCommands`` failed, the bot
did not start); the Bot API's status code replaced by 200 (a refused message passed);
``ask`` returning the first message of the chat instead of the first new one.
``scripts/image-test`` itself was broken on purpose, each time going red: the bot's health port
set to 0 (HEALTHCHECK unhealthy, with the log), the bot run as root (uid check), its data
directory moved to /tmp (writes outside /data), an out-of-scope question (no sourced answer on
burgerberaden), ``kill`` instead of ``stop`` (exit status 137); tests/test_docker.py went red
when the production install kept torch's headers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram.error import BadRequest
from tornado.httpserver import HTTPServer

from assistant.bot.app import BotApi, build_application
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.http_server import UpdateQueue, ask, make_app
from assistant.retrieval.encoder import Encoder
from tests.support import free_port

QUESTION = "Wat is een burgerberaad?"


@pytest.fixture
async def served(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[str, LocalBotApi, Any]]:
    """The stand-in on a free port, and the real bot polling it over HTTP."""
    port = free_port()
    api, queue = LocalBotApi(), UpdateQueue()
    server = HTTPServer(make_app(api, queue))
    server.listen(port, address="127.0.0.1")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST")
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"http://127.0.0.1:{port}/bot")
    monkeypatch.setenv("ASSISTANT_OPS_PORT", "0")
    app = build_application(Settings.from_env(), BotApi(), encoder=encoder)
    await app.initialize()
    assert app.post_init is not None and app.updater is not None
    await app.post_init(app)
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield f"http://127.0.0.1:{port}", api, app
    finally:
        queue.wake()  # answer a pending long poll now
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
        server.stop()


async def _polls(api: LocalBotApi) -> int:
    await asyncio.sleep(0.05)
    return sum(1 for call in api.calls if call.method == "getUpdates")


async def test_question_answered_through_http(served: tuple[str, LocalBotApi, Any]) -> None:
    base, api, _ = served
    reply = await asyncio.to_thread(ask, base, 42, QUESTION, 30.0)
    assert reply is not None and "Bron:" in reply and "burgerberaden" in reply
    async with httpx.AsyncClient() as client:
        sent = (await client.get(f"{base}/control/sent", params={"chat_id": 42})).json()
        calls = (await client.get(f"{base}/control/calls")).json()
    assert [m["text"] for m in sent] == [reply]
    assert sent[0]["buttons"]  # the reply markup arrived as an object, not a string
    assert {"getMe", "setMyCommands", "getUpdates", "sendMessage"} <= {c["method"] for c in calls}
    assert api.commands  # the command lists were decoded and checked
    # Confirmed updates are not delivered again: after two more polls, still one answer.
    polls = await _polls(api)
    while await _polls(api) < polls + 2:
        pass
    assert len(api.to_chat(42)) == 1


async def test_second_question_gets_its_own_reply(served: tuple[str, LocalBotApi, Any]) -> None:
    base, _, _ = served
    first = await asyncio.to_thread(ask, base, 43, QUESTION, 30.0)
    second = await asyncio.to_thread(ask, base, 43, "/privacy", 30.0)
    assert first is not None and second is not None and first != second


async def test_refusals_keep_telegrams_status_and_text(
    served: tuple[str, LocalBotApi, Any],
) -> None:
    _, api, app = served
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await app.bot.send_message(42, "   ")
    with pytest.raises(BadRequest, match="parse entities"):
        await app.bot.send_message(42, "<b>open", parse_mode="HTML")
    assert api.to_chat(42) == []
