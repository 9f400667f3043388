"""The idea conversation through the real Application, checked against the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import pytest

from assistant.bot import ideas as idea_flow
from assistant.bot import texts
from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.ideas.model import Draft
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from assistant.store.db import Database
from tests.conftest import services_of
from tests.support import IDEA, rows, walk

NL = Resident(id=601, first_name="Fatima", language_code="nl")
EN = Resident(id=602, first_name="Sam", language_code="en")


@pytest.mark.parametrize(
    ("who", "theme_label", "theme_id", "skip_word"),
    [
        (NL, "Regionale preventiecoalitie", "preventiecoalitie", "(overgeslagen)"),
        (NL, "AI: verantwoord en voor iedereen", "ai-voor-iedereen", "(overgeslagen)"),
        (EN, "Regional prevention coalition", "preventiecoalitie", "(skipped)"),
        (EN, "AI: responsible and for everyone", "ai-voor-iedereen", "(skipped)"),
    ],
)
async def test_whole_flow(
    telegram: LocalTelegram, who: Resident, theme_label: str, theme_id: str, skip_word: str
) -> None:
    summary = await walk(telegram, who, theme_label, IDEA, answers=("Voor ouderen", None))
    assert IDEA in summary.text and "Voor ouderen" in summary.text and skip_word in summary.text
    replies = await telegram.press(who, summary, "send")
    confirmation = replies[-1]
    [idea] = rows(telegram, "SELECT * FROM ideas")
    assert f"#{idea['id']}" in confirmation.text
    assert summary.buttons == [
        (texts.plain(who.language_code or "nl", "idea_sent_label", number=idea["id"]), "noop")
    ]
    assert summary.buttons[0][0].endswith(f"#{idea['id']}")
    assert idea["theme"] == theme_id and idea["text"] == IDEA
    assert idea["author_id"] == who.id and idea["status"] == "pending"
    assert idea["municipality"] == "Zaandam" and idea["contact_ok"] == 1
    assert idea["lang"] == (who.language_code or "nl")
    assert idea["contact_name"] == who.first_name
    theme = services_of(telegram).knowledge.theme(theme_id)
    assert theme is not None
    first, second = (q.id for q in theme.questions)
    assert json.loads(str(idea["answers"])) == {first: "Voor ouderen", second: None}
    assert rows(telegram, "SELECT * FROM drafts") == []  # the conversation's state with it


async def test_theme_button_under_an_answer_starts_the_flow(telegram: LocalTelegram) -> None:
    [answer] = await telegram.send(NL, "Wat is een regionale preventiecoalitie?")
    [prompt] = await telegram.press(NL, answer, "idea:preventiecoalitie")
    assert "<b>Regionale preventiecoalitie</b>" in prompt.text


async def test_skipping_everything_and_no_contact(telegram: LocalTelegram) -> None:
    summary = await walk(
        telegram, NL, "AI: verantwoord", IDEA, answers=(None, None), place=None, contact=False
    )
    await telegram.press(NL, summary, "send")
    [idea] = rows(telegram, "SELECT * FROM ideas")
    assert json.loads(str(idea["answers"])) == {"risico_of_kans": None, "iedereen_mee": None}
    assert idea["municipality"] == "" and idea["contact_ok"] == 0 and idea["contact_name"] == ""


async def test_editing_before_sending(telegram: LocalTelegram) -> None:
    summary = await walk(telegram, NL, "Regionale preventiecoalitie", IDEA)
    [menu] = await telegram.press(NL, summary, "edit")
    [prompt] = await telegram.press(NL, menu, "edit:text")
    [summary] = await telegram.send(NL, "Een beweegroute door elke wijk voor alle leeftijden.")
    assert "beweegroute" in summary.text and "Moestuinen" not in summary.text
    [menu] = await telegram.press(NL, summary, "edit")
    [prompt] = await telegram.press(NL, menu, "edit:q:1")
    [summary] = await telegram.send(NL, "GGD en sportclubs")
    [menu] = await telegram.press(NL, summary, "edit")
    [prompt] = await telegram.press(NL, menu, "edit:contact")
    [summary] = await telegram.press(NL, prompt, "contact:no")
    await telegram.press(NL, summary, "send")
    [idea] = rows(telegram, "SELECT * FROM ideas")
    assert idea["text"] == "Een beweegroute door elke wijk voor alle leeftijden."
    assert json.loads(str(idea["answers"]))["samenwerking"] == "GGD en sportclubs"
    assert idea["contact_ok"] == 0


async def test_cancel_at_any_step(telegram: LocalTelegram) -> None:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "Regionale preventiecoalitie")
    await telegram.send(NL, IDEA)
    [reply] = await telegram.send(NL, "/annuleer")
    assert reply.text == texts.html("nl", "idea_cancelled")
    assert rows(telegram, "SELECT * FROM drafts") == []
    [answer] = await telegram.send(NL, "Wat is een burgerberaad?")  # a question again
    assert "burgerberaden" in answer.text
    summary = await walk(telegram, EN, "AI: responsible", IDEA)
    [question] = await telegram.press(EN, summary, "cancel")  # asked first
    [reply] = await telegram.press(EN, question, "cancel:yes")
    assert reply.text == texts.html("en", "idea_cancelled")
    assert rows(telegram, "SELECT * FROM ideas") == [] == rows(telegram, "SELECT * FROM drafts")


async def test_start_inside_the_flow_keeps_the_draft(telegram: LocalTelegram) -> None:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "Regionale preventiecoalitie")
    await telegram.send(NL, IDEA)
    replies = await telegram.send(NL, "/start")
    assert "Welkom" in replies[0].text and replies[-1].text == texts.html("nl", "idea_draft_kept")
    [offer] = await telegram.send(NL, "/idee")
    assert "half afgemaakt idee" in offer.text
    [question] = await telegram.press(NL, offer, "resume:continue")
    assert "Voor wie" in question.text
    await telegram.send(NL, "/start")  # out of the flow again, the draft kept
    [cancelled] = await telegram.send(NL, "/annuleer")  # the menu's /annuleer drops it
    assert cancelled.text == texts.html("nl", "idea_cancelled")
    assert services_of(telegram).ideas.draft(NL.id) is None
    [nothing] = await telegram.send(NL, "/annuleer")
    assert nothing.text == texts.html("nl", "nothing_to_cancel")


async def test_bad_idea_texts_are_explained(telegram: LocalTelegram) -> None:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "AI: verantwoord")
    cases = [
        ("kort", "idea_too_short"),
        ("x" * 2001, "idea_too_long"),
        ("🤖🤖🤖🤖🤖🤖🤖🤖🤖🤖🤖", "idea_no_words"),
        ("https://example.org/ai-plan", "idea_only_link"),
    ]
    for text, key in cases:
        [reply] = await telegram.send(NL, text)
        assert reply.text == texts.html("nl", key, min=10, max=2000, length=len(text))
    [photo_reply] = await telegram.send_other(NL, "photo")
    assert photo_reply.text == texts.html("nl", "idea_text_only")
    [next_step] = await telegram.send(NL, "<b>AI-les</b> & uitleg in de bibliotheek voor ouderen")
    assert "Welk risico" in next_step.text
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.text.startswith("<b>AI-les</b> & uitleg")  # verbatim


async def test_a_photo_with_its_idea_as_caption_keeps_the_caption(
    telegram: LocalTelegram,
) -> None:
    """Residents show their street and describe the idea under the photo: the caption is the
    idea (they are told the photo itself is not kept), and so for a follow-up answer."""
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "AI: verantwoord")
    idea = "Een AI-spreekuur in dit buurthuis, elke woensdagmiddag."
    note, next_step = await telegram.send_other(NL, "photo", caption=idea)
    assert note.text == texts.html("nl", "idea_caption_read")
    assert "Welk risico" in next_step.text
    await telegram.send_other(NL, "document", caption="Dat niemand het snapt.")
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.text == idea
    assert "Dat niemand het snapt." in draft.answers.values()


async def test_markup_in_ideas_is_escaped_everywhere(telegram: LocalTelegram) -> None:
    text = "<script>x</script> & <b>vet</b> idee voor de buurt"
    summary = await walk(telegram, NL, "AI: verantwoord", text, answers=("<i>a</i>", "&amp;"))
    assert "&lt;script&gt;" in summary.text and "&amp;amp;" in summary.text
    await telegram.press(NL, summary, "send")
    [mine] = await telegram.send(NL, "/mijnideeen")
    assert "&lt;b&gt;vet&lt;/b&gt;" in mine.text
    [idea] = rows(telegram, "SELECT text FROM ideas")
    assert idea["text"] == text


async def test_idle_draft_offers_resume(telegram: LocalTelegram) -> None:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "Regionale preventiecoalitie")
    await telegram.send(NL, IDEA)
    db = services_of(telegram).db
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.step == "follow_up"
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat(timespec="seconds")
    draft.updated_at = old
    with db.transaction() as conn:
        conn.execute("UPDATE drafts SET data = ?, updated_at = ?", (draft.to_json(), old))
    [offer] = await telegram.send(NL, "Voor kinderen")
    assert "half afgemaakt idee" in offer.text and "Regionale preventiecoalitie" in offer.text
    [question] = await telegram.press(NL, offer, "resume:continue")
    assert "Voor wie" in question.text
    [question2] = await telegram.send(NL, "Voor kinderen")
    assert "Wie zouden moeten samenwerken" in question2.text
    kept = services_of(telegram).ideas.draft(NL.id)
    assert kept is not None and kept.text == IDEA and kept.answers["voor_wie"] == "Voor kinderen"


async def test_live_timeout_keeps_draft(
    settings: Settings, encoder: Encoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process on SQLite: the conversation's own timeout job tells the resident."""
    monkeypatch.setattr(idea_flow, "IDLE", dt.timedelta(seconds=1.5))
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", f"sqlite:///{tmp_path / 'live.sqlite3'}")
    settings = Settings.from_env()
    api = LocalBotApi()
    async with LocalTelegram(
        build_application(settings, InProcess(api), encoder=encoder), api
    ) as telegram:
        [choice] = await telegram.send(NL, "/idee")
        await telegram.press(NL, choice, "Regionale preventiecoalitie")
        await telegram.send(NL, IDEA)
        for _ in range(100):
            if api.sent[-1].text == texts.html("nl", "idea_timeout"):
                break
            await asyncio.sleep(0.1)
        assert api.sent[-1].text == texts.html("nl", "idea_timeout")
        assert services_of(telegram).ideas.draft(NL.id) is not None
        [answer] = await telegram.send(NL, "Wat is een burgerberaad?")  # out of the idea now
        assert "burgerberaden" in answer.text
        [offer] = await telegram.send(NL, "/idee")
        assert "half afgemaakt idee" in offer.text


