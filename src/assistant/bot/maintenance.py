"""Maintainers: /reindex in Telegram, and picking up an index rebuilt by ``assistant index``.

A rebuild happens aside (a new index version), then the retriever swaps to it under a lock;
questions already running finish on the old version. Broken content leaves the old index
serving and tells the maintainer what is wrong.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Message, Update
from telegram.error import BadRequest

from assistant.bot import idea_matching, texts
from assistant.bot.context import BotContext, Services
from assistant.bot.lang import user_language
from assistant.errors import AssistantError
from assistant.knowledge import KnowledgeBase, load_knowledge
from assistant.retrieval.index import SearchIndex, current_path, open_index
from assistant.service import rebuild

log = logging.getLogger(__name__)
WATCH_SECONDS = 10.0
PROGRESS_EVERY = 1.0  # seconds between progress edits (Telegram limits edits)


def _serve(services: Services, index: SearchIndex, knowledge: KnowledgeBase) -> None:
    """Put a new index and the knowledge it was built from in service, with the proposals
    the ideas' themes belong to."""
    services.retriever.swap(index)
    services.knowledge = knowledge
    services.matcher.proposals = knowledge.proposal_sections()


async def _swap_to_current(services: Services) -> bool:
    """Load the version ``current`` points to, if it is not the one in service."""
    root = services.settings.index_dir
    if current_path(root) == services.retriever.index.path:
        return False
    index = await asyncio.to_thread(open_index, root)
    knowledge = await asyncio.to_thread(load_knowledge, services.settings.knowledge_dir)
    _serve(services, index, knowledge)
    return True


async def watch_index(context: BotContext) -> None:
    """A job: serve an index rebuilt outside the bot (``assistant index``) without restart."""
    services = context.services
    if services.reindex_lock.locked():
        return
    async with services.reindex_lock:
        try:
            if await _swap_to_current(services):
                log.info("now serving the index rebuilt outside the bot")
        except AssistantError as exc:
            log.warning(
                "the rebuilt index could not be loaded, the old one keeps serving: %s", exc
            )


async def reindex(update: Update, context: BotContext) -> None:
    """Rebuild the index from knowledge/ and swap it in, showing progress."""
    message = update.effective_message
    if message is None:
        return
    lang = await user_language(update, context)
    services = context.services
    if services.reindex_lock.locked():
        await message.reply_text(texts.html(lang, "reindex_busy"))
        return
    async with services.reindex_lock:
        status = await message.reply_text(texts.html(lang, "reindex_started"))
        loop = asyncio.get_running_loop()
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY:
                last[0] = now
                asyncio.run_coroutine_threadsafe(
                    _edit(
                        status,
                        texts.html(lang, "reindex_progress", stage=stage, done=done, total=total),
                    ),
                    loop,
                )

        started = time.perf_counter()
        try:
            knowledge, build = await asyncio.to_thread(
                rebuild, services.settings, services.retriever.encoder, progress=progress
            )
            index = await asyncio.to_thread(open_index, services.settings.index_dir)
        except AssistantError as exc:
            log.warning("re-index failed, the old index keeps serving: %s", exc)
            await _edit(status, texts.html(lang, "reindex_failed", error=str(exc)))
            return
        _serve(services, index, knowledge)
        await _edit(
            status,
            texts.html(
                lang,
                "reindex_done",
                passages=build.manifest.passage_count,
                seconds=f"{time.perf_counter() - started:.1f}",
            ),
        )
    # ideas without a vector of the model in service get one, in batches between residents
    await idea_matching.reembed(services)


async def _edit(message: Message, text: str) -> None:
    try:
        await message.edit_text(text)
    except BadRequest as exc:  # "message is not modified": the same progress twice
        log.debug("progress edit skipped: %s", exc)
