"""Tests that can fail: each hand mutation below was applied once, by hand, and a test here went
red (then the mutation was reverted). Issue 13, item 6. Keep this list when changing the code.

1. ``IdeaStore.submit`` without its IntegrityError fallback (``except ...: raise``)
   -> test_submit_race_lost_at_insert_returns_the_stored_idea
2. the moderator filter also admitting maintainers
   (``filters.User(user_id=settings.moderator_ids | settings.maintainer_ids)``)
   -> test_maintainers_are_not_moderators
3. /review showing the idea text unescaped (``text=texts.Html(v["text"])`` in review_html)
   -> test_review_escapes_what_the_author_typed
4. forget-me deleting only pending ideas (``... WHERE author_id = ? AND status = 'pending'``)
   -> test_forget_me_erases_ideas_of_every_status
5. the confirmation sent before the commit (SQLite ``COMMIT`` replaced by a no-op, so the
   confirmation leaves while the idea is uncommitted)
   -> test_confirmation_leaves_only_after_the_commit
6. ``notices.deliver_due`` not catching Forbidden (``except KeyError``)
   -> test_author_who_blocked_the_bot_does_not_break_moderation
7. the status UPDATE without ``AND status = ?``
   -> test_status_update_is_conditional_on_the_status_read
Also: a truly concurrent double Send (two presses in one event loop at once, and two
Applications on one database), and on PostgreSQL a race of separate connections for approve and
submit (test_postgres_races).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from assistant.bot import texts
from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.ideas.model import Draft
from assistant.localbot.api import LocalBotApi, SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from assistant.store import db as db_module
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore
from assistant.store.moderation import ModerationStore
from tests.conftest import services_of
from tests.support import IDEA, MAINTAINER, MOD, notices_sent, submit, walk

AUTHOR = Resident(id=820, first_name="Ruth", language_code="nl")
DRAFT = Draft(
    theme="preventiecoalitie",
    text=IDEA,
    answers={},
    municipality="",
    contact_ok=False,
    step="confirm",
)


def apologies(api: LocalBotApi) -> list[SentMessage]:
    sorry = {texts.html(lang, "error") for lang in texts.LANGUAGES}
    return [m for m in api.sent if m.text in sorry]


# 1 ------------------------------------------------------------------------------------------
def test_submit_race_lost_at_insert_returns_the_stored_idea(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another replica's Send commits between our read and our insert: the unique submit key
    refuses the insert, and submit returns the idea stored by the other replica."""
    mine, other = IdeaStore(Database(database_url)), IdeaStore(Database(database_url))
    first, created = other.submit(AUTHOR.id, DRAFT, "1:99")
    assert created
    real = db_module.Transaction.execute

    def stale_read(self: Any, sql: str, params: Any = ()) -> Any:
        if sql.startswith("SELECT * FROM ideas WHERE submit_key"):  # read before its commit
            return real(self, "SELECT * FROM ideas WHERE 1 = 0")
        return real(self, sql, params)

    monkeypatch.setattr(db_module.Transaction, "execute", stale_read)
    again, created = mine.submit(AUTHOR.id, DRAFT, "1:99")
    assert (again.id, created) == (first.id, False)
    mine.db.close()
    other.db.close()


# 2 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", ["/review", "/export", "/stats"])
async def test_maintainers_are_not_moderators(
    staffed: LocalTelegram,
    command: str,
) -> None:
    await submit(staffed, AUTHOR, IDEA, True)
    [reply] = await staffed.send(MAINTAINER, command)
    assert reply.text == texts.html("nl", "unknown_command") and reply.document is None


# 3 ------------------------------------------------------------------------------------------
async def test_review_escapes_what_the_author_typed(
    staffed: LocalTelegram,
    api: LocalBotApi,
) -> None:
    await submit(staffed, AUTHOR, "<b>vet</b> & <i>schuin</i> idee voor de buurt", True)
    [review] = await staffed.send(MOD, "/review")
    assert "&lt;b&gt;vet&lt;/b&gt; &amp; &lt;i&gt;schuin&lt;/i&gt;" in review.text
    assert apologies(api) == []


