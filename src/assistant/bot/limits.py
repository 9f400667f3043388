"""Telegram's size limits, counted the way Telegram counts them.

Telegram measures a message in UTF-16 units of the text a resident sees, after HTML parsing
(an emoji is two units, ``&amp;`` is one): 4096 per message, 200 per callback answer. Screens
that show back what residents typed (summary, review, lists) are fitted with ``fit``: the
longest typed value is shortened, marked with "(...)", until the whole message fits.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram.constants import CallbackQueryLimit, MessageLimit

from assistant.bot.html_check import parse_html
from assistant.text import utf16_len

MAX_MESSAGE = int(MessageLimit.MAX_TEXT_LENGTH)  # 4096
MAX_CALLBACK_ANSWER = int(CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH)  # 200
MORE = " (...)"


def visible_len(html_text: str) -> int:
    """UTF-16 length of an HTML message as Telegram counts it."""
    return utf16_len(parse_html(html_text))


def cut(text: str, units: int) -> str:
    """``text`` in at most ``units`` UTF-16 units; when shortened it ends in " (...)"."""
    if utf16_len(text) <= units:
        return text
    room = max(0, units - utf16_len(MORE))
    kept: list[str] = []
    used = 0
    for ch in text:
        size = utf16_len(ch)
        if used + size > room:
            break
        kept.append(ch)
        used += size
    return "".join(kept).rstrip() + MORE


def _cap(sizes: list[int], excess: int) -> int:
    """The largest length c such that cutting every value to c saves ``excess`` units."""
    low, high = 0, max(sizes, default=0)
    while low < high:
        mid = (low + high + 1) // 2
        if sum(max(0, n - mid) for n in sizes) >= excess:
            low = mid
        else:
            high = mid - 1
    return low


def fit(
    render: Callable[[dict[str, str]], str], values: dict[str, str], limit: int = MAX_MESSAGE
) -> tuple[str, bool]:
    """Render ``values`` into HTML within ``limit``; returns (html, shortened).

    ``render`` must escape the values it inserts. Too long, the longest values are cut to one
    common length that saves the excess (so every long value keeps a fair share), each marked
    with "(...)"; one or two rounds.
    """
    text = render(values)
    shortened = False
    current = dict(values)
    while visible_len(text) > limit:
        sizes = {k: utf16_len(v) for k, v in current.items()}
        cap = _cap(list(sizes.values()), visible_len(text) - limit)
        if cap <= utf16_len(MORE):
            raise ValueError("the fixed parts alone exceed the limit")
        current.update({k: cut(current[k], cap) for k, n in sizes.items() if n > cap})
        shortened = True
        text = render(current)
    return text, shortened
