"""Moderators in Telegram: /review (approve, reject with reason, hide, skip), /stats, /export.

Only ids in ASSISTANT_MODERATOR_IDS reach these handlers (a ``filters.User``); anyone else gets
the unknown-command reply, so nothing shows that the commands exist. Authors never appear with
their Telegram id: a pseudonym, and a name only when they agreed to be contacted.
"""

from __future__ import annotations

import datetime as dt
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError

from assistant.bot import callbacks, idea_matching, limits, texts, typed_reason, wording
from assistant.bot.context import BotContext, Services
from assistant.bot.lang import user_language
from assistant.bot.notices import deliver_soon
from assistant.bot.private import redirect_to_private
from assistant.export import to_csv
from assistant.ideas.model import AGE_GROUPS, STATUSES, VISIBLE, Idea
from assistant.store.moderation import ACTIONS, DuplicateRefused, pseudonym

log = logging.getLogger(__name__)
REASONS = ("offtopic", "duplicate", "inappropriate", "typed", "none")
_SKIPPED = "review_skipped"


def review_html(services: Services, idea: Idea, lang: str, footer: str = "") -> str:
    """An idea as a moderator sees it: pseudonymous author, everything escaped, within
    Telegram's limit whatever the author typed (then shortened with "(...)" and a note that the
    full text is in /export), so one long idea can never block the queue."""
    theme = services.knowledge.theme(idea.theme)
    questions = theme.questions if theme else ()
    skipped = texts.plain(lang, "summary_skipped")
    values = {
        "text": idea.text,
        "place": idea.municipality,
        "name": idea.contact_name if idea.contact_ok else "",
    }
    values.update({f"q:{q.id}": idea.answers.get(q.id) or "" for q in questions})

    def render(v: dict[str, str], note: bool) -> str:
        contact = texts.Html(
            texts.html(lang, "mod_contact", name=v["name"]) if idea.contact_ok else ""
        )
        parts = [
            texts.html(
                lang,
                "mod_review",
                number=idea.id,
                theme=services.knowledge.theme_title(idea.theme, lang),
                date=wording.moment(lang, idea.created_at),
                author=pseudonym(services.secret, idea.author_id),
                contact=contact,
                text=v["text"],
            ).rstrip()
        ]
        parts += [
            texts.html(lang, "mod_answer", question=q.text[lang], answer=v[f"q:{q.id}"] or skipped)
            for q in questions
        ]
        if v["place"]:
            parts.append(texts.html(lang, "mod_place", place=v["place"]))
        if note:
            parts.append(texts.html(lang, "mod_shortened"))
        if footer:
            parts += ["", footer]
        return "\n".join(parts)

    text, shortened = limits.fit(lambda v: render(v, False), values)
    if shortened:
        text, _ = limits.fit(lambda v: render(v, True), values)
    return text


def review_keyboard(
    lang: str, idea_id: int, duplicate_of: int | None = None
) -> InlineKeyboardMarkup:
    """Approve / Reject / Hide / Skip, and "duplicate of #N" for the closest similar idea."""

    def button(key: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            texts.plain(lang, key),
            callback_data=callbacks.REVIEW.data(action=action, idea=idea_id),
        )

    rows = [
        [button("btn_approve", "approve"), button("btn_reject", "reject")],
        [button("btn_hide", "hide"), button("btn_mod_skip", "skip")],
    ]
    if duplicate_of is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_mark_duplicate", number=duplicate_of),
                    callback_data=callbacks.DUPLICATE.data(idea=idea_id, of=duplicate_of),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


async def matches_footer(services: Services, idea: Idea, lang: str) -> tuple[str, int | None]:
    """For a review: the sections an idea builds on and the pending or approved ideas much
    like it ("lijkt op #12, #40"), and the closest of those (for the duplicate button)."""
    try:
        found = await idea_matching.matches(
            services,
            idea.text,
            idea_matching.MODERATOR_SEES,
            exclude=(idea.id,),
            idea_id=idea.id,
            theme=idea.theme,
        )
    except Exception as exc:  # the review goes on without them
        log.warning("ideas not compared for review: %s", type(exc).__name__)
        return "", None
    lines = []
    if found.related:
        sections = ", ".join(idea_matching.section_label(r) for r in found.related)
        lines.append(texts.html(lang, "mod_related", sections=sections))
    if found.similar:
        items = ", ".join(
            texts.plain(
                lang,
                "mod_similar_item",
                number=m.id,
                status=texts.plain(lang, f"status_{m.status}"),
            )
            for m in found.similar
        )
        lines.append(texts.html(lang, "mod_similar", ideas=items))
    return "\n".join(lines), found.similar[0].id if found.similar else None


