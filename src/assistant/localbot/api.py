"""A local Bot API: a python-telegram-bot ``BaseRequest`` that answers in-process.

It lets the real ``Application`` run with no network and no token, for ``assistant chat`` and
for the tests. It is as strict as Telegram where our bot could go wrong (text length, empty
text, HTML entities, callback_data size, edits that change nothing or target no message,
callback answers for unknown queries, replies to messages that do not exist), answering with
the Bot API's own error texts as 400s; lengths are UTF-16 units of the parsed text, "not
modified" is decided on the parsed text and its entities, HTML must nest as Telegram allows. A
chat can block the bot (403), and faults can be injected (429 with retry_after, 403, 5xx,
timeouts, dropped connections).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from telegram.constants import CallbackQueryLimit, InlineKeyboardButtonLimit, MessageLimit
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from assistant.bot.html_check import HtmlError, parse_entities
from assistant.text import utf16_len

BOT_ID = 7_000_000_001
BOT_USERNAME = "MetropoolAssistentBot"
# Telegram's limits, as python-telegram-bot states them (one source for bot and stand-in)
MAX_TEXT = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
MAX_CALLBACK_DATA = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64
MAX_CAPTION = int(MessageLimit.CAPTION_LENGTH)  # 1024
MAX_CALLBACK_ANSWER = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


@dataclass
class SentMessage:
    """A message the bot sent (or its latest edit), as Telegram would hold it."""

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: tuple[str, bytes] | None = None  # (file name, content)
    edits: int = 0
    reply_to: dict[str, Any] | None = None  # the message this one replies to
    thread: int | None = None  # the forum topic it was posted in (None: not a topic)

    @property
    def reply_to_message_id(self) -> int | None:
        """The id of the message this one replies to, if any."""
        return int(self.reply_to["message_id"]) if self.reply_to else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(text, callback_data or url) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            (b["text"], b.get("callback_data") or b.get("url", "")) for row in rows for b in row
        ]

    def as_json(self) -> dict[str, Any]:
        """The Bot API ``Message`` object for this message."""
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private" if self.chat_id > 0 else "group"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Metropool",
                "username": BOT_USERNAME,
            },
        }
        if self.document is not None:
            data["document"] = {
                "file_id": f"doc{self.message_id}",
                "file_unique_id": f"u{self.message_id}",
                "file_name": self.document[0],
            }
            if self.text:
                data["caption"] = self.text
        else:
            data["text"] = self.text
        if self.reply_markup:
            data["reply_markup"] = self.reply_markup
        if self.reply_to:
            data["reply_to_message"] = self.reply_to
        if self.thread is not None:
            data["chat"].update(type="supergroup", is_forum=True)
            data.update(message_thread_id=self.thread, is_topic_message=True)
        return data


@dataclass
class Fault:
    """A fault to inject on the next ``times`` calls of ``method`` (None: any method)."""

    kind: str  # "429" | "403" | "500" | "timeout" | "drop" | "read-timeout"
    method: str | None = None
    times: int = 1
    retry_after: int = 1


@dataclass
class Call:
    """One Bot API call the bot made: method, parameters and the outcome."""

    method: str
    params: dict[str, Any]
    ok: bool
    error: str = ""


class BadRequest(Exception):
    """A 400 the local Bot API answers with (message = Telegram's description)."""


class Forbidden(Exception):
    """A 403 the local Bot API answers with (the resident blocked the bot)."""


@dataclass
class LocalBotApi(BaseRequest):
    """Serves the Bot API methods the assistant uses, in-process; records everything."""

    messages: dict[tuple[int, int], SentMessage] = field(default_factory=dict)
    sent: list[SentMessage] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    chat_actions: list[tuple[int, str]] = field(default_factory=list)
    callback_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    valid_token: Callable[[str], bool] = field(default=lambda token: True)
    on_send: Callable[[SentMessage], None] | None = None
    webhook: dict[str, Any] = field(default_factory=dict)
    blocked: set[int] = field(default_factory=set)  # chats whose user blocked the bot
    incoming: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    forums: set[int] = field(default_factory=set)  # groups with topics (seen in messages)
    _pending_callbacks: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()

    # --- BaseRequest -------------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        token, api_method = url.rsplit("/", 2)[-2:]
        params = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        fault = self._take_fault(api_method)
        if fault is not None:
            self.calls.append(Call(api_method, params, ok=False, error=f"fault {fault.kind}"))
            if fault.kind == "429":
                return 429, self._error(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    parameters={"retry_after": fault.retry_after},
                )
            if fault.kind == "403":
                return 403, self._error(403, BLOCKED)
            if fault.kind == "500":
                return 500, self._error(500, "Internal Server Error")
            if fault.kind == "timeout":  # the connection could not be made in time
                raise TimedOut("Timed out (injected)") from httpx.ConnectTimeout("injected")
            if fault.kind == "drop":  # the connection failed before the request was sent
                raise NetworkError("Connection dropped (injected)") from httpx.ConnectError(
                    "injected"
                )
            if fault.kind == "read-timeout":  # delivered, but the answer never came back
                handler = getattr(self, f"_api_{api_method}", None)
                if handler is not None:
                    async with self._lock:
                        with contextlib.suppress(BadRequest):
                            handler(params, files or {})
                raise TimedOut("Timed out (injected)") from httpx.ReadTimeout("injected")
            raise NetworkError(f"unknown injected fault {fault.kind!r}")
        if not self.valid_token(token.removeprefix("bot")):
            self.calls.append(Call(api_method, params, ok=False, error="Unauthorized"))
            return 401, self._error(401, "Unauthorized")
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            self.calls.append(Call(api_method, params, ok=False, error="Not Found"))
            return 404, self._error(404, "Not Found: method not found")
        try:
            async with self._lock:
                result = handler(params, files or {})
        except BadRequest as exc:
            self.calls.append(Call(api_method, params, ok=False, error=str(exc)))
            return 400, self._error(400, f"Bad Request: {exc}")
        except Forbidden as exc:
            self.calls.append(Call(api_method, params, ok=False, error=str(exc)))
            return 403, self._error(403, str(exc))
        self.calls.append(Call(api_method, params, ok=True))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # --- fault injection ---------------------------------------------------------------------
    def inject(
        self, kind: str, method: str | None = None, times: int = 1, retry_after: int = 1
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail with ``kind``."""
        self.faults.append(Fault(kind=kind, method=method, times=times, retry_after=retry_after))

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.method in (None, method):
                fault.times -= 1
                if fault.times == 0:
                    self.faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _error(code: int, description: str, **extra: Any) -> bytes:
        return json.dumps(
            {"ok": False, "error_code": code, "description": description, **extra}
        ).encode()

    # --- helpers for the harness -------------------------------------------------------------
    def expect_callback(self, query_id: str) -> None:
        """Register a callback query id the bot may answer (as Telegram would know it)."""
        self._pending_callbacks.add(query_id)

    def receive(self, message: dict[str, Any]) -> None:
        """Know a message a resident sent (the bot may reply to it), and its chat's topics."""
        self.incoming[(int(message["chat"]["id"]), int(message["message_id"]))] = message
        if message["chat"].get("is_forum"):
            self.forums.add(int(message["chat"]["id"]))

    def new_message_id(self) -> int:
        """A message id not used by any other message in this local Telegram."""
        return next(self._ids)

    def to_chat(self, chat_id: int) -> list[SentMessage]:
        """Messages sent to one chat, in order."""
        return [m for m in self.sent if m.chat_id == chat_id]

    # --- validation --------------------------------------------------------------------------
    @staticmethod
    def _check_text(
        text: Any, parse_mode: str | None, limit: int = MAX_TEXT, what: str = "message"
    ) -> str:
        LocalBotApi._parsed(text, parse_mode, limit, what)
        return str(text)

    @staticmethod
    def _parsed(
        text: Any, parse_mode: str | None, limit: int = MAX_TEXT, what: str = "message"
    ) -> tuple[str, list[tuple[str, int, int]]]:
        """The text and entities Telegram would store; refused as Telegram would refuse it."""
        if not isinstance(text, str) or not text.strip():
            raise BadRequest(f"{what} text is empty")
        visible: str = text
        entities: list[tuple[str, int, int]] = []
        if parse_mode and parse_mode.upper() == "HTML":
            try:
                visible, entities = parse_entities(text)
            except HtmlError as exc:
                raise BadRequest(str(exc)) from exc
        elif parse_mode:
            raise BadRequest(f"unsupported parse_mode {parse_mode!r} in the local Bot API")
        if not visible.strip():
            raise BadRequest(f"{what} text is empty")
        if utf16_len(visible) > limit:
            raise BadRequest(
                "message is too long" if what == "message" else "message caption is too long"
            )
        return visible, entities

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if markup is None:
            return None
        if not isinstance(markup, dict):
            markup = json.loads(markup)
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not str(button.get("text", "")).strip():
                    raise BadRequest("BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA
                ):
                    raise BadRequest("BUTTON_DATA_INVALID")
                if data is None and "url" not in button:
                    raise BadRequest("BUTTON_TYPE_INVALID")
        return dict(markup)

    def _store(self, message: SentMessage) -> dict[str, Any]:
        self.messages[(message.chat_id, message.message_id)] = message
        self.sent.append(message)
        if self.on_send is not None:
            self.on_send(message)
        return message.as_json()

    # --- Bot API methods ---------------------------------------------------------------------
    def _api_getMe(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Metropool",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _recipient(self, params: dict[str, Any]) -> int:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise Forbidden(BLOCKED)
        return chat_id

    @staticmethod
    def _reply_parameters(params: dict[str, Any]) -> dict[str, Any]:
        raw = params.get("reply_parameters")
        if isinstance(raw, str):
            raw = json.loads(raw)
        reply = dict(raw or {})
        if params.get("reply_to_message_id") is not None:
            reply.setdefault("message_id", params["reply_to_message_id"])
            reply.setdefault(
                "allow_sending_without_reply", params.get("allow_sending_without_reply", False)
            )
        return reply

    def _reply_target(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        """The message replied to (reply_parameters / reply_to_message_id), as Telegram checks
        it: it must exist in that chat unless allow_sending_without_reply is set."""
        reply = self._reply_parameters(params)
        if "message_id" not in reply:
            return None
        key = (int(reply.get("chat_id", chat_id)), int(reply["message_id"]))
        target = self.incoming.get(key)
        if target is None and key in self.messages:
            target = self.messages[key].as_json()
        if target is None and not reply.get("allow_sending_without_reply"):
            raise BadRequest("message to be replied not found")
        return target

    def _thread(
        self, chat_id: int, params: dict[str, Any], reply_to: dict[str, Any] | None
    ) -> int | None:
        """The forum topic a message goes to: the one named (only a chat with topics has them),
        else (as Telegram does for a reply that must find its message) the replied message's;
        none: the General topic."""
        named = params.get("message_thread_id")
        if named is not None:
            if chat_id not in self.forums:
                raise BadRequest("message thread not found")
            return int(named)
        inherits = not self._reply_parameters(params).get("allow_sending_without_reply")
        if reply_to is not None and reply_to.get("is_topic_message") and inherits:
            return int(reply_to["message_thread_id"])
        return None

    def _api_sendMessage(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        chat_id = self._recipient(params)
        reply_to = self._reply_target(chat_id, params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self.new_message_id(),
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=self._check_markup(params.get("reply_markup")),
            reply_to=reply_to,
            thread=self._thread(chat_id, params, reply_to),
        )
        return self._store(message)

    def _api_sendDocument(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        if "document" not in files:
            raise BadRequest("there is no document in the request")
        name, content = files["document"][0], files["document"][1]
        if hasattr(content, "read"):
            content = content.read()
        caption = params.get("caption") or ""
        if caption:
            self._check_text(caption, params.get("parse_mode"), MAX_CAPTION, "caption")
        chat_id = self._recipient(params)
        message = SentMessage(
            chat_id=chat_id,
            message_id=self.new_message_id(),
            text=caption,
            parse_mode=params.get("parse_mode"),
            document=(str(name), bytes(content)),
            reply_to=self._reply_target(chat_id, params),
        )
        return self._store(message)

    def _edit_target(self, params: dict[str, Any]) -> SentMessage:
        key = (int(params.get("chat_id", 0)), int(params.get("message_id", 0)))
        message = self.messages.get(key)
        if message is None:
            raise BadRequest("message to edit not found")
        return message

    def _api_editMessageText(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        message = self._edit_target(params)
        text = self._check_text(params.get("text"), params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        # Telegram compares what it stores: the parsed text and its entities, not the HTML
        same = self._parsed(text, params.get("parse_mode")) == self._parsed(
            message.text, message.parse_mode
        )
        if same and markup == message.reply_markup:
            raise BadRequest(NOT_MODIFIED)
        message.text, message.reply_markup = text, markup
        message.parse_mode = params.get("parse_mode")
        message.edits += 1
        return message.as_json()

    def _api_editMessageReplyMarkup(self, params: dict[str, Any], files: Any) -> dict[str, Any]:
        message = self._edit_target(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.reply_markup:
            raise BadRequest(NOT_MODIFIED)
        message.reply_markup = markup
        message.edits += 1
        return message.as_json()

    def _api_answerCallbackQuery(self, params: dict[str, Any], files: Any) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._pending_callbacks:
            raise BadRequest(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._pending_callbacks.discard(query_id)
        if params.get("text") and utf16_len(str(params["text"])) > MAX_CALLBACK_ANSWER:
            raise BadRequest("MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    def _api_sendChatAction(self, params: dict[str, Any], files: Any) -> bool:
        self.chat_actions.append((int(params["chat_id"]), str(params["action"])))
        return True

    def _api_setMyCommands(self, params: dict[str, Any], files: Any) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not 1 <= len(command["command"]) <= 32 or not command["command"].islower():
                raise BadRequest("BOT_COMMAND_INVALID")
            if not 1 <= len(command["description"]) <= 256:
                raise BadRequest("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[str(params.get("language_code") or "")] = commands
        return True

    def _api_deleteWebhook(self, params: dict[str, Any], files: Any) -> bool:
        self.webhook = {}
        return True

    def _api_setWebhook(self, params: dict[str, Any], files: Any) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook = dict(params)
        return True

    def _api_getUpdates(self, params: dict[str, Any], files: Any) -> list[Any]:
        return []

    def _api_close(self, params: dict[str, Any], files: Any) -> bool:
        return True
