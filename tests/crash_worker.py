"""A bot process for the crash test: residents share ideas one after another; after each
confirmation the resident saw, it prints ``ACK <resident> <idea number>``. The test kills it
with SIGKILL at random moments. Run: python -m tests.crash_worker FIRST_RESIDENT COUNT."""

from __future__ import annotations

import asyncio
import re
import sys

from assistant.bot.app import build_application
from assistant.bot.local import LocalBotApi
from assistant.bot.simulator import LocalTelegram, Resident
from assistant.config import Settings


def idea_text(resident_id: int) -> str:
    """The idea a resident of the crash test shares."""
    return f"Crash-test idee van inwoner {resident_id}: een moestuin bij elke school."


async def main(first: int, count: int) -> None:
    api = LocalBotApi()
    async with LocalTelegram(build_application(Settings.from_env(), request=api),
                             api) as telegram:
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
            [summary] = await telegram.press(who, step, "contact:no")
            replies = await telegram.press(who, summary, "send")
            number = re.search(r"#(\d+)", replies[-1].text)
            if number:  # the resident has seen the confirmation
                print(f"ACK {rid} {number.group(1)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
