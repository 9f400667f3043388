"""Deliver the outbox (store/notices.py): notices to idea authors about moderators' decisions.

Decisions are made anywhere (Telegram's /review, the CLI, the staff console); only the bot
talks to Telegram, so it delivers: at start, every few seconds, and at once after a decision
made here. A notice Telegram refuses for good (the author blocked the bot or left) is dropped
with an INFO line; any other failure is retried with back-off. The text is rendered at delivery,
in the idea's language, from what the decision stored.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from assistant.bot import texts
from assistant.bot.context import BotContext, Services
from assistant.errors import StorageUnavailable
from assistant.store.notices import Notice

log = logging.getLogger(__name__)
JOB_NAME = "notices"
EVERY_SECONDS = 5.0
_GONE = ("chat not found", "user is deactivated", "peer_id_invalid")


async def _text(services: Services, notice: Notice) -> str | None:
    """The notice in the author's language (None: the idea is gone meanwhile)."""
    idea = await services.db.call(services.ideas.get, notice.idea_id)
    if idea is None:
        return None
    lang = idea.lang if idea.lang in texts.LANGUAGES else texts.DEFAULT_LANGUAGE
    theme = services.knowledge.theme_title(idea.theme, lang)
    if notice.kind == "approved":
        return texts.html(lang, "author_approved", number=idea.id, theme=theme)
    if notice.kind == "duplicate":
        return texts.html(
            lang, "author_duplicate", number=idea.id, theme=theme, original=notice.original
        )
    reason = texts.Html(
        texts.html(lang, "author_reason", reason=notice.reason) if notice.reason else ""
    )
    return texts.html(lang, "author_rejected", number=idea.id, theme=theme, reason=reason)


async def deliver_due(services: Services, bot: Bot) -> int:
    """Send every due notice once; returns how many Telegram took."""
    store = services.notices
    sent = 0
    try:
        batch = await services.db.call(store.claim)
    except StorageUnavailable as exc:
        log.warning("notices postponed, the database is unavailable: %s", exc.reason)
        return 0
    for notice in batch:
        text = await _text(services, notice)
        if text is None:
            await services.db.call(store.delivered, notice.id)
            continue
        try:
            await bot.send_message(notice.recipient, text)
        except Forbidden:
            log.info("notice for idea %s dropped: the author blocked the bot", notice.idea_id)
            await services.db.call(store.delivered, notice.id)
            continue
        except BadRequest as exc:
            if any(m in exc.message.lower() for m in _GONE):
                log.info("notice for idea %s dropped: the chat is gone", notice.idea_id)
                await services.db.call(store.delivered, notice.id)
                continue
            kept = await services.db.call(store.retry_later, notice)
            log.warning("notice for idea %s not sent (%s)", notice.idea_id, exc.message)
            if not kept:
                log.warning("notice for idea %s given up after two weeks", notice.idea_id)
            continue
        except TelegramError as exc:
            await services.db.call(store.retry_later, notice)
            log.warning("notice for idea %s not sent yet: %s", notice.idea_id, type(exc).__name__)
            continue
        await services.db.call(store.delivered, notice.id)
        sent += 1
    return sent


async def notices_job(context: BotContext) -> None:
    """The JobQueue's periodic delivery (and the one run at once after a decision)."""
    await deliver_due(context.services, context.bot)


def deliver_soon(context: BotContext) -> None:
    """Deliver now, beside the handler (the moderator's next screen does not wait for it)."""
    queue = context.application.job_queue
    if queue is not None:
        queue.run_once(notices_job, 0, name=f"{JOB_NAME}-now")  # type: ignore[arg-type]
