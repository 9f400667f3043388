"""Residents' rights: see their own ideas (/mijnideeen) and erase everything (/vergeetmij)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import ConversationHandler

from assistant.bot import texts, wording
from assistant.bot.context import BotContext
from assistant.bot.lang import forget_language, user_language

PREVIEW_CHARS = 120


async def my_ideas(update: Update, context: BotContext) -> None:
    """List the resident's own ideas with their status (and only theirs)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang = await user_language(update, context)
    services = context.services
    ideas = await services.db.call(services.ideas.by_author, user.id)
    if not ideas:
        await message.reply_text(texts.get(lang, "my_ideas_none"))
        return
    lines = [texts.get(lang, "my_ideas_header")]
    for idea in ideas:
        preview = idea.text if len(idea.text) <= PREVIEW_CHARS else \
            idea.text[:PREVIEW_CHARS].rstrip() + "…"
        lines.append(texts.get(lang, "my_idea_line", number=idea.id,
                               theme=services.knowledge.theme_title(idea.theme, lang),
                               status=texts.label(lang, f"status_{idea.status}"),
                               date=wording.date_of(lang, idea.created_at)))
        lines.append(texts.get(lang, "my_idea_preview", preview=preview))
    text = "\n".join(lines)
    if len(text) > 4000:
        text = text[:4000].rsplit("\n", 1)[0]
    await message.reply_text(text, parse_mode=ParseMode.HTML)


async def forget_me(update: Update, context: BotContext) -> int:
    """Ask for confirmation before erasing everything about the resident."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return ConversationHandler.END
    lang = await user_language(update, context)
    services = context.services
    count = len(await services.db.call(services.ideas.by_author, user.id))
    await message.reply_text(texts.get(lang, "forget_confirm", ideas=count),
                             reply_markup=InlineKeyboardMarkup([[
                                 InlineKeyboardButton(texts.label(lang, "btn_forget_yes"),
                                                      callback_data="forget:yes"),
                                 InlineKeyboardButton(texts.label(lang, "btn_forget_no"),
                                                      callback_data="forget:no")]]))
    return ConversationHandler.END  # also leaves an idea conversation in progress


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """Erase ideas, draft, conversation state and language choice (or keep them)."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None or query.message is None:
        return
    lang = await user_language(update, context)
    await query.answer()
    if query.data != "forget:yes":
        await context.bot.send_message(query.message.chat.id, texts.get(lang, "forget_kept"))
        return
    services = context.services
    await services.db.call(services.ideas.forget, user.id)
    forget_language(context)
    context.application.drop_user_data(user.id)
    await context.bot.send_message(query.message.chat.id, texts.get(lang, "forget_done"))
