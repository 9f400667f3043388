"""The services the handlers use, opened in post_init and reached through the context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from telegram.ext import CallbackContext, ExtBot

from assistant.bot.flood import FloodGuard
from assistant.bot.metrics import Metrics
from assistant.config import Settings
from assistant.knowledge import KnowledgeBase
from assistant.retrieval.search import Retriever
from assistant.similar_ideas import IdeaMatcher
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore
from assistant.store.moderation import ModerationStore
from assistant.store.notices import NoticeStore
from assistant.store.prefs import Preferences
from assistant.store.questions import QuestionLog
from assistant.store.staff import StaffStore

SERVICES = "services"


@dataclass
class Services:
    """Long-lived services, built once per Application (never inside a handler)."""

    settings: Settings
    knowledge: KnowledgeBase
    retriever: Retriever
    db: Database
    questions: QuestionLog
    prefs: Preferences
    ideas: IdeaStore
    moderation: ModerationStore
    notices: NoticeStore  # the outbox of notices to idea authors
    matcher: IdeaMatcher  # near-duplicates, groups and related sections of ideas
    staff: StaffStore  # the console's sign-in links and sessions
    secret: str  # for authors' pseudonyms
    flood: FloodGuard
    metrics: Metrics = field(default_factory=Metrics)
    reindex_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # called with a resident's id after /vergeetmij erased them (what lives outside the
    # database and this process's caches, e.g. the terminal chat's saved files)
    erasure_hooks: list[Callable[[int], None]] = field(default_factory=list)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the services."""

    @property
    def services(self) -> Services:
        """The services opened in post_init."""
        return cast(Services, self.bot_data[SERVICES])
