"""A per-resident limit on questions per minute (a sliding window, in memory)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FloodGuard:
    """Allows ``limit`` events per ``window`` seconds per key. A refused resident is told
    (with the time they may ask again) once per window; further refusals in that window are
    silent, so a flood of messages does not become a flood of replies."""

    def __init__(
        self, limit: int = 20, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}  # key -> when they were last told

    def check(self, key: int) -> str:
        """'ok' (go ahead), 'warn' (refused: tell them when they may ask again) or 'drop'
        (refused, and told less than a window ago)."""
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            told = self._warned.get(key)
            if told is not None and now - told < self.window:
                return "drop"
            self._warned[key] = now
            return "warn"
        events.append(now)
        self._warned.pop(key, None)
        if len(self._events) > 10_000:
            self._sweep(now)
        return "ok"

    def wait(self, key: int) -> float:
        """Seconds until ``key`` may ask again (0: now)."""
        events = self._events.get(key)
        if not events or len(events) < self.limit:
            return 0.0
        return max(0.0, events[-self.limit] + self.window - self.clock())

    def _sweep(self, now: float) -> None:
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window]:
            del self._events[key]
            self._warned.pop(key, None)
