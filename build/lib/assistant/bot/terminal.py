"""``assistant chat``: talk to the real bot in a terminal, through the local Bot API.

No token, no network. Messages are shown as plain text; inline buttons are numbered and pressed
by typing their number. Typing /quit (or Ctrl-D) ends the chat.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from typing import TextIO

from assistant.bot.app import build_application
from assistant.bot.local import LocalBotApi, SentMessage
from assistant.bot.simulator import LocalTelegram, Resident
from assistant.config import Settings

_TAG = re.compile(r"<[^>]+>")


def plain(message: SentMessage) -> str:
    """A bot message as terminal text: tags dropped, entities unescaped, buttons numbered."""
    text = html.unescape(_TAG.sub("", message.text)) if message.parse_mode else message.text
    if message.document is not None:
        text = f"[file {message.document[0]}, {len(message.document[1])} bytes] {text}"
    lines = [f"bot> {line}" if line else "" for line in text.splitlines()]
    for n, (label, _) in enumerate(message.buttons, start=1):
        lines.append(f"     [{n}] {label}")
    return "\n".join(lines)


async def chat(settings: Settings, user_id: int = 1001, language: str = "nl",
               stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run the conversation loop until end of input or /quit."""
    api = LocalBotApi()
    app = build_application(settings, request=api)
    resident = Resident(id=user_id, first_name="Terminal", language_code=language)
    loop = asyncio.get_running_loop()
    async with LocalTelegram(app, api) as telegram:
        last_with_buttons: SentMessage | None = None

        def show(messages: list[SentMessage]) -> None:
            nonlocal last_with_buttons
            for m in messages:
                print(plain(m), file=stdout, flush=True)
                if m.buttons:
                    last_with_buttons = m

        show(await telegram.send(resident, "/start"))
        while True:
            print("you> ", end="", file=stdout, flush=True)
            line = await loop.run_in_executor(None, stdin.readline)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            text = line.rstrip("\n")
            if not text.strip():
                continue
            if text.strip().isdigit() and last_with_buttons is not None:
                index = int(text.strip()) - 1
                buttons = last_with_buttons.buttons
                if 0 <= index < len(buttons):
                    show(await telegram.press(resident, last_with_buttons, buttons[index][1]))
                    answer = list(api.callback_answers.values())[-1:]
                    if answer and answer[0].get("text"):
                        print(f"bot> ({answer[0]['text']})", file=stdout, flush=True)
                    continue
            show(await telegram.send(resident, text))
    return 0
