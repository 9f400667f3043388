"""Groups are public: personal screens move to a private chat, buttons belong to one person.

``redirect_to_private`` answers a personal command used in a group (own ideas, erase-me, an
idea, review, export) with a short note and a button that opens the private chat with the bot
(``t.me/<bot>?start=<what>``), where ``/start <what>`` continues. ``bind_buttons`` runs before
every handler: a button press is refused unless its data is on the pressed message (no guessed
ids) and, in a group, the presser is the person the message answered.
"""

from __future__ import annotations

import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from assistant.bot import callbacks, texts
from assistant.bot.context import BotContext
from assistant.bot.lang import user_language

log = logging.getLogger(__name__)
# /start payloads that continue a personal command in the private chat
DEEP_LINKS = ("idee", "mijnideeen", "vergeetmij", "review", "export")


def thread_of(message: object) -> int | None:
    """The forum topic a group message is in (None elsewhere): a reply that does not name it
    lands in the group's General topic, away from the question."""
    # a crafted topic flag in a group without topics names a thread Telegram does not have
    if isinstance(message, Message) and message.is_topic_message and message.chat.is_forum:
        return message.message_thread_id
    return None


def in_private(update: Update) -> bool:
    """Whether the update comes from a private chat."""
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def redirect_to_private(
    update: Update, context: BotContext, what: str, key: str = "private_only"
) -> bool:
    """In a group: say this continues in private, with a button there; True when redirected."""
    chat = update.effective_chat
    if chat is None or in_private(update):
        return False
    lang = await user_language(update, context)
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_continue_private"),
                    url=f"https://t.me/{context.bot.username}?start={what}",
                )
            ]
        ]
    )
    query = update.callback_query
    if query is not None:
        await query.answer(texts.plain(lang, "private_only_short"))
        return True
    message = update.effective_message
    await context.bot.send_message(
        chat.id,
        texts.html(lang, key),
        reply_markup=markup,
        reply_to_message_id=message.message_id if message is not None else None,
        allow_sending_without_reply=True,
        message_thread_id=thread_of(message),
    )
    return True


async def _refuse(update: Update, context: BotContext, key: str) -> None:
    query = update.callback_query
    assert query is not None
    lang = await user_language(update, context)
    await query.answer(texts.plain(lang, key))
    raise ApplicationHandlerStop


MAX_ID = 2**63 - 1  # Telegram ids fit a signed 64-bit integer, and so do our columns
_NUMBER = re.compile(r"\d+")


def _impossible_ids(update: Update) -> bool:
    """Ids no real Telegram update carries (a crafted update): beyond 64 bits."""
    numbers = [
        update.effective_user.id if update.effective_user else 0,
        update.effective_chat.id if update.effective_chat else 0,
        update.effective_message.message_id if update.effective_message else 0,
    ]
    query = update.callback_query
    if query is not None and query.data:
        numbers += [int(n) for n in _NUMBER.findall(query.data[:64])]
    return any(abs(n) > MAX_ID for n in numbers)


# Buttons that name a logged question by number: on a message Telegram no longer shows, nothing
# proves that question was asked in this chat, so they are refused there.
_NAME_A_QUESTION = (callbacks.MORE, callbacks.NEAREST, callbacks.FEEDBACK)


async def bind_buttons(update: Update, context: BotContext) -> None:
    """Stop a press that is not this person's: forged data, another member in a group, or a
    button without a message (inline messages: the bot sends none). Also stops crafted
    updates with impossible ids before any handler or the database sees them, and posts in
    channels (the bot answers people, not channels: not even "unknown command")."""
    if update.channel_post is not None or update.edited_channel_post is not None:
        raise ApplicationHandlerStop
    if _impossible_ids(update):
        log.warning("ignored an update with impossible ids")
        raise ApplicationHandlerStop
    query = update.callback_query
    if query is None:
        return
    message = query.message
    if message is None or query.data is None:
        log.warning("refused a button press without message or data")
        await _refuse(update, context, "expired_button")
        return
    # Too old for Telegram to show (an InaccessibleMessage; python-telegram-bot may also hand
    # it over as a Message with date 0 and nothing on it): no buttons to check the data with.
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        if message.chat.type != ChatType.PRIVATE or any(
            kind.pattern.match(query.data) for kind in _NAME_A_QUESTION
        ):
            await _refuse(update, context, "expired_button")
        return
    assert isinstance(message, Message)  # it has buttons
    if query.data not in {b.callback_data for row in markup.inline_keyboard for b in row}:
        log.warning("refused a button press whose data is not on the message")
        await _refuse(update, context, "expired_button")
    if message.chat.type == ChatType.PRIVATE:
        return
    asked = message.reply_to_message
    owner = asked.from_user.id if asked is not None and asked.from_user is not None else None
    if owner != query.from_user.id:
        await _refuse(update, context, "not_your_button")
