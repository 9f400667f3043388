"""The guided idea conversation (/idee): theme -> idea -> follow-ups -> place -> contact ->
summary -> stored. Every step writes the draft to the database before it replies.

The draft is the conversation's state, its only one: its step, and its mode (a menu open, or
parked). ``IdeaConversation.route`` reads it for every update and offers the update to the
handlers of that state, as python-telegram-bot's ConversationHandler would, so a restart, a
timeout or another replica loses nothing and needs nothing but the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from assistant.bot import callbacks, commands, idea_matching, texts
from assistant.bot.callbacks import on
from assistant.bot.context import BotContext
from assistant.bot.idea_detours import answer_during_idea, looks_like_question
from assistant.bot.idea_prompts import (
    CONFIRM,
    CONTACT,
    EDIT,
    END,
    FOLLOW_UP,
    PARKED,
    PLACE,
    RESUME,
    SIMILAR,
    TEXT,
    THEME,
    State,
    ask,
    buttons,
    choices,
    ids,
    offer_resume,
    reply,
    save,
    set_mode,
    theme_of,
)
from assistant.bot.lang import user_language
from assistant.bot.moderation import notify_moderators
from assistant.bot.private import in_private, redirect_to_private
from assistant.errors import StorageUnavailable
from assistant.store.idea_vectors import StoredVector
from assistant.store.ideas import (
    MAX_ANSWER_CHARS,
    MAX_CHARS,
    MAX_PER_DAY,
    MAX_PLACE_CHARS,
    MIN_CHARS,
    DailyLimitReached,
    Draft,
    problem_with_text,
    text_length,
)
from assistant.text import strip_controls

log = logging.getLogger(__name__)

IDLE = dt.timedelta(minutes=30)  # after this, the draft is kept and resuming is offered

Step = Callable[[Update, BotContext, Draft, str], Awaitable[State]]


async def _advance(
    update: Update, context: BotContext, draft: Draft, lang: str, next_step: str
) -> State:
    """Move to ``next_step`` (or back to the summary when editing), save, and ask."""
    draft.step = CONFIRM if draft.editing else next_step
    if draft.step == CONFIRM:
        draft.editing = False
    await save(update, context, draft)
    return await ask(update, context, draft, lang)


def _after_text(context: BotContext, draft: Draft) -> str:
    theme = theme_of(context, draft)
    if theme and theme.questions:
        draft.question_index = 0
        return FOLLOW_UP
    return PLACE


async def _answer_query(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


Callback = Callable[[Update, BotContext], Coroutine[Any, Any, State]]


def step(fn: Step) -> Callback:
    """Wrap a state callback: load the draft, end if it is gone, offer resuming if idle."""
    return _with_draft(fn, idle_check=True)


def _with_draft(fn: Step, *, idle_check: bool) -> Callback:
    async def wrapper(update: Update, context: BotContext) -> State:
        lang = await user_language(update, context)
        user_id, _ = ids(update)
        services = context.services
        draft = await services.db.call(services.ideas.draft, user_id)
        if draft is None:  # submitted, cancelled or forgotten elsewhere
            await _answer_query(update)
            query = update.callback_query
            if (
                query is not None
                and query.data == callbacks.SEND.data()
                and query.message is not None
            ):
                # a Send delivered again (restart before the state was written): same idea
                key = f"{query.message.chat.id}:{query.message.message_id}"
                idea = await services.db.call(services.ideas.by_submit_key, key)
                if idea is not None and idea.author_id == user_id:
                    await reply(update, context, texts.html(lang, "idea_sent", number=idea.id))
                    return END
            await reply(update, context, texts.html(lang, "idea_expired"))
            return END
        if idle_check and draft.age() > IDLE:
            await _answer_query(update)
            return await offer_resume(update, context, draft, lang)
        draft.lang = lang  # the idea and its notices follow the language the resident reads now
        return await fn(update, context, draft, lang)

    wrapper.__doc__ = fn.__doc__
    return wrapper


# --- entry points ----------------------------------------------------------------------------
async def start_idea(update: Update, context: BotContext) -> State:
    """Begin an idea (or offer to resume the saved draft); private chats only."""
    return await _start(update, context, "")


async def start_theme_idea(update: Update, context: BotContext) -> State:
    """The share-an-idea button under a theme's own section: begin an idea for that theme."""
    return await _start(update, context, callbacks.pressed(context)["theme"])


