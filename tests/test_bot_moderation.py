"""Moderators and maintainers through the real Application and the local Bot API."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.bot import texts
from assistant.cli import main
from assistant.config import Settings
from assistant.export import FIELDS
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of
from tests.support import (
    MAINTAINER,
    MOD,
    MOD2,
    MOD_CHAT,
    audit_rows,
    notices_sent,
    rows,
    submit,
)

AUTHOR = Resident(id=610, first_name="Eva", language_code="en")
SHY = Resident(id=611, first_name="Noor", language_code="nl")


@pytest.mark.parametrize("command", ["/review", "/stats", "/export", "/reindex"])
async def test_staff_commands_look_unknown_to_residents(
    staffed: LocalTelegram, command: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    [reply] = await staffed.send(AUTHOR, command + " geheim")
    [unknown] = await staffed.send(AUTHOR, "/bestaatniet")
    assert reply.text == unknown.text == texts.html("en", "unknown_command")
    refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert refusals == [f"refused {command} for a user without that role"]
    assert not any(
        "geheim" in r.getMessage() or str(AUTHOR.id) in r.getMessage() for r in caplog.records
    )


async def test_moderators_group_hears_of_new_ideas(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    [note] = api.to_chat(MOD_CHAT)
    assert f"#{number}" in note.text and "/review" in note.text
    assert "Gratis sportlessen" not in note.text  # the text stays in the review


async def test_review_approve_notifies_consenting_author(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    [review] = await staffed.send(MOD, "/review")
    assert f"Idee #{number}" in review.text and "Gratis sportlessen" in review.text
    assert "inwoner-" in review.text and str(AUTHOR.id) not in review.text
    assert "contact: Eva" in review.text
    before = len(api.to_chat(AUTHOR.id))
    replies = await staffed.press(MOD, review, "Goedkeuren")
    assert replies[-1].text == texts.html("nl", "mod_queue_empty")
    idea = services_of(staffed).ideas.get(number)
    assert idea is not None and idea.status == "approved"
    assert idea.moderated_by == f"telegram:{MOD.id}"
    await notices_sent(staffed)
    [notice] = api.to_chat(AUTHOR.id)[before:]
    assert "was approved" in notice.text and f"#{number}" in notice.text  # author's language
    [row] = audit_rows(staffed)
    assert (
        row["idea_id"],
        row["action"],
        row["status_before"],
        row["status_after"],
        row["actor"],
    ) == (number, "approve", "pending", "approved", "telegram:900")


async def test_reject_with_reason_hide_and_skip(staffed: LocalTelegram, api: LocalBotApi) -> None:
    first = await submit(staffed, SHY, "Een wandelclub voor ouderen in de wijk.", False)
    second = await submit(
        staffed,
        AUTHOR,
        "AI-spreekuur in de bibliotheek voor iedereen.",
        True,
        theme="theme:ai-voor-iedereen",
    )
    [review] = await staffed.send(MOD2, "/review")
    assert f"Idea #{first}" in review.text and "contact:" not in review.text
    [next_review] = await staffed.press(MOD2, review, "Skip")
    assert f"Idea #{second}" in next_review.text
    await staffed.press(MOD2, next_review, "Reject")
    assert next_review.buttons[0][1] == f"modr:{second}:offtopic"
    before = len(api.to_chat(AUTHOR.id))
    await staffed.press(MOD2, next_review, "Off topic")
    rejected = services_of(staffed).ideas.get(second)
    assert rejected is not None and rejected.status == "rejected"
    assert rejected.moderation_reason == "off topic"  # in the author's language
    await notices_sent(staffed)
    [notice] = api.to_chat(AUTHOR.id)[before:]
    assert "was not approved (reason: off topic)" in notice.text
    assert services_of(staffed).ideas.get(first).status == "pending"  # type: ignore[union-attr]
    [review] = await staffed.send(MOD2, "/review")  # a new /review forgets the skips
    shy_before = len(api.to_chat(SHY.id))
    await staffed.press(MOD2, review, "Hide")
    assert services_of(staffed).ideas.get(first).status == "hidden"  # type: ignore[union-attr]
    assert len(api.to_chat(SHY.id)) == shy_before  # no consent: no message
    assert [r["action"] for r in audit_rows(staffed)] == ["reject", "hide"]


async def test_a_typed_reason_rejects_and_reaches_the_author(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    kept = await submit(staffed, SHY, "Een wandelclub voor ouderen in de wijk.", False)
    number = await submit(staffed, AUTHOR, "AI-spreekuur in de bibliotheek.", True)
    [review] = await staffed.send(MOD, "/review")
    await staffed.press(MOD, review, "Afwijzen")
    # "type a reason", then a command: the idea stays as it was and the command runs
    [prompt] = await staffed.press(MOD, review, texts.plain("nl", "btn_reason_typed"))
    assert f"#{kept}" in prompt.text
    [again] = await staffed.send(MOD, "/review")
    assert f"#{kept}" in again.text
    assert services_of(staffed).ideas.get(kept).status == "pending"  # type: ignore[union-attr]
    await staffed.press(MOD, again, "Overslaan")
    [review] = api.to_chat(MOD.id)[-1:]
    assert f"#{number}" in review.text
    await staffed.press(MOD, review, "Afwijzen")
    await staffed.press(MOD, review, texts.plain("nl", "btn_reason_typed"))
    reason = "Dit gaat over de bibliotheek van je gemeente: mail die gerust zelf."
    replies = await staffed.send(MOD, reason)
    status = texts.plain("nl", "status_rejected")
    assert texts.html("nl", "mod_done", status=status) in replies[0].text
    rejected = services_of(staffed).ideas.get(number)
    assert rejected is not None and rejected.status == "rejected"
    assert rejected.moderation_reason == reason  # typed, not searched as a question
    assert rows(staffed, "SELECT COUNT(*) AS n FROM questions") == [{"n": 0}]
    await notices_sent(staffed)
    assert reason in api.to_chat(AUTHOR.id)[-1].text


async def test_what_became_of_an_idea_shows_without_contact(
    staffed: LocalTelegram, api: LocalBotApi
) -> None:
    """A resident who chose no contact hears nothing, but /mijnideeen says why an idea was
    rejected and which idea it was joined to."""
    rejected = await submit(staffed, SHY, "Een wandelclub voor ouderen in de wijk.", False)
    joined = await submit(staffed, SHY, "Wandelen met ouderen uit de buurt, elke week.", False)
    original = await submit(staffed, AUTHOR, "Een wekelijkse wandelgroep voor senioren.", True)
    [review] = await staffed.send(MOD2, "/review")
    assert f"Idea #{rejected}" in review.text
    await staffed.press(MOD2, review, "Reject")
    await staffed.press(MOD2, review, "Off topic")
    services_of(staffed).moderation.mark_duplicate(joined, original, "test")
    before = len(api.to_chat(SHY.id))
    await notices_sent(staffed)
    assert len(api.to_chat(SHY.id)) == before  # no contact: no notice
    [mine] = await staffed.send(SHY, "/mijnideeen")
    assert "Reden: buiten het thema" in mine.text
    assert f"Samengevoegd met idee #{original}" in mine.text


async def test_two_exports_are_two_files_named_in_local_time(staffed: LocalTelegram) -> None:
    await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    [first] = await staffed.send(MOD, "/export")
    await asyncio.sleep(1.1)
    [second] = await staffed.send(MOD, "/export")
    assert first.document is not None and second.document is not None
    names = [first.document[0], second.document[0]]
    assert names[0] != names[1] and all(n.startswith("ideeen-") for n in names)
    local = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).strftime("%Y-%m-%d_%H-")
    assert names[1].startswith(f"ideeen-{local}")
    assert "wacht op beoordeling / goedgekeurd" in second.text
    assert "pending" not in second.text


async def test_two_moderators_race_on_one_idea(staffed: LocalTelegram) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    [one] = await staffed.send(MOD, "/review")
    [two] = await staffed.send(MOD2, "/review")
    await asyncio.gather(staffed.press(MOD, one, "Goedkeuren"), staffed.press(MOD2, two, "Hide"))
    rows = audit_rows(staffed)
    assert len(rows) == 1
    idea = services_of(staffed).ideas.get(number)
    assert idea is not None and idea.status == rows[0]["status_after"]
    answers = [a.get("text", "") for a in staffed.api.callback_answers.values()]
    assert any(
        a.startswith("Dit idee is al behandeld") or a.startswith("This idea was already handled")
        for a in answers
    )


async def test_forged_moderation_button_from_a_resident(staffed: LocalTelegram) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    [review] = await staffed.send(MOD, "/review")
    await staffed.process(staffed.callback_update(AUTHOR, review, f"mod:approve:{number}"))
    await staffed.process(staffed.callback_update(AUTHOR, review, f"modr:{number}:none"))
    assert staffed.callback_answer()["text"] == texts.plain("en", "expired_button")
    assert services_of(staffed).ideas.get(number).status == "pending"  # type: ignore[union-attr]
    assert audit_rows(staffed) == []


async def test_stats_and_export_leave_out_hidden(staffed: LocalTelegram) -> None:
    keep = await submit(staffed, AUTHOR, '=HYPERLINK("x") sportlessen; "gratis" in de wijk', True)
    hide = await submit(staffed, SHY, "Een wandelclub voor ouderen in de wijk.", False)
    services_of(staffed).moderation.set_status(hide, "hidden", "test")
    [stats] = await staffed.send(MOD, "/stats")
    assert (
        "<b>Regionale preventiecoalitie</b>: 1 wachtend, 0 goedgekeurd, 0 afgewezen, "
        "1 verborgen" in stats.text
    )
    assert stats.text.count(": 1\n") + stats.text.endswith(": 1") >= 1  # today's visible idea
    assert ": 0\n" not in stats.text  # days without ideas are left out, not listed as zeros
    assert "/inzicht" in stats.text  # the console has the charts
    assert "Vragen:</b> 0" in stats.text
    [document] = await staffed.send(MOD, "/export")
    assert document.document is not None
    name, content = document.document
    assert name.endswith(".csv") and content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == FIELDS
    assert [int(r["id"]) for r in rows] == [keep]  # hidden idea left out
    row = rows[0]
    assert row["text"].startswith("'=HYPERLINK")  # a formula is neutralised
    assert row["author"].startswith("inwoner-") and row["contact_name"] == "Eva"
    assert row["contact_telegram_id"] == str(AUTHOR.id)  # consented
    [everything] = await staffed.send(MOD, "/export alle")
    assert everything.document is not None
    all_rows = list(
        csv.DictReader(io.StringIO(everything.document[1].decode("utf-8-sig")), delimiter=";")
    )
    shy = next(r for r in all_rows if int(r["id"]) == hide)
    assert shy["contact_name"] == "" and shy["contact_telegram_id"] == ""  # pseudonymous
    assert all(str(SHY.id) not in (cell, f"'{cell}") for r in all_rows for cell in r.values())
    [usage] = await staffed.send(MOD, "/export onzin")
    assert "Gebruik: /export" in usage.text


async def test_cli_for_moderators(
    staffed: LocalTelegram, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    number = await submit(staffed, AUTHOR, "Gratis sportlessen in het buurthuis.", True)
    other = await submit(staffed, SHY, "Een wandelclub voor ouderen in de wijk.", False)
    capsys.readouterr()
    assert main(["ideas", "list", "--theme", "preventiecoalitie"]) == 0
    out = capsys.readouterr().out
    assert f"#{number}" in out and "inwoner-" in out and str(AUTHOR.id) not in out
    assert main(["ideas", "set-status", str(other), "hidden", "--reason", "spam"]) == 0
    assert "pending -> hidden" in capsys.readouterr().out
    assert main(["ideas", "list"]) == 0
    assert f"#{other} " not in capsys.readouterr().out  # hidden left out by default
    assert main(["ideas", "list", "--status", "hidden"]) == 0
    assert f"#{other} " in capsys.readouterr().out
    assert main(["ideas", "set-status", "9999", "approved"]) == 1
    assert main(["ideas", "set-status", str(number), "gek"]) == 1
    assert (
        main(
            [
                "ideas",
                "export",
                "--format",
                "json",
                "-o",
                str(tmp_path / "i.json"),
                "--status",
                "all",
            ]
        )
        == 0
    )
    exported = json.loads((tmp_path / "i.json").read_text(encoding="utf-8"))
    assert {e["id"] for e in exported} == {number, other}
    assert main(["ideas", "export", "-o", str(tmp_path / "i.csv")]) == 0
    assert (tmp_path / "i.csv").read_bytes().startswith(b"\xef\xbb\xbfid;theme;status")
    capsys.readouterr()
    assert main(["audit"]) == 0
    out = capsys.readouterr().out
    assert f"#{other}" in out and "pending -> hidden" in out and "(spam)" in out
    assert "by cli:" in out


async def test_reindex_while_answering(staffed: LocalTelegram, settings: Settings) -> None:
    path = settings.knowledge_dir / "metropool-van-morgen.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Innoveren doe je nooit alleen.",
            "Innoveren doe je nooit alleen. Een zeppelinhaven in "
            "Lelystad hoort bij de regionale innovatieagenda.",
        ),
        encoding="utf-8",
    )
    askers = [Resident(id=800 + n) for n in range(8)]
    results = await asyncio.gather(
        staffed.send(MAINTAINER, "/reindex"),
        *(staffed.send(r, "Wat is een burgerberaad?") for r in askers),
    )
    assert all(len(r) == 1 and "burgerberaden" in r[0].text for r in results[1:])
    status = results[0][0]
    assert status.text.startswith("Klaar: 24 passages")
    [answer] = await staffed.send(AUTHOR, "Komt er een zeppelinhaven in Lelystad?")
    assert "zeppelinhaven" in answer.text


async def test_broken_content_keeps_old_index(staffed: LocalTelegram, settings: Settings) -> None:
    old = services_of(staffed).retriever.index.path
    (settings.knowledge_dir / "themes.yaml").write_text("themes: [\n", encoding="utf-8")
    [status] = await staffed.send(MAINTAINER, "/reindex")
    assert status.text.startswith("Herindexeren mislukt") and "themes.yaml" in status.text
    assert services_of(staffed).retriever.index.path == old
    [answer] = await staffed.send(AUTHOR, "What is a citizens' assembly?")
    assert "burgerberaden" in answer.text


async def test_more_results_after_a_reindex_page_the_list_once_shown(
    staffed: LocalTelegram, settings: Settings
) -> None:
    """One answer, followed to the end: "more results" pages the hits the resident was shown
    (as logged with the question), not a new search on an index that changed since."""
    question = "Hoe organiseren burgers duurzame energie?"
    before = services_of(staffed).retriever.search(question)
    later = before.shown[before.first_page :]
    assert later, "the question needs a second page"
    [answer] = await staffed.send(AUTHOR, question)
    old = later[0].passage.heading
    for path in settings.knowledge_dir.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, "Een kop die er eerst niet was"), encoding="utf-8")
    [status] = await staffed.send(MAINTAINER, "/reindex")
    assert status.text.startswith("Klaar")
    assert services_of(staffed).retriever.search(question).shown != before.shown
    [more] = await staffed.press(AUTHOR, answer, texts.plain("en", "btn_more"))
    assert old in more.text and "Een kop die er eerst niet was" not in more.text
    # page 2 goes on where page 1 stopped: nothing of the first page again
    assert all(h.passage.heading not in more.text for h in before.shown[: before.first_page])
    await staffed.press(AUTHOR, more, "👎")  # the vote is on the passage shown, as logged
    [vote] = rows(staffed, "SELECT passage_id, vote FROM feedback")
    assert vote == {"passage_id": later[0].passage.id, "vote": -1}


async def test_index_rebuilt_by_cli_is_picked_up(
    staffed: LocalTelegram, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    old = services_of(staffed).retriever.index.path
    path = settings.knowledge_dir / "local-for-local.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Er zijn diverse lokale munten in omloop.",
            "Er zijn diverse lokale munten in omloop, zoals de Zaanse Zeppelindaalder.",
        ),
        encoding="utf-8",
    )
    assert main(["index"]) == 0
    [job] = [j for j in staffed.app.job_queue.jobs() if j.name == "watch-index"]
    await job.run(staffed.app)
    assert services_of(staffed).retriever.index.path != old
    [answer] = await staffed.send(AUTHOR, "Wat is de Zeppelindaalder?")
    assert "Zeppelindaalder" in answer.text
