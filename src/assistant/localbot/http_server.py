"""The local Bot API served over HTTP: a stand-in for api.telegram.org.

A bot in another process (the production container in ``scripts/image-test``) reaches it
through ``TELEGRAM_BASE_URL=http://HOST:PORT/bot`` and polls it like Telegram: ``getUpdates``
long-polls a queue of resident messages, every other method is answered by ``LocalBotApi``,
with Telegram's strictness and error texts. A control API lets a harness put a resident's
message in the queue and read what the bot sent:

    POST /control/message   {"user_id": 42, "text": "...", "language_code": "nl"}
    GET  /control/sent?chat_id=42     the messages the bot sent to that chat, in order
    GET  /control/calls               every Bot API call the bot made (method, ok, error)

``python -m assistant.localbot.http_server serve --port 8081`` runs it;
``... ask --port 8081 TEXT`` sends one question and prints the bot's reply (exit status 1 if
none comes in time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import urllib.parse
import urllib.request
from typing import Any

from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from assistant.localbot.api import Call, LocalBotApi

MAX_POLL = 30.0  # seconds a getUpdates call may wait for an update


class UpdateQueue:
    """The updates Telegram holds for the bot, confirmed by getUpdates' ``offset``."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.next_id = 1
        self._arrived = asyncio.Event()

    def put(self, update: dict[str, Any]) -> int:
        """Queue an update (its ``update_id`` is assigned here); returns the id."""
        update_id = update["update_id"] = self.next_id
        self.next_id += 1
        self.updates.append(update)
        self._arrived.set()
        return update_id

    def wake(self) -> None:
        """End every pending long poll now (e.g. before shutting down)."""
        self._arrived.set()

    async def get(self, offset: int, timeout: float) -> list[dict[str, Any]]:
        """Updates from ``offset`` on, waiting up to ``timeout`` seconds for one to arrive."""
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        if not self.updates and timeout > 0:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), min(timeout, MAX_POLL))
        return list(self.updates)


def _decode(value: str) -> Any:
    """A form field as python-telegram-bot sends it: JSON for objects and lists."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class _BotMethod(RequestHandler):
    def initialize(self, api: LocalBotApi, queue: UpdateQueue) -> None:
        self.api = api
        self.queue = queue

    def _params(self) -> dict[str, Any]:
        params = {
            name: _decode(values[-1].decode("utf-8"))
            for name, values in self.request.arguments.items()
        }
        if (
            self.request.headers.get("Content-Type", "").startswith("application/json")
            and self.request.body
        ):
            params.update(json.loads(self.request.body))
        return params

    async def post(self, token: str, method: str) -> None:
        params = self._params()
        self.set_header("Content-Type", "application/json")
        if method == "getUpdates":
            updates = await self.queue.get(
                int(params.get("offset") or 0), float(params.get("timeout") or 0)
            )
            self.api.calls.append(Call("getUpdates", params, ok=True))
            self.finish(json.dumps({"ok": True, "result": updates}))
            return
        data = RequestData([RequestParameter(name, value, None) for name, value in params.items()])
        status, body = await self.api.do_request(f"http://local/bot{token}/{method}", "POST", data)
        self.set_status(status)
        self.finish(body)

    async def get(self, token: str, method: str) -> None:
        await self.post(token, method)


class _Message(RequestHandler):
    def initialize(self, api: LocalBotApi, queue: UpdateQueue) -> None:
        self.api = api
        self.queue = queue

    def post(self) -> None:
        body = json.loads(self.request.body or b"{}")
        user_id, text = int(body["user_id"]), str(body["text"])
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": "Inwoner"}
        if body.get("language_code"):
            user["language_code"] = str(body["language_code"])
        message: dict[str, Any] = {
            "message_id": self.api.new_message_id(),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Inwoner"},
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        update_id = self.queue.put({"message": message})
        self.finish({"update_id": update_id, "message_id": message["message_id"]})


class _Sent(RequestHandler):
    def initialize(self, api: LocalBotApi, queue: UpdateQueue) -> None:
        self.api = api

    def get(self) -> None:
        chat = self.get_query_argument("chat_id", None)
        sent = [m for m in self.api.sent if chat is None or m.chat_id == int(chat)]
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                [
                    {
                        "chat_id": m.chat_id,
                        "message_id": m.message_id,
                        "text": m.text,
                        "parse_mode": m.parse_mode,
                        "buttons": m.buttons,
                    }
                    for m in sent
                ]
            )
        )


class _Calls(RequestHandler):
    def initialize(self, api: LocalBotApi, queue: UpdateQueue) -> None:
        self.api = api

    def get(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                [{"method": c.method, "ok": c.ok, "error": c.error} for c in self.api.calls]
            )
        )


def make_app(api: LocalBotApi | None = None, queue: UpdateQueue | None = None) -> Application:
    """The tornado application serving the Bot API and the control API."""
    deps = {"api": api or LocalBotApi(), "queue": queue or UpdateQueue()}
    return Application(
        [
            (r"/bot([^/]+)/(\w+)", _BotMethod, deps),
            (r"/control/message", _Message, deps),
            (r"/control/sent", _Sent, deps),
            (r"/control/calls", _Calls, deps),
        ]
    )


async def serve(host: str, port: int) -> None:
    """Serve until cancelled (SIGTERM/SIGINT end the process)."""
    server = HTTPServer(make_app())
    server.listen(port, address=host)
    print(f"local Bot API on http://{host}:{port}/bot", flush=True)
    await asyncio.Event().wait()


def _http(url: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # nosec B310
        return json.loads(answer.read())


def ask(base: str, user_id: int, text: str, timeout: float) -> str | None:
    """Send ``text`` as resident ``user_id``; the first message the bot sends back, or None."""
    sent = f"{base}/control/sent?" + urllib.parse.urlencode({"chat_id": user_id})
    before = len(_http(sent))
    _http(f"{base}/control/message", {"user_id": user_id, "text": text, "language_code": "nl"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = _http(sent)[before:]
        if replies:
            return str(replies[0]["text"])
        time.sleep(0.2)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m assistant.localbot.http_server",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("serve", help="serve the local Bot API over HTTP")
    run.add_argument("--host", default="127.0.0.1")
    run.add_argument("--port", type=int, default=8081)
    question = sub.add_parser("ask", help="send one question, print the bot's reply")
    question.add_argument("--port", type=int, default=8081)
    question.add_argument("--user", type=int, default=4242)
    question.add_argument("--timeout", type=float, default=60.0)
    question.add_argument("text")
    args = parser.parse_args(argv)
    if args.command == "serve":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.host, args.port))
        return 0
    reply = ask(f"http://127.0.0.1:{args.port}", args.user, args.text, args.timeout)
    if reply is None:
        print(f"no reply within {args.timeout:.0f} s", file=sys.stderr)
        return 1
    print(reply)
    return 0


if __name__ == "__main__":
    sys.exit(main())
