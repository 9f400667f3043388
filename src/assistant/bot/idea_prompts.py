"""What the idea conversation shows in Telegram: each step's prompt and buttons, the summary,
the menus. ``render`` turns one of the flow's ``Show``s (ideas/flow.py) into a message; the
flow decides what comes next, this module only how it looks.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from assistant.bot import callbacks, commands, limits, texts, wording
from assistant.bot.context import BotContext
from assistant.ideas import flow
from assistant.ideas.model import MAX_CHARS, MIN_CHARS, Draft, Step
from assistant.knowledge import Theme

QUOTE_CHARS = 300  # of another resident's approved idea, shown when it is much like this one
END = -1  # a handler's "the conversation is left" (rights.forget_me)
EDIT_LABEL_UNITS = 40  # a follow-up question on its edit button: shortened with "(...)"


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
    theme = context.services.knowledge.theme(draft.theme)
    title = context.services.knowledge.theme_title(draft.theme, lang)
    questions = theme.questions if theme else ()
    skipped = texts.plain(lang, "summary_skipped")
    values = {"text": draft.text, "place": draft.municipality or ""}
    values.update({f"q:{q.id}": draft.answers.get(q.id) or "" for q in questions})
    age = texts.plain(lang, f"btn_age_{draft.age_group}") if draft.age_group else skipped

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
        parts.append(texts.html(lang, "idea_summary_age", age=age))
        contact = "summary_contact_yes" if draft.contact_ok else "summary_contact_no"
        parts.append(texts.html(lang, "idea_summary_contact", contact=texts.plain(lang, contact)))
        if note:
            parts += ["", texts.html(lang, "idea_summary_shortened")]
        parts += ["", texts.html(lang, "idea_summary_footer")]
        return "\n".join(parts)

    text, shortened = limits.fit(lambda v: render(v, False), values)
    if shortened:
        text, _ = limits.fit(lambda v: render(v, True), values)
    return text


def _skip(lang: str) -> list[tuple[str, str]]:
    return [("btn_skip", callbacks.SKIP.data())]


def _prompt(context: BotContext, draft: Draft, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """The question of the draft's step, and its buttons."""
    kb = context.services.knowledge
    theme = kb.theme(draft.theme)
    if draft.step == Step.THEME or theme is None:
        options = [
            texts.html(
                lang, "idea_theme_option", title=t.title[lang], description=t.description[lang]
            ).rstrip()
            for t in kb.themes
        ]
        rows = [
            [InlineKeyboardButton(t.title[lang], callback_data=callbacks.THEME.data(theme=t.id))]
            for t in kb.themes
        ]
        text = "\n\n".join([texts.html(lang, "idea_choose_theme"), *options])
        return text, InlineKeyboardMarkup(rows)
    if draft.step == Step.TEXT:
        text = texts.html(
            lang, "idea_ask_text", theme=theme.title[lang], min=MIN_CHARS, max=MAX_CHARS
        ).rstrip()
        if draft.editing and draft.text:  # changing it: show what is there now
            text += "\n\n" + texts.html(lang, "idea_current_text", text=draft.text)
        return text, InlineKeyboardMarkup([])
    if draft.step == Step.FOLLOW_UP:
        question = theme.questions[draft.question_index]
        text = texts.html(
            lang,
            "idea_ask_followup",
            question=question.text[lang],
            number=draft.question_index + 1,
            total=len(theme.questions),
        )
        return text, buttons(lang, _skip(lang))
    spec = flow.SPEC[draft.step]
    if draft.step == Step.AGE:
        rows = [
            [
                InlineKeyboardButton(
                    texts.plain(lang, f"btn_age_{group}"),
                    callback_data=callbacks.AGE.data(group=group),
                )
                for group in spec.choices
            ]
        ]
        skip = InlineKeyboardButton(
            texts.plain(lang, "btn_skip"), callback_data=callbacks.SKIP.data()
        )
        rows.append([skip])
        return texts.html(lang, spec.prompt), InlineKeyboardMarkup(rows)
    if draft.step == Step.CONTACT:
        markup = choices(lang, callbacks.CONTACT, ("yes", "btn_yes"), ("no", "btn_no"))
        return texts.html(lang, spec.prompt), markup
    return texts.html(lang, spec.prompt), buttons(lang, _skip(lang))  # PLACE


LABEL_CHARS = 40


