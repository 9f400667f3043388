"""python-telegram-bot persistence for conversation states only, in the SQLite database.

No pickle file (python-telegram-bot #3196: corrupted by a power loss; PR #5297: deleted data
came back): states live in the ``conversations`` table, one row per chat and user, and are
written right after the update that changed them (``flush_conversations`` in the last handler
group), not only at the library's periodic flush.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import BasePersistence, PersistenceInput

from assistant.bot.context import BotContext
from assistant.store.db import Database, unavailable
from assistant.store.ideas import ConversationStore

log = logging.getLogger(__name__)

FLUSH_GROUP = 99
REFRESH_GROUP = -1
CONVERSATIONS = "conversation_handlers"


class SqlitePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores ConversationHandler states in the database; nothing else."""

    def __init__(self, db: Database) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=False, callback_data=False
            ),
            update_interval=60,
        )
        self.db = db
        self.conversations = ConversationStore(db)
        # States a storage outage kept from the database, newest per conversation; written
        # again after every update until the database takes them.
        self.unwritten: dict[tuple[str, tuple[int, ...]], object | None] = {}

    async def get_conversations(self, name: str) -> dict[tuple[int | str, ...], object]:
        states = await self.db.call(self.conversations.load, name)
        return dict(states.items())

    async def update_conversation(
        self, name: str, key: tuple[int | str, ...], new_state: object | None
    ) -> None:
        ints = tuple(int(k) for k in key)
        try:
            await self.db.call(self.conversations.write, name, ints, new_state)
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("conversation state not written: %s", type(exc).__name__)
            self.unwritten[(name, ints)] = new_state
        else:
            self.unwritten.pop((name, ints), None)

    async def write_unwritten(self) -> None:
        """Try again to write the states an outage kept from the database."""
        for (name, ints), state in list(self.unwritten.items()):
            await self.update_conversation(name, ints, state)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> None:
        return None

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        """Not persisted."""

    async def update_callback_data(self, data: Any) -> None:
        """Not persisted."""

    async def drop_chat_data(self, chat_id: int) -> None:
        """Nothing stored."""

    async def drop_user_data(self, user_id: int) -> None:
        """Nothing stored."""

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing stored."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Nothing stored."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Nothing stored."""

    async def flush(self) -> None:
        """Every write is already committed."""


async def refresh_conversations(update: Update, context: BotContext) -> None:
    """Load this chat's conversation states from the database before the handlers run.

    Replicas behind a load balancer each hold ConversationHandler states in memory; the
    database is the truth, so the replica that gets the next update continues where another
    left off. (It writes the same private dict python-telegram-bot fills from persistence at
    start-up, without marking it for another write.)
    """
    persistence = context.application.persistence
    if not isinstance(persistence, SqlitePersistence):
        return
    for handler in context.bot_data.get(CONVERSATIONS, []):
        try:
            key = handler._get_key(update)
        except RuntimeError:  # an update without chat or user: nothing to refresh
            continue
        ints = tuple(int(k) for k in key)
        if (handler.name, ints) in persistence.unwritten:
            continue  # this replica's state is newer than the database's
        try:
            state = await persistence.db.call(
                persistence.conversations.get, handler.name, ints[0], ints[-1]
            )
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("conversation state not refreshed: %s", type(exc).__name__)
            return  # this replica's own state stands; the handlers report the outage
        conversations = handler._conversations
        if state is None:
            conversations.data.pop(key, None)
        else:
            conversations.update_no_track({key: state})


async def flush_conversations(update: Update, context: BotContext) -> None:
    """Write conversation states changed by this update now (runs after every update), and
    those a storage outage kept back."""
    persistence = context.application.persistence
    if isinstance(persistence, SqlitePersistence) and persistence.unwritten:
        await persistence.write_unwritten()
    await context.application.update_persistence()
