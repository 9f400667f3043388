"""How updates enter: cleaned of what no real client sends, then per chat in order.

The idea conversation reads a resident's step from their draft and writes the next one, so
one chat's updates must run one after another (as python-telegram-bot's ConversationHandler
also assumes, #3575, #3509); residents in other chats must not wait for each other.

JSON may carry a lone UTF-16 surrogate ("\\ud800"), which no Telegram client sends but a
crafted update can; Python keeps it in the string, and the first database write or reply that
encodes it as UTF-8 fails. ``AssistantApplication`` replaces such characters with U+FFFD (and
drops a topic flag in a group without topics) before any handler sees the update, however it
arrived (polling, webhook, tests).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor

T = TypeVar("T")


def _mend(value: T) -> T:
    """``value`` with every lone surrogate in its strings replaced by U+FFFD (pairs kept)."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # type: ignore[return-value]
    if isinstance(value, dict):
        return {_mend(k): _mend(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [_mend(v) for v in value]  # type: ignore[return-value]
    return value


def mended(update: Update, bot: Any) -> Update | None:
    """A copy of ``update`` without what no real client sends, or None when it is sound (the
    rule): lone surrogates, and a topic flag on a message in a group without topics (every
    reply would name a thread Telegram does not have)."""
    data = update.to_dict()
    changed = False
    message = update.message or update.edited_message
    if message is not None and message.is_topic_message and not message.chat.is_forum:
        key = "message" if update.message is not None else "edited_message"
        data[key].pop("is_topic_message", None)
        changed = True
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        data, changed = _mend(data), True
    return Update.de_json(data, bot) if changed else None


class AssistantApplication(Application):  # type: ignore[type-arg]
    """python-telegram-bot's Application, mending crafted text before the handlers run."""

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update):
            update = mended(update, self.bot) or update
        await super().process_update(update)


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """At most ``max_concurrent_updates`` at once; one at a time per chat."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    @staticmethod
    def _key(update: object) -> int | None:
        if isinstance(update, Update) and update.effective_chat is not None:
            return update.effective_chat.id
        return None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = self._key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle chats: memory stays flat under load
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""
