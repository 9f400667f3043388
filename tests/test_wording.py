"""Counts, dates and times as residents read them, and the flood limit's message.

Mutations tried (each turned a test red): ``plural`` choosing ``_one`` for 0, times shown in
UTC instead of Amsterdam time, the year always left out, ``clock_in`` rounding down, the flood
guard warning on every refused message, ``wait`` counting from the newest question instead of
the oldest, the slow-down reply without the time.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from assistant.bot import texts, wording
from assistant.bot.flood import FloodGuard
from assistant.localbot.simulator import LocalTelegram, Resident
from tests.conftest import services_of

NOW = dt.datetime(2026, 11, 23, 19, 25, 40, tzinfo=dt.UTC)  # 20:25:40 in Amsterdam (CET)


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("nl", 0, "0 ideeën"),
        ("nl", 1, "1 idee"),
        ("nl", 2, "2 ideeën"),
        ("en", 0, "0 ideas"),
        ("en", 1, "1 idea"),
        ("en", 21, "21 ideas"),
    ],
)
def test_plural(lang: str, count: int, expected: str) -> None:
    assert wording.plural(lang, "count_ideas", count) == expected


def test_pending_count_agrees_with_its_verb() -> None:
    assert wording.plural("nl", "mod_pending", 1) == "<i>1 idee wacht op beoordeling.</i>"
    assert wording.plural("nl", "mod_pending", 3) == "<i>3 ideeën wachten op beoordeling.</i>"
    assert wording.plural("en", "mod_pending", 1) == "<i>1 idea is awaiting review.</i>"


def test_every_plural_has_both_forms_in_both_languages() -> None:
    for lang in texts.LANGUAGES:
        keys = texts.keys(lang)
        stems = {k.rsplit("_", 1)[0] for k in keys if k.endswith(("_one", "_other"))}
        assert stems and all({f"{s}_one", f"{s}_other"} <= keys for s in stems)


def test_moment_is_amsterdam_time_in_words() -> None:
    stored = NOW.isoformat(timespec="seconds")  # as the database holds it
    assert wording.moment("nl", stored, now=NOW) == "23 november, 20:25"
    assert wording.moment("en", stored, now=NOW) == "23 November, 20:25"
    summer = "2026-07-01T12:00:00+00:00"  # CEST: two hours ahead
    assert wording.moment("nl", summer, now=NOW) == "1 juli, 14:00"
    last_year = "2025-12-31T23:30:00+00:00"  # already 1 January 2026 in Amsterdam
    assert wording.moment("en", last_year, now=NOW) == "1 January, 00:30"
    assert wording.moment("nl", "2025-03-02T08:00:00+00:00", now=NOW) == "2 maart 2025, 09:00"
    assert wording.date_of("nl", stored, now=NOW) == "23 november"
    assert wording.date_of("en", "2024-05-04T10:00:00+00:00", now=NOW) == "4 May 2024"


def test_day_in_words() -> None:
    assert wording.day("nl", dt.date(2023, 6, 15)) == "15 juni 2023"
    assert wording.day("en", dt.date(2023, 6, 15)) == "15 June 2023"
    assert wording.day("nl", dt.date(2023, 10, 1), with_year=False) == "1 oktober"


def test_the_system_has_amsterdam_zone_data() -> None:
    # No tzdata dependency is needed here: the system's zone database is used.
    assert wording.local_zone() is not dt.UTC


def test_clock_in_rounds_up_to_the_minute() -> None:
    assert wording.clock_in(30, now=NOW) == "20:27"  # 20:26:10 -> never tell them too early
    assert wording.clock_in(20, now=NOW) == "20:26"  # exactly 20:26:00
    assert wording.clock_in(0, now=NOW.replace(second=0)) == "20:25"


def test_flood_guard_tells_once_per_window_when_they_may_ask_again() -> None:
    now = [1000.0]
    guard = FloodGuard(limit=3, window=60, clock=lambda: now[0])
    for t in (1000.0, 1010.0, 1020.0):
        now[0] = t
        assert guard.check(7) == "ok"
    now[0] = 1030.0
    assert guard.check(7) == "warn"
    assert guard.wait(7) == pytest.approx(30.0)  # the first question leaves the window at 1060
    assert guard.check(8) == "ok" and guard.wait(8) == 0.0  # others unaffected
    now[0] = 1050.0
    assert guard.check(7) == "drop"  # told 20 s ago
    now[0] = 1060.0
    assert guard.check(7) == "ok"  # the window moved on
    now[0] = 1061.0
    assert guard.check(7) == "warn"  # a new refusal after an accepted question: told again
    assert guard.wait(7) == pytest.approx(9.0)  # 1010 + 60


async def test_slow_down_says_when(telegram: LocalTelegram) -> None:
    resident = Resident(id=4242)
    now = [0.0]
    services_of(telegram).flood = FloodGuard(limit=2, window=60, clock=lambda: now[0])
    for _ in range(2):
        [reply] = await telegram.send(resident, "Wat is een burgerberaad?")
        assert "burgerberaden" in reply.text
    now[0] = 10.0
    before = dt.datetime.now(dt.UTC)
    [warning] = await telegram.send(resident, "Wat is een burgerberaad?")
    after = dt.datetime.now(dt.UTC)
    match = re.fullmatch(texts.html("nl", "slow_down", time="(\\d\\d:\\d\\d)"), warning.text)
    assert match is not None, warning.text
    expected = {wording.clock_in(50, now=before), wording.clock_in(50, now=after)}
    assert match.group(1) in expected
    assert await telegram.send(resident, "Nog een vraag?") == []  # told once in this window
