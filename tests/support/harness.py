"""The bot started once in its own event loop, for property-based tests (hypothesis runs its
examples synchronously), and the hostile strings they mix in."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import strategies as st

from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram
from assistant.retrieval.encoder import Encoder

NASTY = st.sampled_from(
    [
        "<b>vet</b>",
        "<script>alert(1)</script>",
        "</i>",
        "&amp;",
        "& <",
        "*bold* _it_ `code`",
        "'; DROP TABLE ideas; --",
        '" OR 1=1 --',
        "\x00\x01\x1b[31m",
        "\u202e\u200b\ufeff",
        "🧨" * 30,
        "a" * 5000,
        "/start",
        "@MetropoolAssistentBot",
        "https://x.nl/?a=<b>",
    ]
)


class Harness:
    """The bot started once in its own event loop; examples run through ``run``."""

    def __init__(self, app_settings: Settings, encoder: Encoder) -> None:
        self.loop = asyncio.new_event_loop()
        self.api = LocalBotApi()
        self.telegram = LocalTelegram(
            build_application(app_settings, InProcess(self.api), encoder=encoder), self.api
        )
        self.run(self.telegram.start())

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def close(self) -> None:
        self.run(self.telegram.stop())
        self.loop.close()
