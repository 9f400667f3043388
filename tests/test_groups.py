"""Groups are public (issue 13, items 2 and 4): personal screens move to a private chat, a
button belongs to the person it was shown to, commands for other bots are not ours, and answers
are replies to the question they answer. Through the real Application and local Bot API."""

from __future__ import annotations

from assistant.bot import texts
from assistant.localbot.api import BOT_USERNAME, LocalBotApi, SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of
from tests.support import IDEA, MOD, maybe_band, walk

GROUP = -100400
ANNA = Resident(id=701, first_name="Anna", language_code="nl")
BOB = Resident(id=702, first_name="Bob", language_code="nl")
MENTION = f"@{BOT_USERNAME} wat is een burgerberaad?"


def private_link(message: SentMessage, what: str) -> None:
    assert message.buttons == [
        (texts.plain("nl", "btn_continue_private"), f"https://t.me/{BOT_USERNAME}?start={what}")
    ]


async def share(telegram: LocalTelegram, who: Resident) -> int:
    summary = await walk(telegram, who, "theme:preventiecoalitie", IDEA)
    await telegram.press(who, summary, "send")
    return services_of(telegram).ideas.by_author(who.id)[0].id


async def test_my_ideas_in_a_group_continue_in_private(telegram: LocalTelegram) -> None:
    number = await share(telegram, ANNA)
    [reply] = await telegram.send(ANNA, "/mijnideeen", chat_id=GROUP)
    assert reply.text == texts.html("nl", "private_only") and "Moestuinen" not in reply.text
    assert f"#{number}" not in reply.text
    private_link(reply, "mijnideeen")
    assert reply.reply_to_message_id is not None  # a reply to the command
    [mine] = await telegram.send(ANNA, "/start mijnideeen")  # the link opens the private chat
    assert f"#{number}" in mine.text and "Moestuinen" in mine.text


async def test_forget_me_in_a_group_shows_nothing_and_erases_nothing(
    telegram: LocalTelegram,
) -> None:
    await share(telegram, ANNA)
    await share(telegram, BOB)
    [reply] = await telegram.send(ANNA, "/vergeetmij", chat_id=GROUP)
    assert "(1)" not in reply.text and not any(d.startswith("forget:") for _, d in reply.buttons)
    private_link(reply, "vergeetmij")
    [confirm] = await telegram.send(ANNA, "/start vergeetmij")
    assert [d for _, d in confirm.buttons] == ["forget:yes", "forget:no"]
    # Bob cannot press Anna's button (in Telegram he cannot even see her private chat; a
    # forged press with her message is still refused by the binding in groups, and in private
    # erases only the presser's own data, so we check that the data stays)
    await telegram.press(ANNA, confirm, "forget:yes")
    services = services_of(telegram)
    assert services.ideas.by_author(ANNA.id) == [] and len(services.ideas.by_author(BOB.id)) == 1


async def test_a_button_belongs_to_the_person_it_was_shown_to(telegram: LocalTelegram) -> None:
    [answer] = await telegram.send(ANNA, MENTION, chat_id=GROUP)
    assert answer.reply_to is not None and answer.reply_to["from"]["id"] == ANNA.id
    votes = "SELECT COUNT(*) FROM feedback"
    db = services_of(telegram).db
    before = db.execute(votes).fetchone()[0]
    assert await telegram.press(BOB, answer, "👍") == []
    assert telegram.callback_answer()["text"] == texts.plain("nl", "not_your_button")
    assert db.execute(votes).fetchone()[0] == before
    await telegram.press(ANNA, answer, texts.plain("nl", "btn_up"))
    assert telegram.callback_answer()["text"] == texts.plain("nl", "feedback_thanks")
    [welcome] = await telegram.send(ANNA, "/start", chat_id=GROUP)
    assert await telegram.press(BOB, welcome, "menu:about") == []
    assert telegram.callback_answer()["text"] == texts.plain("nl", "not_your_button")


async def test_a_maybe_in_a_group_belongs_to_the_asker(telegram: LocalTelegram) -> None:
    question = f"@{BOT_USERNAME} mijn buurtvereniging wil een moestuin beginnen, krijgen we hulp?"
    maybe_band(services_of(telegram).retriever, question.split(" ", 1)[1])
    [maybe] = await telegram.send(ANNA, question, chat_id=GROUP)
    assert maybe.reply_to is not None and maybe.reply_to["from"]["id"] == ANNA.id
    assert await telegram.press(BOB, maybe, maybe.buttons[0][1]) == []
    assert telegram.callback_answer()["text"] == texts.plain("nl", "not_your_button")
    [shown] = await telegram.press(ANNA, maybe, maybe.buttons[0][1])
    assert shown.chat_id == GROUP and "Bron:" in shown.text
    assert shown.reply_to is not None and shown.reply_to["from"]["id"] == ANNA.id


