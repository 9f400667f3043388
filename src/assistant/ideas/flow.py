"""The idea conversation as a declared flow: what each step asks, accepts and leads to.

One table (``STEPS``) says, per step, which field of the draft it fills, its prompt, how a typed
answer is checked, which buttons it offers, whether it may be skipped and whether the edit menu
may jump to it; the steps follow each other in the table's order (the theme's follow-up
questions are one step, asked once per question). One function, ``handle``, takes the draft and
an event (text, a button, a command, a timeout, the outcome of an effect) and returns what
follows: the new draft, what to show, and at most one effect for the caller to carry out
(look for related sections and similar ideas, store the idea, answer a question) whose outcome
comes back as the next event.

Knows nothing of Telegram: ``bot/ideas.py`` turns updates into events, carries out effects,
saves the draft and renders what to show. The draft holds the whole state (its step and mode).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from assistant.ideas.model import (
    AGE_GROUPS,
    MAX_ANSWER_CHARS,
    MAX_CHARS,
    MAX_PER_DAY,
    MAX_PLACE_CHARS,
    MIN_CHARS,
    Draft,
    Mode,
    Step,
    problem_with_text,
)
from assistant.knowledge import Theme
from assistant.text import utf16_len

IDLE = dt.timedelta(minutes=30)  # after this, the draft is kept and resuming is offered
_QUESTION_WORDS = re.compile(
    r"^(wat|wie|waar|waarom|wanneer|hoe|welke|welk|hoeveel|what|who|where|why|when|how|"
    r"which)\b",
    re.IGNORECASE,
)
MAX_QUESTION_WORDS = 20  # longer texts are answers, even if they start with "hoe"
YES_NO = re.compile(r"^\s*(ja|nee|yes|no)\s*[.!]?\s*$", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    """A short text ending in '?' or starting with a question word (asked about, not taken)."""
    stripped = text.strip()
    if len(stripped.split()) > MAX_QUESTION_WORDS:
        return False
    return stripped.endswith("?") or bool(_QUESTION_WORDS.match(stripped))


# A question about this conversation itself, not about the texts: how long it takes, what to
# type here, what a question of the flow means.
_ABOUT_THE_FLOW = re.compile(
    r"\b(?:hoe ?lang (?:duurt|nog)|duurt (?:dit|het) (?:nog )?lang|hoeveel (?:vragen|stappen)|"
    r"how long (?:does|will|is)|how many (?:more )?(?:questions|steps)|"
    r"wat (?:moet|kan) ik (?:hier )?(?:doen|invullen|typen|schrijven|antwoorden)|"
    r"what (?:should|do|can) i (?:do|type|write|answer|fill in)|"
    r"wat bedoel je(?: hier)?(?: mee| met (?:deze|die|de|je) vraag)?\s*\??$|"
    r"what do you mean(?: by (?:this|that|the) question)?\s*\??$|"
    r"ik snap (?:de|deze|je) vraag niet|i (?:don'?t|do not) understand (?:the|this) question)",
    re.IGNORECASE,
)


def asks_about_the_flow(text: str) -> bool:
    """Whether a question typed during an idea is about the idea conversation itself."""
    return bool(_ABOUT_THE_FLOW.search(text.strip()))


# --- the table ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepSpec:
    """One step of the conversation."""

    step: Step
    field: str  # the draft's field it fills ("" for the summary)
    prompt: str  # locale key of what it asks
    typed: bool = False  # a typed answer is taken (checked against minimum and maximum)
    minimum: int = 1
    maximum: int = MAX_ANSWER_CHARS
    choices: tuple[str, ...] = ()  # its buttons' values
    typed_choice: re.Pattern[str] | None = None  # typed text that picks a button (ja/nee)
    skippable: bool = False
    edit_label: str = ""  # locale key of its button in the edit menu ("": not editable)

    def problem(self, text: str) -> Show | None:
        """Why a typed answer cannot be taken here (what to tell the resident), or None."""
        problem = problem_with_text(text, minimum=self.minimum, maximum=self.maximum)
        if problem is None:
            return None
        key = "idea_answer_too_long" if problem == "too_long" and self.step != Step.TEXT else ""
        values: dict[str, object] = {
            "min": self.minimum,
            "max": self.maximum,
            "length": utf16_len(text.strip()),
        }
        return Show(key or f"idea_{problem}", values)


STEPS: tuple[StepSpec, ...] = (
    StepSpec(Step.THEME, "theme", "idea_choose_theme"),
    StepSpec(
        Step.TEXT,
        "text",
        "idea_ask_text",
        typed=True,
        minimum=MIN_CHARS,
        maximum=MAX_CHARS,
        edit_label="btn_edit_text",
    ),
    # asked once per follow-up question of the theme; the edit menu has a button per question
    StepSpec(Step.FOLLOW_UP, "answers", "idea_ask_followup", typed=True, skippable=True),
    StepSpec(
        Step.PLACE,
        "municipality",
        "idea_ask_municipality",
        typed=True,
        maximum=MAX_PLACE_CHARS,
        skippable=True,
        edit_label="btn_edit_place",
    ),
    StepSpec(
        Step.AGE,
        "age_group",
        "idea_ask_age",
        choices=AGE_GROUPS,
        skippable=True,
        edit_label="btn_edit_age",
    ),
    StepSpec(
        Step.CONTACT,
        "contact_ok",
        "idea_ask_contact",
        choices=("yes", "no"),
        typed_choice=YES_NO,
        edit_label="btn_edit_contact",
    ),
    StepSpec(Step.CONFIRM, "", "idea_summary"),
)
SPEC = {s.step: s for s in STEPS}
EDITABLE = tuple(s.step for s in STEPS if s.edit_label)


# --- events ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Begin:
    """/idee, the menu's or a theme's share-an-idea button (``theme``: preset, or "")."""

    theme: str = ""


@dataclass(frozen=True)
class Typed:
    """Text, or a photo's caption (``caption``: the resident is told the photo is not kept)."""

    text: str
    caption: bool = False