async def test_restart_mid_flow_continues(settings: Settings, encoder: Encoder) -> None:
    api = LocalBotApi()
    telegram = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    await telegram.start()
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "AI: verantwoord")
    await telegram.send(NL, IDEA)
    await telegram.stop()
    # a new Application on the same database: the resident just goes on typing
    again = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    await again.start()
    try:
        [question] = await again.send(NL, "Dat AI beslist zonder dat iemand het ziet")
        assert "Hoe kan iedereen meedoen" in question.text
        [place] = await again.press(NL, question, "skip")
        assert "gemeente" in place.text
        [age] = await again.send(NL, "Haarlem")
        [contact] = await again.press(NL, age, "age:35-54")
        [summary] = await again.press(NL, contact, "contact:no")
        await again.press(NL, summary, "send")
        [idea] = rows(again, "SELECT * FROM ideas")
        assert idea["text"] == IDEA and idea["municipality"] == "Haarlem"
        assert idea["age_group"] == "35-54"
        assert (
            json.loads(str(idea["answers"]))["risico_of_kans"]
            == "Dat AI beslist zonder dat iemand het ziet"
        )
    finally:
        await again.stop()


async def test_double_send_stores_one_idea(telegram: LocalTelegram) -> None:
    summary = await walk(telegram, NL, "Regionale preventiecoalitie", IDEA)
    first = await telegram.process(telegram.callback_update(NL, summary, "send"))
    second = await telegram.process(telegram.callback_update(NL, summary, "send"))
    assert first is None and second is None
    assert len(rows(telegram, "SELECT * FROM ideas")) == 1
    assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")


