"""Telegram faults during real conversations: retried within limits, none lost, none twice."""

from __future__ import annotations

import logging

import pytest

from assistant.bot import texts
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of
from tests.support import walk

NL = Resident(id=8801, language_code="nl")


@pytest.mark.parametrize(("kind", "times"), [("500", 2), ("drop", 3), ("timeout", 1), ("429", 1)])
async def test_reply_survives_fault(
    telegram: LocalTelegram, api: LocalBotApi, kind: str, times: int
) -> None:
    api.inject(kind, "sendMessage", times=times, retry_after=1)
    replies = await telegram.send(NL, "Wat is een burgerberaad?")
    assert len(replies) == 1 and "burgerberaden" in replies[0].text  # delivered once
    failed = [c for c in api.calls if c.method == "sendMessage" and not c.ok]
    assert len(failed) == times  # every injected fault was met, and retried


async def test_read_timeout_is_not_resent(telegram: LocalTelegram, api: LocalBotApi) -> None:
    """The reply arrived but its answer got lost: no second copy, and no apology either."""
    api.inject("read-timeout", "sendMessage")
    replies = await telegram.send(NL, "Wat is een burgerberaad?")
    assert len(replies) == 1 and "burgerberaden" in replies[0].text
    assert not any(m.text == texts.html("nl", "error") for m in api.sent)


async def test_edit_retried_after_read_timeout(telegram: LocalTelegram, api: LocalBotApi) -> None:
    """An edit is safe to repeat; the repeat finding it done counts as success."""
    summary = await walk(telegram, NL, "theme:preventiecoalitie", "Meer sport in de wijk.")
    api.inject("read-timeout", "editMessageReplyMarkup")
    replies = await telegram.press(NL, summary, "send")
    assert "#" in replies[-1].text
    assert summary.buttons[0][1] == "noop"
    assert len(services_of(telegram).ideas.by_author(NL.id)) == 1


async def test_persistent_outage_loses_no_idea(telegram: LocalTelegram, api: LocalBotApi) -> None:
    """Telegram down for longer than the retries: the idea is stored all the same."""
    summary = await walk(telegram, NL, "theme:ai-voor-iedereen", "AI-spreekuur in de wijk.")
    api.inject("500", "editMessageReplyMarkup", times=10)
    api.inject("500", "sendMessage", times=10)
    await telegram.press(NL, summary, "send")
    [idea] = services_of(telegram).ideas.by_author(NL.id)
    assert idea.text == "AI-spreekuur in de wijk."
    api.faults.clear()
    [mine] = await telegram.send(NL, "/mijnideeen")
    assert f"#{idea.id}" in mine.text


async def test_a_resident_who_blocked_the_bot_is_not_apologised_to(
    telegram: LocalTelegram, api: LocalBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    """Blocked between asking and the answer: the answer cannot arrive, nor could an apology;
    nothing is tried again, and it is no error of the bot's (one line at INFO)."""
    api.blocked.add(NL.id)
    await telegram.send(NL, "Wat is een burgerberaad?")
    assert [c.method for c in api.calls if not c.ok] == ["sendMessage"]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
