"""A rejection reason the moderator types (beside the preset ones): after "type a reason" in
/review, the moderator's next message is the reason, not a question to search. The author reads
it in /mijnideeen and in the notice, so it is written for them."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from assistant.bot import texts
from assistant.bot.context import BotContext
from assistant.bot.lang import user_language
from assistant.bot.notices import deliver_soon

log = logging.getLogger(__name__)
TYPING = "typing_reason_for"  # user_data: the idea whose rejection reason is being typed
MAX_REASON = 300


async def ask(update: Update, context: BotContext, idea_id: int) -> None:
    """Ask the moderator to type the reason for rejecting ``idea_id``."""
    query = update.callback_query
    assert query is not None and query.message is not None
    lang = await user_language(update, context)
    if context.user_data is not None:
        context.user_data[TYPING] = idea_id
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id, texts.html(lang, "mod_type_reason", number=idea_id)
    )


async def typed(update: Update, context: BotContext) -> None:
    """In its own handler group: the text after "type a reason" rejects the idea with it; a
    command instead leaves it (the idea stays as it was) and runs as usual."""
    message, user = update.message, update.effective_user
    data = context.user_data
    if message is None or user is None or data is None or TYPING not in data:
        return
    idea_id = int(data.pop(TYPING))
    services = context.services
    if user.id not in services.settings.moderator_ids or not message.text:
        return
    if message.text.startswith("/"):
        return
    from assistant.bot import moderation  # its send_next shows the next idea

    lang = await user_language(update, context)
    reason = " ".join(message.text.split())[:MAX_REASON]
    change = await services.db.call(
        services.moderation.set_status, idea_id, "rejected", f"telegram:{user.id}", reason=reason
    )
    if change.idea is None:
        await message.reply_text(texts.html(lang, "mod_unknown_idea"))
    elif not change.changed:
        status = texts.plain(lang, f"status_{change.idea.status}")
        await message.reply_text(texts.html(lang, "mod_already", status=status))
    else:
        log.info("idea %s: %s -> rejected (typed reason)", idea_id, change.before)
        deliver_soon(context)
        status = texts.plain(lang, f"status_{change.idea.status}")
        await message.reply_text(texts.html(lang, "mod_done", status=status))
        await moderation.send_next(update, context, lang)
    raise ApplicationHandlerStop
