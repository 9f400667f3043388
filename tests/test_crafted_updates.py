"""Smaller items of issue 13: a moderator's double tap, crafted updates, a failing
setMyCommands at start-up, and erased rows that must not linger in the SQLite WAL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from assistant.bot import texts
from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.localbot.api import BOT_ID, LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from tests.conftest import services_of
from tests.support import MOD, submit

AUTHOR = Resident(id=810, first_name="Evi", language_code="nl")
HUGE = 2**63


def apologies(api: LocalBotApi) -> list[str]:
    sorry = {
        texts.html(lang, key) for lang in ("nl", "en") for key in ("error", "storage_unavailable")
    }
    return [m.text for m in api.sent if m.text in sorry]


def no_errors(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_moderator_double_tap_is_quiet(
    staffed: LocalTelegram,
    api: LocalBotApi,
    caplog: pytest.LogCaptureFixture,
) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    [review] = await staffed.send(MOD, "/review")
    # both presses carry the message as it was (Telegram sends them before any edit)
    first = staffed.callback_update(MOD, review, f"mod:approve:{number}")
    second = staffed.callback_update(MOD, review, f"mod:approve:{number}")
    await staffed.process(first)
    await staffed.process(second)
    assert apologies(api) == []
    assert staffed.callback_answer()["text"].startswith("Dit idee is al behandeld")
    no_errors(caplog)
    for action in ("reject", "back", "skip"):  # the other buttons' double taps too
        [again] = await staffed.send(MOD, "/review")
        taps = [staffed.callback_update(MOD, again, f"mod:{action}:{number}") for _ in "12"]
        for tap in taps:
            await staffed.process(tap)
    assert apologies(api) == []
    no_errors(caplog)


def callback(data: str, user: int = MOD.id, **extra: Any) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"c{data}{user}",
            "chat_instance": "x",
            "data": data,
            "from": {"id": user, "is_bot": False, "first_name": "X"},
            **extra,
        }
    }


def bot_message(chat: int, data: str) -> dict[str, Any]:
    return {
        "message_id": 5,
        "date": 1,
        "chat": {"id": chat, "type": "private"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "B"},
        "text": "x",
        "reply_markup": {"inline_keyboard": [[{"text": "x", "callback_data": data}]]},
    }


CRAFTED = [
    callback("send", inline_message_id="abc"),  # an inline-message press: no message
    callback("mod:approve:1", inline_message_id="abc"),
    callback(f"mod:approve:{HUGE}", message=bot_message(MOD.id, f"mod:approve:{HUGE}")),
    callback(f"modr:{HUGE * 10}:none", message=bot_message(MOD.id, f"modr:{HUGE * 10}:none")),
    callback("mod:frobnicate:1", message=bot_message(MOD.id, "mod:frobnicate:1")),
    callback("modr:1:bogus", message=bot_message(MOD.id, "modr:1:bogus")),
    callback("mod:approve", message=bot_message(MOD.id, "mod:approve")),
    callback(f"fb:{HUGE}:0:u", message=bot_message(MOD.id, f"fb:{HUGE}:0:u")),
    callback(f"more:{HUGE}:3", message=bot_message(MOD.id, f"more:{HUGE}:3")),
    callback(f"mine:{HUGE}", message=bot_message(MOD.id, f"mine:{HUGE}")),
    callback("forget:yes", user=HUGE, message=bot_message(HUGE, "forget:yes")),
    {
        "message": {
            "message_id": 1,
            "date": 1,
            "chat": {"id": HUGE, "type": "private"},
            "from": {"id": HUGE, "is_bot": False, "first_name": "X"},
            "text": "/start",
        }
    },
    {
        "message": {
            "message_id": HUGE,
            "date": 1,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "X"},
            "text": "hallo?",
        }
    },
    {  # a command posted in a channel the bot is in: not a person, no public reply
        "channel_post": {
            "message_id": 7,
            "date": 1,
            "chat": {"id": -100123, "type": "channel", "title": "Nieuws"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        }
    },
    {  # a lone UTF-16 surrogate (no client sends one; JSON can carry it)
        "message": {
            "message_id": 8,
            "date": 1,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "X\ud800"},
            "text": "Wat is een burgerberaad \udc00?",
        }
    },
    {  # a topic flag in a group without topics
        "message": {
            "message_id": 9,
            "date": 1,
            "chat": {"id": -555, "type": "supergroup", "title": "G"},
            "from": {"id": 5, "is_bot": False, "first_name": "X"},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            "is_topic_message": True,
            "message_thread_id": 77,
        }
    },
    {
        "edited_message": {
            "message_id": 1,
            "date": 1,
            "edit_date": 2,
            "chat": {"id": 5, "type": "private"},
            "from": {"id": 5, "is_bot": False, "first_name": "X"},
            "text": "hoi",
        }
    },
]


@pytest.mark.parametrize("update", CRAFTED)
async def test_crafted_updates_never_raise(
    staffed: LocalTelegram,
    api: LocalBotApi,
    update: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    await staffed.process(staffed.raw_update(update))
    assert apologies(api) == []
    no_errors(caplog)
    idea = services_of(staffed).ideas.by_author(AUTHOR.id)[0]
    assert idea.status == "pending"  # nothing crafted moderated anything


async def test_set_my_commands_failing_at_start(
    settings: Settings, api: LocalBotApi, encoder: Encoder, caplog: pytest.LogCaptureFixture
) -> None:
    api.inject("500", "setMyCommands", times=50)
    app = build_application(settings, InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram:
        [welcome] = await telegram.send(AUTHOR, "/start")
        assert welcome.text.startswith(texts.html("nl", "welcome")[:20])
    assert api.commands == {}
    assert any("could not publish the command menu" in r.getMessage() for r in caplog.records)


async def test_forgotten_rows_do_not_linger_in_the_wal(
    telegram: LocalTelegram, settings: Settings
) -> None:
    services = services_of(telegram)
    if services.db.path is None:
        pytest.skip("SQLite only")
    marker = "Zeldzaamwoord" + "q" * 20
    await submit(telegram, AUTHOR, f"Een idee met {marker} erin.", True)
    [confirm] = await telegram.send(AUTHOR, "/vergeetmij")
    await telegram.press(AUTHOR, confirm, "forget:yes")
    files = [Path(str(services.db.path) + suffix) for suffix in ("", "-wal")]
    for file in files:
        if file.exists():
            assert marker.encode() not in file.read_bytes(), file.name


async def test_a_forged_more_results_on_an_old_message_answers_nobodys_question(
    telegram: LocalTelegram, api: LocalBotApi
) -> None:
    """Question numbers are not secret: a press of "more results" for someone else's question,
    on a private message Telegram no longer shows (so its buttons cannot be checked), is
    refused like an expired button."""
    asker = Resident(id=870, language_code="nl")
    await telegram.send(asker, "Wat is een burgerberaad?")
    [row] = services_of(telegram).db.execute("SELECT id FROM questions").fetchall()
    stranger = Resident(id=871, language_code="nl")
    for data in (f"more:{row[0]}:1", f"near:{row[0]}:0", f"fb:{row[0]}:0:d"):
        update = telegram.raw_update(
            callback(
                data,
                user=stranger.id,
                message={
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": stranger.id, "type": "private"},
                },
            )
        )
        await telegram.process(update)
        assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")
    assert api.to_chat(stranger.id) == []
    assert services_of(telegram).db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0] == 0
