"""A decision always reaches its author (issue 25, point 2): the notice is written with the
decision, in one transaction, and delivered from that outbox with retries.

Found from outside: the review message was edited before the author was notified; when that
edit failed (Telegram 500s, an inaccessible message) the status was stored, the author heard
nothing and the moderator got the apology and no next idea.

Mutations tried (each turned a test red): the notice enqueued after the decision's transaction
(a crash between them loses it: ``enqueue`` outside ``_recorded``); ``_show_decided`` letting the
TelegramError through; ``deliver_due`` deleting a notice whose send failed; no delivery at
start; ``retry_later`` without back-off (due at once); ``claim`` ignoring another process's
claim; the CLI's ``set-status`` on a store that writes no notice.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from assistant.bot import notices, texts
from assistant.bot.app import InProcess, build_application
from assistant.cli import main
from assistant.config import Settings
from assistant.ideas.model import Draft
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore
from assistant.store.notices import BACKOFF, NoticeStore
from tests.conftest import services_of
from tests.support import MOD, notices_sent, submit

AUTHOR = Resident(id=850, first_name="Noor", language_code="nl")
NEXT = Resident(id=851, first_name="Ben", language_code="nl")


def apologies(api: LocalBotApi) -> list[str]:
    sorry = {texts.html(lang, "error") for lang in ("nl", "en")}
    return [m.text for m in api.sent if m.text in sorry]


async def test_a_failing_review_screen_loses_no_notice(
    staffed: LocalTelegram, api: LocalBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    later = await submit(staffed, NEXT, "Een wandelgroep voor mensen die alleen wonen.", False)
    [review] = await staffed.send(MOD, "/review")
    api.inject("500", "editMessageText", times=10)  # Telegram fails every edit for a while
    replies = await staffed.press(MOD, review, "Goedkeuren")
    assert f"#{later}" in replies[-1].text  # the moderator moves on to the next idea
    assert apologies(api) == []
    await notices_sent(staffed)
    [notice] = [m for m in api.to_chat(AUTHOR.id) if "Goed nieuws" in m.text]
    assert f"#{number}" in notice.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_inaccessible_review_message_loses_no_notice(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    """A press on a review Telegram no longer shows (older than 48 hours): it cannot be edited."""
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    await staffed.send(MOD, "/review")
    press = staffed.raw_update(
        {
            "callback_query": {
                "id": "old-review",
                "chat_instance": "x",
                "data": f"mod:approve:{number}",
                "from": {"id": MOD.id, "is_bot": False, "first_name": "Mo"},
                "message": {
                    "message_id": 99999,
                    "date": 0,
                    "chat": {"id": MOD.id, "type": "private"},
                },
            }
        }
    )
    api.expect_callback("old-review")
    await staffed.process(press)
    assert services_of(staffed).ideas.get(number).status == "approved"  # type: ignore[union-attr]
    await notices_sent(staffed)
    assert any("Goed nieuws" in m.text for m in api.to_chat(AUTHOR.id))
    assert apologies(api) == []


async def test_a_notice_telegram_refuses_is_retried_later(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    services = services_of(staffed)
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    api.inject("500", "sendMessage", times=1000)  # Telegram down for the author's notice
    services.moderation.set_status(number, "rejected", "test", reason="te vaag")
    assert await notices.deliver_due(services, staffed.app.bot) == 0
    [row] = [dict(r) for r in services.db.execute("SELECT * FROM notices")]
    assert row["attempts"] == 1 and row["claimed_until"] == ""
    waited = dt.datetime.fromisoformat(row["due_at"]) - dt.datetime.now(dt.UTC)
    assert dt.timedelta(seconds=BACKOFF[0] - 2) < waited <= dt.timedelta(seconds=BACKOFF[0])
    assert await notices.deliver_due(services, staffed.app.bot) == 0  # not due yet: no try
    api.faults.clear()  # Telegram is back; the notice's time comes
    with services.db.transaction() as tx:
        tx.execute("UPDATE notices SET due_at = '2000-01-01T00:00:00+00:00'")
    assert await notices.deliver_due(services, staffed.app.bot) == 1
    [notice] = [m for m in api.to_chat(AUTHOR.id) if "helaas niet goedgekeurd" in m.text]
    assert "te vaag" in notice.text
    assert services.notices.waiting() == 0


def test_a_claimed_notice_is_not_sent_twice(database_url: str) -> None:
    db = Database(database_url).open()
    try:
        idea, _ = IdeaStore(db).submit(
            AUTHOR.id, Draft(theme="preventiecoalitie", text="Een idee.", contact_ok=True), "k"
        )
        from assistant.store.moderation import ModerationStore

        ModerationStore(db).set_status(idea.id, "approved", "test")
        one, two = NoticeStore(db), NoticeStore(Database(database_url).open())
        assert [n.idea_id for n in one.claim()] == [idea.id]
        assert two.claim() == []  # another replica waits for the claim to expire
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
        assert [n.idea_id for n in two.claim(now=later)] == [idea.id]  # the sender died
        two.db.close()
    finally:
        db.close()


async def test_a_decision_made_while_the_bot_was_down_reaches_the_author(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI decides (or the bot crashed between decision and delivery): the notice waits in
    the database and the next bot to start delivers it."""
    api = LocalBotApi()
    async with LocalTelegram(
        build_application(settings, InProcess(api), encoder=encoder), api
    ) as bot:
        number = await submit(bot, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    assert main(["ideas", "set-status", str(number), "approved"]) == 0
    assert not [m for m in api.to_chat(AUTHOR.id) if "Goed nieuws" in m.text]
    again = LocalBotApi()
    async with LocalTelegram(
        build_application(settings, InProcess(again), encoder=encoder), again
    ):
        [notice] = again.to_chat(AUTHOR.id)
        assert "Goed nieuws" in notice.text and f"#{number}" in notice.text