async def test_send_delivered_again_after_restart(settings: Settings, encoder: Encoder) -> None:
    api = LocalBotApi()
    telegram = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    await telegram.start()
    summary = await walk(telegram, NL, "Regionale preventiecoalitie", IDEA)
    send = telegram.callback_update(NL, summary, "send")
    await telegram.process(send)
    [idea] = rows(telegram, "SELECT id FROM ideas")
    # a crash after the commit: the draft, the conversation's only state, left with it
    await telegram.stop()
    db = Database(settings.database).open()
    assert db.execute("SELECT * FROM drafts").fetchall() == []
    db.close()
    again = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    await again.start()
    try:
        api.expect_callback(send.callback_query.id)  # type: ignore[union-attr]
        before = len(api.sent)
        await again.process(send)  # Telegram delivers the same update again
        assert f"#{idea['id']}" in api.sent[before:][-1].text
        assert len(rows(again, "SELECT * FROM ideas")) == 1
    finally:
        await again.stop()


async def test_two_residents_at_once_no_crosstalk(telegram: LocalTelegram) -> None:
    a, b = Resident(id=701, language_code="nl"), Resident(id=702, language_code="en")
    choices = await asyncio.gather(telegram.send(a, "/idee"), telegram.send(b, "/idee"))
    await asyncio.gather(
        telegram.press(a, choices[0][0], "theme:preventiecoalitie"),
        telegram.press(b, choices[1][0], "theme:ai-voor-iedereen"),
    )
    steps = await asyncio.gather(
        telegram.send(a, "Idee van A: buurtsport voor ouderen."),
        telegram.send(b, "Idea of B: AI lessons in libraries."),
    )
    for _ in range(2):
        steps = await asyncio.gather(
            telegram.press(a, steps[0][0], "skip"), telegram.press(b, steps[1][0], "skip")
        )
    steps = await asyncio.gather(telegram.send(a, "Purmerend"), telegram.send(b, "Almere"))
    steps = await asyncio.gather(
        telegram.press(a, steps[0][0], "skip"), telegram.press(b, steps[1][0], "age:u18")
    )
    steps = await asyncio.gather(
        telegram.press(a, steps[0][0], "contact:no"), telegram.press(b, steps[1][0], "contact:yes")
    )
    await asyncio.gather(
        telegram.press(a, steps[0][0], "send"), telegram.press(b, steps[1][0], "send")
    )
    got = {r["author_id"]: r for r in rows(telegram, "SELECT * FROM ideas")}
    assert got[701]["text"] == "Idee van A: buurtsport voor ouderen."
    assert got[701]["theme"] == "preventiecoalitie" and got[701]["municipality"] == "Purmerend"
    assert got[702]["text"] == "Idea of B: AI lessons in libraries."
    assert got[702]["theme"] == "ai-voor-iedereen" and got[702]["municipality"] == "Almere"


