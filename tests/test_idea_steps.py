"""Small kindnesses in the idea conversation: the current text shown when editing it, a
question before a summary is thrown away, typed ja/nee/yes/no where buttons ask yes or no; and
a button of a step already past changes nothing (the draft's step decides what is taken).

Mutations tried (each turned a test red): the current text left out of the edit prompt,
"cancel" deleting the draft at once, "cancel:no" not showing the summary again, the typed
handler missing from the contact step, "nee" taken as yes; the theme buttons taken at every
step, the draft's open menu ignored (its step alone deciding).
"""

from __future__ import annotations

import pytest

from assistant.bot import texts
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of
from tests.support import IDEA, walk

NL = Resident(id=701, first_name="Joop", language_code="nl")
EN = Resident(id=702, first_name="Sam", language_code="en")


async def test_editing_the_idea_shows_its_current_text(telegram: LocalTelegram) -> None:
    summary = await walk(telegram, NL, "Regionale preventiecoalitie", IDEA)
    [menu] = await telegram.press(NL, summary, "edit")
    [prompt] = await telegram.press(NL, menu, "edit:text")
    assert texts.html("nl", "idea_current_text", text=IDEA).strip() in prompt.text
    [choice] = await telegram.send(EN, "/idee")  # a new idea: nothing to show yet
    [fresh] = await telegram.press(EN, choice, "AI: responsible")
    assert "blockquote" not in fresh.text


async def test_cancel_at_the_summary_asks_first(telegram: LocalTelegram) -> None:
    summary = await walk(telegram, EN, "AI: responsible", IDEA)
    [question] = await telegram.press(EN, summary, "cancel")
    assert question.text == texts.html("en", "idea_cancel_confirm")
    assert services_of(telegram).ideas.draft(EN.id) is not None  # nothing deleted yet
    [again] = await telegram.press(EN, question, "cancel:no")
    assert IDEA in again.text and [d for _, d in again.buttons] == ["send", "edit", "cancel"]
    await telegram.press(EN, again, "send")
    [idea] = services_of(telegram).ideas.by_author(EN.id)
    assert idea.text == IDEA


@pytest.mark.parametrize(
    ("typed", "agreed"), [("ja", True), ("Nee.", False), (" YES ", True), ("no!", False)]
)
async def test_typed_yes_or_no_at_the_contact_question(
    telegram: LocalTelegram, typed: str, agreed: bool
) -> None:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "Regionale preventiecoalitie")
    await telegram.send(NL, IDEA)
    [step] = await telegram.send(NL, "Kinderen")
    [step] = await telegram.press(NL, step, "skip")
    [step] = await telegram.send(NL, "Zaandam")
    [step] = await telegram.press(NL, step, "skip")  # the age group
    assert step.text == texts.html("nl", "idea_ask_contact")
    [summary] = await telegram.send(NL, typed)
    assert [d for _, d in summary.buttons] == ["send", "edit", "cancel"]
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.contact_ok is agreed
    [hint] = await telegram.send(NL, "misschien")  # anything else: the buttons, as before
    assert hint.text == texts.html("nl", "idea_use_buttons")


async def test_a_button_of_a_past_step_changes_nothing(telegram: LocalTelegram) -> None:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "theme:preventiecoalitie")
    assert await telegram.press(NL, choice, "theme:ai-voor-iedereen") == []
    assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and (draft.theme, draft.step) == ("preventiecoalitie", "text")
    summary = await walk(telegram, EN, "theme:preventiecoalitie", IDEA)
    [menu] = await telegram.press(EN, summary, "edit")
    [again] = await telegram.press(EN, menu, "edit:back")
    assert await telegram.press(EN, menu, "edit:place") == []  # the menu was closed
    assert telegram.callback_answer()["text"] == texts.plain("en", "expired_button")
    [prompt] = await telegram.press(EN, again, "edit")  # the summary's buttons still work
    assert [d for _, d in prompt.buttons][-1] == "edit:back"
