"""A one-line progress bar on standard error, for long CLI work (index builds)."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressBar:
    """Redraws ``stage [#####.....] done/total`` in place; silent when not on a terminal."""

    def __init__(self, stream: TextIO = sys.stderr, width: int = 30, force: bool = False) -> None:
        self.stream = stream
        self.width = width
        self.enabled = force or stream.isatty()
        self._last = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        filled = self.width * done // max(1, total)
        line = f"{stage:<10} [{'#' * filled}{'.' * (self.width - filled)}] {done}/{total}"
        if line != self._last:
            self.stream.write("\r" + line)
            self.stream.flush()
            self._last = line

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self._last:
            self.stream.write("\n")
            self.stream.flush()
