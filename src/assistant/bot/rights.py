"""Residents' rights: see their own ideas (/mijnideeen) and erase everything (/vergeetmij)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from assistant.bot import callbacks, limits, texts, wording
from assistant.bot.context import BotContext, Services
from assistant.bot.idea_prompts import END, choices
from assistant.bot.lang import forget_language, user_language
from assistant.bot.private import redirect_to_private
from assistant.ideas.model import Idea, Status

PREVIEW_CHARS = 120
PAGE = 10  # ideas per /mijnideeen message; a button shows the next ones


def ideas_page(
    services: Services, ideas: list[Idea], offset: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the resident's ideas; never drops any silently: past the page (or the
    message limit) it says how many more there are and offers a button to see them."""
    lines = [texts.html(lang, "my_ideas_header")]
    shown = 0
    for idea in ideas[offset : offset + PAGE]:
        block = [
            texts.html(
                lang,
                "my_idea_line",
                number=idea.id,
                theme=services.knowledge.theme_title(idea.theme, lang),
                status=texts.plain(lang, f"status_{idea.status}"),
                date=wording.date_of(lang, idea.created_at),
            ),
            texts.html(lang, "my_idea_preview", preview=limits.cut(idea.text, PREVIEW_CHARS)),
        ]
        # what became of it, whatever the contact choice: the resident can always look here
        if idea.status == Status.REJECTED and idea.moderation_reason:
            block.append(texts.html(lang, "my_idea_reason", reason=idea.moderation_reason))
        if idea.status == Status.DUPLICATE and idea.duplicate_of is not None:
            block.append(texts.html(lang, "my_idea_joined", original=idea.duplicate_of))
        room = limits.MAX_MESSAGE - 200  # the "and N more" line
        if shown and limits.visible_len("\n".join([*lines, *block])) > room:
            break
        lines += block
        shown += 1
    rest = len(ideas) - offset - shown
    if rest <= 0:
        return "\n".join(lines), None
    lines += ["", texts.html(lang, "my_ideas_more", count=rest)]
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_my_ideas_more"),
                    callback_data=callbacks.MY_IDEAS_MORE.data(offset=offset + shown),
                )
            ]
        ]
    )
    return "\n".join(lines), markup


async def my_ideas(update: Update, context: BotContext) -> None:
    """List the resident's own ideas with their status (and only theirs), a page at a time;
    in private only."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or await redirect_to_private(update, context, "mijnideeen"):
        return
    lang = await user_language(update, context)
    services = context.services
    ideas = await services.db.call(services.ideas.by_author, user.id)
    if not ideas:
        await message.reply_text(texts.html(lang, "my_ideas_none"))
        return
    text, markup = ideas_page(services, ideas, 0, lang)
    await message.reply_text(text, reply_markup=markup)


async def my_ideas_more(update: Update, context: BotContext) -> None:
    """The next page of the presser's own ideas."""
    query, user = update.callback_query, update.effective_user
    if (
        query is None
        or user is None
        or query.message is None
        or await redirect_to_private(update, context, "mijnideeen")
    ):
        return
    lang = await user_language(update, context)
    offset = int(callbacks.pressed(context)["offset"])
    await query.answer()
    services = context.services
    ideas = await services.db.call(services.ideas.by_author, user.id)
    if offset >= len(ideas):
        await context.bot.send_message(
            query.message.chat.id,
            texts.html(lang, "my_ideas_none") if not ideas else texts.html(lang, "no_more"),
        )
        return
    text, markup = ideas_page(services, ideas, offset, lang)
    await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)


async def forget_me(update: Update, context: BotContext) -> int:
    """Ask for confirmation before erasing everything about the resident (in private only)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or await redirect_to_private(update, context, "vergeetmij"):
        return END
    lang = await user_language(update, context)
    services = context.services
    count = len(await services.db.call(services.ideas.by_author, user.id))
    await message.reply_text(
        texts.html(lang, "forget_confirm", ideas=count),
        reply_markup=choices(
            lang, callbacks.FORGET, ("yes", "btn_forget_yes"), ("no", "btn_forget_no")
        ),
    )
    return END  # also leaves an idea conversation in progress


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """Erase ideas, draft, conversation state and language choice (or keep them)."""
    query, user = update.callback_query, update.effective_user
    if (
        query is None
        or user is None
        or query.message is None
        or await redirect_to_private(update, context, "vergeetmij")
    ):
        return
    lang = await user_language(update, context)
    await query.answer()
    if callbacks.pressed(context)["choice"] != "yes":
        await context.bot.send_message(query.message.chat.id, texts.html(lang, "forget_kept"))
        return
    services = context.services
    await services.db.call(services.ideas.forget, user.id)
    forget_language(context)
    context.application.drop_user_data(user.id)
    # the erased texts leave memory too: the encoder's cache, the ideas' in-memory copy
    services.retriever.forget_asked()
    await services.db.call(services.matcher.index.sync)
    for hook in services.erasure_hooks:  # e.g. the terminal chat's saved files
        hook(user.id)
    await context.bot.send_message(query.message.chat.id, texts.html(lang, "forget_done"))