@dataclass(frozen=True)
class Pressed:
    """A button of the conversation: its kind and value (see ``BUTTONS``)."""

    kind: str
    value: str = ""
    number: int = 0  # the idea a "similar" button names


# The buttons the flow knows, by kind -> what their value is.
BUTTONS = (
    "theme",  # a theme id
    "choice",  # a step's choice (contact yes/no, an age group)
    "skip",
    "is_answer",  # the question-like text was the answer
    "is_question",  # ... it was a question to the assistant
    "send",
    "edit",
    "cancel",
    "cancel_sure",  # yes | no
    "edit_step",  # a step's name, "q<N>" for a follow-up question, or "back"
    "similar",  # go | stop
    "resume",  # continue | restart
)


@dataclass(frozen=True)
class Cancel:
    """/annuleer, /cancel, /stop: the draft is deleted."""


@dataclass(frozen=True)
class Leave:
    """/start inside the conversation: leave it; the draft is kept for later."""


@dataclass(frozen=True)
class NotText:
    """A photo without caption, a sticker, a voice note: only text can be taken."""


@dataclass(frozen=True)
class TimedOut:
    """Idle too long (one process's timer): the draft is parked."""


@dataclass(frozen=True)
class Matched:
    """The outcome of ``Effect.MATCH``: the sections it builds on, and a visible approved idea
    much like it (its number and text), if any."""

    related: tuple[str, ...] = ()
    similar_number: int | None = None
    similar_text: str = ""


@dataclass(frozen=True)
class Stored:
    """The outcome of ``Effect.SUBMIT``: the idea's number."""

    number: int
    contact_ok: bool


@dataclass(frozen=True)
class LimitReached:
    """The outcome of ``Effect.SUBMIT`` when the daily limit refused it."""


Event = (
    Begin | Typed | Pressed | Cancel | Leave | NotText | TimedOut | Matched | Stored | LimitReached
)


# --- what follows ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Show:
    """Something to show the resident: a locale key and its values, or one of the screens the
    adapter draws (``ask``: the step's prompt; ``summary``; ``edit_menu``; ``resume``;
    ``similar``; ``is_question``)."""

    key: str
    values: dict[str, object] = field(default_factory=dict)


