"""The staff console from the bot's side: /inzicht hands a moderator or maintainer a signed,
single-use link, and the console is started beside the bot with what it needs (the console
itself knows nothing of Telegram)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import LinkPreviewOptions, Update
from telegram.ext import JobQueue
from tornado.httpserver import HTTPServer

from assistant.bot import texts
from assistant.bot.context import BotContext, Services
from assistant.bot.lang import user_language
from assistant.bot.notices import JOB_NAME, notices_job
from assistant.bot.private import redirect_to_private
from assistant.console.server import MAINTAINER, MODERATOR, ConsoleDeps, sign_in_url, start_console
from assistant.store.staff import LINK_MINUTES

log = logging.getLogger(__name__)


def roles_of(services: Services, user_id: int) -> frozenset[str]:
    """A person's staff roles as the settings say now."""
    settings = services.settings
    roles = set()
    if user_id in settings.moderator_ids:
        roles.add(MODERATOR)
    if user_id in settings.maintainer_ids:
        roles.add(MAINTAINER)
    return frozenset(roles)


async def console_link(update: Update, context: BotContext) -> None:
    """A fresh sign-in link, in private only (a link in a group would be anyone's)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or await redirect_to_private(update, context, "inzicht"):
        return
    lang = await user_language(update, context)
    services = context.services
    nonce = await services.db.call(services.staff.new_link, user.id)
    url = sign_in_url(services.settings.console_base, nonce)
    # no preview: Telegram's servers would open the link (it survives that, but why invite it)
    await message.reply_text(
        texts.html(lang, "console_link", url=url, minutes=LINK_MINUTES),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    log.info("console link handed out")


async def start_console_for(services: Services, job_queue: JobQueue[Any] | None) -> HTTPServer:
    """Start the console in this event loop, wired to the running bot's services."""

    def deliver_now() -> None:  # the authors' notices, right after a decision (as in /review)
        if job_queue is not None:
            job_queue.run_once(notices_job, 0, name=f"{JOB_NAME}-console")

    settings = services.settings
    deps = ConsoleDeps(
        db=services.db,
        knowledge=lambda: services.knowledge,
        retriever=services.retriever,
        matcher=services.matcher,
        roles=lambda user_id: roles_of(services, user_id),
        secret=services.secret,
        retention_days=settings.question_retention_days,
        after_decision=deliver_now,
        secure_cookies=settings.console_base.startswith("https://"),
    )
    return await start_console(deps, settings.webhook_listen, settings.console_port)
