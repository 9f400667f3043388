"""Edits, questions and language changes in the middle of /idee (issue 13, item 3).

Decision: an edited message never moves a conversation and is never answered again. During an
idea the resident gets a short note (send it again, or use Edit at the summary); outside an
idea, an edit is ignored silently.
"""

from __future__ import annotations

import pytest

from assistant.bot import texts
from assistant.localbot.api import SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of

NL = Resident(id=801, first_name="Lieke", language_code="nl")
IDEA = "Moestuinen bij elke basisschool, zodat kinderen leren gezond te eten."
NOTE = texts.html("nl", "idea_edit_ignored")


def conversation_state(telegram: LocalTelegram) -> object:
    draft = services_of(telegram).ideas.draft(NL.id)
    return (draft.step, draft.mode) if draft else None


@pytest.mark.parametrize("step", ["text", "follow_up", "place", "age", "contact", "confirm"])
async def test_an_edit_never_moves_the_conversation(telegram: LocalTelegram, step: str) -> None:
    sent = telegram.message_update(NL, "/idee")
    await telegram.process(sent)
    [choice] = telegram.api.to_chat(NL.id)[-1:]
    [prompt] = await telegram.press(NL, choice, "theme:preventiecoalitie")
    steps = ["text", "follow_up", "place", "age", "contact", "confirm"]
    last: SentMessage = prompt
    for name in steps[: steps.index(step)]:
        if name == "text":
            sent = telegram.message_update(NL, IDEA)
            await telegram.process(sent)
        elif name == "follow_up":
            sent = telegram.message_update(NL, "Voor kinderen")
            await telegram.process(sent)
            [last] = await telegram.press(NL, telegram.api.to_chat(NL.id)[-1], "skip")
            continue
        elif name == "place":
            sent = telegram.message_update(NL, "Zaandam")
            await telegram.process(sent)
        elif name == "age":
            [last] = await telegram.press(NL, telegram.api.to_chat(NL.id)[-1], "skip")
            continue
        elif name == "contact":
            [last] = await telegram.press(NL, telegram.api.to_chat(NL.id)[-1], "contact:no")
            continue
        last = telegram.api.to_chat(NL.id)[-1]
    services = services_of(telegram)
    before = (services.ideas.draft(NL.id), conversation_state(telegram))
    await telegram.process(telegram.edit_update(sent, "Een heel ander idee over fietsen."))
    [note] = telegram.api.to_chat(NL.id)[-1:]
    assert note.text == NOTE and note.reply_to_message_id == sent.message.message_id  # type: ignore[union-attr]
    after = (services.ideas.draft(NL.id), conversation_state(telegram))
    assert before[1] == after[1] and before[0] is not None and after[0] is not None
    assert (before[0].text, before[0].answers, before[0].step, before[0].municipality) == (
        after[0].text,
        after[0].answers,
        after[0].step,
        after[0].municipality,
    )
    assert last is not None


async def test_an_edited_question_is_not_answered_again(telegram: LocalTelegram) -> None:
    question = telegram.message_update(NL, "Wat is een burgerberaad?")
    await telegram.process(question)
    count = len(telegram.api.to_chat(NL.id))
    await telegram.process(telegram.edit_update(question, "Wat is circulaire economie?"))
    await telegram.process(telegram.edit_update(question, "/help"))
    assert len(telegram.api.to_chat(NL.id)) == count


async def idea_until_follow_up(telegram: LocalTelegram) -> SentMessage:
    [choice] = await telegram.send(NL, "/idee")
    await telegram.press(NL, choice, "theme:preventiecoalitie")
    [follow_up] = await telegram.send(NL, IDEA)
    return follow_up


async def test_a_question_during_an_idea_is_asked_about(telegram: LocalTelegram) -> None:
    follow_up = await idea_until_follow_up(telegram)
    [asked] = await telegram.send(NL, "wat is een burgerberaad?")
    assert asked.text == texts.html("nl", "idea_is_question")
    assert [d for _, d in asked.buttons] == ["isq:answer", "isq:ask"]
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.answers == {} and draft.municipality is None
    replies = await telegram.press(NL, asked, "isq:ask")
    assert "burgerberaad" in replies[0].text.lower()  # answered...
    assert replies[-1].text == follow_up.text  # ...and the same step asked again
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.answers == {} and draft.pending == ""
    [asked] = await telegram.send(NL, "Voor wie niet?")  # really meant as the answer
    [place] = await telegram.press(NL, asked, "isq:answer")
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.answers["voor_wie"] == "Voor wie niet?"
    assert "isq:ask" not in [d for _, d in place.buttons]


async def test_help_and_start_mention_an_open_idea(telegram: LocalTelegram) -> None:
    [plain_help] = await telegram.send(NL, "/help")
    assert texts.html("nl", "help_open_idea") not in plain_help.text
    await idea_until_follow_up(telegram)
    [help_reply] = await telegram.send(NL, "/help")
    assert texts.html("nl", "help_open_idea") in help_reply.text
    replies = await telegram.send(NL, "/start")  # leaves the conversation, keeps the draft
    assert texts.html("nl", "idea_draft_kept") in replies[-1].text
    [welcome] = await telegram.send(NL, "/start")  # outside the conversation, still mentioned
    assert texts.html("nl", "help_open_idea") in welcome.text


async def test_language_change_mid_draft_changes_the_idea_language(
    telegram: LocalTelegram,
) -> None:
    await idea_until_follow_up(telegram)
    [choice] = await telegram.send(NL, "/taal")
    await telegram.press(NL, choice, "lang:en")
    draft = services_of(telegram).ideas.draft(NL.id)
    assert draft is not None and draft.lang == "en"


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("hoe lang duurt dit nog?", "idea_flow_help"),  # about the conversation itself
        ("gaat het morgen regenen?", "idea_no_answer"),  # not in the texts: no "/idee" advice
    ],
)
async def test_a_question_about_the_idea_or_beyond_the_texts_mid_idea(
    telegram: LocalTelegram, question: str, key: str
) -> None:
    follow_up = await idea_until_follow_up(telegram)
    [asked] = await telegram.send(NL, question)
    replies = await telegram.press(NL, asked, "isq:ask")
    assert replies[0].text == texts.html("nl", key)
    assert "/idee" not in replies[0].text
    assert replies[-1].text == follow_up.text  # the idea waits: its step is asked again