def reason_keyboard(lang: str, idea_id: int) -> InlineKeyboardMarkup:
    """Preset reasons for a rejection, and back."""
    rows = [
        [
            InlineKeyboardButton(
                texts.plain(lang, f"btn_reason_{r}"),
                callback_data=callbacks.REJECT_REASON.data(idea=idea_id, reason=r),
            )
        ]
        for r in REASONS
    ]
    rows.append(
        [
            InlineKeyboardButton(
                texts.plain(lang, "btn_back"),
                callback_data=callbacks.REVIEW.data(action="back", idea=idea_id),
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


async def send_next(update: Update, context: BotContext, lang: str) -> None:
    """Show the oldest pending idea this moderator has not skipped (or say the queue is empty)."""
    services = context.services
    chat = update.effective_chat
    assert chat is not None
    skipped: set[int] = (
        context.user_data.setdefault(_SKIPPED, set()) if context.user_data is not None else set()
    )
    idea = await services.db.call(services.moderation.next_pending, skipped)
    if idea is None:
        await context.bot.send_message(chat.id, texts.html(lang, "mod_queue_empty"))
        return
    count = await services.db.call(services.moderation.pending_count)
    related, closest = await matches_footer(services, idea, lang)
    footer = "\n".join(filter(None, [related, wording.plural(lang, "mod_pending", count)]))
    await context.bot.send_message(
        chat.id,
        review_html(services, idea, lang, footer),
        reply_markup=review_keyboard(lang, idea.id, closest),
    )


async def review(update: Update, context: BotContext) -> None:
    """Show the next pending idea with moderation buttons (in private only)."""
    if await redirect_to_private(update, context, "review"):
        return
    if context.user_data is not None:
        context.user_data[_SKIPPED] = set()
    await send_next(update, context, await user_language(update, context))


async def _drop_buttons(
    context: BotContext, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Set (by default remove) the buttons of a review; already so (a double tap) is fine."""
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in exc.message.lower() and "not found" not in exc.message.lower():
            log.warning("review buttons not changed: %s", exc.message)
    except TelegramError as exc:  # what was decided stands; the screen lags behind
        log.warning("review buttons not changed: %s", type(exc).__name__)


async def _show_decided(context: BotContext, chat_id: int, message_id: int, html: str) -> None:
    """Turn the review into its outcome. The decision and its notice are stored already: a
    screen that cannot be edited (Telegram failing, a message too old to edit) changes
    neither, and the moderator moves on to the next idea all the same."""
    try:
        await context.bot.edit_message_text(html, chat_id=chat_id, message_id=message_id)
    except TelegramError as exc:
        log.warning("review screen not updated after a decision: %s", type(exc).__name__)


async def _apply(
    update: Update, context: BotContext, idea_id: int, action: str, reason_key: str = ""
) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None and update.effective_user is not None
    lang = await user_language(update, context)
    services = context.services
    reason = texts.plain(lang, f"reason_{reason_key}") if reason_key not in ("", "none") else ""
    if reason:  # the reason is stored in the author's language when we can
        idea_now = await services.db.call(services.ideas.get, idea_id)
        if idea_now is not None:
            reason = texts.plain(idea_now.lang, f"reason_{reason_key}")
    change = await services.db.call(
        services.moderation.set_status,
        idea_id,
        ACTIONS[action],
        f"telegram:{update.effective_user.id}",
        reason=reason,
    )
    if change.idea is None:
        await query.answer(texts.plain(lang, "mod_unknown_idea"), show_alert=True)
        return
    status = texts.plain(lang, f"status_{change.idea.status}")
    if not change.changed:  # another moderator, or a double tap: no apology
        await query.answer(texts.plain(lang, "mod_already", status=status), show_alert=True)
        await _drop_buttons(context, query.message.chat.id, query.message.message_id)
        return
    await query.answer()
    log.info("idea %s: %s -> %s", idea_id, change.before, change.idea.status)
    deliver_soon(context)
    await _show_decided(
        context,
        query.message.chat.id,
        query.message.message_id,
        review_html(services, change.idea, lang, texts.html(lang, "mod_done", status=status)),
    )
    await send_next(update, context, lang)


async def _not_a_moderator(update: Update, context: BotContext) -> bool:
    """Buttons carry no filter: refuse a press from anyone not configured as moderator exactly
    like a stale button, and log the attempt (no ids, no text)."""
    user = update.effective_user
    if user is not None and user.id in context.services.settings.moderator_ids:
        return False
    log.warning("refused a moderation button for a non-moderator")
    if update.callback_query is not None:
        lang = await user_language(update, context)
        await update.callback_query.answer(texts.plain(lang, "expired_button"))
    return True


async def review_button(update: Update, context: BotContext) -> None:
    """Approve, hide, skip, or open the rejection reasons."""
    query = update.callback_query
    assert query is not None and query.message is not None
    if await _not_a_moderator(update, context):
        return
    lang = await user_language(update, context)
    fields = callbacks.pressed(context)
    action, idea_id = fields["action"], int(fields["idea"])
    if action == "skip":
        await query.answer()
        if context.user_data is not None:
            context.user_data.setdefault(_SKIPPED, set()).add(idea_id)
        await _drop_buttons(context, query.message.chat.id, query.message.message_id)
        await send_next(update, context, lang)
    elif action == "reject":
        await query.answer()
        await _drop_buttons(
            context,
            query.message.chat.id,
            query.message.message_id,
            reason_keyboard(lang, idea_id),
        )
    elif action == "back":
        await query.answer()
        await _drop_buttons(
            context,
            query.message.chat.id,
            query.message.message_id,
            review_keyboard(lang, idea_id),
        )
    else:
        await _apply(update, context, idea_id, action)


async def reject_reason(update: Update, context: BotContext) -> None:
    """Reject with the chosen reason."""
    query = update.callback_query
    assert query is not None
    if await _not_a_moderator(update, context):
        return
    fields = callbacks.pressed(context)
    if fields["reason"] not in REASONS:  # crafted data
        await query.answer(texts.plain(await user_language(update, context), "expired_button"))
        return
    if fields["reason"] == "typed":
        await typed_reason.ask(update, context, int(fields["idea"]))
        return
    await _apply(update, context, int(fields["idea"]), "reject", fields["reason"])


async def duplicate_button(update: Update, context: BotContext) -> None:
    """Mark the reviewed idea as a duplicate of the one the button names (audited; the author
    is told which idea theirs joins), then show the next."""
    query = update.callback_query
    assert query is not None and query.message is not None
    assert update.effective_user is not None
    if await _not_a_moderator(update, context):
        return
    lang = await user_language(update, context)
    fields = callbacks.pressed(context)
    services = context.services
    try:
        change = await services.db.call(
            services.moderation.mark_duplicate,
            int(fields["idea"]),
            int(fields["of"]),
            f"telegram:{update.effective_user.id}",
        )
    except DuplicateRefused as exc:  # gone, leads back, hidden or rejected, another theme
        key = {
            "other_theme": "mod_duplicate_other_theme",
            "not_visible": "mod_duplicate_not_visible",
        }.get(exc.why, "mod_unknown_idea")
        await query.answer(texts.plain(lang, key), show_alert=True)
        return
    if change.idea is None:
        await query.answer(texts.plain(lang, "mod_unknown_idea"), show_alert=True)
        return
    if not change.changed:
        status = texts.plain(lang, f"status_{change.idea.status}")
        await query.answer(texts.plain(lang, "mod_already", status=status), show_alert=True)
        await _drop_buttons(context, query.message.chat.id, query.message.message_id)
        return
    await query.answer()
    log.info("idea %s: %s -> duplicate", change.idea.id, change.before)
    deliver_soon(context)
    done = texts.html(lang, "mod_duplicate_done", number=change.idea.duplicate_of)
    await _show_decided(
        context,
        query.message.chat.id,
        query.message.message_id,
        review_html(services, change.idea, lang, done),
    )
    await send_next(update, context, lang)


async def stats(update: Update, context: BotContext) -> None:
    """Ideas per theme and status, per day, questions answered and feedback."""
    message = update.effective_message
    if message is None:
        return
    lang = await user_language(update, context)
    services = context.services
    figures = await services.db.call(services.moderation.stats, dt.datetime.now(dt.UTC).date())
    lines = [texts.html(lang, "stats_header")]
    for theme_id, counts in sorted(figures.per_theme_status.items()):
        lines.append(
            texts.html(
                lang,
                "stats_theme",
                theme=services.knowledge.theme_title(theme_id, lang),
                **{s: counts.get(s, 0) for s in STATUSES},
            )
        )
    lines += ["", texts.html(lang, "stats_days")]
    busy = [(day, n) for day, n in figures.per_day if n]  # no rows of zeros
    lines += [
        texts.html(
            lang,
            "stats_day",
            day=wording.day(lang, dt.date.fromisoformat(day), with_year=False),
            count=n,
        )
        for day, n in busy
    ] or [texts.html(lang, "stats_no_days")]
    if figures.per_age_group:
        groups = ", ".join(
            f"{texts.plain(lang, f'btn_age_{g}')}: {figures.per_age_group[g]}"
            for g in AGE_GROUPS
            if g in figures.per_age_group
        )
        lines += ["", texts.html(lang, "stats_ages", groups=groups)]
    lines += ["", *await _groups_lines(services, lang)]
    total = figures.votes_up + figures.votes_down
    ratio = f" ({figures.votes_up / total:.0%} 👍)" if total else ""
    lines += [
        "",
        texts.html(
            lang,
            "stats_questions",
            total=figures.questions,
            answered=figures.answered,
            unanswered=figures.questions - figures.answered,
        ),
        texts.html(
            lang, "stats_feedback", up=figures.votes_up, down=figures.votes_down, ratio=ratio
        ),
        "",
        texts.html(lang, "stats_console"),
    ]
    await message.reply_text("\n".join(lines))


async def _groups_lines(services: Services, lang: str) -> list[str]:
    """/stats: pending and approved ideas per section they relate to, and groups of similar
    ideas (two or more) with the largest."""
    ideas = await services.db.call(services.moderation.ideas, statuses=VISIBLE)
    if not ideas:
        return []
    seen = await idea_matching.overview(services, ideas)
    per_section: dict[str, int] = {}
    for idea in ideas:
        label = seen.related.get(idea.id, "")
        per_section[label] = per_section.get(label, 0) + 1
    lines = [texts.html(lang, "stats_related_header")]
    for label, count in sorted(per_section.items(), key=lambda kv: (-kv[1], kv[0])):
        if label:
            lines.append(texts.html(lang, "stats_related_line", section=label, count=count))
        else:
            lines.append(texts.html(lang, "stats_related_none", count=count))
    groups: dict[int, int] = {}
    for group in seen.cluster.values():
        groups[group] = groups.get(group, 0) + 1
    big = {g: n for g, n in groups.items() if n > 1}
    if big:
        largest = max(big, key=lambda g: (big[g], -g))
        lines.append(
            texts.html(
                lang,
                "stats_clusters",
                groups=len(big),
                ideas=sum(big.values()),
                largest=largest,
                size=big[largest],
            )
        )
    else:
        lines.append(texts.html(lang, "stats_no_clusters"))
    return lines


async def export(update: Update, context: BotContext) -> None:
    """Send the ideas as CSV; /export [theme] [status|all] (default: pending and approved);
    in private only."""
    message = update.effective_message
    if message is None or await redirect_to_private(update, context, "export"):
        return
    lang = await user_language(update, context)
    services = context.services
    theme: str | None = None
    statuses: tuple[str, ...] = VISIBLE
    for arg in context.args or []:
        word = arg.lower()
        if services.knowledge.theme(word) is not None:
            theme = word
        elif word in STATUSES:
            statuses = (word,)
        elif word in ("alle", "all"):
            statuses = STATUSES
        else:
            await message.reply_text(
                texts.html(
                    lang, "export_usage", themes=", ".join(t.id for t in services.knowledge.themes)
                )
            )
            return
    ideas = await services.db.call(services.moderation.ideas, theme=theme, statuses=statuses)
    seen = await idea_matching.overview(services, ideas)
    data = to_csv(ideas, services.secret, related=seen.related, clusters=seen.cluster)
    # local time, as the bot shows times, to the second: two exports a minute apart (or
    # within one) are two files, never one saved over the other
    stamp = dt.datetime.now(wording.local_zone()).strftime("%Y-%m-%d_%H-%M-%S")
    names = [texts.plain(lang, f"status_{s}") for s in statuses]
    theme_title = services.knowledge.theme_title(theme, lang) if theme else ""
    await message.reply_document(
        data,
        filename=f"{texts.plain(lang, 'export_file')}-{stamp}.csv",
        caption=texts.html(
            lang,
            "export_caption",
            ideas=wording.plural(lang, "count_ideas", len(ideas)),
            filter=", ".join(filter(None, [theme_title, " / ".join(names)])),
        ),
    )


async def notify_moderators(context: BotContext, idea: Idea) -> None:
    """Tell the moderators' group about a new idea (if one is configured)."""
    chat_id = context.services.settings.moderator_chat_id
    if chat_id is None:
        return
    title = context.services.knowledge.theme_title(idea.theme, texts.DEFAULT_LANGUAGE)
    try:
        await context.bot.send_message(
            chat_id,
            texts.html(texts.DEFAULT_LANGUAGE, "mod_new_idea", number=idea.id, theme=title),
        )
    except TelegramError as exc:
        log.warning("could not notify the moderators' chat: %s", type(exc).__name__)