def short_label(question: str) -> str:
    """A follow-up question as a button label: the question without its examples in brackets,
    cut at a word ("Voor wie is je idee vooral bedoeld?", not "... (bijvoorbeeld kinderen,")."""
    label = question.split("(")[0].strip()
    if len(label) <= LABEL_CHARS:
        return label
    return label[: LABEL_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def edit_menu(lang: str, theme: Theme | None) -> InlineKeyboardMarkup:
    """The parts of the idea that can be changed: the editable steps of the flow's table (a
    button per follow-up question), and back."""
    rows = []
    for spec in flow.STEPS:
        if spec.step == Step.FOLLOW_UP:
            rows += [
                [
                    InlineKeyboardButton(
                        short_label(q.text[lang]),
                        callback_data=callbacks.EDIT_QUESTION.data(index=i),
                    )
                ]
                for i, q in enumerate(theme.questions if theme else ())
            ]
        elif spec.edit_label:
            data = callbacks.EDIT_PART.data(part=spec.step.value)
            rows.append(
                [InlineKeyboardButton(texts.plain(lang, spec.edit_label), callback_data=data)]
            )
    back = callbacks.EDIT_PART.data(part="back")
    rows.append([InlineKeyboardButton(texts.plain(lang, "btn_back"), callback_data=back)])
    return InlineKeyboardMarkup(rows)


async def render(
    update: Update, context: BotContext, draft: Draft | None, show: flow.Show, lang: str
) -> None:
    """Show one thing the flow asks for."""
    values = show.values
    if show.key == "welcome":
        await commands.welcome(update, context, mention_draft=False)
        return
    if draft is not None and show.key == "ask":
        await reply(update, context, *_prompt(context, draft, lang))
    elif draft is not None and show.key == "summary":
        related = values.get("related")
        lines = "\n".join(str(r) for r in related) if isinstance(related, tuple) else ""
        head = texts.html(lang, "idea_related", sections=texts.Html(lines)) if lines else ""
        markup = buttons(
            lang,
            [("btn_send", callbacks.SEND.data())],
            [("btn_edit", callbacks.EDIT.data()), ("btn_cancel", callbacks.CANCEL.data())],
        )
        await reply(update, context, summary_html(context, draft, lang, head), markup)
    elif draft is not None and show.key == "edit_menu":
        theme = context.services.knowledge.theme(draft.theme)
        await reply(update, context, texts.html(lang, "idea_edit_which"), edit_menu(lang, theme))
    elif draft is not None and show.key == "resume":
        await reply(update, context, *_resume(context, draft, lang))
    elif show.key == "similar":
        number, quote = int(str(values["number"])), str(values["text"])
        quote = quote if len(quote) <= QUOTE_CHARS else quote[:QUOTE_CHARS] + "…"
        markup = buttons(
            lang,
            [
                ("btn_similar_go", callbacks.SIMILAR.data(choice="go", idea=number)),
                ("btn_similar_stop", callbacks.SIMILAR.data(choice="stop", idea=number)),
            ],
        )
        text = texts.html(lang, "idea_similar_found", number=number, text=quote)
        await reply(update, context, text, markup)
    elif show.key == "is_question":
        markup = buttons(
            lang,
            [
                ("btn_is_answer", callbacks.IS_ANSWER.data()),
                ("btn_is_question", callbacks.IS_QUESTION.data()),
            ],
        )
        await reply(update, context, texts.html(lang, "idea_is_question"), markup)
    elif show.key == "idea_cancel_confirm":
        markup = choices(
            lang, callbacks.CANCEL_SURE, ("yes", "btn_cancel_yes"), ("no", "btn_cancel_no")
        )
        await reply(update, context, texts.html(lang, show.key), markup)
    elif show.key == "sent":
        text = texts.html(lang, "idea_sent", number=values["number"]).rstrip()
        if values.get("contact"):
            text += "\n" + texts.html(lang, "idea_sent_contact")
        await reply(update, context, text)
    else:
        await reply(update, context, texts.html(lang, show.key, **values))


def _resume(context: BotContext, draft: Draft, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    theme = context.services.knowledge.theme(draft.theme)
    when = wording.moment(lang, draft.updated_at) if draft.updated_at else ""
    key = "idea_resume" if theme else "idea_resume_no_theme"
    markup = choices(
        lang, callbacks.RESUME, ("continue", "btn_continue"), ("restart", "btn_restart")
    )
    return texts.html(lang, key, theme=theme.title[lang] if theme else "", when=when), markup
