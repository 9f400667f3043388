"""The idea conversation (/idee) in Telegram: a thin adapter around ``assistant.ideas.flow``.

For every update in a private chat: turn it into one of the flow's events (or leave it to the
other handlers), read the resident's draft, let the flow decide, carry out the effect it names
(look for related sections and similar ideas, store the idea, answer a question), save the
draft before replying, then render what the flow shows. The draft is the conversation's whole
state, in the database: a restart, a timeout or another replica loses nothing.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any, cast

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, ApplicationHandlerStop

from assistant.bot import callbacks, idea_matching, texts
from assistant.bot.context import BotContext
from assistant.bot.idea_detours import answer_during_idea
from assistant.bot.idea_prompts import ids, render, reply
from assistant.bot.lang import user_language
from assistant.bot.moderation import notify_moderators
from assistant.bot.private import in_private, redirect_to_private
from assistant.errors import StorageUnavailable
from assistant.ideas import flow
from assistant.ideas.model import Draft, Mode
from assistant.store.ideas import DailyLimitReached
from assistant.text import strip_controls

log = logging.getLogger(__name__)
IDLE = flow.IDLE  # one process's idle timer (with replicas, the draft's own idle check)
App = Application[Any, BotContext, Any, Any, Any, Any]

# The conversation's buttons, as the flow's events.
_BUTTONS: tuple[tuple[callbacks.Button, Any], ...] = (
    (callbacks.THEME, lambda m: flow.Pressed("theme", m["theme"])),
    (callbacks.SKIP, lambda m: flow.Pressed("skip")),
    (callbacks.CONTACT, lambda m: flow.Pressed("choice", m["choice"])),
    (callbacks.AGE, lambda m: flow.Pressed("choice", m["group"])),
    (callbacks.IS_ANSWER, lambda m: flow.Pressed("is_answer")),
    (callbacks.IS_QUESTION, lambda m: flow.Pressed("is_question")),
    (callbacks.SEND, lambda m: flow.Pressed("send")),
    (callbacks.EDIT, lambda m: flow.Pressed("edit")),
    (callbacks.CANCEL, lambda m: flow.Pressed("cancel")),
    (callbacks.CANCEL_SURE, lambda m: flow.Pressed("cancel_sure", m["choice"])),
    (callbacks.EDIT_PART, lambda m: flow.Pressed("edit_step", m["part"])),
    (callbacks.EDIT_QUESTION, lambda m: flow.Pressed("edit_step", f"q{m['index']}")),
    (callbacks.SIMILAR, lambda m: flow.Pressed("similar", m["choice"], int(m["idea"]))),
    (callbacks.RESUME, lambda m: flow.Pressed("resume", m["choice"])),
    (callbacks.MENU_IDEA, lambda m: flow.Begin()),
    (callbacks.IDEA_FOR_THEME, lambda m: flow.Begin(m["theme"])),
)
_BEGIN = ("idee", "idea")
_CANCEL = ("annuleer", "cancel", "stop")


def event_of(update: Update, username: str) -> flow.Event | None:
    """The flow's event for this update, or None (not the conversation's kind of update)."""
    query, message = update.callback_query, update.message
    if query is not None:
        for kind, event in _BUTTONS:
            match = kind.pattern.match(query.data or "")
            if match is not None:
                return cast(flow.Event, event(match))
        return None
    if message is None:
        return None
    text = message.text or ""
    if text.startswith("/"):
        command, _, rest = text[1:].partition(" ")
        name, _, addressee = command.partition("@")
        if addressee and addressee.lower() != username.lower():
            return None  # a command for another bot
        if name in _BEGIN or (name == "start" and rest.strip() == "idee"):
            return flow.Begin()
        if name in _CANCEL:
            return flow.Cancel()
        return flow.Leave() if name == "start" and not rest.strip() else None
    if message.text is not None or message.caption is not None:
        return flow.Typed(strip_controls(text or message.caption or ""), message.text is None)
    return flow.NotText()


async def route(update: Update, context: BotContext) -> None:
    """The conversation's turn for every update (a handler group of its own). What the flow
    takes, even if it fails (the error handler tells the resident), goes to no later handler:
    a stale-button reply on top of the apology would confuse."""
    event = event_of(update, context.bot.username)
    if event is None or update.effective_user is None or update.effective_chat is None:
        return
    if isinstance(event, flow.Begin) and await redirect_to_private(
        update, context, "idee", "idea_private_only"
    ):
        raise ApplicationHandlerStop
    if not in_private(update):
        return
    services = context.services
    user_id, _ = ids(update)
    try:
        draft = await services.db.call(services.ideas.draft, user_id)
    except StorageUnavailable as exc:
        if update.callback_query is not None:
            # a step's button: the resident is told once that nothing can be saved now, and
            # no later handler answers the press on top of that
            await cast(App, context.application).process_error(update, exc)
            raise ApplicationHandlerStop from exc
        log.warning("idea state not read: %s", exc.reason)
        return  # text is answered as a question meanwhile
    outcome = flow.handle(draft, event, _context(context))
    if not outcome.taken:
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        await _carry_out(update, context, outcome, await user_language(update, context))
    except Exception as exc:
        await cast(App, context.application).process_error(update, exc)
    finally:
        _restart_timer(update, context, stop=outcome.ended)
    raise ApplicationHandlerStop


def _context(context: BotContext) -> flow.Context:
    return flow.Context({t.id: t for t in context.services.knowledge.themes})


async def _carry_out(
    update: Update, context: BotContext, outcome: flow.Outcome, lang: str
) -> None:
    """Carry out the flow's effects (each one's result is the flow's next event), save the
    draft, then show what the flow asks for."""
    services = context.services
    user_id, chat_id = ids(update)
    while outcome.effect in (flow.Effect.MATCH, flow.Effect.SUBMIT):
        assert outcome.draft is not None
        current = dataclasses.replace(outcome.draft, lang=lang)
        if outcome.effect == flow.Effect.MATCH:
            result: flow.Event = await _match(context, current, lang)
        else:
            result = await _submit(update, context, current, lang)
        following = flow.handle(current, result, _context(context))
        outcome = dataclasses.replace(following, shows=[*outcome.shows, *following.shows])
    draft = outcome.draft
    if draft is not None and outcome.save:
        draft.lang = lang  # the idea and its notices follow the language the resident reads
        await services.db.call(services.ideas.save_draft, user_id, chat_id, draft)
    elif draft is None and outcome.save:
        await services.db.call(services.ideas.delete_draft, user_id)
    if outcome.effect == flow.Effect.ANSWER and outcome.question:
        await answer_during_idea(context, chat_id, lang, outcome.question)
    for show in outcome.shows:
        await render(update, context, draft, show, lang)


async def _match(context: BotContext, draft: Draft, lang: str) -> flow.Event:
    """Related sections and a visible approved look-alike; a failure never keeps the idea
    from being sent (the summary follows without them)."""
    services = context.services
    try:
        found = await idea_matching.matches(
            services, draft.text, idea_matching.RESIDENT_SEES, theme=draft.theme
        )
        other = (
            await services.db.call(services.ideas.get, found.similar[0].id)
            if found.similar and draft.checked_text != draft.text
            else None
        )
    except Exception as exc:  # a help, not a step
        log.warning("ideas not compared: %s", type(exc).__name__)
        return flow.Matched()
    lines = idea_matching.related_lines(lang, found.related)
    related = (lines,) if lines else ()
    if other is None or other.status not in idea_matching.RESIDENT_SEES:
        return flow.Matched(related)
    return flow.Matched(related, other.id, other.text)


async def _submit(update: Update, context: BotContext, draft: Draft, lang: str) -> flow.Event:
    """Store the idea exactly once (a second press, or a Send delivered again, finds it),
    then label the summary's buttons with its number."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and query.message is not None and user is not None
    services = context.services
    user_id, chat_id = ids(update)
    name = " ".join(filter(None, [user.full_name, f"@{user.username}" if user.username else ""]))
    try:
        vector = services.matcher.stored(await idea_matching.embed(services, draft.text))
    except Exception as exc:  # made later, at the next start: sending never waits on it
        log.warning("idea vector not made: %s", type(exc).__name__)
        vector = None
    key = f"{chat_id}:{query.message.message_id}"
    try:
        idea, created = await services.db.call(
            services.ideas.submit, user_id, draft, key, name, vector
        )
    except DailyLimitReached:
        return flow.LimitReached()
    log.info("idea stored (theme %s)", idea.theme)
    if created:
        services.metrics.ideas.labels(theme=idea.theme).inc()
        await notify_moderators(context, idea)
    label = texts.plain(lang, "idea_sent_label", number=idea.id)
    sent = InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=callbacks.SENT.data())]]
    )
    try:
        await context.bot.edit_message_reply_markup(
            chat_id, query.message.message_id, reply_markup=sent
        )
    except BadRequest as exc:  # a second press at the same moment already relabelled it
        if "not modified" not in exc.message.lower():
            raise
    return flow.Stored(idea.id, idea.contact_ok)


