"""The flood guard's sliding window, with a clock the test turns.

Mutations tried (each turned a test red): ``_sweep`` judging a resident by their oldest event
instead of their newest (a flooder's history swept away while they still flood); the window
compared with ``<`` instead of ``<=``.
"""

from __future__ import annotations

from assistant.bot.flood import FloodGuard


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_sweep_keeps_whoever_asked_within_the_window() -> None:
    clock = Clock()
    guard = FloodGuard(limit=3, window=60.0, clock=clock)
    flooder = 1
    for moment in (5.0, 40.0, 50.0):  # the oldest event is old, the newest recent
        clock.now = moment
        assert guard.check(flooder) == "ok"
    clock.now = 70.0
    for other in range(2, 10_003):  # enough residents to make the guard sweep
        guard.check(other)
    clock.now = 71.0
    assert guard.check(flooder) == "ok"  # 5.0 has left the window: two in it, one more fits
    clock.now = 72.0
    assert guard.check(flooder) == "warn"  # 40, 50, 71: the limit, as if nothing was swept


def test_an_event_leaves_the_window_exactly_a_window_later() -> None:
    clock = Clock()
    guard = FloodGuard(limit=1, window=60.0, clock=clock)
    assert guard.check(7) == "ok"
    clock.now = 59.9
    assert guard.check(7) == "warn"
    clock.now = 60.0
    assert guard.check(7) == "ok"
