"""Drive the real Application through the local Bot API: residents send text, press buttons.

Used by ``assistant chat`` and by the tests. Updates go through the Application's update
processor exactly as fetched updates would (per-chat ordering, concurrency), and each call
returns the messages the bot sent in response.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from telegram import Update

from assistant.localbot.api import BOT_ID, BOT_USERNAME, LocalBotApi, SentMessage


@dataclass(frozen=True)
class Resident:
    """A Telegram user talking to the bot."""

    id: int
    first_name: str = "Inwoner"
    language_code: str | None = "nl"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data


class LocalTelegram:
    """Runs an Application on a LocalBotApi; use as ``async with LocalTelegram(app, api):``."""

    def __init__(self, app: Any, api: LocalBotApi) -> None:
        self.app = app
        self.api = api
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    async def __aenter__(self) -> LocalTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Initialise, run post_init and start the Application (what run_polling does)."""
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()

    async def stop(self) -> None:
        """Stop and shut down the Application, running post_shutdown."""
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        if self.app.post_shutdown:
            await self.app.post_shutdown(self.app)

    # --- building updates --------------------------------------------------------------------
    @staticmethod
    def _chat(resident: Resident, chat_id: int | None, forum: bool = False) -> dict[str, Any]:
        if chat_id is None or chat_id == resident.id:
            return {"id": resident.id, "type": "private", "first_name": resident.first_name}
        if forum:
            return {"id": chat_id, "type": "supergroup", "title": "Buurtgroep", "is_forum": True}
        return {"id": chat_id, "type": "group", "title": "Buurtgroep"}

    def message_update(
        self,
        resident: Resident,
        text: str | None = None,
        *,
        chat_id: int | None = None,
        reply_to: SentMessage | None = None,
        extra: dict[str, Any] | None = None,
        thread: int | None = None,
    ) -> Update:
        """A message from the resident (text, or other content through ``extra``), in the
        forum topic ``thread`` of the group ``chat_id`` if given."""
        message: dict[str, Any] = {
            "message_id": self.api.new_message_id(),
            "date": int(time.time()),
            "chat": self._chat(resident, chat_id, forum=thread is not None),
            "from": resident.as_json(),
        }
        if thread is not None:
            message.update(message_thread_id=thread, is_topic_message=True)
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0].encode("utf-16-le")) // 2
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to.as_json()
        message.update(extra or {})
        self.api.receive(message)
        return Update.de_json(
            {"update_id": next(self._update_ids), "message": message}, self.app.bot
        )

    def edit_update(self, original: Update, text: str) -> Update:
        """The resident edits a message they sent earlier (Telegram's ``edited_message``)."""
        assert original.message is not None
        message = original.message.to_dict()
        message.update(text=text, edit_date=int(time.time()))
        message.pop("entities", None)
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        self.api.receive(message)
        return Update.de_json(
            {"update_id": next(self._update_ids), "edited_message": message}, self.app.bot
        )

    def raw_update(self, data: dict[str, Any]) -> Update:
        """Any update as JSON (crafted ones included); callback query ids are expected."""
        query = data.get("callback_query")
        if query is not None:
            self.api.expect_callback(str(query["id"]))
        return Update.de_json({"update_id": next(self._update_ids), **data}, self.app.bot)

    def callback_update(self, resident: Resident, message: SentMessage, data: str) -> Update:
        """A press on an inline button of a bot message."""
        query_id = f"q{next(self._query_ids)}"
        self.api.expect_callback(query_id)
        return Update.de_json(
            {
                "update_id": next(self._update_ids),
                "callback_query": {
                    "id": query_id,
                    "from": resident.as_json(),
                    "chat_instance": str(message.chat_id),
                    "message": message.as_json(),
                    "data": data,
                },
            },
            self.app.bot,
        )

    # --- sending -------------------------------------------------------------------------------
    async def process(self, update: Update) -> None:
        """Process one update through the update processor, as the fetcher would."""
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    async def _collect(self, update: Update) -> list[SentMessage]:
        before = len(self.api.sent)
        await self.process(update)
        chat = update.effective_chat
        return [m for m in self.api.sent[before:] if chat is None or m.chat_id == chat.id]

    async def send(
        self,
        resident: Resident,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: SentMessage | None = None,
        thread: int | None = None,
    ) -> list[SentMessage]:
        """The resident sends text; returns what the bot sent to that chat in response."""
        return await self._collect(
            self.message_update(resident, text, chat_id=chat_id, reply_to=reply_to, thread=thread)
        )

    async def send_other(
        self, resident: Resident, kind: str, caption: str | None = None
    ) -> list[SentMessage]:
        """The resident sends a photo, sticker, voice note, document or location (a photo,
        voice note or document with ``caption``)."""
        contents: dict[str, dict[str, Any]] = {
            "photo": {
                "photo": [{"file_id": "p1", "file_unique_id": "p1", "width": 10, "height": 10}]
            },
            "sticker": {
                "sticker": {
                    "file_id": "s1",
                    "file_unique_id": "s1",
                    "width": 10,
                    "height": 10,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                }
            },
            "voice": {"voice": {"file_id": "v1", "file_unique_id": "v1", "duration": 2}},
            "document": {"document": {"file_id": "d1", "file_unique_id": "d1"}},
            "location": {"location": {"latitude": 52.37, "longitude": 4.9}},
        }
        extra = contents[kind] | ({"caption": caption} if caption is not None else {})
        return await self._collect(self.message_update(resident, extra=extra))

    async def press(
        self, resident: Resident, message: SentMessage, button: str
    ) -> list[SentMessage]:
        """Press the button whose label contains ``button`` (or whose data equals it)."""
        data = next((d for label, d in message.buttons if d == button), None) or next(
            (d for label, d in message.buttons if button in label), None
        )
        if data is None:
            raise LookupError(f"no button {button!r} in {message.buttons}")
        return await self._collect(self.callback_update(resident, message, data))

    def callback_answer(self, index: int = -1) -> dict[str, Any]:
        """The parameters of an answerCallbackQuery call (default: the latest)."""
        return list(self.api.callback_answers.values())[index]


__all__ = ["BOT_ID", "BOT_USERNAME", "LocalTelegram", "Resident"]
