"""The idea flow without Telegram: event sequences and the drafts and screens they lead to.

Each case is a list of events fed to ``flow.handle`` one after another (an effect's outcome is
fed back as the flow would get it from the bot), and what must hold at the end.

Mutations tried (each turned a case red): ``_advance`` ignoring ``editing`` (an edited answer
went on to the next step instead of back to the summary); the skip button accepted at the
contact step; a typed "ja" not taken at the contact question; a question-like text taken as
the idea; the idle check after handling instead of before; the similar-ideas check shown
again for a text already checked; ``settle`` keeping a follow-up question a re-index removed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from assistant.ideas import flow
from assistant.ideas.flow import (
    Begin,
    Cancel,
    Effect,
    LimitReached,
    Matched,
    NotText,
    Pressed,
    Stored,
    TimedOut,
    Typed,
)
from assistant.ideas.model import Draft, Mode, Step
from assistant.knowledge import FollowUp, Theme

IDEA = "Moestuinen bij elke basisschool, zodat kinderen leren gezond te eten."
THEMES = {
    "preventie": Theme(
        id="preventie",
        document="doc",
        section="s",
        title={"nl": "Preventie", "en": "Prevention"},
        description={"nl": "", "en": ""},
        questions=(
            FollowUp(id="voor_wie", text={"nl": "Voor wie?", "en": "For whom?"}),
            FollowUp(id="samen", text={"nl": "Met wie?", "en": "With whom?"}),
        ),
    ),
    "ai": Theme(
        id="ai",
        document="doc",
        section="s",
        title={"nl": "AI", "en": "AI"},
        description={"nl": "", "en": ""},
        questions=(),
    ),
}
CTX = flow.Context(THEMES)
NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def run(events: list[Any], draft: Draft | None = None) -> tuple[Draft | None, list[str]]:
    """Feed the events; effects are answered as the bot would (no matches, stored as #7).
    Returns the last draft and every screen shown, by key."""
    shown: list[str] = []
    for event in events:
        outcome = flow.handle(draft, event, CTX, now=NOW)
        while outcome.effect in (Effect.MATCH, Effect.SUBMIT):
            result = Matched() if outcome.effect == Effect.MATCH else Stored(7, True)
            assert outcome.draft is not None
            following = flow.handle(outcome.draft, result, CTX, now=NOW)
            outcome = dataclasses.replace(following, shows=[*outcome.shows, *following.shows])
        shown += [s.key for s in outcome.shows]
        if outcome.taken:
            draft = outcome.draft
            if draft is not None:
                draft = dataclasses.replace(draft, updated_at=NOW.isoformat())
    return draft, shown


TO_SUMMARY = [
    Begin(),
    Pressed("theme", "preventie"),
    Typed(IDEA),
    Typed("Kinderen"),
    Pressed("skip"),
    Typed("Zaandam"),
    Pressed("choice", "35-54"),
    Pressed("choice", "yes"),
]

CASES: list[tuple[str, list[Any], dict[str, Any], list[str]]] = [
    (
        "the whole way to the summary",
        TO_SUMMARY,
        {
            "step": Step.CONFIRM,
            "text": IDEA,
            "answers": {"voor_wie": "Kinderen", "samen": None},
            "municipality": "Zaandam",
            "age_group": "35-54",
            "contact_ok": True,
        },
        ["ask", "ask", "ask", "ask", "ask", "ask", "ask", "summary"],
    ),
    (
        "a theme without follow-up questions goes from the idea to the place",
        [Begin(), Pressed("theme", "ai"), Typed(IDEA)],
        {"step": Step.PLACE, "answers": {}},
        ["ask", "ask", "ask"],
    ),
    (
        "a preset theme starts at the idea",
        [Begin("ai")],
        {"step": Step.TEXT, "theme": "ai"},
        ["ask"],
    ),
    (
        "a question-like text is asked about, then taken as the answer",
        [Begin(), Pressed("theme", "ai"), Typed("wat is een burgerberaad?"), Pressed("is_answer")],
        {"step": Step.PLACE, "text": "wat is een burgerberaad?", "pending": ""},
        ["ask", "ask", "is_question", "ask"],
    ),
    (
        "a question-like text that was a question: answered, the step asked again",
        [
            Begin(),
            Pressed("theme", "ai"),
            Typed("wat is een burgerberaad?"),
            Pressed("is_question"),
        ],
        {"step": Step.TEXT, "pending": "", "text": ""},
        ["ask", "ask", "is_question", "ask"],
    ),
    (
        "too short, then right",
        [Begin(), Pressed("theme", "ai"), Typed("kort"), Typed(IDEA)],
        {"step": Step.PLACE, "text": IDEA},
        ["ask", "ask", "idea_too_short", "ask"],
    ),
    (
        "typed ja at the contact question",
        [*TO_SUMMARY[:-1], Typed("Ja.")],
        {"step": Step.CONFIRM, "contact_ok": True},
        ["ask"] * 7 + ["summary"],
    ),
    (
        "other text at the contact question: the buttons, nothing changes",
        [*TO_SUMMARY[:-1], Typed("misschien")],
        {"step": Step.CONTACT, "contact_ok": None},
        ["ask"] * 7 + ["idea_use_buttons"],
    ),
    (
        "the contact question cannot be skipped (a skip button of the past is not taken)",
        [*TO_SUMMARY[:-1], Pressed("skip")],
        {"step": Step.CONTACT, "contact_ok": None},
        ["ask"] * 7,
    ),
    (
        "edit the place from the summary: back to the summary after it",
        [*TO_SUMMARY, Pressed("edit"), Pressed("edit_step", "place"), Typed("Haarlem")],
        {"step": Step.CONFIRM, "municipality": "Haarlem", "editing": False, "mode": Mode.ASKING},
        ["ask"] * 7 + ["summary", "edit_menu", "ask", "summary"],
    ),
    (
        "edit the second follow-up question",
        [*TO_SUMMARY, Pressed("edit"), Pressed("edit_step", "q1"), Typed("de GGD")],
        {"step": Step.CONFIRM, "answers": {"voor_wie": "Kinderen", "samen": "de GGD"}},
        ["ask"] * 7 + ["summary", "edit_menu", "ask", "summary"],
    ),
    (
        "the edit menu's back",
        [*TO_SUMMARY, Pressed("edit"), Pressed("edit_step", "back")],
        {"step": Step.CONFIRM, "mode": Mode.ASKING},
        ["ask"] * 7 + ["summary", "edit_menu", "summary"],
    ),
    (
        "cancel asks first; no shows the summary again",
        [*TO_SUMMARY, Pressed("cancel"), Pressed("cancel_sure", "no")],
        {"step": Step.CONFIRM},
        ["ask"] * 7 + ["summary", "idea_cancel_confirm", "summary"],
    ),
    (
        "a button of a past step is not taken",
        [Begin(), Pressed("theme", "ai"), Pressed("theme", "preventie")],
        {"step": Step.TEXT, "theme": "ai"},
        ["ask", "ask"],
    ),
    (
        "a photo without caption: text only, nothing changes",
        [Begin(), Pressed("theme", "ai"), NotText()],
        {"step": Step.TEXT},
        ["ask", "ask", "idea_text_only"],
    ),
    (
        "a caption is taken as the idea, and the photo is said not to be kept",
        [Begin(), Pressed("theme", "ai"), Typed(IDEA, caption=True)],
        {"step": Step.PLACE, "text": IDEA},
        ["ask", "ask", "idea_caption_read", "ask"],
    ),
]


@pytest.mark.parametrize(("name", "events", "expected", "shown"), CASES, ids=[c[0] for c in CASES])
def test_flow_cases(
    name: str, events: list[Any], expected: dict[str, Any], shown: list[str]
) -> None:
    draft, screens = run(events)
    assert draft is not None
    assert {key: getattr(draft, key) for key in expected} == expected
    assert screens == shown


def test_send_stores_and_ends() -> None:
    draft, _ = run(TO_SUMMARY)
    outcome = flow.handle(draft, Pressed("send"), CTX, now=NOW)
    assert outcome.effect == Effect.SUBMIT and not outcome.save
    done = flow.handle(draft, Stored(7, True), CTX, now=NOW)
    assert done.draft is None and done.ended and [s.key for s in done.shows] == ["sent"]
    limited = flow.handle(draft, LimitReached(), CTX, now=NOW)
    assert limited.draft is not None and limited.draft.mode == Mode.PARKED
    assert [s.key for s in limited.shows] == ["idea_limit"] and limited.save


def test_an_approved_look_alike_is_shown_once_per_text() -> None:
    draft, _ = run(TO_SUMMARY[:-1])
    outcome = flow.handle(draft, Pressed("choice", "yes"), CTX, now=NOW)
    assert outcome.effect == Effect.MATCH and outcome.draft is not None
    similar = flow.handle(outcome.draft, Matched((), 12, "hetzelfde"), CTX, now=NOW)
    assert [s.key for s in similar.shows] == ["similar"] and similar.draft is not None
    assert similar.draft.mode == Mode.SIMILAR
    went_on = flow.handle(similar.draft, Pressed("similar", "go", 12), CTX, now=NOW)
    assert went_on.effect == Effect.MATCH and went_on.draft is not None
    assert went_on.draft.checked_text == IDEA
    again = flow.handle(went_on.draft, Matched((), 12, "hetzelfde"), CTX, now=NOW)
    assert [s.key for s in again.shows] == ["summary"]  # not asked twice for one text
    stopped = flow.handle(similar.draft, Pressed("similar", "stop", 12), CTX, now=NOW)
    assert stopped.draft is None and stopped.save and stopped.shows[0].values == {"number": 12}


def test_idle_draft_offers_resume_before_anything_else() -> None:
    draft, _ = run([Begin(), Pressed("theme", "ai")])
    assert draft is not None
    old = dataclasses.replace(draft, updated_at=(NOW - dt.timedelta(hours=2)).isoformat())
    outcome = flow.handle(old, Typed(IDEA), CTX, now=NOW)
    assert [s.key for s in outcome.shows] == ["resume"] and outcome.draft is not None
    assert outcome.draft.text == "" and outcome.draft.mode == Mode.RESUME
    restart = flow.handle(outcome.draft, Pressed("resume", "restart"), CTX, now=NOW)
    assert restart.draft is not None and restart.draft.step == Step.THEME
    go_on = flow.handle(outcome.draft, Pressed("resume", "continue"), CTX, now=NOW)
    assert go_on.draft is not None and (go_on.draft.step, go_on.draft.mode) == (
        Step.TEXT,
        Mode.ASKING,
    )


def test_begin_with_a_draft_worth_keeping_offers_resume() -> None:
    draft, _ = run([Begin(), Pressed("theme", "ai"), Typed(IDEA)])
    outcome = flow.handle(draft, Begin(), CTX, now=NOW)
    assert [s.key for s in outcome.shows] == ["resume"]
    empty, _ = run([Begin(), Pressed("theme", "ai")])
    assert [s.key for s in flow.handle(empty, Begin(), CTX, now=NOW).shows] == ["ask"]


def test_ways_out() -> None:
    draft, _ = run([Begin(), Pressed("theme", "ai"), Typed(IDEA)])
    cancelled = flow.handle(draft, Cancel(), CTX, now=NOW)
    assert cancelled.draft is None and cancelled.save and cancelled.ended
    parked = flow.handle(draft, TimedOut(), CTX, now=NOW)
    assert parked.draft is not None and parked.draft.mode == Mode.PARKED
    assert not flow.handle(parked.draft, Typed("hallo"), CTX, now=NOW).taken  # a question now
    assert not flow.handle(None, Typed("hallo"), CTX, now=NOW).taken


def test_a_theme_or_question_removed_by_a_reindex_is_not_asked() -> None:
    draft, _ = run([Begin(), Pressed("theme", "preventie"), Typed(IDEA), Typed("Kinderen")])
    assert draft is not None and (draft.step, draft.question_index) == (Step.FOLLOW_UP, 1)
    fewer = flow.Context(
        {
            "preventie": dataclasses.replace(
                THEMES["preventie"], questions=THEMES["preventie"].questions[:1]
            )
        }
    )
    assert flow.settle(draft, fewer).step == Step.PLACE
    assert flow.settle(draft, flow.Context({})).step == Step.THEME


def test_the_table_declares_every_step_once_in_order() -> None:
    assert [s.step for s in flow.STEPS] == list(Step)
    editable = {s.step for s in flow.STEPS if s.edit_label}
    assert editable == {Step.TEXT, Step.PLACE, Step.AGE, Step.CONTACT}
    assert all(s.skippable for s in flow.STEPS if s.step in (Step.PLACE, Step.AGE))
