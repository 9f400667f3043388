"""What the idea conversation says at each step: the prompts, the summary, the resume offer.

Kept apart from the state callbacks (bot/ideas.py), which decide where the resident goes next.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from assistant.bot import callbacks, idea_matching, limits, texts, wording
from assistant.bot.context import BotContext
from assistant.knowledge import Theme
from assistant.store.ideas import MAX_CHARS, MIN_CHARS, Draft

log = logging.getLogger(__name__)

THEME, TEXT, FOLLOW_UP, PLACE, CONTACT, CONFIRM, EDIT, RESUME, SIMILAR = (
    "theme",
    "text",
    "follow_up",
    "place",
    "contact",
    "confirm",
    "edit",
    "resume",
    "similar",  # a mode at CONFIRM: an approved idea is much like this one; go on or stop?
)
QUOTE_CHARS = 300  # of another resident's approved idea, shown when it is much like this one

State = str | int
END = -1  # the conversation is left; a draft still there is kept, parked (Draft.mode)
PARKED = "parked"


def ids(update: Update) -> tuple[int, int]:
    """The resident's user and chat id."""
    assert update.effective_user is not None and update.effective_chat is not None
    return update.effective_user.id, update.effective_chat.id


async def reply(
    update: Update, context: BotContext, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message:
    """Send HTML text (and buttons) to the resident's chat."""
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_message(chat.id, text, reply_markup=markup)


async def save(update: Update, context: BotContext, draft: Draft) -> None:
    """Write the draft now, at its step (no menu open): before the resident is told anything,
    so where they are is stored before they can answer."""
    user_id, chat_id = ids(update)
    services = context.services
    draft.mode = ""
    await services.db.call(services.ideas.save_draft, user_id, chat_id, draft)


async def set_mode(update: Update, context: BotContext, mode: str) -> None:
    """Open a menu on the draft (EDIT, RESUME) or park it, keeping its last activity."""
    user_id, _ = ids(update)
    services = context.services
    await services.db.call(services.ideas.set_mode, user_id, mode)


def theme_of(context: BotContext, draft: Draft) -> Theme | None:
    """The draft's theme, if it (still) exists."""
    return context.services.knowledge.theme(draft.theme)


def buttons(lang: str, *rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    """Inline buttons from (locale key, callback data) rows."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.plain(lang, key), callback_data=d) for key, d in row]
            for row in rows
        ]
    )


def choices(lang: str, kind: callbacks.Button, *options: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of buttons of a kind with a ``choice`` field, from (choice, locale key) pairs."""
    return buttons(lang, [(key, kind.data(choice=choice)) for choice, key in options])


def summary_html(context: BotContext, draft: Draft, lang: str, related: str = "") -> str:
    """The resident's idea as they will send it, every value escaped, within Telegram's limit
    (typed values shortened with "(...)" and a note if ever needed; the draft keeps them all),
    after ``related`` (HTML: the sections of the sources the idea builds on)."""
    theme = theme_of(context, draft)
    title = context.services.knowledge.theme_title(draft.theme, lang)
    questions = theme.questions if theme else ()
    skipped = texts.plain(lang, "summary_skipped")
    values = {"text": draft.text, "place": draft.municipality or ""}
    values.update({f"q:{q.id}": draft.answers.get(q.id) or "" for q in questions})

    def render(v: dict[str, str], note: bool) -> str:
        parts = [related, ""] if related else []
        parts.append(texts.html(lang, "idea_summary", theme=title, text=v["text"]).rstrip())
        parts += [
            texts.html(
                lang,
                "idea_summary_answer",
                question=q.text[lang],
                answer=v[f"q:{q.id}"] or skipped,
            )
            for q in questions
        ]
        parts.append(texts.html(lang, "idea_summary_place", place=v["place"] or skipped))
        parts.append(
            texts.html(
                lang,
                "idea_summary_contact",
                contact=texts.plain(
                    lang, "summary_contact_yes" if draft.contact_ok else "summary_contact_no"
                ),
            )
        )
        if note:
            parts += ["", texts.html(lang, "idea_summary_shortened")]
        parts += ["", texts.html(lang, "idea_summary_footer")]
        return "\n".join(parts)

    text, shortened = limits.fit(lambda v: render(v, False), values)
    if shortened:
        text, _ = limits.fit(lambda v: render(v, True), values)
    return text


async def ask(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Send the prompt for the draft's current step and return that step's state (saved
    first when the step had to change: its theme or follow-up question is gone)."""
    step = draft.step
    _settle(context, draft)
    if draft.step != step:
        await save(update, context, draft)
    return await _prompt(update, context, draft, lang)


def _settle(context: BotContext, draft: Draft) -> None:
    """The step the draft can be asked at, after a re-index dropped its theme or questions."""
    theme = theme_of(context, draft)
    if theme is None:
        draft.step = THEME
    elif draft.step == FOLLOW_UP and draft.question_index >= len(theme.questions):
        draft.step = PLACE
    elif draft.step not in (THEME, TEXT, FOLLOW_UP, PLACE, CONTACT):
        draft.step = CONFIRM


async def _prompt(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    theme = theme_of(context, draft)
    if draft.step == THEME or theme is None:
        kb = context.services.knowledge
        text = "\n\n".join(
            [texts.html(lang, "idea_choose_theme")]
            + [
                texts.html(
                    lang, "idea_theme_option", title=t.title[lang], description=t.description[lang]
                ).rstrip()
                for t in kb.themes
            ]
        )
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        t.title[lang], callback_data=callbacks.THEME.data(theme=t.id)
                    )
                ]
                for t in kb.themes
            ]
        )
        await reply(update, context, text, markup)
        return THEME
    if draft.step == TEXT:
        text = texts.html(
            lang, "idea_ask_text", theme=theme.title[lang], min=MIN_CHARS, max=MAX_CHARS
        ).rstrip()
        if draft.editing and draft.text:  # changing it: show what is there now
            text += "\n\n" + texts.html(lang, "idea_current_text", text=draft.text)
        await reply(update, context, text)
        return TEXT
    if draft.step == FOLLOW_UP:
        question = theme.questions[draft.question_index]
        await reply(
            update,
            context,
            texts.html(
                lang,
                "idea_ask_followup",
                question=question.text[lang],
                number=draft.question_index + 1,
                total=len(theme.questions),
            ),
            buttons(lang, [("btn_skip", callbacks.SKIP.data())]),
        )
        return FOLLOW_UP
    if draft.step == PLACE:
        await reply(
            update,
            context,
            texts.html(lang, "idea_ask_municipality"),
            buttons(lang, [("btn_skip", callbacks.SKIP.data())]),
        )
        return PLACE
    if draft.step == CONTACT:
        await reply(
            update,
            context,
            texts.html(lang, "idea_ask_contact"),
            choices(lang, callbacks.CONTACT, ("yes", "btn_yes"), ("no", "btn_no")),
        )
        return CONTACT
    related, asked = await _matches(update, context, draft, lang)
    if asked is not None:
        return asked
    await reply(
        update,
        context,
        summary_html(context, draft, lang, related),
        buttons(
            lang,
            [("btn_send", callbacks.SEND.data())],
            [("btn_edit", callbacks.EDIT.data()), ("btn_cancel", callbacks.CANCEL.data())],
        ),
    )
    return CONFIRM


async def _matches(
    update: Update, context: BotContext, draft: Draft, lang: str
) -> tuple[str, State | None]:
    """Before the summary: the sections the idea builds on (HTML, shown above the summary),
    and, once per text, an approved idea much like it: then the resident chooses to go on or
    stop instead (SIMILAR is returned). A failure here never keeps an idea from being sent:
    the summary follows without them."""
    services = context.services
    if not draft.text:
        return "", None
    try:
        found = await idea_matching.matches(
            services, draft.text, idea_matching.RESIDENT_SEES, theme=draft.theme
        )
        other = (
            await services.db.call(services.ideas.get, found.similar[0].id)
            if found.similar and draft.checked_text != draft.text
            else None
        )
    except Exception as exc:  # a help, not a step: the resident can still send
        log.warning("ideas not compared: %s", type(exc).__name__)
        return "", None
    related = ""
    if found.related:
        lines = idea_matching.related_lines(lang, found.related)
        related = texts.html(lang, "idea_related", sections=texts.Html(lines))
    if other is None or other.status not in idea_matching.RESIDENT_SEES:
        return related, None
    await set_mode(update, context, SIMILAR)
    quote = other.text if len(other.text) <= QUOTE_CHARS else other.text[:QUOTE_CHARS] + "…"
    await reply(
        update,
        context,
        texts.html(lang, "idea_similar_found", number=other.id, text=quote),
        buttons(
            lang,
            [
                ("btn_similar_go", callbacks.SIMILAR.data(choice="go", idea=other.id)),
                ("btn_similar_stop", callbacks.SIMILAR.data(choice="stop", idea=other.id)),
            ],
        ),
    )
    return related, SIMILAR


async def offer_resume(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Ask whether to continue the saved draft or start over."""
    theme = theme_of(context, draft)
    await set_mode(update, context, RESUME)
    when = wording.moment(lang, draft.updated_at) if draft.updated_at else ""
    key = "idea_resume" if theme else "idea_resume_no_theme"
    await reply(
        update,
        context,
        texts.html(lang, key, theme=theme.title[lang] if theme else "", when=when),
        choices(lang, callbacks.RESUME, ("continue", "btn_continue"), ("restart", "btn_restart")),
    )
    return RESUME
