"""Retry Bot API calls that failed without reaching Telegram, and never send a reply twice.

Around the real transport (or the local one): a 5xx answer, a connection that could not be made,
or a pool/connect timeout means Telegram did not take the request, so it is sent again (up to
``ATTEMPTS`` times, with back-off). A read timeout or a dropped response is ambiguous: the
message may have arrived. Methods that are safe to repeat (edits, chat actions, callback
answers, getMe, ...) are retried then too; sendMessage and sendDocument are not, so a resident
never gets the same reply twice. 429s are left to python-telegram-bot's rate limiter.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

log = logging.getLogger(__name__)
ATTEMPTS = 4
BACKOFF = (0.2, 0.5, 1.0)  # seconds before the 2nd, 3rd and 4th attempt
IDEMPOTENT = {
    "getMe",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "sendChatAction",
    "setMyCommands",
    "deleteMyCommands",
    "setWebhook",
    "deleteWebhook",
    "getUpdates",
    "close",
    "logOut",
}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def not_sent(exc: BaseException) -> bool:
    """Whether a transport error means the request never reached Telegram."""
    return isinstance(exc.__cause__, _NOT_SENT) or "Request was *not* sent" in str(exc)


class RetryingRequest(BaseRequest):
    """Wraps a BaseRequest; see the module docstring for what is retried."""

    def __init__(self, inner: BaseRequest, backoff: tuple[float, ...] = BACKOFF) -> None:
        self.inner = inner
        self.backoff = backoff

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

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
        api_method = url.rsplit("/", 1)[-1]
        for attempt in range(ATTEMPTS):
            last = attempt == ATTEMPTS - 1
            try:
                code, payload = await self.inner.do_request(
                    url,
                    method,
                    request_data=request_data,
                    read_timeout=read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                )
            except (NetworkError, TimedOut) as exc:
                if last or not (not_sent(exc) or api_method in IDEMPOTENT):
                    raise
                log.warning(
                    "%s failed before an answer (%s); retrying", api_method, type(exc).__name__
                )
            else:
                if code < 500 or last:
                    if code == 400 and attempt and _already_done(api_method, payload):
                        return 200, json.dumps({"ok": True, "result": True}).encode()
                    return code, payload
                log.warning("%s answered %s; retrying", api_method, code)
            await asyncio.sleep(self.backoff[min(attempt, len(self.backoff) - 1)])
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _already_done(method: str, payload: bytes) -> bool:
    """A repeated edit or callback answer whose first attempt did arrive after all."""
    text = payload.decode("utf-8", "replace").lower()
    return (
        method in ("editMessageText", "editMessageReplyMarkup")
        and "message is not modified" in text
    ) or (method == "answerCallbackQuery" and "query is too old" in text)