class Effect:
    """What the caller must do before the flow can go on (its outcome is the next event)."""

    MATCH = "match"  # related sections and a visible approved look-alike -> Matched
    SUBMIT = "submit"  # store the draft as an idea -> Stored | LimitReached
    ANSWER = "answer"  # answer ``Outcome.question`` from the texts (then the step is asked)


@dataclass
class Outcome:
    """The flow's answer to one event."""

    draft: Draft | None  # None: delete the draft (cancelled, stopped, stored)
    shows: list[Show] = field(default_factory=list)
    effect: str = ""
    question: str = ""  # for Effect.ANSWER
    ended: bool = False  # the conversation is left (a kept draft is parked)
    taken: bool = True  # False: not the conversation's (another handler may take it)
    save: bool = True  # write the draft (False: nothing changed, e.g. "use the buttons")


@dataclass(frozen=True)
class Context:
    """What the flow needs to know of the content: the themes."""

    themes: dict[str, Theme]

    def theme(self, draft: Draft) -> Theme | None:
        """The draft's theme, if it (still) exists."""
        return self.themes.get(draft.theme)


def _asking(draft: Draft, step: Step) -> Draft:
    return dataclasses.replace(draft, step=step, mode=Mode.ASKING, pending="")


def _ask(draft: Draft, ctx: Context, *before: Show) -> Outcome:
    """Show the draft's current step (after ``before``), settled first: a theme or follow-up
    question a re-index removed is not asked; reaching the summary looks for matches first."""
    draft = settle(draft, ctx)
    if draft.step == Step.CONFIRM:
        return Outcome(draft, list(before), effect=Effect.MATCH)
    return Outcome(draft, [*before, Show("ask")])


def settle(draft: Draft, ctx: Context) -> Draft:
    """The step the draft can be asked at, with the content as it is now."""
    theme = ctx.theme(draft)
    if theme is None:
        return dataclasses.replace(draft, step=Step.THEME, editing=False)
    if draft.step == Step.FOLLOW_UP and draft.question_index >= len(theme.questions):
        return dataclasses.replace(draft, step=_after(Step.FOLLOW_UP), question_index=0)
    return draft


def _after(step: Step) -> Step:
    order = [s.step for s in STEPS]
    return order[order.index(step) + 1]


def _advance(draft: Draft, ctx: Context) -> Outcome:
    """After a step's answer: its next step (or back to the summary when editing)."""
    theme = ctx.theme(draft)
    if draft.editing:
        return _ask(dataclasses.replace(_asking(draft, Step.CONFIRM), editing=False), ctx)
    if draft.step == Step.TEXT and theme is not None and theme.questions:
        return _ask(dataclasses.replace(_asking(draft, Step.FOLLOW_UP), question_index=0), ctx)
    if (
        draft.step == Step.FOLLOW_UP
        and theme is not None
        and draft.question_index + 1 < len(theme.questions)
    ):
        following = dataclasses.replace(draft, question_index=draft.question_index + 1)
        return _ask(_asking(following, Step.FOLLOW_UP), ctx)
    step = _after(Step.FOLLOW_UP if draft.step == Step.TEXT else draft.step)
    return _ask(_asking(draft, step), ctx)


def fresh(lang: str, theme: str = "") -> Draft:
    """A new draft: at the theme, or at the idea's text when the theme is chosen already."""
    return Draft(lang=lang, theme=theme, step=Step.TEXT if theme else Step.THEME)


def _fill(draft: Draft, spec: StepSpec, value: str | None, ctx: Context) -> Draft:
    """The draft with the step's answer in its field (``value`` None: skipped)."""
    if spec.step == Step.FOLLOW_UP:
        theme = ctx.theme(draft)
        assert theme is not None  # settled
        question = theme.questions[draft.question_index]
        return dataclasses.replace(draft, answers={**draft.answers, question.id: value or None})
    if spec.step == Step.CONTACT:
        return dataclasses.replace(draft, contact_ok=value == "yes")
    if spec.step == Step.PLACE:
        return dataclasses.replace(draft, municipality=value or "")
    if spec.step == Step.AGE:
        return dataclasses.replace(draft, age_group=value or "")
    return dataclasses.replace(draft, text=value or "")