# 4 ------------------------------------------------------------------------------------------
async def test_forget_me_erases_ideas_of_every_status(staffed: LocalTelegram) -> None:
    services = services_of(staffed)
    ideas = {  # four different ideas: a text like an approved one would be asked about first
        "approved": IDEA,
        "rejected": "Een wekelijkse wandelgroep voor ouderen in het park.",
        "hidden": "Uitleg in gewone taal bij elke beslissing van een computer.",
        "pending": "Gratis zwemles voor volwassenen die nooit leerden zwemmen.",
    }
    for status, text in ideas.items():
        number = await submit(staffed, AUTHOR, text, True)
        if status != "pending":
            services.moderation.set_status(number, status, "test")
    assert {i.status for i in services.ideas.by_author(AUTHOR.id)} == {
        "approved",
        "rejected",
        "hidden",
        "pending",
    }
    [confirm] = await staffed.send(AUTHOR, "/vergeetmij")
    await staffed.press(AUTHOR, confirm, "forget:yes")
    assert services.ideas.by_author(AUTHOR.id) == []
    assert (
        services.db.execute(
            "SELECT COUNT(*) FROM ideas WHERE author_id = ?", (AUTHOR.id,)
        ).fetchone()[0]
        == 0
    )


# 5 ------------------------------------------------------------------------------------------
async def test_confirmation_leaves_only_after_the_commit(
    telegram: LocalTelegram, api: LocalBotApi, database_url: str
) -> None:
    """At the moment the confirmation is handed to Telegram, another connection (another
    process, after a crash) already finds the idea."""
    witness = Database(database_url)
    seen: list[tuple[str, int]] = []

    def on_send(message: SentMessage) -> None:
        if message.chat_id == AUTHOR.id and "#" in message.text:
            count = witness.execute(
                "SELECT COUNT(*) FROM ideas WHERE author_id = ?", (AUTHOR.id,)
            ).fetchone()[0]
            seen.append((message.text, count))

    summary = await walk(telegram, AUTHOR, "theme:preventiecoalitie", IDEA)
    api.on_send = on_send
    await telegram.press(AUTHOR, summary, "send")
    api.on_send = None
    witness.close()
    assert seen and all(count == 1 for _, count in seen), seen


# 6 ------------------------------------------------------------------------------------------
async def test_author_who_blocked_the_bot_does_not_break_moderation(
    staffed: LocalTelegram,
    api: LocalBotApi,
) -> None:
    number = await submit(staffed, AUTHOR, IDEA, True)
    later = await submit(staffed, Resident(id=821), IDEA + " Nog een.", False)
    api.blocked.add(AUTHOR.id)  # the author blocked the bot after sending
    [review] = await staffed.send(MOD, "/review")
    replies = await staffed.press(MOD, review, "Goedkeuren")
    assert services_of(staffed).ideas.get(number).status == "approved"  # type: ignore[union-attr]
    assert f"#{later}" in replies[-1].text  # the next idea follows, no apology
    await notices_sent(staffed)  # the notice was tried, refused for good, and dropped
    assert apologies(api) == []
    assert any("Forbidden" in c.error for c in api.calls if not c.ok)


