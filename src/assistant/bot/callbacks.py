"""Every inline button's callback data, in one place: how it is written and how it is read.

Telegram keeps 1-64 bytes of data on a button and hands them back when it is pressed. Each
kind of button below has a template (``"mod:{action}:{idea}"``) and, per field, the regex
its values match. ``kind.data(...)`` writes the data (and refuses what its own pattern would
not read back, or what Telegram would not keep); a handler registered with ``kind.pattern``
reads the fields from ``context.match``, which python-telegram-bot fills for regex patterns.
Changing a button is one line here. Data no pattern matches (forged, or from an older
version) falls through to the stale-button handler, so handlers only ever see valid fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from string import Formatter
from typing import Any

from telegram.constants import InlineKeyboardButtonLimit
from telegram.ext import CallbackContext, CallbackQueryHandler

from assistant.bot.texts import LANGUAGES
from assistant.ideas.flow import EDITABLE
from assistant.ideas.model import AGE_GROUPS

MAX_BYTES = int(InlineKeyboardButtonLimit.MAX_CALLBACK_DATA)  # 64: what Telegram keeps

# A database id. Up to 19 digits: every id that fits 64 bits (bigger ones, which only a crafted
# update carries, are refused by private.bind_buttons before any handler sees them).
_ID = r"\d{1,19}"
_SLUG = r"[a-z0-9][a-z0-9_-]*"  # a theme id, as knowledge.py accepts them


class Button:
    """One kind of button: its data template and the anchored pattern that reads it back."""

    def __init__(self, template: str, **fields: str) -> None:
        parts = list(Formatter().parse(template))
        names = {name for _, name, _, _ in parts if name is not None}
        if names != set(fields):
            raise ValueError(f"{template!r} has fields {sorted(names)}, given {sorted(fields)}")
        regex = "".join(
            re.escape(literal) + (f"(?P<{name}>{fields[name]})" if name is not None else "")
            for literal, name, _, _ in parts
        )
        self.template = template
        self.pattern = re.compile(f"^{regex}$")

    def data(self, **values: object) -> str:
        """The callback data for these values (ValueError if it could not be read back)."""
        data = self.template.format(**values)
        if self.pattern.match(data) is None or len(data.encode()) > MAX_BYTES:
            raise ValueError(f"not callback data of {self.template!r}: {data!r}")
        return data

    def __repr__(self) -> str:
        return f"Button({self.template!r})"


# --- start menu, language ------------------------------------------------------------------
MENU = Button("menu:{choice}", choice="ask|about|privacy")
MENU_IDEA = Button("menu:idea")  # the menu's "share an idea": starts the idea conversation
LANGUAGE = Button("lang:{lang}", lang="|".join(LANGUAGES))

# --- answers to questions ------------------------------------------------------------------
FEEDBACK = Button("fb:{question}:{rank}:{vote}", question=_ID, rank=r"\d{1,3}", vote="u|d")
MORE = Button("more:{question}:{shown}", question=_ID, shown=r"\d{1,4}")
# no sure answer: show the section of the maybe's offer the resident chose
NEAREST = Button("near:{question}:{rank}", question=_ID, rank=r"\d")
IDEA_FOR_THEME = Button("idea:{theme}", theme=_SLUG)  # under a theme's own section

# --- the idea conversation -----------------------------------------------------------------
RESUME = Button("resume:{choice}", choice="continue|restart")
THEME = Button("theme:{theme}", theme=_SLUG)
IS_ANSWER = Button("isq:answer")  # the question-like text was meant as the answer
IS_QUESTION = Button("isq:ask")  # ... it was a question: answer it
SKIP = Button("skip")
CONTACT = Button("contact:{choice}", choice="yes|no")
AGE = Button("age:{group}", group="|".join(re.escape(g) for g in AGE_GROUPS))
SEND = Button("send")
EDIT = Button("edit")
CANCEL = Button("cancel")  # asks first
CANCEL_SURE = Button("cancel:{choice}", choice="yes|no")
EDIT_PART = Button("edit:{part}", part="|".join([*(s.value for s in EDITABLE), "back"]))
EDIT_QUESTION = Button("edit:q:{index}", index=r"\d{1,2}")
SIMILAR = Button("similar:{choice}:{idea}", choice="go|stop", idea=_ID)
SENT = Button("noop")  # the summary's "sent as #N" label: pressing it does nothing

# --- moderation ----------------------------------------------------------------------------
REVIEW = Button("mod:{action}:{idea}", action="approve|reject|hide|skip|back", idea=_ID)
REJECT_REASON = Button("modr:{idea}:{reason}", idea=_ID, reason=r"[a-z_]{1,20}")
DUPLICATE = Button("modd:{idea}:{of}", idea=_ID, of=_ID)

# --- a resident's rights -------------------------------------------------------------------
MY_IDEAS_MORE = Button("mine:{offset}", offset=r"\d{1,9}")
FORGET = Button("forget:{choice}", choice="yes|no")

KINDS = tuple(v for v in list(globals().values()) if isinstance(v, Button))


def on(
    kind: Button, callback: Callable[..., Coroutine[Any, Any, Any]]
) -> CallbackQueryHandler[Any, Any]:
    """The handler for presses of this kind of button."""
    return CallbackQueryHandler(callback, pattern=kind.pattern)


def pressed(context: CallbackContext[Any, Any, Any, Any]) -> re.Match[str]:
    """The pressed button's fields: the match of the pattern its handler was registered with."""
    match = context.match
    if match is None:
        raise LookupError("no button pattern matched: register the handler with callbacks.on")
    return match