def handle(
    draft: Draft | None, event: Event, ctx: Context, now: dt.datetime | None = None
) -> Outcome:
    """What follows ``event`` for a resident with ``draft`` (None: none stored)."""
    if isinstance(event, Begin):
        return _begin(draft, event, ctx)
    if draft is None or draft.mode == Mode.PARKED:
        return Outcome(draft, taken=False, save=False)  # not in the conversation
    if isinstance(event, Cancel):
        return Outcome(None, [Show("idea_cancelled")], ended=True)
    if isinstance(event, Leave):
        return Outcome(_parked(draft), [Show("welcome"), Show("idea_draft_kept")], ended=True)
    if isinstance(event, TimedOut):
        return Outcome(_parked(draft), [Show("idea_timeout")], ended=True)
    if isinstance(event, Matched | Stored | LimitReached):
        return _effect_done(draft, event, ctx)
    if isinstance(event, Pressed) and event.kind == "resume" and draft.mode == Mode.RESUME:
        if event.value == "restart":
            return _ask(fresh(draft.lang), ctx)
        return _ask(_asking(draft, draft.step), ctx)
    if not _accepts(draft, event, ctx):
        return Outcome(draft, taken=False, save=False)
    if draft.age(now) > IDLE:
        return _offer_resume(draft)
    if isinstance(event, NotText):
        return Outcome(draft, [Show("idea_text_only")], save=False)
    if draft.mode == Mode.RESUME:
        return Outcome(draft, [Show("idea_use_buttons")], save=False)
    if draft.mode == Mode.EDIT:
        return _edit_menu_event(draft, event, ctx)
    if draft.mode == Mode.SIMILAR:
        return _similar_event(draft, event, ctx)
    return _step_event(draft, event, ctx)


def _parked(draft: Draft) -> Draft:
    return dataclasses.replace(draft, mode=Mode.PARKED)


def _offer_resume(draft: Draft) -> Outcome:
    return Outcome(dataclasses.replace(draft, mode=Mode.RESUME), [Show("resume")])


def _begin(draft: Draft | None, event: Begin, ctx: Context) -> Outcome:
    """A new idea, or (a draft worth keeping is there) the offer to go on with it."""
    theme = event.theme if event.theme in ctx.themes else ""
    if draft is not None and (draft.text or draft.step not in (Step.THEME, Step.TEXT)):
        return _offer_resume(draft)
    return _ask(fresh(draft.lang if draft is not None else "nl", theme), ctx)


def _accepts(draft: Draft, event: Event, ctx: Context) -> bool:
    """Whether the event belongs to where the draft is: a button of another step or menu is
    not taken (it is a button of the past: the stale-button reply answers it)."""
    if isinstance(event, Typed | NotText):
        return True
    if not isinstance(event, Pressed):
        return False
    if draft.mode == Mode.EDIT:
        return event.kind == "edit_step"
    if draft.mode == Mode.SIMILAR:
        return event.kind == "similar"
    if draft.mode == Mode.RESUME:
        return False  # (the resume buttons were handled above)
    spec = SPEC[draft.step]
    if event.kind in ("is_answer", "is_question"):
        return spec.typed and bool(draft.pending)
    if draft.step == Step.THEME:
        return event.kind == "theme"
    if draft.step == Step.CONFIRM:
        return event.kind in ("send", "edit", "cancel", "cancel_sure")
    if event.kind == "skip":
        return spec.skippable
    return event.kind == "choice" and event.value in spec.choices