# 7 ------------------------------------------------------------------------------------------
def test_status_update_is_conditional_on_the_status_read(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Moderator A reads 'pending'; B hides the idea before A's update lands: A's update must
    change nothing (this is what happens between two PostgreSQL sessions)."""
    ideas = IdeaStore(Database(database_url))
    idea, _ = ideas.submit(AUTHOR.id, DRAFT, "7:1")
    a, b = ModerationStore(Database(database_url)), ModerationStore(Database(database_url))
    stale = a.db.execute("SELECT * FROM ideas WHERE id = ?", (idea.id,)).fetchone()
    assert b.set_status(idea.id, "hidden", "telegram:2").changed
    real = db_module.Transaction.execute
    reads = iter([stale])

    class Stale:
        def __init__(self, row: Any) -> None:
            self.row = row

        def fetchone(self) -> Any:
            return self.row

    def stale_read(self: Any, sql: str, params: Any = ()) -> Any:
        if sql == "SELECT * FROM ideas WHERE id = ?":
            row = next(reads, None)
            if row is not None:
                return Stale(row)
        return real(self, sql, params)

    monkeypatch.setattr(db_module.Transaction, "execute", stale_read)
    change = a.set_status(idea.id, "approved", "telegram:1")
    monkeypatch.undo()
    assert not change.changed
    assert ideas.get(idea.id).status == "hidden"  # type: ignore[union-attr]
    audit = ideas.db.execute("SELECT COUNT(*) FROM moderation_audit").fetchone()[0]
    assert audit == 1
    for store in (ideas.db, a.db, b.db):
        store.close()


# concurrency ----------------------------------------------------------------------------------
async def test_double_send_processed_concurrently(
    telegram: LocalTelegram, api: LocalBotApi
) -> None:
    """Two presses of Send handled at the same time (no per-chat queue in between)."""
    summary = await walk(telegram, AUTHOR, "theme:preventiecoalitie", IDEA)
    presses = [telegram.callback_update(AUTHOR, summary, "send") for _ in range(2)]
    await asyncio.gather(*(telegram.app.process_update(p) for p in presses))
    ideas = services_of(telegram).ideas.by_author(AUTHOR.id)
    assert len(ideas) == 1
    confirmations = [m for m in api.to_chat(AUTHOR.id) if f"#{ideas[0].id}" in m.text]
    assert confirmations and apologies(api) == []


async def test_double_send_on_two_applications_one_database(
    settings: Settings, encoder: Encoder
) -> None:
    """Two replicas behind a load balancer (one Telegram, one database) get one press each,
    at the same time: one idea, both presses confirm its number, no apology."""
    api = LocalBotApi()
    app_a = build_application(settings, InProcess(api), encoder=encoder)
    app_b = build_application(settings, InProcess(api), encoder=encoder)
    async with LocalTelegram(app_a, api) as a, LocalTelegram(app_b, api) as b:
        summary = await walk(a, AUTHOR, "theme:preventiecoalitie", IDEA)
        before = len(api.sent)
        press_a = a.callback_update(AUTHOR, summary, "send")
        press_b = b.callback_update(AUTHOR, summary, "send")
        late = b.callback_update(AUTHOR, summary, "send")
        await asyncio.gather(a.process(press_a), b.process(press_b))
        ideas = services_of(a).ideas.by_author(AUTHOR.id)
        assert len(ideas) == 1
        number = f"#{ideas[0].id}"
        confirmations = [m for m in api.sent[before:] if number in m.text]
        assert len(confirmations) == 2, api.sent[before:]
        # a third press, made at the same moment, reaches a replica after the conversation
        # ended: the same number again (ideas.send_outside), not "this button no longer works"
        count = len(api.sent)
        await b.process(late)
        assert [number in m.text for m in api.sent[count:]] == [True]
        assert apologies(api) == []


def test_postgres_races(database_url: str) -> None:
    """Separate connections (as separate processes would have) race on one Send and on one
    approval, many rounds: one idea per Send, one status change per idea."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite serialises writers with BEGIN IMMEDIATE")
    workers = 6
    dbs = [Database(database_url) for _ in range(workers)]
    for db in dbs:
        db.open()
    errors: list[BaseException] = []

    def race(job: Any) -> list[Any]:
        barrier = threading.Barrier(workers)
        results: list[Any] = [None] * workers

        def run(i: int) -> None:
            try:
                barrier.wait(10)
                results[i] = job(i)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        return results

    for round_ in range(10):
        key = f"race:{round_}"
        stored = race(lambda i, r=round_, k=key: IdeaStore(dbs[i]).submit(AUTHOR.id + r, DRAFT, k))
        assert not errors, errors
        assert len({idea.id for idea, _ in stored}) == 1
        assert sum(created for _, created in stored) == 1
        number = stored[0][0].id
        changes = race(
            lambda i, n=number: ModerationStore(dbs[i]).set_status(
                n, "approved" if i % 2 else "hidden", f"telegram:{i}"
            )
        )
        assert not errors, errors
        assert sum(change.changed for change in changes) == 1
    audit = dbs[0].execute("SELECT COUNT(*) FROM moderation_audit").fetchone()[0]
    assert audit == 10
    for db in dbs:
        db.close()