async def _start(update: Update, context: BotContext, wanted: str) -> State:
    lang = await user_language(update, context)
    if await redirect_to_private(update, context, "idee", "idea_private_only"):
        return END  # (a button press is answered there, with a short note)
    await _answer_query(update)
    user_id, _ = ids(update)
    services = context.services
    draft = await services.db.call(services.ideas.draft, user_id)
    if services.knowledge.theme(wanted) is None:  # none asked for, or gone since
        wanted = ""
    if draft is not None and (draft.text or draft.step not in (THEME, TEXT)):
        return await offer_resume(update, context, draft, lang)
    draft = Draft(lang=lang, theme=wanted, step=TEXT if wanted else THEME)
    await save(update, context, draft)
    return await ask(update, context, draft, lang)


async def _resume_choice(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Continue the saved draft where it was, or start a new one."""
    await _answer_query(update)
    if callbacks.pressed(context)["choice"] == "restart":
        draft = Draft(lang=lang, step=THEME)
    await save(update, context, draft)
    return await ask(update, context, draft, lang)


resume_choice = _with_draft(_resume_choice, idle_check=False)


@step
async def similar_choice(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """An approved idea is much like this one: go on to the summary, or stop (the draft is
    deleted; the resident is told the number of the idea that is already there)."""
    await _answer_query(update)
    fields = callbacks.pressed(context)
    if fields["choice"] == "stop":
        user_id, _ = ids(update)
        services = context.services
        await services.db.call(services.ideas.delete_draft, user_id)
        await reply(
            update, context, texts.html(lang, "idea_similar_stopped", number=fields["idea"])
        )
        return END
    draft.checked_text = draft.text
    await save(update, context, draft)
    return await ask(update, context, draft, lang)


# --- the steps -------------------------------------------------------------------------------
@step
async def theme_chosen(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Store the chosen theme and ask for the idea."""
    theme_id = callbacks.pressed(context)["theme"]
    await _answer_query(update)
    if context.services.knowledge.theme(theme_id) is None:
        return await ask(update, context, draft, lang)
    draft.theme = theme_id
    return await _advance(update, context, draft, lang, TEXT)


async def _typed(update: Update, context: BotContext, draft: Draft, lang: str) -> str | None:
    """What the resident answered in this step: the typed text (or a photo's caption: they are
    told the photo is not kept), or the question-like text they confirmed as their answer; None
    after asking whether a question-like text is an answer."""
    query = update.callback_query
    if query is not None and query.data == callbacks.IS_ANSWER.data():
        await query.answer()
        text, draft.pending = draft.pending, ""
        return text
    message = update.effective_message
    text = strip_controls((message.text or message.caption or "") if message else "")
    if message is not None and message.text is None:
        await reply(update, context, texts.html(lang, "idea_caption_read"))
    if looks_like_question(text):
        draft.pending = text
        await save(update, context, draft)
        await reply(
            update,
            context,
            texts.html(lang, "idea_is_question"),
            buttons(
                lang,
                [
                    ("btn_is_answer", callbacks.IS_ANSWER.data()),
                    ("btn_is_question", callbacks.IS_QUESTION.data()),
                ],
            ),
        )
        return None
    return text


@step
async def question_asked(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """The question-like text was a question: answer it, then ask this step again."""
    await _answer_query(update)
    question, draft.pending = draft.pending, ""
    await save(update, context, draft)
    if question:
        _, chat_id = ids(update)
        await answer_during_idea(context, chat_id, lang, question)
    return await ask(update, context, draft, lang)


@step
async def idea_text(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Take the idea itself (10-2000 characters, real words)."""
    typed = await _typed(update, context, draft, lang)
    if typed is None:
        return TEXT
    text = typed
    problem = problem_with_text(text)
    if problem is not None:
        await reply(
            update,
            context,
            texts.html(
                lang,
                f"idea_{problem}",
                min=MIN_CHARS,
                max=MAX_CHARS,
                length=text_length(text.strip()),
            ),
        )
        return TEXT
    draft.text = text.strip()
    return await _advance(update, context, draft, lang, _after_text(context, draft))


_INVALID = "\0invalid"


async def _optional_answer(
    update: Update, context: BotContext, draft: Draft, lang: str, maximum: int
) -> str:
    """A skippable answer: the typed text, "" when skipped, or _INVALID after explaining why
    the text cannot be taken, or after asking whether a question is an answer (the step then
    waits)."""
    query = update.callback_query
    if query is not None and query.data == callbacks.SKIP.data():
        await query.answer()
        return ""
    typed = await _typed(update, context, draft, lang)
    if typed is None:
        return _INVALID
    text = typed
    problem = problem_with_text(text, minimum=1, maximum=maximum)
    if problem is not None:
        key = "idea_answer_too_long" if problem == "too_long" else f"idea_{problem}"
        await reply(update, context, texts.html(lang, key, max=maximum, min=1))
        return _INVALID
    return text.strip()


@step
async def follow_up(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Take (or skip) the answer to the current follow-up question."""
    theme = theme_of(context, draft)
    if theme is None or draft.question_index >= len(theme.questions):
        return await _advance(update, context, draft, lang, PLACE)
    question = theme.questions[draft.question_index]
    answer = await _optional_answer(update, context, draft, lang, MAX_ANSWER_CHARS)
    if answer is _INVALID:
        return FOLLOW_UP
    draft.answers[question.id] = answer or None
    if not draft.editing and draft.question_index + 1 < len(theme.questions):
        draft.question_index += 1
        return await _advance(update, context, draft, lang, FOLLOW_UP)
    return await _advance(update, context, draft, lang, PLACE)


@step
async def place(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Take (or skip) the municipality or neighbourhood."""
    answer = await _optional_answer(update, context, draft, lang, MAX_PLACE_CHARS)
    if answer is _INVALID:
        return PLACE
    draft.municipality = answer
    return await _advance(update, context, draft, lang, CONTACT)


# Typed answers taken where the buttons ask yes or no (the contact question).
YES_NO = r"(?i)^\s*(ja|nee|yes|no)\s*[.!]?\s*$"


@step
async def contact(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Record whether the region may contact the resident (a button, or typed ja/nee)."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        draft.contact_ok = callbacks.pressed(context)["choice"] == "yes"
    else:
        word = (update.effective_message.text or "") if update.effective_message else ""
        draft.contact_ok = word.strip().rstrip(".!").strip().lower() in ("ja", "yes")
    return await _advance(update, context, draft, lang, CONFIRM)


@step
async def ask_cancel(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Cancel under the summary: ask first, the whole summary would be thrown away."""
    await _answer_query(update)
    await reply(
        update,
        context,
        texts.html(lang, "idea_cancel_confirm"),
        choices(lang, callbacks.CANCEL_SURE, ("yes", "btn_cancel_yes"), ("no", "btn_cancel_no")),
    )
    return CONFIRM


@step
async def cancel_answer(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Yes: delete the draft. No: show the summary again."""
    await _answer_query(update)
    if callbacks.pressed(context)["choice"] == "yes":
        return await cancel(update, context)
    return await ask(update, context, draft, lang)


@step
async def edit_pressed(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Edit under the summary: offer the parts that can be changed."""
    await _answer_query(update)
    return await show_edit_menu(update, context, draft, lang)


@step
async def send(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Store the idea exactly once (a second press, or a Send delivered again, finds it)."""
    query = update.callback_query
    assert query is not None and query.message is not None
    user_id, chat_id = ids(update)
    services = context.services
    submit_key = f"{chat_id}:{query.message.message_id}"
    user = update.effective_user
    assert user is not None
    name = " ".join(filter(None, [user.full_name, f"@{user.username}" if user.username else ""]))
    vector = await _vector(context, draft.text)
    try:
        idea, created = await services.db.call(
            services.ideas.submit, user_id, draft, submit_key, name, vector
        )
    except DailyLimitReached:
        await query.answer()
        await reply(update, context, texts.html(lang, "idea_limit", max=MAX_PER_DAY))
        return END
    await query.answer()  # the idea is committed before anything is confirmed
    log.info("idea stored (theme %s)", idea.theme)
    if created:
        services.metrics.ideas.labels(theme=idea.theme).inc()
        await notify_moderators(context, idea)
    try:
        await context.bot.edit_message_reply_markup(
            chat_id,
            query.message.message_id,
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            texts.plain(lang, "idea_sent_label", number=idea.id),
                            callback_data=callbacks.SENT.data(),
                        )
                    ]
                ]
            ),
        )
    except BadRequest as exc:  # a second press at the same moment already relabelled it
        if "not modified" not in exc.message.lower():
            raise
    text = texts.html(lang, "idea_sent", number=idea.id).rstrip()
    if idea.contact_ok:
        text += "\n" + texts.html(lang, "idea_sent_contact")
    await reply(update, context, text)
    return END


async def _vector(context: BotContext, text: str) -> StoredVector | None:
    """The idea's vector, stored with it; None if encoding fails (it is made later, at the
    next start): sending never waits on similarity."""
    services = context.services
    try:
        return services.matcher.stored(await idea_matching.embed(services, text))
    except Exception as exc:
        log.warning("idea vector not made: %s", type(exc).__name__)
        return None


async def show_edit_menu(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Offer the parts of the idea that can be changed."""
    theme = theme_of(context, draft)
    rows = [
        [
            InlineKeyboardButton(
                texts.plain(lang, "btn_edit_text"),
                callback_data=callbacks.EDIT_PART.data(part="text"),
            )
        ]
    ]
    rows += [
        [
            InlineKeyboardButton(
                q.text[lang][:60], callback_data=callbacks.EDIT_QUESTION.data(index=i)
            )
        ]
        for i, q in enumerate(theme.questions if theme else ())
    ]
    await set_mode(update, context, EDIT)
    rows += [
        [
            InlineKeyboardButton(
                texts.plain(lang, "btn_edit_place"),
                callback_data=callbacks.EDIT_PART.data(part="place"),
            ),
            InlineKeyboardButton(
                texts.plain(lang, "btn_edit_contact"),
                callback_data=callbacks.EDIT_PART.data(part="contact"),
            ),
        ],
        [
            InlineKeyboardButton(
                texts.plain(lang, "btn_back"), callback_data=callbacks.EDIT_PART.data(part="back")
            )
        ],
    ]
    await reply(update, context, texts.html(lang, "idea_edit_which"), InlineKeyboardMarkup(rows))
    return EDIT


_EDITABLE = {"text": TEXT, "place": PLACE, "contact": CONTACT}


@step
async def edit_choice(update: Update, context: BotContext, draft: Draft, lang: str) -> State:
    """Go to the chosen step; its answer brings the resident back to the summary."""
    await _answer_query(update)
    fields = callbacks.pressed(context).groupdict()  # a part, or a follow-up's index
    part, index = fields.get("part"), fields.get("index")
    theme = theme_of(context, draft)
    draft.editing = part != "back"
    if part in _EDITABLE:
        draft.step = _EDITABLE[part]
    elif index is not None and theme and int(index) < len(theme.questions):
        draft.step, draft.question_index = FOLLOW_UP, int(index)
    else:
        draft.step, draft.editing = CONFIRM, False
    await save(update, context, draft)
    return await ask(update, context, draft, lang)


# --- ways out --------------------------------------------------------------------------------
async def cancel(update: Update, context: BotContext) -> State:
    """Stop and delete the draft (/annuleer, /cancel, the Cancel button)."""
    lang = await user_language(update, context)
    user_id, _ = ids(update)
    services = context.services
    await services.db.call(services.ideas.delete_draft, user_id)
    await reply(update, context, texts.html(lang, "idea_cancelled"))
    return END


async def cancel_outside(update: Update, context: BotContext) -> None:
    """/annuleer outside the conversation: drop a saved draft, or say there is nothing."""
    lang = await user_language(update, context)
    user_id, _ = ids(update)
    services = context.services
    if await services.db.call(services.ideas.draft, user_id) is None:
        await reply(update, context, texts.html(lang, "nothing_to_cancel"))
        return
    await cancel(update, context)


async def send_outside(update: Update, context: BotContext) -> None:
    """Send pressed when this replica sees no conversation (another replica, or the other
    press of a double tap, already stored it): confirm the same idea, or say it expired."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    lang = await user_language(update, context)
    user_id, chat_id = ids(update)
    services = context.services
    idea = await services.db.call(
        services.ideas.by_submit_key, f"{chat_id}:{query.message.message_id}"
    )
    if idea is None or idea.author_id != user_id:
        await query.answer(texts.plain(lang, "expired_button"))
        return
    await query.answer()
    await reply(update, context, texts.html(lang, "idea_sent", number=idea.id))


async def restart(update: Update, context: BotContext) -> State:
    """/start inside the conversation: leave it cleanly; the draft stays for later."""
    await commands.welcome(update, context, mention_draft=False)
    lang = await user_language(update, context)
    await reply(update, context, texts.html(lang, "idea_draft_kept"))
    return END


async def use_buttons(update: Update, context: BotContext) -> None:
    """Text where a button is expected: point at the buttons, stay in the step."""
    lang = await user_language(update, context)
    await reply(update, context, texts.html(lang, "idea_use_buttons"))


async def text_only(update: Update, context: BotContext) -> None:
    """A photo, sticker or voice note during the conversation: ask for text, stay."""
    lang = await user_language(update, context)
    await reply(update, context, texts.html(lang, "idea_text_only"))


Handlers = Sequence[BaseHandler[Update, BotContext, Any]]
App = Application[Any, BotContext, Any, Any, Any, Any]


class IdeaConversation:
    """The conversation's handlers by state, and the router that reads the state from the draft.

    For each update, like python-telegram-bot's ConversationHandler with ``allow_reentry``:
    the entry points first, then (in a private chat with an open draft) the handlers of the
    draft's state, then the fallbacks; the first that matches runs and no handler group after
    this one sees the update. An update none of them takes goes on to the other handlers.
    A callback returns the next state (already written with the draft) or ``END``, which
    parks a draft that is left. With ``timeout`` (one process), a conversation idle that long
    is parked and the resident told; with replicas, the draft's own idle check stands in.
    """

    def __init__(
        self,
        entry_points: Handlers,
        states: dict[str, Handlers],
        fallbacks: Handlers,
        timeout: dt.timedelta | None = None,
    ) -> None:
        self.entry_points = entry_points
        self.states = states
        self.fallbacks = fallbacks
        self.timeout = timeout

    async def state(self, update: Update, context: BotContext) -> str | None:
        """Where the resident is: None outside the conversation (no draft, parked, a group)."""
        user_id, _ = ids(update)
        if not in_private(update):  # the conversation happens in private chats only
            return None
        services = context.services
        try:
            draft = await services.db.call(services.ideas.draft, user_id)
        except StorageUnavailable as exc:
            if update.callback_query is not None:
                raise  # a step's button: the resident is told nothing can be saved now
            log.warning("idea state not read: %s", exc.reason)
            return None  # text is answered as a question meanwhile
        if draft is None or draft.mode == PARKED:
            return None
        return draft.mode or draft.step

    async def route(self, update: Update, context: BotContext) -> None:
        """Hand the update to the conversation's handler for it, if any (see the class). An
        update it took, even one that failed (the error handler tells the resident), goes to
        no later handler group: a stale-button reply on top of the apology would confuse."""
        if update.effective_user is None or update.effective_chat is None:
            return
        app = cast(App, context.application)
        try:
            taken = await self._route(update, context, app)
        except ApplicationHandlerStop:
            raise
        except Exception as exc:
            await app.process_error(update, exc)
            taken = True
        if taken:
            raise ApplicationHandlerStop

    async def _route(self, update: Update, context: BotContext, app: App) -> bool:
        state = await self.state(update, context)
        candidates = [*self.entry_points]
        if state is not None:
            candidates += [*self.states.get(state, ()), *self.fallbacks]
        for handler in candidates:
            check = handler.check_update(update)
            if check is not None and check is not False:
                break
        else:
            return False
        new_state = await handler.handle_update(update, app, check, context)
        if in_private(update):
            if new_state == END:
                user_id, _ = ids(update)
                services = context.services
                await services.db.call(services.ideas.set_mode, user_id, PARKED)
            self._restart_timer(update, app, stop=new_state == END)
        return True

    def _restart_timer(self, update: Update, app: App, *, stop: bool) -> None:
        queue = app.job_queue
        if self.timeout is None or queue is None:
            return
        user_id, chat_id = ids(update)
        name = f"idea-idle:{user_id}"
        for job in queue.get_jobs_by_name(name):
            job.schedule_removal()
        if not stop:
            queue.run_once(timed_out, self.timeout, chat_id=chat_id, user_id=user_id, name=name)


async def timed_out(context: BotContext) -> None:
    """The conversation was idle too long: park the draft; say how to come back."""
    job = context.job
    assert job is not None and job.user_id is not None and job.chat_id is not None
    services = context.services
    draft = await services.db.call(services.ideas.draft, job.user_id)
    if draft is None or draft.mode == PARKED:
        return
    await services.db.call(services.ideas.set_mode, job.user_id, PARKED)
    await context.bot.send_message(job.chat_id, texts.html(draft.lang, "idea_timeout"))


def conversation(
    non_text: filters.BaseFilter,
    extra_fallbacks: Handlers,
    timeout: dt.timedelta | None = None,
) -> IdeaConversation:
    """The idea conversation, wired in one place."""
    typed = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND  # a photo's caption counts
    buttons_only: list[BaseHandler[Update, BotContext, Any]] = [MessageHandler(typed, use_buttons)]
    asked: BaseHandler[Update, BotContext, Any] = on(callbacks.IS_QUESTION, question_asked)
    return IdeaConversation(
        entry_points=[
            CommandHandler(["idee", "idea"], start_idea),
            CommandHandler("start", start_idea, filters.Regex(r"^/start idee$")),
            on(callbacks.MENU_IDEA, start_idea),
            on(callbacks.IDEA_FOR_THEME, start_theme_idea),
        ],
        states={
            RESUME: [on(callbacks.RESUME, resume_choice), *buttons_only],
            THEME: [on(callbacks.THEME, theme_chosen), *buttons_only],
            TEXT: [MessageHandler(typed, idea_text), on(callbacks.IS_ANSWER, idea_text), asked],
            FOLLOW_UP: [
                MessageHandler(typed, follow_up),
                on(callbacks.SKIP, follow_up),
                on(callbacks.IS_ANSWER, follow_up),
                asked,
            ],
            PLACE: [
                MessageHandler(typed, place),
                on(callbacks.SKIP, place),
                on(callbacks.IS_ANSWER, place),
                asked,
            ],
            CONTACT: [
                on(callbacks.CONTACT, contact),
                MessageHandler(typed & filters.Regex(YES_NO), contact),
                *buttons_only,
            ],
            CONFIRM: [
                on(callbacks.SEND, send),
                on(callbacks.EDIT, edit_pressed),
                on(callbacks.CANCEL, ask_cancel),
                on(callbacks.CANCEL_SURE, cancel_answer),
                *buttons_only,
            ],
            EDIT: [
                on(callbacks.EDIT_PART, edit_choice),
                on(callbacks.EDIT_QUESTION, edit_choice),
                *buttons_only,
            ],
            SIMILAR: [on(callbacks.SIMILAR, similar_choice), *buttons_only],
        },
        fallbacks=[
            CommandHandler(["annuleer", "cancel", "stop"], cancel),
            CommandHandler("start", restart),
            *extra_fallbacks,
            MessageHandler(non_text, text_only),
        ],
        timeout=timeout,
    )
