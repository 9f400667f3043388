"""A per-resident limit on questions per minute (a sliding window, in memory)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class FloodGuard:
    """Allows ``limit`` events per ``window`` seconds per key; warns once per burst."""

    def __init__(self, limit: int = 20, window: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, key: int) -> str:
        """'ok' (go ahead), 'warn' (first refusal: tell them) or 'drop' (refuse silently)."""
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            if key in self._warned:
                return "drop"
            self._warned.add(key)
            return "warn"
        events.append(now)
        self._warned.discard(key)
        if len(self._events) > 10_000:
            self._sweep(now)
        return "ok"

    def _sweep(self, now: float) -> None:
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.window]:
            del self._events[key]
            self._warned.discard(key)
