"""Logging set-up: plain text for people, or JSON lines for log collectors."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Any

_HANDLER = "assistant"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each record (not the stream at
    set-up), so a replaced or closed stderr never breaks logging."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        """Ignored: the stream is always the current sys.stderr."""


def setup_logging(log_format: str = "text", verbose: bool = False) -> None:
    """Configure the root logger once; quiet httpx (it logs request URLs, token included)."""
    _install(_StderrHandler(), log_format)
    root = logging.getLogger()
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # every job run at INFO


def log_to_file(path: Path, log_format: str = "text") -> None:
    """Send the log to a file instead of standard error (the terminal chat: log lines must
    not mix into the conversation). Keeps the level set by ``setup_logging``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _install(logging.FileHandler(path, encoding="utf-8"), log_format)
    logging.captureWarnings(True)  # Python warnings too, instead of on standard error


def _install(handler: logging.Handler, log_format: str) -> None:
    """Make ``handler`` the assistant's one log handler (replacing, and closing, the last)."""
    handler.setFormatter(
        JsonFormatter()
        if log_format == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.set_name(_HANDLER)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(old)
        if isinstance(old, logging.FileHandler):  # the chat's log file, from log_to_file
            old.close()
    root.addHandler(handler)
