"""Residents' questions: any plain text outside a conversation is searched and answered."""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import MaybeInaccessibleMessage, Message, Update
from telegram.constants import ChatAction, ChatType

from assistant.bot import callbacks, replies, texts, wording
from assistant.bot.context import BotContext, Services
from assistant.bot.lang import user_language
from assistant.bot.private import thread_of
from assistant.errors import StorageUnavailable
from assistant.intents import Intent
from assistant.municipalities import named_municipality
from assistant.retrieval.search import (
    MAX_QUESTION_CHARS,
    Answer,
    Hit,
    hit_from_record,
    hit_record,
)
from assistant.store.questions import LoggedQuestion
from assistant.text import strip_controls

log = logging.getLogger(__name__)
DUTCH_NOTE_SHOWN = "dutch_note_shown"


def addressed_text(message: Message, bot_id: int, bot_username: str) -> str | None:
    """The question in a message (its text, or the caption of a photo or file), or None when a
    group message is not meant for the bot."""
    text = message.text or message.caption or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".lower()
    replied = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == bot_id
    )
    if mention in text.lower():
        start = text.lower().index(mention)
        return (text[:start] + text[start + len(mention) :]).strip()
    return text if replied else None


async def _search(services: Services, question: str) -> Answer:
    """Search off the event loop, on the retriever in service right now."""
    return await asyncio.to_thread(services.retriever.search, question)


async def _send_hits(
    context: BotContext,
    chat_id: int,
    lang: str,
    header_key: str,
    page: list[Hit],
    *,
    question_id: int | None,
    first_rank: int,
    total: int,
    note: str = "",
    reply_to: int | None = None,
    thread: int | None = None,
) -> None:
    """Send a page of hits with feedback, "more" and (for a theme) share-your-idea buttons."""
    services = context.services
    theme_id = replies.idea_theme(services.knowledge, page)
    theme = services.knowledge.theme(theme_id) if theme_id else None
    if (
        lang != "nl"
        and texts.plain(lang, "answer_dutch_sources")
        and not context.user_data.get(DUTCH_NOTE_SHOWN)  # type: ignore[union-attr]
    ):
        # Told once per resident (per run of the bot): the excerpts are the Dutch originals.
        note = "\n\n".join(filter(None, [note, texts.html(lang, "answer_dutch_sources")]))
        context.user_data[DUTCH_NOTE_SHOWN] = True  # type: ignore[index]
    await context.bot.send_message(
        chat_id,
        replies.answer_html(lang, header_key, page, services.knowledge, note),
        reply_markup=replies.answer_keyboard(
            lang,
            question_id,
            shown=first_rank + len(page),
            total=total,
            first_rank=first_rank,
            count=len(page),
            theme_title=theme.title[lang] if theme else None,
            theme_id=theme_id,
        ),
        reply_to_message_id=reply_to,
        message_thread_id=thread,
    )  # in groups: a reply to the question it answers, in its forum topic


async def _send_hits_below(
    context: BotContext,
    pressed: MaybeInaccessibleMessage,
    lang: str,
    header_key: str,
    page: list[Hit],
    *,
    question_id: int | None,
    first_rank: int,
    total: int,
) -> None:
    """``_send_hits`` for a button under an answer: in its chat and forum topic, and in a group
    a reply to the question that answer replied to."""
    asked = getattr(pressed, "reply_to_message", None)
    await _send_hits(
        context,
        pressed.chat.id,
        lang,
        header_key,
        page,
        question_id=question_id,
        first_rank=first_rank,
        total=total,
        reply_to=asked.message_id if asked is not None else None,
        thread=thread_of(pressed),
    )


async def _logged(update: Update, context: BotContext, lang: str) -> LoggedQuestion | None:
    """The logged question the pressed button refers to; None (after telling the resident
    the button expired) when it is gone (forgotten, or kept no longer)."""
    query = update.callback_query
    assert query is not None
    services = context.services
    question_id = int(callbacks.pressed(context)["question"])
    logged = await services.db.call(services.questions.get, question_id)
    if logged is None:
        await query.answer(texts.plain(lang, "expired_button"))
    return logged


