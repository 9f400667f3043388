"""Process updates of different chats concurrently and updates of one chat in order.

The idea conversation reads a resident's step from their draft and writes the next one, so
one chat's updates must run one after another (as python-telegram-bot's ConversationHandler
also assumes, #3575, #3509); residents in other chats must not wait for each other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


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
