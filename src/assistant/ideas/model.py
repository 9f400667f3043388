"""What an idea is: its fields, its statuses, the draft it grows from, and the rules for what
residents type into it. The one list of an idea's fields (``Draft`` and ``Idea``); the store
keeps them, the flow fills them, the screens and exports show them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from assistant.text import utf16_len


class Status(StrEnum):
    """Where an idea is in moderation."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    HIDDEN = "hidden"
    DUPLICATE = "duplicate"  # joined to another idea (``Idea.duplicate_of``)


STATUSES = tuple(s.value for s in Status)
VISIBLE = (Status.PENDING.value, Status.APPROVED.value)  # what listings show by default


class Step(StrEnum):
    """The steps of the idea conversation, in order (``ideas/flow.py`` declares each)."""

    THEME = "theme"
    TEXT = "text"
    FOLLOW_UP = "follow_up"
    PLACE = "place"
    AGE = "age"
    CONTACT = "contact"
    CONFIRM = "confirm"


class Mode(StrEnum):
    """Where the conversation is besides its step."""

    ASKING = ""  # the step's question waits for its answer
    EDIT = "edit"  # the edit menu is open
    RESUME = "resume"  # continue or start over?
    SIMILAR = "similar"  # an approved idea is much like this one: go on or stop?
    PARKED = "parked"  # left; the draft is kept for later


# Age groups a resident may give (optional): in exports and statistics, never shown to other
# residents. Values are stored; the labels are texts (btn_age_<value>).
AGE_GROUPS = ("u18", "18-34", "35-54", "55-74", "75+")

# Limits in UTF-16 units (how Telegram counts; an emoji is two). They add up so that the
# summary and the moderators' review of the longest allowed idea fit in one Telegram message
# (4096 units): 2000 + 2 x 500 + 100 + the fixed texts (tests/test_message_limits.py).
MIN_CHARS = 10
MAX_CHARS = 2000
MAX_ANSWER_CHARS = 500
MAX_PLACE_CHARS = 100
MAX_PER_DAY = 10
_URL = re.compile(r"(https?://\S+|www\.\S+|\S+\.(nl|com|org|net|eu|io)\b\S*)", re.IGNORECASE)


def problem_with_text(
    text: str, *, minimum: int = MIN_CHARS, maximum: int = MAX_CHARS
) -> str | None:
    """Why a text cannot be accepted ('too_short', 'too_long', 'no_words', 'only_link'), or
    None. Emoji, punctuation and links do not count as words."""
    stripped = text.strip()
    if utf16_len(stripped) > maximum:
        return "too_long"
    without_links = _URL.sub(" ", stripped)
    letters = sum(1 for c in without_links if unicodedata.category(c).startswith(("L", "N")))
    if letters == 0:
        return "only_link" if _URL.search(stripped) else "no_words"
    if len(stripped) < minimum:
        return "too_short"
    if letters < minimum // 2:
        return "only_link" if _URL.search(stripped) else "no_words"
    return None


@dataclass
class Draft:
    """An idea being written: everything the resident typed so far, and where they are (the
    conversation's whole state, stored as one JSON value)."""

    theme: str = ""
    text: str = ""
    answers: dict[str, str | None] = field(default_factory=dict)  # None: skipped
    municipality: str | None = None  # "" skipped, None not asked yet
    age_group: str | None = None  # one of AGE_GROUPS, "" skipped, None not asked yet
    contact_ok: bool | None = None
    lang: str = "nl"
    step: Step = Step.THEME
    question_index: int = 0  # the follow-up question being asked
    editing: bool = False  # an answer brings the resident back to the summary
    updated_at: str = ""
    pending: str = ""  # a question-like message: is it the answer? (asked with buttons)
    # The text whose similar approved ideas were already shown (and, for one, the resident
    # chose to go on): not shown again at every summary.
    checked_text: str = ""
    mode: Mode = Mode.ASKING

    def to_json(self) -> str:
        """The draft as stored."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> Draft:
        """A stored draft (fields of older releases it no longer has are left out)."""
        data: dict[str, Any] = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["step"] = Step(known.get("step", Step.THEME.value))
        known["mode"] = Mode(known.get("mode", Mode.ASKING.value))
        return cls(**known)

    def age(self, now: dt.datetime | None = None) -> dt.timedelta:
        """Time since the resident last changed the draft."""
        if not self.updated_at:
            return dt.timedelta(0)
        now = now or dt.datetime.now(dt.UTC)
        return now - dt.datetime.fromisoformat(self.updated_at)


@dataclass(frozen=True)
class Idea:
    """A submitted idea."""

    id: int
    theme: str
    text: str
    answers: dict[str, str | None]
    municipality: str
    contact_ok: bool
    contact_name: str
    author_id: int
    lang: str
    status: str
    created_at: str
    updated_at: str
    moderated_by: str | None = None
    moderated_at: str | None = None
    moderation_reason: str | None = None
    duplicate_of: int | None = None  # status 'duplicate': the idea this one joins
    age_group: str = ""  # one of AGE_GROUPS, or "" (not given)
