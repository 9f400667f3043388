"""Question texts are deleted after the retention period, and nothing else is; /privacy and
/over say what residents need to know. On SQLite and (with ASSISTANT_TEST_POSTGRES_URL) on
PostgreSQL.

Mutations tried (each turned a test red): the cutoff compared with ``>`` instead of ``<``
(recent texts deleted), deleting the question rows instead of stripping their text (feedback
cascades away), no retention run at start, the daily job not registered, the report still
listing stripped questions, /privacy without the configured controller or retention days,
/over without the summary or the link.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from assistant.bot import retention, texts
from assistant.bot.app import InProcess, build_application
from assistant.cli import main
from assistant.config import Settings
from assistant.ideas.model import Draft
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from assistant.store import Database, QuestionLog
from assistant.store.ideas import IdeaStore
from tests.conftest import services_of

NOW = dt.datetime(2026, 11, 23, 20, 0, tzinfo=dt.UTC)


def backdate(db: Database, table: str, row_id: int, days: float) -> None:
    stamp = (NOW - dt.timedelta(days=days)).isoformat(timespec="seconds")
    with db.transaction() as tx:
        tx.execute(f"UPDATE {table} SET created_at = ? WHERE id = ?", (stamp, row_id))


def rows(db: Database, sql: str) -> list[dict[str, object]]:
    return [dict(r) for r in db.execute(sql)]


def test_retention_strips_old_question_texts_and_nothing_else(database_url: str) -> None:
    db = Database(database_url).open()
    try:
        log = QuestionLog(db)
        old = log.log("Waar komt ons eten vandaan? groet, Joop", "nl", True, 0.8, ["a#1", "b#2"])
        old_unanswered = log.log("Wie is Joop Jansen?", "nl", False, 0.1, [])
        edge = log.log("Net binnen de termijn", "nl", True, 0.7, ["a#1"])
        recent = log.log("Wat is een burgerberaad?", "nl", True, 0.9, ["c#3"])
        backdate(db, "questions", old, 31)
        backdate(db, "questions", old_unanswered, 45)
        backdate(db, "questions", edge, 29.9)
        log.vote(old, "a#1", 1)
        log.vote(old, "b#2", -1)
        log.vote(recent, "c#3", 1)
        ideas = IdeaStore(db)
        idea, _ = ideas.submit(
            77,
            Draft(
                theme="preventiecoalitie",
                text="Groet, Joop: een moestuin bij de school.",
                municipality="Zaandam",
                contact_ok=True,
            ),
            "k:1",
            contact_name="Joop",
        )
        backdate(db, "ideas", idea.id, 400)
        ideas.save_draft(78, 78, Draft(theme="ai-voor-iedereen", text="half af, groet Joop"))
        before_ideas = rows(db, "SELECT * FROM ideas")
        before_drafts = rows(db, "SELECT * FROM drafts")
        before = {r["id"]: r for r in rows(db, "SELECT * FROM questions")}
        before_totals = log.totals()

        assert log.forget_old_texts(30, now=NOW) == 2
        after = {r["id"]: r for r in rows(db, "SELECT * FROM questions")}
        assert set(after) == set(before)  # rows stay: answered, hits and votes still count
        for qid in (old, old_unanswered):
            assert after[qid]["text"] == ""
            assert {k: v for k, v in after[qid].items() if k != "text"} == {
                k: v for k, v in before[qid].items() if k != "text"
            }
        assert after[edge] == before[edge] and after[recent] == before[recent]
        assert json.loads(str(after[old]["hits"])) == ["a#1", "b#2"]
        assert log.totals() == before_totals  # questions, answered, thumbs up and down
        assert rows(db, "SELECT * FROM ideas") == before_ideas
        assert rows(db, "SELECT * FROM drafts") == before_drafts
        report = log.report()
        assert [text for text, _ in report.unanswered_top] == []  # no empty line listed
        assert log.forget_old_texts(30, now=NOW) == 0  # done once
        assert log.forget_old_texts(29, now=NOW + dt.timedelta(days=1)) == 1  # then the edge
    finally:
        db.close()


async def test_bot_runs_retention_at_start_and_daily(
    settings: Settings, api: LocalBotApi, encoder: Encoder
) -> None:
    db = Database(settings.database).open()
    stale = QuestionLog(db).log("Wat doet de GGD? groet, Joop", "nl", True, 0.5, [])
    backdate(db, "questions", stale, 400)
    db.close()
    app = build_application(settings, InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram:
        services = services_of(telegram)
        assert services.questions.get(stale).text == ""  # at start
        [job] = app.job_queue.get_jobs_by_name(retention.JOB_NAME)
        assert job.trigger.interval == dt.timedelta(days=1)
        await telegram.send(Resident(id=5), "Wat is een burgerberaad? groet, Joop")
        newest = services.db.execute("SELECT MAX(id) FROM questions").fetchone()[0]
        assert services.questions.get(newest).text.endswith("groet, Joop")
        backdate(services.db, "questions", newest, 31)
        await job.run(app)  # the daily run, through the JobQueue's job
        assert services.questions.get(newest).text == ""


def test_cli_retention(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_QUESTION_RETENTION_DAYS", "7")
    db = Database(settings.database).open()
    log = QuestionLog(db)
    old, recent = log.log("oud", "nl", False, 0.0, []), log.log("nieuw", "nl", False, 0.0, [])
    backdate(db, "questions", old, (dt.datetime.now(dt.UTC) - NOW).days + 8)
    db.close()
    assert main(["retention"]) == 0
    assert capsys.readouterr().out.strip() == "deleted the texts of 1 questions older than 7 days"
    db = Database(settings.database).open()
    assert [QuestionLog(db).get(q).text for q in (old, recent)] == ["", "nieuw"]
    db.close()


@pytest.mark.parametrize("controller", ["", "Gemeente Voorbeeld, privacy@voorbeeld.nl"])
async def test_privacy_names_controller_period_and_what_moderators_see(
    settings: Settings,
    api: LocalBotApi,
    encoder: Encoder,
    monkeypatch: pytest.MonkeyPatch,
    controller: str,
) -> None:
    monkeypatch.setenv("ASSISTANT_CONTROLLER", controller)
    monkeypatch.setenv("ASSISTANT_QUESTION_RETENTION_DAYS", "14")
    app = build_application(Settings.from_env(), InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram:
        [nl] = await telegram.send(Resident(id=1, language_code="nl"), "/privacy")
        [en] = await telegram.send(Resident(id=2, language_code="en"), "/privacy")
    if controller:
        assert texts.html("nl", "privacy_controller", controller=controller) in nl.text
        assert texts.html("en", "privacy_controller", controller=controller) in en.text
    else:
        assert texts.html("nl", "privacy_controller_unset") in nl.text
        assert texts.html("en", "privacy_controller_unset") in en.text
    assert "Na 14 dagen wis ik de tekst" in nl.text and "After 14 days I delete" in en.text
    assert "gebruikersnaam (@naam)" in nl.text and "/vergeetmij" in nl.text
    assert "username (@name)" in en.text


async def test_about_shows_summary_date_publisher_and_original(
    settings: Settings, api: LocalBotApi, encoder: Encoder
) -> None:
    path = settings.knowledge_dir / "metropool-van-morgen.yaml"  # the test's own copy
    content = path.read_text(encoding="utf-8")
    path.write_text(
        content.replace(
            "date: '2023-07-11'\n", "date: '2023-07-11'\nurl: https://example.org/mvm?a=1&b=2\n", 1
        ),
        encoding="utf-8",
    )
    app = build_application(settings, InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram:
        [nl] = await telegram.send(Resident(id=1, language_code="nl"), "/over")
        [en] = await telegram.send(Resident(id=2, language_code="en"), "/over")
    kb = services_of(telegram).knowledge
    for doc in kb.documents:  # the plain "over" text, in the resident's language
        assert " ".join(doc.over["nl"].split())[:80] in " ".join(nl.text.split())
        assert " ".join(doc.over["en"].split())[:80] in " ".join(en.text.split())
    assert "Scenario van Amsterdam Economic Board, 9 juni 2020" in nl.text
    assert "11 juli 2023" in nl.text and "11 July 2023" in en.text
    assert '<a href="https://example.org/mvm?a=1&amp;b=2">' in nl.text
    assert texts.html("nl", "about_no_original", publisher="Amsterdam Economic Board") in nl.text
    assert texts.html("nl", "about_scenario_note") in nl.text


async def test_the_bot_keeps_texts_as_long_as_the_setting_says(
    settings: Settings, api: LocalBotApi, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ASSISTANT_QUESTION_RETENTION_DAYS=7: the bot's own run (not only the CLI) uses it."""
    monkeypatch.setenv("ASSISTANT_QUESTION_RETENTION_DAYS", "7")
    seven = Settings.from_env()
    db = Database(seven.database).open()
    log = QuestionLog(db)
    old = log.log("Acht dagen oud, groet Joop", "nl", True, 0.5, [])
    young = log.log("Zes dagen oud, groet Joop", "nl", True, 0.5, [])
    now = dt.datetime.now(dt.UTC)
    for row_id, days in ((old, 8), (young, 6)):
        stamp = (now - dt.timedelta(days=days)).isoformat(timespec="seconds")
        with db.transaction() as tx:
            tx.execute("UPDATE questions SET created_at = ? WHERE id = ?", (stamp, row_id))
    db.close()
    app = build_application(seven, InProcess(api), encoder=encoder)
    async with LocalTelegram(app, api) as telegram:
        services = services_of(telegram)
        assert services.questions.get(old).text == ""  # type: ignore[union-attr]
        assert services.questions.get(young).text.startswith("Zes")  # type: ignore[union-attr]
