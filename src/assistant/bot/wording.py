"""Counts and moments as residents read them: "1 idee" / "2 ideeën", "23 november, 20:25".

Times are stored in UTC (ISO 8601 text); residents see them in Amsterdam time, in words, in
their language. Plural forms and month names live in the locale files like every other text.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.bot import texts

log = logging.getLogger(__name__)
TIMEZONE = "Europe/Amsterdam"


@cache
def local_zone() -> dt.tzinfo:
    """Amsterdam time; UTC (said in every time shown) where the system has no zone data."""
    try:
        return ZoneInfo(TIMEZONE)
    except ZoneInfoNotFoundError:
        log.warning("no time zone data for %s on this system; showing times in UTC", TIMEZONE)
        return dt.UTC


def plural(lang: str, key: str, count: int, **values: object) -> str:
    """The text ``<key>_one`` for exactly 1, else ``<key>_other``, with ``count`` filled in."""
    return texts.html(lang, f"{key}_{'one' if count == 1 else 'other'}", count=count, **values)


def _local(value: str | dt.datetime) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # stored times without an offset are UTC
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(local_zone())


def _suffix() -> str:
    return " (UTC)" if local_zone() is dt.UTC else ""


def day(lang: str, value: dt.date, *, with_year: bool = True) -> str:
    """A date in words: "23 november 2023" / "23 November 2023"."""
    month = texts.plain(lang, "months").split(",")[value.month - 1].strip()
    return f"{value.day} {month} {value.year}" if with_year else f"{value.day} {month}"


def moment(lang: str, value: str | dt.datetime, now: dt.datetime | None = None) -> str:
    """A stored time, local and in words: "23 november, 20:25" (the year only when it is
    not this year's)."""
    local = _local(value)
    this_year = _local(now or dt.datetime.now(dt.UTC)).year
    return (
        f"{day(lang, local.date(), with_year=local.year != this_year)}, {local:%H:%M}{_suffix()}"
    )


def date_of(lang: str, value: str | dt.datetime, now: dt.datetime | None = None) -> str:
    """The local date of a stored time, in words (the year only when not this year's)."""
    local = _local(value)
    this_year = _local(now or dt.datetime.now(dt.UTC)).year
    return day(lang, local.date(), with_year=local.year != this_year)


def clock_in(seconds: float, now: dt.datetime | None = None) -> str:
    """The local clock time ``seconds`` from now, rounded up to the minute ("20:31"), so that
    a resident told "from 20:31" is never early."""
    at = (now or dt.datetime.now(dt.UTC)) + dt.timedelta(seconds=max(0.0, seconds))
    at = _local(at)
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    return f"{at:%H:%M}{_suffix()}"