async def test_my_ideas_shows_only_own(telegram: LocalTelegram) -> None:
    for who, text in (
        (NL, "Mijn eigen idee over preventie in de wijk."),
        (EN, "Someone else's idea about AI in schools."),
    ):
        summary = await walk(telegram, who, "theme:preventiecoalitie", text)
        await telegram.press(who, summary, "send")
    [mine] = await telegram.send(NL, "/mijnideeen")
    assert "Mijn eigen idee" in mine.text and "Someone else" not in mine.text
    assert "wacht op beoordeling" in mine.text
    [none] = await telegram.send(Resident(id=999), "/mijnideeen")
    assert none.text == texts.html("nl", "my_ideas_none")


async def test_forget_me_leaves_no_row(telegram: LocalTelegram) -> None:
    summary = await walk(telegram, NL, "Regionale preventiecoalitie", IDEA)
    await telegram.press(NL, summary, "send")
    other = await walk(telegram, EN, "theme:ai-voor-iedereen", "An idea that must stay here.")
    await telegram.press(EN, other, "send")
    [prompt] = await telegram.send(NL, "/taal")
    await telegram.press(NL, prompt, "lang:nl")
    [choice] = await telegram.send(NL, "/idee")  # a new draft, mid-conversation
    await telegram.press(NL, choice, "theme:ai-voor-iedereen")
    [confirm] = await telegram.send(NL, "/vergeetmij")
    assert "(1)" in confirm.text
    [kept] = await telegram.press(NL, confirm, "forget:no")
    assert kept.text == texts.html("nl", "forget_kept")
    assert rows(telegram, "SELECT * FROM ideas WHERE author_id = ?", NL.id)
    [confirm] = await telegram.send(NL, "/vergeetmij")
    [done] = await telegram.press(NL, confirm, "forget:yes")
    assert done.text == texts.html("nl", "forget_done")
    for table, column in (
        ("ideas", "author_id"),
        ("drafts", "user_id"),
        ("prefs", "user_id"),
    ):
        assert rows(telegram, f"SELECT * FROM {table} WHERE {column} = ?", NL.id) == []
    assert len(rows(telegram, "SELECT * FROM ideas WHERE author_id = ?", EN.id)) == 1
    # the deletion sticks after a restart, and the bot treats the resident as new
    await telegram.stop()
    await telegram.start()
    assert rows(telegram, "SELECT * FROM ideas WHERE author_id = ?", NL.id) == []
    [answer] = await telegram.send(NL, "Wat is een burgerberaad?")
    assert "burgerberaden" in answer.text


