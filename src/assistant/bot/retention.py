"""Question texts are kept for a stated period only (ASSISTANT_QUESTION_RETENTION_DAYS).

Run at start and then daily by the Application's JobQueue; ``assistant retention`` does the
same from the command line. The count is logged, never a text.
"""

from __future__ import annotations

import logging

from assistant.bot.context import BotContext, Services
from assistant.errors import StorageUnavailable

log = logging.getLogger(__name__)
JOB_NAME = "question-retention"
EVERY_SECONDS = 24 * 60 * 60


async def forget_old_question_texts(services: Services) -> int:
    """Delete the texts of questions older than the retention period; returns how many.

    The caches that remember question texts are emptied at every run: as it runs daily, no
    text stays in memory longer than a day, far within the retention period (and a text
    deleted by ``assistant retention`` from cron leaves this process's memory by the next run).
    """
    days = services.settings.question_retention_days
    services.retriever.forget_asked()
    try:
        count = await services.db.call(services.questions.forget_old_texts, days)
        await services.db.call(services.staff.forget_expired)  # console links and sessions
    except StorageUnavailable as exc:
        log.warning("question retention postponed, the database refuses writes: %s", exc.reason)
        return 0
    if count:
        log.info("deleted the texts of %d questions older than %d days", count, days)
    return count


async def retention_job(context: BotContext) -> None:
    """The daily job."""
    await forget_old_question_texts(context.services)