async def answer_question(update: Update, context: BotContext) -> None:
    """Answer a plain text message with the best excerpts, or honestly say there is none."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None:
        return
    question = addressed_text(message, context.bot.id, context.bot.username)
    if question is None:
        return
    question = strip_controls(question)
    services = context.services
    lang = await user_language(update, context)
    verdict = services.flood.check(user.id)
    if verdict != "ok":
        if verdict == "warn":
            await message.reply_text(
                texts.html(lang, "slow_down", time=wording.clock_in(services.flood.wait(user.id)))
            )
        return
    if not question.strip():
        await message.reply_text(
            texts.html(lang, "ask_prompt", example=texts.plain(lang, "example_1")),
        )
        return
    started = time.perf_counter()
    await context.bot.send_chat_action(
        message.chat_id, ChatAction.TYPING, message_thread_id=thread_of(message)
    )
    truncated = len(question) > MAX_QUESTION_CHARS
    answer = await _search(services, question[:MAX_QUESTION_CHARS])
    if answer.intent is not None and answer.intent != "off_topic":
        await _reply_to_intent(message, lang, answer.intent, question)
        _count(services, answered=False, started=started)
        return
    try:
        question_id: int | None = await services.db.call(
            services.questions.log,
            answer.question,
            lang,
            answer.answered,
            answer.confidence,
            [h.passage.id for h in answer.hits],
            verdict=answer.verdict,
            shown=[hit_record(h) for h in answer.shown],
        )
    except StorageUnavailable as exc:
        # The answer does not need the database; only its feedback buttons do.
        log.warning("question not logged: %s", exc.reason)
        question_id = None
    notes = [
        texts.html(lang, "answer_truncated", limit=MAX_QUESTION_CHARS) if truncated else "",
        texts.html(lang, "caption_read") if message.text is None else "",  # a photo's caption
    ]
    note = texts.Html("\n".join(filter(None, notes)))
    if answer.verdict == "maybe" and question_id is not None:  # (buttons need the log)
        await message.reply_text(
            replies.maybe_html(lang, answer.shown, services.knowledge, note),
            reply_markup=replies.maybe_keyboard(
                lang, question_id, answer.shown, services.knowledge
            ),
        )
        _count(services, answered=False, started=started)
        return
    if not answer.answered:
        example1, example2, example3 = replies.examples(lang, 3)
        await message.reply_text(
            "\n\n".join(
                filter(
                    None,
                    [
                        texts.html(
                            lang,
                            "no_answer",
                            example1=example1,
                            example2=example2,
                            example3=example3,
                        ),
                        note,
                    ],
                )
            ),
        )
        _count(services, answered=False, started=started)
        return
    await _send_hits(
        context,
        message.chat_id,
        lang,
        "answer_header",
        list(answer.shown[: answer.first_page]),
        question_id=question_id,
        first_rank=0,
        total=len(answer.shown),
        note=note,
        reply_to=None if message.chat.type == ChatType.PRIVATE else message.message_id,
        thread=thread_of(message),
    )
    _count(services, answered=True, started=started)


async def _reply_to_intent(message: Message, lang: str, intent: Intent, question: str) -> None:
    """A greeting or "what can you do" gets a short welcome; a question about the bot itself an
    honest "I am an automatic assistant"; thanks a short reply; a municipal service a referral
    to one's own gemeente (its number when the message names it). None of them is searched in
    the documents (an everyday topic such as the weather gets the ordinary honest no-answer)."""
    example1, example2 = replies.examples(lang, 2)
    key = {
        "greeting": "intent_welcome",
        "capability": "intent_welcome",
        "self": "intent_self",
        "thanks": "intent_thanks",
        "service": "intent_service",
    }[intent]
    place = named_municipality(question)
    phone = (
        texts.plain(lang, "service_phone_named", name=place.name, phone=place.phone)
        if place is not None
        else texts.plain(lang, "service_phone_general")
    )
    await message.reply_text(
        texts.html(lang, key, example1=example1, example2=example2, phone=phone)
    )


def _count(services: Services, *, answered: bool, started: float) -> None:
    services.metrics.questions.labels(answered="yes" if answered else "no").inc()
    services.metrics.reply_latency.observe(time.perf_counter() - started)


async def more_results(update: Update, context: BotContext) -> None:
    """Show the next page of hits for a logged question."""
    query = update.callback_query
    if query is None:
        return
    lang = await user_language(update, context)
    logged = await _logged(update, context, lang)
    if logged is None or query.message is None:
        return
    await query.answer()
    offset = int(callbacks.pressed(context)["shown"])
    # the list the resident was shown, as logged: a re-index since then changes nothing
    shown = logged.shown if logged.verdict == "sure" else ()
    page = [hit_from_record(h) for h in shown[offset : offset + replies.PAGE]]
    if not page:
        await context.bot.send_message(
            query.message.chat.id,
            texts.html(lang, "no_more"),
            message_thread_id=thread_of(query.message),
        )
        return
    await _send_hits_below(
        context,
        query.message,
        lang,
        "more_header",
        page,
        question_id=logged.id,
        first_rank=offset,
        total=len(shown),
    )


async def nearest_section(update: Update, context: BotContext) -> None:
    """Show the section of a maybe's offer the resident chose, and log the choice."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    lang = await user_language(update, context)
    logged = await _logged(update, context, lang)
    if logged is None:
        return
    rank = int(callbacks.pressed(context)["rank"])
    if logged.verdict != "maybe" or rank >= len(logged.shown):
        await query.answer(texts.plain(lang, "expired_button"))
        return
    await query.answer()
    hit = hit_from_record(logged.shown[rank])
    services = context.services
    await services.db.call(services.questions.choose, logged.id, hit.passage.section_key)
    await _send_hits_below(
        context,
        query.message,
        lang,
        "nearest_header",
        [hit],
        question_id=None,
        first_rank=0,
        total=1,
    )


async def feedback(update: Update, context: BotContext) -> None:
    """Store a thumbs up/down on a shown passage, anonymously."""
    query = update.callback_query
    if query is None:
        return
    lang = await user_language(update, context)
    logged = await _logged(update, context, lang)
    if logged is None:
        return
    fields = callbacks.pressed(context)
    rank = int(fields["rank"])
    if logged.verdict != "sure" or rank >= len(logged.shown):
        await query.answer(texts.plain(lang, "expired_button"))
        return
    services = context.services
    passage = hit_from_record(logged.shown[rank]).passage.id
    await services.db.call(
        services.questions.vote, logged.id, passage, 1 if fields["vote"] == "u" else -1
    )
    await query.answer(texts.plain(lang, "feedback_thanks"))


async def non_text(update: Update, context: BotContext) -> None:
    """Photos, stickers, voice, files, locations: explain that only text is read."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    lang = await user_language(update, context)
    await message.reply_text(texts.html(lang, "text_only"))
