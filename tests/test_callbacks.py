"""Callback data: each kind of button writes data its own pattern reads back (within Telegram's
64 bytes), no two kinds read the same data, and the real Application handles every kind with
exactly the patterns of bot/callbacks.py (no pattern written anywhere else)."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import CallbackQueryHandler

from assistant.bot import callbacks, ideas
from assistant.bot.app import InProcess, build_application
from assistant.bot.moderation import REASONS
from assistant.bot.texts import LANGUAGES
from assistant.config import Settings
from assistant.knowledge import load_knowledge
from assistant.localbot.api import LocalBotApi
from assistant.retrieval.encoder import Encoder
from assistant.store.moderation import ACTIONS

BIGGEST_ID = 2**63 - 1

# One press of each kind, with the values a handler reads back.
SAMPLES: dict[callbacks.Button, dict[str, object]] = {
    callbacks.MENU: {"choice": "about"},
    callbacks.MENU_IDEA: {},
    callbacks.LANGUAGE: {"lang": "en"},
    callbacks.FEEDBACK: {"question": BIGGEST_ID, "rank": 4, "vote": "d"},
    callbacks.MORE: {"question": 12, "shown": 5},
    callbacks.NEAREST: {"question": 12, "rank": 2},
    callbacks.IDEA_FOR_THEME: {"theme": "preventiecoalitie"},
    callbacks.RESUME: {"choice": "restart"},
    callbacks.THEME: {"theme": "ai-verantwoord"},
    callbacks.IS_ANSWER: {},
    callbacks.IS_QUESTION: {},
    callbacks.SKIP: {},
    callbacks.CONTACT: {"choice": "no"},
    callbacks.AGE: {"group": "75+"},
    callbacks.SEND: {},
    callbacks.EDIT: {},
    callbacks.CANCEL: {},
    callbacks.CANCEL_SURE: {"choice": "yes"},
    callbacks.EDIT_PART: {"part": "place"},
    callbacks.EDIT_QUESTION: {"index": 2},
    callbacks.SIMILAR: {"choice": "stop", "idea": 40},
    callbacks.SENT: {},
    callbacks.REVIEW: {"action": "hide", "idea": BIGGEST_ID},
    callbacks.REJECT_REASON: {"idea": 7, "reason": "offtopic"},
    callbacks.DUPLICATE: {"idea": 7, "of": 3},
    callbacks.MY_IDEAS_MORE: {"offset": 10},
    callbacks.FORGET: {"choice": "no"},
}


def test_every_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(callbacks.KINDS)


@pytest.mark.parametrize("kind", callbacks.KINDS, ids=repr)
def test_data_reads_back_as_written(kind: callbacks.Button) -> None:
    values = SAMPLES[kind]
    data = kind.data(**values)
    assert len(data.encode()) <= callbacks.MAX_BYTES
    match = kind.pattern.match(data)
    assert match is not None
    assert match.groupdict() == {k: str(v) for k, v in values.items()}
    others = [k for k in callbacks.KINDS if k is not kind and k.pattern.match(data)]
    assert others == []  # one kind per press: a handler never sees another kind's data


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        (callbacks.REVIEW, {"action": "frobnicate", "idea": 1}),
        (callbacks.REVIEW, {"action": "approve", "idea": "1:2"}),
        (callbacks.THEME, {"theme": "Twee woorden"}),
        (callbacks.THEME, {"theme": "a" * 60}),  # 66 bytes: Telegram would refuse the button
        (callbacks.LANGUAGE, {"lang": "de"}),
        (callbacks.MORE, {"question": -1, "shown": 0}),
    ],
)
def test_data_refuses_what_could_not_be_read_back(
    kind: callbacks.Button, values: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        kind.data(**values)


def test_a_template_and_its_fields_agree() -> None:
    with pytest.raises(ValueError):
        callbacks.Button("x:{a}:{b}", a=r"\d")


def _read_back(kind: callbacks.Button, data: str) -> dict[str, str]:
    match = kind.pattern.match(data)
    assert match is not None, data
    return match.groupdict()


def test_every_moderation_action_reason_and_language_has_a_button() -> None:
    """Each one is written, fits Telegram's 64 bytes, and reads back as itself."""
    for action in ACTIONS:
        data = callbacks.REVIEW.data(action=action, idea=12345)
        assert _read_back(callbacks.REVIEW, data) == {"action": action, "idea": "12345"}
    for reason in REASONS:
        data = callbacks.REJECT_REASON.data(idea=12345, reason=reason)
        assert _read_back(callbacks.REJECT_REASON, data) == {"idea": "12345", "reason": reason}
    for lang in LANGUAGES:
        assert _read_back(callbacks.LANGUAGE, callbacks.LANGUAGE.data(lang=lang)) == {"lang": lang}


def test_every_theme_in_knowledge_fits_its_buttons(settings: Settings) -> None:
    themes = load_knowledge(settings.knowledge_dir).themes
    assert themes
    for theme in themes:
        for kind in (callbacks.THEME, callbacks.IDEA_FOR_THEME):
            data = kind.data(theme=theme.id)
            assert len(data.encode()) <= callbacks.MAX_BYTES
            assert _read_back(kind, data) == {"theme": theme.id}


def test_the_application_handles_every_kind_with_these_patterns(
    settings: Settings, api: LocalBotApi, encoder: Encoder
) -> None:
    """Every kind of button is read somewhere: by a handler registered with its pattern, or
    by the idea conversation's adapter (which turns the press into one of the flow's events);
    nothing is read with a pattern of its own."""
    app = build_application(settings, InProcess(api), encoder=encoder)
    patterns = [
        h.pattern
        for h in app.handlers[0]
        if isinstance(h, CallbackQueryHandler) and h.pattern is not None
    ]
    conversation = [kind.pattern for kind, _ in ideas._BUTTONS]
    assert patterns and conversation
    assert set(patterns) <= {kind.pattern for kind in callbacks.KINDS}
    for kind in callbacks.KINDS:
        assert kind.pattern in patterns or kind.pattern in conversation, f"no reader: {kind!r}"
