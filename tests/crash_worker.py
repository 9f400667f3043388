"""A bot process for the crash test: residents share ideas one after another. The moment the
transport is handed a confirmation (what Telegram would deliver to the resident), it prints
``ACK <resident> <idea number>`` (not after the handler returns: a confirmation sent before the
commit must show up as a lost acknowledged idea). The test kills it with SIGKILL at random
moments. Run: python -m tests.crash_worker FIRST_RESIDENT COUNT."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable

from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi, SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.store.db import Database


def idea_text(resident_id: int) -> str:
    """The idea a resident of the crash test shares."""
    return f"Crash-test idee van inwoner {resident_id}: een moestuin bij elke school."


def acknowledger(witness: Database) -> Callable[[SentMessage], None]:
    """Print ACK as a confirmation leaves the bot (the transport calls it on every send); a
    second connection checks that the idea is committed by then (else UNCOMMITTED)."""

    def acknowledge(message: SentMessage) -> None:
        number = re.search(r"#(\d+)", message.text)
        if number and message.chat_id > 0:
            stored = witness.execute(
                "SELECT COUNT(*) FROM ideas WHERE id = ?", (int(number.group(1)),)
            ).fetchone()[0]
            print(
                f"{'ACK' if stored else 'UNCOMMITTED'} {message.chat_id} {number.group(1)}",
                flush=True,
            )

    return acknowledge


async def main(first: int, count: int) -> None:
    settings = Settings.from_env()
    api = LocalBotApi(on_send=acknowledger(Database(settings.database)))
    async with LocalTelegram(build_application(settings, InProcess(api)), api) as telegram:
        print("READY", flush=True)
        for rid in range(first, first + count):
            who = Resident(id=rid)
            [choice] = await telegram.send(who, "/idee")
            if choice.buttons and choice.buttons[0][1] == "resume:continue":
                [choice] = await telegram.press(who, choice, "resume:restart")
            await telegram.press(who, choice, "theme:preventiecoalitie")
            [step] = await telegram.send(who, idea_text(rid))
            [step] = await telegram.press(who, step, "skip")
            [step] = await telegram.press(who, step, "skip")
            [step] = await telegram.press(who, step, "skip")
            [step] = await telegram.press(who, step, "skip")  # age
            [summary] = await telegram.press(who, step, "contact:no")
            await telegram.press(who, summary, "send")  # ACK printed as it is sent


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