async def test_daily_limit(telegram: LocalTelegram) -> None:
    store = services_of(telegram).ideas
    for n in range(10):
        store.submit(
            NL.id,
            Draft(
                theme="preventiecoalitie", text=f"Idee nummer {n} voor de wijk", contact_ok=False
            ),
            f"seed:{n}",
        )
    summary = await walk(telegram, NL, "Regionale preventiecoalitie", IDEA)
    replies = await telegram.press(NL, summary, "send")
    assert replies[-1].text == texts.html("nl", "idea_limit", max=10)
    assert len(rows(telegram, "SELECT * FROM ideas WHERE author_id = ?", NL.id)) == 10
    assert store.draft(NL.id) is not None  # nothing typed is lost


async def test_idea_only_in_private_chat(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(NL, "/idee", chat_id=-100300)
    assert reply.text == texts.html("nl", "idea_private_only")


async def test_a_deploy_mid_conversation_goes_on(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database of the release before issue 15 (conversation states in their own table):
    after the upgrade, a resident in the middle of an idea goes on typing, one who had left
    theirs (draft kept, no conversation) is answered, and an open menu stays open."""
    from assistant.store import db as db_module

    before_15 = [m for m in db_module.MIGRATIONS if m.version <= 3]
    monkeypatch.setattr(db_module, "MIGRATIONS", before_15)
    old = Database(settings.database).open()
    left = Resident(id=603, first_name="Eva", language_code="nl")
    menu = Resident(id=604, first_name="Joost", language_code="nl")
    drafts = {
        NL.id: Draft(theme="preventiecoalitie", text=IDEA, step="follow_up"),
        left.id: Draft(theme="preventiecoalitie", text=IDEA, step="place"),
        menu.id: Draft(theme="preventiecoalitie", text=IDEA, step="confirm", contact_ok=False),
    }
    with old.transaction() as conn:
        for user_id, draft in drafts.items():
            conn.execute(
                "INSERT INTO drafts VALUES (?, ?, ?, '2026-11-23T12:00:00+00:00')",
                (user_id, user_id, draft.to_json()),
            )
        for user_id, state in ((NL.id, '"follow_up"'), (menu.id, '"edit"')):
            conn.execute(
                "INSERT INTO conversations VALUES ('idea', ?, ?, ?, '2026-11-23T12:00:00+00:00')",
                (user_id, user_id, state),
            )
    old.close()
    monkeypatch.undo()
    api = LocalBotApi()
    telegram = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    await telegram.start()
    try:
        ideas = services_of(telegram).ideas
        modes = [(who, ideas.draft(who).mode) for who in (NL.id, left.id, menu.id)]  # type: ignore[union-attr]
        assert modes == [(NL.id, ""), (left.id, "parked"), (menu.id, "edit")]
        [question2] = await telegram.send(NL, "Voor kinderen")
        assert "Wie zouden moeten samenwerken" in question2.text
        [answer] = await telegram.send(left, "Wat is een burgerberaad?")
        assert "burgerberaden" in answer.text
    finally:
        await telegram.stop()