# --- outside the conversation ---------------------------------------------------------------
async def cancel_outside(update: Update, context: BotContext) -> None:
    """/annuleer outside the conversation: drop a parked draft, or say there is nothing."""
    lang = await user_language(update, context)
    user_id, _ = ids(update)
    services = context.services
    if await services.db.call(services.ideas.draft, user_id) is None:
        await reply(update, context, texts.html(lang, "nothing_to_cancel"))
        return
    await services.db.call(services.ideas.delete_draft, user_id)
    await reply(update, context, texts.html(lang, "idea_cancelled"))


async def send_outside(update: Update, context: BotContext) -> None:
    """Send pressed with no draft (another replica, or the other press of a double tap,
    already stored it): confirm the same idea, or say the button expired."""
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


def _restart_timer(update: Update, context: BotContext, *, stop: bool) -> None:
    """One process: a conversation idle for IDLE is parked (``timed_out``)."""
    queue = context.application.job_queue
    if not context.bot_data.get(TIMER_ON) or queue is None:
        return
    user_id, chat_id = ids(update)
    name = f"idea-idle:{user_id}"
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    if not stop:
        queue.run_once(
            timed_out,  # type: ignore[arg-type]
            IDLE,
            chat_id=chat_id,
            user_id=user_id,
            name=name,
        )


TIMER_ON = "idea_idle_timer"  # bot_data flag: this process keeps the idle timer


async def timed_out(context: BotContext) -> None:
    """The conversation was idle too long: park the draft; say how to come back."""
    job = context.job
    assert job is not None and job.user_id is not None and job.chat_id is not None
    services = context.services
    draft = await services.db.call(services.ideas.draft, job.user_id)
    if draft is None or draft.mode == Mode.PARKED:
        return
    outcome = flow.handle(draft, flow.TimedOut(), _context(context))
    assert outcome.draft is not None
    await services.db.call(services.ideas.save_draft, job.user_id, job.chat_id, outcome.draft)
    await context.bot.send_message(job.chat_id, texts.html(draft.lang, "idea_timeout"))