async def test_in_a_forum_topic_every_reply_stays_in_the_topic(telegram: LocalTelegram) -> None:
    """A neighbourhood group with topics: answers, the maybe and what its button shows, the
    start menu's screens and the move-to-private note go to the topic the question came from
    (the local Bot API, like Telegram, puts a message without a topic in General)."""
    topic = 77
    [answer] = await telegram.send(ANNA, MENTION, chat_id=GROUP, thread=topic)
    assert answer.thread == topic and answer.reply_to is not None
    [more] = await telegram.press(ANNA, answer, texts.plain("nl", "btn_more"))
    assert more.thread == topic
    maybe_question = f"@{BOT_USERNAME} mijn buurtvereniging wil een moestuin beginnen, hulp?"
    maybe_band(services_of(telegram).retriever, maybe_question.split(" ", 1)[1])
    [maybe] = await telegram.send(ANNA, maybe_question, chat_id=GROUP, thread=topic)
    assert maybe.thread == topic
    [shown] = await telegram.press(ANNA, maybe, maybe.buttons[0][1])
    assert shown.thread == topic and "Bron:" in shown.text
    [welcome] = await telegram.send(ANNA, "/start", chat_id=GROUP, thread=topic)
    [about] = await telegram.press(ANNA, welcome, "menu:about")
    assert welcome.thread == topic and about.thread == topic
    [redirect] = await telegram.send(ANNA, "/mijnideeen", chat_id=GROUP, thread=topic)
    assert redirect.thread == topic
    # a group without topics: a reply chain there has a thread id too, but it is no topic
    plain_group = -100401
    chained = telegram.message_update(
        ANNA, MENTION, chat_id=plain_group, extra={"message_thread_id": 5}
    )
    await telegram.process(chained)
    [elsewhere] = telegram.api.to_chat(plain_group)
    assert elsewhere.thread is None and "Bron:" in elsewhere.text


async def test_the_share_idea_buttons_in_a_group_point_to_the_private_chat(
    telegram: LocalTelegram, api: LocalBotApi
) -> None:
    """Found by the random walk: the button was answered twice (a 400 and the apology)."""
    question = f"@{BOT_USERNAME} hoe zorgen we dat iedereen mee kan doen met AI?"
    [answer] = await telegram.send(ANNA, question, chat_id=GROUP)
    share_button = texts.plain("nl", "btn_share_theme", theme="AI")[:14]
    assert await telegram.press(ANNA, answer, share_button) == []
    assert telegram.callback_answer()["text"] == texts.plain("nl", "private_only_short")
    [welcome] = await telegram.send(ANNA, "/start", chat_id=GROUP)
    assert await telegram.press(ANNA, welcome, "menu:idea") == []
    assert telegram.callback_answer()["text"] == texts.plain("nl", "private_only_short")
    assert all(c.ok for c in api.calls)
    assert services_of(telegram).ideas.draft(ANNA.id) is None


async def test_forged_button_data_is_refused(telegram: LocalTelegram) -> None:
    [answer] = await telegram.send(ANNA, "Wat is een burgerberaad?")
    [data] = [d for _, d in answer.buttons if d.startswith("fb:")][:1]
    other = data.replace(":0:", ":1:")  # a guessed rank on a real question
    await telegram.process(telegram.callback_update(ANNA, answer, other))
    assert telegram.callback_answer()["text"] == texts.plain("nl", "expired_button")


async def test_review_and_export_in_a_group(
    staffed: LocalTelegram,
    api: LocalBotApi,
) -> None:
    await share(staffed, ANNA)
    [review] = await staffed.send(MOD, "/review", chat_id=GROUP)
    assert "Moestuinen" not in review.text
    private_link(review, "review")
    [export] = await staffed.send(MOD, "/export alle", chat_id=GROUP)
    assert export.document is None
    private_link(export, "export")
    [private_review] = await staffed.send(MOD, "/start review")
    assert "Moestuinen" in private_review.text
    [private_export] = await staffed.send(MOD, "/start export")
    assert private_export.document is not None
    [welcome] = await staffed.send(ANNA, "/start review")  # not a moderator: just a welcome
    assert welcome.text == texts.html("nl", "welcome")


async def test_idea_in_a_group_links_to_private(telegram: LocalTelegram) -> None:
    [reply] = await telegram.send(ANNA, "/idee", chat_id=GROUP)
    assert reply.text == texts.html("nl", "idea_private_only")
    private_link(reply, "idee")
    [themes] = await telegram.send(ANNA, "/start idee")
    assert any(d.startswith("theme:") for _, d in themes.buttons)


async def test_commands_for_other_bots_are_not_ours(telegram: LocalTelegram) -> None:
    assert await telegram.send(ANNA, "/start@OtherBot", chat_id=GROUP) == []
    assert await telegram.send(ANNA, "/help@OtherBot", chat_id=GROUP) == []
    assert await telegram.send(ANNA, "/onbekend@OtherBot", chat_id=GROUP) == []
    [welcome] = await telegram.send(ANNA, f"/start@{BOT_USERNAME}", chat_id=GROUP)
    assert welcome.text == texts.html("nl", "welcome")


async def test_group_answers_are_replies_to_the_question(telegram: LocalTelegram) -> None:
    first = telegram.message_update(ANNA, MENTION, chat_id=GROUP)
    second = telegram.message_update(
        BOB, f"@{BOT_USERNAME} wat is circulaire economie?", chat_id=GROUP
    )
    await telegram.process(first)
    await telegram.process(second)
    replies = telegram.api.to_chat(GROUP)
    assert [m.reply_to_message_id for m in replies] == [
        first.message.message_id,  # type: ignore[union-attr]
        second.message.message_id,
    ]  # type: ignore[union-attr]
    more = [m for m in replies if any(d.startswith("more:") for _, d in m.buttons)]
    if more:  # "more results" stays a reply to the same question
        [page] = await telegram.press(ANNA if more[0] is replies[0] else BOB, more[0], "Meer")
        assert page.reply_to_message_id == more[0].reply_to_message_id


async def test_a_group_message_leaves_an_idea_in_private_alone(telegram: LocalTelegram) -> None:
    """The idea conversation lives in the private chat: a question in a group, sent while the
    idea waits for its text, is answered there and does not become the idea."""
    [choice] = await telegram.send(ANNA, "/idee")
    await telegram.press(ANNA, choice, "theme:preventiecoalitie")
    [answer] = await telegram.send(ANNA, MENTION, chat_id=GROUP)
    assert "burgerberaden" in answer.text
    draft = services_of(telegram).ideas.draft(ANNA.id)
    assert draft is not None and (draft.step, draft.text) == ("text", "")
