"""Which language to answer a resident in: their /taal choice, else their Telegram language."""

from __future__ import annotations

import logging

from telegram import Update

from assistant.bot import texts
from assistant.bot.context import BotContext
from assistant.errors import StorageUnavailable

log = logging.getLogger(__name__)
_CACHE_KEY = "lang"


async def user_language(update: Update, context: BotContext) -> str:
    """The resident's language ('nl' or 'en'), cached in user_data after the first look-up."""
    user = update.effective_user
    if user is None:
        return texts.DEFAULT_LANGUAGE
    cached = context.user_data.get(_CACHE_KEY) if context.user_data is not None else None
    if cached in texts.LANGUAGES:
        return str(cached)
    services = context.services
    try:
        chosen = await services.db.call(services.prefs.language, user.id)
    except StorageUnavailable as exc:
        log.warning("language preference unavailable (%s); using Telegram's", exc.reason)
        return texts.language_for(user.language_code, None)  # not cached: ask again later
    lang = texts.language_for(user.language_code, chosen)
    if context.user_data is not None:
        context.user_data[_CACHE_KEY] = lang
    return lang


async def remember_language(update: Update, context: BotContext, lang: str) -> None:
    """Store the resident's choice (database and cache)."""
    user = update.effective_user
    if user is None:
        return
    services = context.services
    await services.db.call(services.prefs.set_language, user.id, lang)
    if context.user_data is not None:
        context.user_data[_CACHE_KEY] = lang


def forget_language(context: BotContext) -> None:
    """Drop the cached choice (after /vergeetmij)."""
    if context.user_data is not None:
        context.user_data.pop(_CACHE_KEY, None)
