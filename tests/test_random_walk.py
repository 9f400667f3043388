"""Residents doing unexpected things in any order, through the real Application and the strict
local Bot API: random texts, commands, photos, edits and presses of any button the bot ever
showed them (old ones too), in private, in a group and in a group's topic, by three people at
once, one of them a moderator (who reviews, exports and shares ideas of her own). Whatever
happens, the bot never needs its apology, Telegram accepts every call, nothing is logged as an
error, and every idea stored is whole and belongs to whoever sent it.

Seeded (one fixed walk per seed), so a failure is reproduced by running it again."""

from __future__ import annotations

import logging
import random

import pytest

from assistant.bot import texts
from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.localbot.api import BOT_USERNAME, LocalBotApi, SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from tests.conftest import services_of

GROUP = -100500
TOPIC = 9
PEOPLE = [
    Resident(id=4101, language_code="nl"),
    Resident(id=4102, language_code="en"),
    Resident(id=4103, language_code=None),
]
TEXTS = [
    "Wat is een burgerberaad?",
    "What is a citizens' assembly?",
    "hoe zit het met betaalbaar wonen",
    "mijn buurtvereniging wil een moestuin beginnen, krijgen we hulp?",
    "Een AI-spreekuur in de bibliotheek voor ouderen, elke week.",
    "Meer sportlessen voor kinderen in de wijk.",
    "ja",
    "nee",
    "Zaandam",
    "hoi",
    "bedankt!",
    "wanneer zijn de gemeenteraadsverkiezingen",
    "<b>vet</b> & <script>",
    "x" * 2500,
    "🧨" * 50,
    "",
]
COMMANDS = [
    "/start",
    "/start idee",
    "/idee",
    "/annuleer",
    "/help",
    "/taal",
    "/mijnideeen",
    "/over",
    "/privacy",
    "/vergeetmij",
    "/onbekend",
    "/review",
    "/stats",
    "/export",
    "/export alle",
]
STEPS = 800
NUDGES = {texts.html(lang, "idea_use_buttons") for lang in texts.LANGUAGES}  # "use the buttons"


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_random_walk_never_breaks_the_bot(
    settings: Settings,
    encoder: Encoder,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    # Telegram's pace (20 messages a minute in a group) and the flood guard would only slow
    # the walk down: both have their own tests.
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "false")
    monkeypatch.setenv("ASSISTANT_FLOOD_LIMIT", "10000")
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", str(PEOPLE[0].id))  # reviews while sharing
    monkeypatch.setenv("ASSISTANT_MODERATOR_CHAT_ID", "-100600")
    api = LocalBotApi()
    app = build_application(Settings.from_env(), InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram:
        sent = await _walk(telegram, api, random.Random(seed))
    assert sent >= 1  # the walk reached the end of the idea conversation too
    apology = {texts.html(lang, "error") for lang in texts.LANGUAGES}
    assert [m.text for m in api.sent if m.text in apology] == []
    assert [c for c in api.calls if not c.ok] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def _walk(telegram: LocalTelegram, api: LocalBotApi, rng: random.Random) -> int:
    """Take the steps; returns how many ideas were sent."""
    services = services_of(telegram)
    screens: dict[tuple[int, str], list[SentMessage]] = {}  # what each one saw, per chat
    sent_updates = []
    for _ in range(STEPS):
        person = rng.choice(PEOPLE)
        where = rng.choice(["private"] * 6 + ["group", "topic"])
        screen = screens.setdefault((person.id, where), [])
        action = rng.choice(
            ["text"] * 3 + ["command"] * 2 + ["press"] * 3 + ["photo", "edit"] + ["along"] * 3
        )
        if action == "along" and where == "private":  # what an ordinary resident does next,
            for _ in range(rng.randint(1, 8)):  # a few times in a row
                prompt = next((m for m in reversed(screen) if m.text not in NUDGES), None)
                buttons = [d for _, d in prompt.buttons if "://" not in d] if prompt else []
                if prompt is not None and buttons:
                    screen += await telegram.press(person, prompt, buttons[0])
                else:
                    screen += await telegram.send(person, "Meer bankjes en groen in de straat.")
        elif action == "press" and screen:
            # mostly what is on screen now; sometimes a button scrolled far up
            message = rng.choice(screen[-12:] if rng.random() < 0.3 else screen[-2:])
            buttons = [d for _, d in message.buttons if "://" not in d]
            if buttons:
                screen += await telegram.press(person, message, rng.choice(buttons))
        elif action == "edit" and sent_updates:
            original = rng.choice(sent_updates[-5:])
            if original.message.from_user.id == person.id:
                await telegram.process(telegram.edit_update(original, rng.choice(TEXTS) or "x"))
        elif action == "photo" and where == "private":
            caption = rng.choice([None, *TEXTS[:6]])
            screen += await telegram.send_other(person, "photo", caption=caption)
        else:
            text = rng.choice(COMMANDS) if action == "command" else rng.choice(TEXTS)
            chat = None if where == "private" else GROUP
            if chat is not None and not text.startswith("/"):
                text = f"@{BOT_USERNAME} {text}"
            thread = TOPIC if where == "topic" else None
            update = telegram.message_update(person, text, chat_id=chat, thread=thread)
            sent_updates.append(update)
            before = len(api.sent)
            await telegram.process(update)
            screen += api.sent[before:]
    ideas = [idea for person in PEOPLE for idea in services.ideas.by_author(person.id)]
    authors = {p.id for p in PEOPLE}
    assert all(idea.author_id in authors and idea.text and idea.theme for idea in ideas)
    return len(ideas)
