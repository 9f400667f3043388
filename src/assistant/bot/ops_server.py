"""The operations endpoints: ``/healthz`` (index loaded, database answering) and ``/metrics``
(Prometheus), on their own port beside the webhook server, in the bot's event loop."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler

from assistant.bot.context import Services

log = logging.getLogger(__name__)


class _Health(RequestHandler):
    def initialize(self, services: Services) -> None:
        self.services = services

    async def get(self) -> None:
        checks: dict[str, Any] = {}
        try:
            await self.services.db.call(self.services.db.execute, "SELECT 1")
            checks["database"] = "ok"
        except Exception as exc:  # any failure means unhealthy; say which
            checks["database"] = f"error: {type(exc).__name__}"
        index = self.services.retriever.index
        checks["index"] = {
            "passages": index.manifest.passage_count,
            "model": index.manifest.model,
            "built_at": index.manifest.built_at,
        }
        healthy = checks["database"] == "ok" and index.manifest.passage_count > 0
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"status": "ok" if healthy else "unhealthy", **checks}))


class _Metrics(RequestHandler):
    def initialize(self, services: Services) -> None:
        self.services = services

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.services.metrics.exposition())


async def start_ops_server(services: Services, host: str, port: int) -> HTTPServer:
    """Serve /healthz and /metrics; returns the server (``stop()`` to end it)."""
    app = Application(
        [
            ("/healthz", _Health, {"services": services}),
            ("/metrics", _Metrics, {"services": services}),
        ]
    )
    server = HTTPServer(app)
    server.listen(port, address=host)
    await asyncio.sleep(0)
    log.info("health and metrics on %s:%s", host, port)
    return server
