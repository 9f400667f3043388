"""``assistant chat``: talk to the real bot in a terminal, through the local Bot API.

No token, no network. Messages are shown as plain text as they happen; inline buttons are
numbered and pressed by typing their number. An edited message (a button that changes its
message, /reindex progress) is printed again, marked as edited, with its new buttons. Files
the bot sends (/export) are saved under the data directory, in the chat's own folder (erased
with the resident by /vergeetmij), and their path is printed. Log
lines go to a log file named at start, never into the conversation. With ``staff`` the
terminal user is a moderator and maintainer (/review, /stats, /export, /reindex).
Typing /quit (or Ctrl-D) ends the chat.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from assistant.bot.app import InProcess, build_application, require_free_port
from assistant.bot.context import SERVICES
from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.localbot.api import LocalBotApi, SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder

_TAG = re.compile(r"<[^>]+>")
TERMINAL_USER_ID = 1001
FILES_DIR = "chat-files"  # under the data directory
EDITED = {"nl": "bewerkt", "en": "edited"}


def plain(message: SentMessage, *, edited: str = "", saved: Path | None = None) -> str:
    """A bot message as terminal text: tags dropped, entities unescaped, buttons numbered;
    ``edited`` marks a message printed again after an edit."""
    text = html.unescape(_TAG.sub("", message.text)) if message.parse_mode else message.text
    if message.document is not None:
        where = saved if saved is not None else message.document[0]
        text = f"[{where}, {len(message.document[1])} bytes]\n{text}".rstrip()
    lines = [f"bot> {line}" if line else "" for line in text.splitlines()]
    if edited and lines:
        lines[0] = f"bot> ({edited}) {lines[0][5:]}"
    for n, (label, _) in enumerate(message.buttons, start=1):
        lines.append(f"     [{n}] {label}")
    return "\n".join(lines)


@dataclass
class TerminalBotApi(LocalBotApi):
    """The local Bot API that also shows, as it happens, what the bot does in one chat."""

    chat_id: int = TERMINAL_USER_ID
    stdout: TextIO = sys.stdout
    files_dir: Path = Path("data") / FILES_DIR
    lang: str = "nl"
    waiting: bool = False  # the prompt is shown and the user is typing
    current: SentMessage | None = field(default=None)  # the message whose buttons count

    def _print(self, text: str) -> None:
        if self.waiting:  # something arrived while the user types: keep the prompt last
            text = "\n" + text + "\nyou> "
        print(text, file=self.stdout, end="" if self.waiting else "\n", flush=True)

    def _save(self, message: SentMessage) -> Path | None:
        """Keep a file the bot sent under the chat's own folder (removed when its resident
        is erased), never over an earlier file of the same name."""
        if message.document is None:
            return None
        folder = self.files_dir / str(self.chat_id)
        folder.mkdir(parents=True, exist_ok=True)
        name = Path(message.document[0]).name  # no directories from outside
        path, n = folder / name, 1
        while path.exists():
            n += 1
            path = folder / f"{Path(name).stem}-{n}{Path(name).suffix}"
        path.write_bytes(message.document[1])
        return path

    def erase(self, user_id: int) -> None:
        """/vergeetmij: the files saved for this resident's chat go too."""
        shutil.rmtree(self.files_dir / str(user_id), ignore_errors=True)

    def _show(self, message: SentMessage, edited: bool = False) -> None:
        if message.chat_id != self.chat_id:
            return  # e.g. the moderators' group: not this conversation
        saved = self._save(message)
        self._print(plain(message, edited=EDITED[self.lang] if edited else "", saved=saved))
        if message.buttons:
            self.current = message
        elif self.current is message:
            self.current = None

    def _store(self, message: SentMessage) -> dict[str, Any]:
        result = super()._store(message)
        self._show(message)
        return result

    def _api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        result = super()._api_editMessageText(params, files)
        self._show(self._edit_target(params), edited=True)
        return result

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        result = super()._api_editMessageReplyMarkup(params, files)
        self._show(self._edit_target(params), edited=True)
        return result

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        result = super()._api_answerCallbackQuery(params, files)
        if params.get("text"):
            self._print(f"bot> ({params['text']})")
        return result


def staff_settings(settings: Settings, user_id: int = TERMINAL_USER_ID) -> Settings:
    """The settings with the terminal user added as moderator and maintainer, and the staff
    console on this machine only (127.0.0.1)."""
    return dataclasses.replace(
        settings,
        moderator_ids=settings.moderator_ids | {user_id},
        maintainer_ids=settings.maintainer_ids | {user_id},
        webhook_listen="127.0.0.1",
    )


def console_can_listen(settings: Settings) -> bool:
    """Whether the staff console is on and its port free (checked as the bot checks it)."""
    if not settings.console_port:
        return False
    try:
        require_free_port(settings.webhook_listen, settings.console_port, "ASSISTANT_CONSOLE_PORT")
    except ConfigError:
        return False
    return True


async def chat(
    settings: Settings,
    user_id: int = TERMINAL_USER_ID,
    language: str = "nl",
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    *,
    staff: bool = False,
    encoder: Encoder | None = None,
) -> int:
    """Run the conversation loop until end of input or /quit."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if staff:
        settings = staff_settings(settings, user_id)
    api = TerminalBotApi(
        chat_id=user_id, stdout=stdout, lang=language, files_dir=settings.data_dir / FILES_DIR
    )
    console = staff and console_can_listen(settings)
    if staff and not console:
        print(
            f"(console: poort {settings.console_port} is bezet of uit / port taken or off: "
            "ASSISTANT_CONSOLE_PORT)",
            file=stdout,
        )
    app = build_application(settings, InProcess(api, console=console), encoder=encoder)
    resident = Resident(id=user_id, first_name="Terminal", language_code=language)
    loop = asyncio.get_running_loop()
    async with LocalTelegram(app, api) as telegram:
        app.bot_data[SERVICES].erasure_hooks.append(api.erase)
        await telegram.send(resident, "/start")
        if console:  # the staff console's sign-in link, as a staff member gets it in Telegram
            await telegram.send(resident, "/inzicht")
        while True:
            print("you> ", end="", file=stdout, flush=True)
            api.waiting = True
            try:
                line = await loop.run_in_executor(None, stdin.readline)
            finally:
                api.waiting = False
            if line and not stdin.isatty():  # a piped transcript: show what was typed
                print(line.rstrip("\n"), file=stdout, flush=True)
            if not line or line.strip() in ("/quit", "/exit"):
                break
            text = line.strip()
            if not text:
                continue
            message = api.current
            if text.isdigit() and message is not None and 1 <= int(text) <= len(message.buttons):
                await telegram.press(resident, message, message.buttons[int(text) - 1][1])
                continue
            await telegram.send(resident, line.rstrip("\n"))
    if not line:
        print(file=stdout)
    return 0