def _step_event(draft: Draft, event: Event, ctx: Context) -> Outcome:
    spec = SPEC[draft.step]
    if draft.step == Step.THEME:
        if isinstance(event, Pressed) and event.value in ctx.themes:
            return _advance(dataclasses.replace(draft, theme=event.value), ctx)
        if isinstance(event, Pressed):  # a theme gone since: ask again
            return _ask(draft, ctx)
        return Outcome(draft, [Show("idea_use_buttons")], save=False)
    if draft.step == Step.CONFIRM:
        return _confirm_event(draft, event, ctx)
    if isinstance(event, Pressed) and event.kind == "skip":
        return _advance(_fill(draft, spec, None, ctx), ctx)
    if isinstance(event, Pressed) and event.kind == "choice":
        return _advance(_fill(draft, spec, event.value, ctx), ctx)
    if isinstance(event, Pressed) and event.kind == "is_question":
        asked = dataclasses.replace(draft, pending="")
        return Outcome(asked, [Show("ask")], effect=Effect.ANSWER, question=draft.pending)
    shows: list[Show] = []
    if isinstance(event, Pressed):  # is_answer: the question-like text was the answer
        text = draft.pending
        draft = dataclasses.replace(draft, pending="")
    else:
        assert isinstance(event, Typed)
        text = event.text
        if event.caption:
            shows.append(Show("idea_caption_read"))
        if not spec.typed:  # buttons only, or a typed yes/no
            if spec.typed_choice is not None and spec.typed_choice.match(text):
                word = text.strip().rstrip(".!").strip().lower()
                choice = "yes" if word in ("ja", "yes") else "no"
                return _advance(_fill(draft, spec, choice, ctx), ctx)
            return Outcome(draft, [*shows, Show("idea_use_buttons")], save=False)
        if looks_like_question(text):
            return Outcome(dataclasses.replace(draft, pending=text), [*shows, Show("is_question")])
    problem = spec.problem(text)
    if problem is not None:
        return Outcome(draft, [*shows, problem], save=False)
    filled = _fill(draft, spec, text.strip(), ctx)
    outcome = _advance(filled, ctx)
    outcome.shows[:0] = shows
    return outcome


def _confirm_event(draft: Draft, event: Event, ctx: Context) -> Outcome:
    if not isinstance(event, Pressed):
        return Outcome(draft, [Show("idea_use_buttons")], save=False)
    if event.kind == "send":
        return Outcome(draft, effect=Effect.SUBMIT, save=False)
    if event.kind == "edit":
        return Outcome(dataclasses.replace(draft, mode=Mode.EDIT), [Show("edit_menu")])
    if event.kind == "cancel":
        return Outcome(draft, [Show("idea_cancel_confirm")], save=False)
    if event.value == "yes":  # cancel_sure
        return Outcome(None, [Show("idea_cancelled")], ended=True)
    return _ask(draft, ctx)


def _edit_menu_event(draft: Draft, event: Event, ctx: Context) -> Outcome:
    if not isinstance(event, Pressed):
        return Outcome(draft, [Show("idea_use_buttons")], save=False)
    theme = ctx.theme(draft)
    value = event.value
    if value.startswith("q") and value[1:].isdigit() and theme is not None:
        index = int(value[1:])
        if index < len(theme.questions):
            moved = dataclasses.replace(draft, question_index=index, editing=True)
            return _ask(_asking(moved, Step.FOLLOW_UP), ctx)
    elif value in {s.value for s in EDITABLE}:
        return _ask(dataclasses.replace(_asking(draft, Step(value)), editing=True), ctx)
    return _ask(dataclasses.replace(_asking(draft, Step.CONFIRM), editing=False), ctx)


def _similar_event(draft: Draft, event: Event, ctx: Context) -> Outcome:
    if not isinstance(event, Pressed):
        return Outcome(draft, [Show("idea_use_buttons")], save=False)
    if event.value == "stop":
        return Outcome(None, [Show("idea_similar_stopped", {"number": event.number})], ended=True)
    checked = dataclasses.replace(_asking(draft, Step.CONFIRM), checked_text=draft.text)
    return _ask(checked, ctx)


def _effect_done(draft: Draft, event: Event, ctx: Context) -> Outcome:
    if isinstance(event, Matched):
        if event.similar_number is not None and draft.checked_text != draft.text:
            similar = dataclasses.replace(draft, mode=Mode.SIMILAR)
            values = {"number": event.similar_number, "text": event.similar_text}
            return Outcome(similar, [Show("similar", values)])
        return Outcome(draft, [Show("summary", {"related": event.related})])
    if isinstance(event, Stored):
        sent = Show("sent", {"number": event.number, "contact": event.contact_ok})
        return Outcome(None, [sent], ended=True, save=False)
    limit = Show("idea_limit", {"max": MAX_PER_DAY})
    return Outcome(dataclasses.replace(draft, mode=Mode.PARKED), [limit], ended=True)
