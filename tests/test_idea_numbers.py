"""Idea numbers are never handed out twice (issue 25, point 1), on SQLite and PostgreSQL.

Found from outside: resident X sends #12, a moderator opens /review on it, X erases everything
with /vergeetmij, resident Y's new idea became #12 on SQLite, and the moderator's Approve on the
old review approved Y's idea, which nobody reviewed.

Mutations tried (each turned a test red): ``next_idea_number`` returning the highest stored
number plus one (SQLite's own rule); migration 6 starting the counter at ``MAX(ideas.id)``
only (forgetting the audit log); the counter's CASE without the stored maximum (a bulk-loaded
row collides).
"""

from __future__ import annotations

import pytest

from assistant.bot import texts
from assistant.ideas.model import Draft
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.store import db as db_module
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore
from tests.conftest import services_of
from tests.support import MOD, audit_rows, submit

X = Resident(id=830, first_name="Xandra", language_code="nl")
Y = Resident(id=831, first_name="Yusuf", language_code="nl")
THIRD = Resident(id=832, first_name="Tess", language_code="nl")


async def test_an_erased_ideas_number_is_never_given_again(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    services = services_of(staffed)
    first = await submit(staffed, X, "Beweegles voor ouderen in elk buurthuis van de regio.", True)
    newest = await submit(staffed, X, "Gezonde lunch op elke basisschool in de wijk.", True)
    [review] = await staffed.send(MOD, "/review")  # the moderator looks at X's first idea
    assert f"#{first}" in review.text
    [confirm] = await staffed.send(X, "/vergeetmij")
    await staffed.press(X, confirm, "forget:yes")
    assert services.ideas.by_author(X.id) == []
    other = await submit(staffed, Y, "Een wandelgroep voor mensen die alleen wonen.", False)
    assert other > newest  # not the erased #first nor the erased highest #newest
    # The moderator presses Approve on the review of X's erased idea: it says so and acts on
    # nothing; Y's idea, which nobody reviewed, stays pending.
    await staffed.process(staffed.callback_update(MOD, review, f"mod:approve:{first}"))
    assert staffed.callback_answer()["text"] == texts.plain("nl", "mod_unknown_idea")
    idea = services.ideas.get(other)
    assert idea is not None and idea.status == "pending"
    assert [r["idea_id"] for r in audit_rows(staffed)] == []


def test_numbers_continue_after_the_highest_ever_given(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Upgrading a database of the release before (migration 5): ideas 1-3 were stored, #3 was
    rejected (audited) and then erased. The next idea is #4, not #3 again."""
    before = [m for m in db_module.MIGRATIONS if m.version <= 5]
    monkeypatch.setattr(db_module, "MIGRATIONS", before)
    old = Database(database_url).open()  # rows written as that release wrote them
    with old.transaction() as tx:
        for n in range(3):
            tx.execute(
                "INSERT INTO ideas (theme, text, answers, contact_ok, author_id, lang, status, "
                "submit_key, created_at, updated_at) VALUES ('preventiecoalitie', ?, '{}', 0, "
                "?, 'nl', 'pending', ?, '2026-11-01', '2026-11-01')",
                (f"Idee {n} voor de buurt.", 840 + n, f"k{n}"),
            )
    with old.transaction() as tx:  # rejected and audited as that release did, then erased
        tx.execute("UPDATE ideas SET status = 'rejected' WHERE id = 3")
        tx.execute(
            "INSERT INTO moderation_audit (idea_id, actor, action, status_before, "
            "status_after, at) VALUES (3, 'test', 'reject', 'pending', 'rejected', "
            "'2026-11-02')"
        )
        tx.execute("DELETE FROM ideas WHERE id IN (2, 3)")
    old.close()
    monkeypatch.undo()
    new = Database(database_url).open()
    try:
        idea, _ = IdeaStore(new).submit(
            843, Draft(theme="preventiecoalitie", text="Een nieuw idee."), "k-new"
        )
        assert idea.id == 4
        # a row written past the counter (a bulk load) is stepped over, never collided with
        with new.transaction() as tx:
            tx.execute(
                "INSERT INTO ideas (id, theme, text, answers, contact_ok, author_id, lang, "
                "status, submit_key, created_at, updated_at) VALUES (9, 'preventiecoalitie', "
                "'bulk', '{}', 0, 1, 'nl', 'pending', 'bulk', '2026-01-01', '2026-01-01')"
            )
        after, _ = IdeaStore(new).submit(
            844, Draft(theme="preventiecoalitie", text="Nog een nieuw idee."), "k-next"
        )
        assert after.id == 10
    finally:
        new.close()
