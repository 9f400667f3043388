"""Which language to answer a resident in: their /taal choice, else their Telegram language,
else the language their messages are written in."""

from __future__ import annotations

import logging

from telegram import Update

from assistant.bot import texts
from assistant.bot.context import BotContext
from assistant.errors import StorageUnavailable
from assistant.language import guess_language

log = logging.getLogger(__name__)
_CACHE_KEY = "lang"
_GUESS_KEY = "lang_from_messages"  # no choice, and Telegram's language is neither nl nor en


async def user_language(update: Update, context: BotContext) -> str:
    """The resident's language ('nl' or 'en'), cached in user_data after the first look-up.

    Without a /taal choice and with a Telegram language that is neither (or none), each text
    message that clearly reads as Dutch or English sets it (``language.guess_language``)."""
    user = update.effective_user
    if user is None:
        return texts.DEFAULT_LANGUAGE
    data = context.user_data
    cached = data.get(_CACHE_KEY) if data is not None else None
    if cached not in texts.LANGUAGES:
        services = context.services
        try:
            chosen = await services.db.call(services.prefs.language, user.id)
        except StorageUnavailable as exc:
            log.warning("language preference unavailable (%s); using Telegram's", exc.reason)
            return texts.language_for(user.language_code, None)  # not cached: ask again later
        cached = texts.language_for(user.language_code, chosen)
        if data is not None:
            data[_CACHE_KEY] = cached
            data[_GUESS_KEY] = chosen not in texts.LANGUAGES and not texts.telegram_speaks(
                user.language_code
            )
    message = update.message
    if data is not None and data.get(_GUESS_KEY) and message is not None and message.text:
        guessed = guess_language(message.text)
        if guessed is not None:
            data[_CACHE_KEY] = cached = guessed
    return str(cached)


async def remember_language(update: Update, context: BotContext, lang: str) -> None:
    """Store the resident's choice (database and cache)."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    await services.db.call(services.prefs.set_language, user.id, lang)
    if context.user_data is not None:
        context.user_data[_CACHE_KEY] = lang
        context.user_data[_GUESS_KEY] = False


def forget_language(context: BotContext) -> None:
    """Drop the cached choice (after /vergeetmij)."""
    if context.user_data is not None:
        context.user_data.pop(_CACHE_KEY, None)
        context.user_data.pop(_GUESS_KEY, None)
