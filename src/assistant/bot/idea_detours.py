"""Detours during /idee: an edited message, and a message that looks like a question.

Edits never move a conversation (an edit is an update too, and would otherwise be taken as the
answer to the next step): they are ignored, and during an idea the resident gets a short note
saying to send the change as a new message or use Edit at the summary. A question typed where
an answer is expected ("wat is een burgerberaad?") is not stored as the answer: the bot asks
"is this your answer, or a question to me?" and either takes it or answers it and asks again.
"""

from __future__ import annotations

import asyncio
import re

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from assistant.bot import replies, texts
from assistant.bot.context import BotContext
from assistant.bot.lang import user_language
from assistant.ideas import flow

_QUESTION_WORDS = re.compile(
    r"^(wat|wie|waar|waarom|wanneer|hoe|welke|welk|hoeveel|what|who|where|why|when|how|"
    r"which)\b",
    re.IGNORECASE,
)
MAX_QUESTION_WORDS = 20  # longer texts are answers, even if they start with "hoe"


def looks_like_question(text: str) -> bool:
    """A short text ending in '?' or starting with a question word."""
    stripped = text.strip()
    if len(stripped.split()) > MAX_QUESTION_WORDS:
        return False
    return stripped.endswith("?") or bool(_QUESTION_WORDS.match(stripped))


async def ignore_edits(update: Update, context: BotContext) -> None:
    """Stop every edited message before any handler sees it; during an idea, say so."""
    edited = update.edited_message or update.edited_channel_post
    if edited is None:
        return
    user = update.effective_user
    if edited.chat.type == ChatType.PRIVATE and user is not None:
        services = context.services
        if await services.db.call(services.ideas.draft, user.id) is not None:
            lang = await user_language(update, context)
            await context.bot.send_message(
                edited.chat.id,
                texts.html(lang, "idea_edit_ignored"),
                reply_to_message_id=edited.message_id,
            )
    raise ApplicationHandlerStop


async def answer_during_idea(context: BotContext, chat_id: int, lang: str, question: str) -> None:
    """Answer a question asked in the middle of an idea (excerpts only, no buttons: the
    resident is still in the idea, whose prompt follows as the reminder). A question about the
    conversation itself ("hoe lang duurt dit nog?") gets how it goes; no sure answer gets an
    honest no without the usual "share an idea with /idee" (the resident is doing just that)."""
    services = context.services
    if flow.asks_about_the_flow(question):
        await context.bot.send_message(chat_id, texts.html(lang, "idea_flow_help"))
        return
    answer = await asyncio.to_thread(services.retriever.search, question)
    shown = list(answer.shown[: answer.first_page]) if answer.verdict == "sure" else []
    if not shown:
        text = texts.html(lang, "idea_no_answer")
    else:
        text = replies.answer_html(lang, "answer_header", shown, services.knowledge)
    await context.bot.send_message(chat_id, text)
