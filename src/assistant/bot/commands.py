"""The general commands: /start, /help, /over, /taal, /privacy, and the start menu buttons."""

from __future__ import annotations

import html
import logging

from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application

from assistant.bot import callbacks, texts, wording
from assistant.bot.context import BotContext
from assistant.bot.lang import remember_language, user_language
from assistant.bot.private import thread_of

log = logging.getLogger(__name__)

# (Dutch command, English command, locale key of its description): the menu Telegram shows
# next to the text field, in the resident's language (both names work for everyone).
MENU = [
    ("start", "start", "cmd_start"),
    ("help", "help", "cmd_help"),
    ("idee", "idea", "cmd_idee"),
    ("mijnideeen", "myideas", "cmd_mijnideeen"),
    ("over", "about", "cmd_over"),
    ("taal", "language", "cmd_taal"),
    ("privacy", "privacy", "cmd_privacy"),
    ("vergeetmij", "forgetme", "cmd_vergeetmij"),
    ("annuleer", "cancel", "cmd_annuleer"),
]


def start_keyboard(lang: str) -> InlineKeyboardMarkup:
    """The four choices under the welcome message."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_ask"), callback_data=callbacks.MENU.data(choice="ask")
                ),
                InlineKeyboardButton(
                    texts.plain(lang, "btn_idea"), callback_data=callbacks.MENU_IDEA.data()
                ),
            ],
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_about"),
                    callback_data=callbacks.MENU.data(choice="about"),
                ),
                InlineKeyboardButton(
                    texts.plain(lang, "btn_privacy"),
                    callback_data=callbacks.MENU.data(choice="privacy"),
                ),
            ],
        ]
    )


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menu in Dutch (default) and English."""
    for lang, code in (("nl", None), ("en", "en")):
        commands = [
            BotCommand(dutch if lang == "nl" else english, texts.plain(lang, key))
            for dutch, english, key in MENU
        ]
        try:
            await application.bot.set_my_commands(commands, language_code=code)
        except TelegramError as exc:  # the menu is a convenience: the bot runs without it
            log.warning("could not publish the command menu (%s): %s", lang, type(exc).__name__)


async def _deep_link(update: Update, context: BotContext) -> bool:
    """``/start <what>`` from a "continue in private" button: run that command here."""
    from assistant.bot import console_link, moderation, rights  # they use this module's neighbours

    what = context.args[0] if context.args else ""
    user = update.effective_user
    staff = user is not None and user.id in context.services.settings.moderator_ids
    context.args = []
    if what == "mijnideeen":
        await rights.my_ideas(update, context)
    elif what == "vergeetmij":
        await rights.forget_me(update, context)
    elif what == "review" and staff:
        await moderation.review(update, context)
    elif what == "export" and staff:
        await moderation.export(update, context)
    elif (
        what == "inzicht" and user is not None and console_link.roles_of(context.services, user.id)
    ):
        await console_link.console_link(update, context)
    else:
        return False
    return True


async def _open_idea_note(update: Update, context: BotContext, lang: str) -> str:
    """A line about the resident's unfinished idea (private chats), or ""."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        return ""
    services = context.services
    if await services.db.call(services.ideas.draft, user.id) is None:
        return ""
    return "\n\n" + texts.html(lang, "help_open_idea")


async def start(update: Update, context: BotContext) -> None:
    """Welcome the resident and show what the assistant can do (or continue a command that
    was started in a group, through its deep link)."""
    if (
        context.args
        and update.effective_chat is not None
        and update.effective_chat.type == ChatType.PRIVATE
        and await _deep_link(update, context)
    ):
        return
    await welcome(update, context, mention_draft=True)


async def welcome(update: Update, context: BotContext, *, mention_draft: bool) -> None:
    """The welcome message and menu, with a line about an unfinished idea if asked."""
    lang = await user_language(update, context)
    note = await _open_idea_note(update, context, lang) if mention_draft else ""
    if update.effective_message:
        await update.effective_message.reply_text(
            texts.html(lang, "welcome") + note,
            reply_markup=start_keyboard(lang),
        )


async def help_command(update: Update, context: BotContext) -> None:
    """Explain how to use the assistant (and mention an unfinished idea)."""
    lang = await user_language(update, context)
    note = await _open_idea_note(update, context, lang)
    if update.effective_message:
        await update.effective_message.reply_text(texts.html(lang, "help") + note)


SUMMARY_CHARS = 700  # a summary longer than this is cut (the message must stay readable)


def _link(url: str) -> str:
    """A link to the original, only for web addresses (anything else is shown as text)."""
    if url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}">{html.escape(url, quote=False)}</a>'
    return html.escape(url, quote=False)


def about_html(lang: str, context: BotContext) -> str:
    """The documents (summary, date, publisher, where to read the original) and the idea
    themes in knowledge/."""
    kb = context.services.knowledge
    lines = [texts.html(lang, "about_header")]
    for doc in kb.documents:
        lines += [
            "",
            texts.html(
                lang,
                "about_document",
                title=doc.title,
                kind=texts.plain(lang, f"kind_{doc.kind}"),
                publisher=doc.publisher,
                date=wording.day(lang, doc.date),
                sections=wording.plural(
                    lang, "count_sections", len([s for s in doc.sections if not s.is_about])
                ),
            ).rstrip(),
        ]
        summary = " ".join((doc.over.get(lang) or doc.summary).split())
        if summary:
            if len(summary) > SUMMARY_CHARS:
                summary = summary[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
            lines.append(texts.html(lang, "about_summary", summary=summary))
        if doc.kind == "scenario":
            lines.append(texts.html(lang, "about_scenario_note"))
        lines.append(
            texts.html(lang, "about_original", link=texts.Html(_link(doc.url)))
            if doc.url
            else texts.html(lang, "about_no_original", publisher=doc.publisher)
        )
    if kb.themes:
        lines += ["", texts.html(lang, "about_themes_header")]
        lines += [
            texts.html(lang, "about_theme", title=t.title[lang], description=t.description[lang])
            for t in kb.themes
        ]
    return "\n".join(lines)


def privacy_html(lang: str, context: BotContext) -> str:
    """What is stored, for how long, who is responsible, what moderators see, how to erase."""
    settings = context.services.settings
    controller = (
        texts.html(lang, "privacy_controller", controller=settings.controller)
        if settings.controller
        else texts.html(lang, "privacy_controller_unset")
    )
    return texts.html(
        lang, "privacy", controller=texts.Html(controller), days=settings.question_retention_days
    )


async def about(update: Update, context: BotContext) -> None:
    """List the documents and themes."""
    lang = await user_language(update, context)
    if update.effective_message:
        await update.effective_message.reply_text(about_html(lang, context))


async def privacy(update: Update, context: BotContext) -> None:
    """Say what is stored, why, who sees it and for how long."""
    lang = await user_language(update, context)
    if update.effective_message:
        await update.effective_message.reply_text(privacy_html(lang, context))


async def choose_language(update: Update, context: BotContext) -> None:
    """Offer Dutch or English."""
    if update.effective_message:
        await update.effective_message.reply_text(
            texts.html("nl", "language_prompt"),
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            "🇳🇱 Nederlands", callback_data=callbacks.LANGUAGE.data(lang="nl")
                        ),
                        InlineKeyboardButton(
                            "🇬🇧 English", callback_data=callbacks.LANGUAGE.data(lang="en")
                        ),
                    ]
                ]
            ),
        )


async def language_chosen(update: Update, context: BotContext) -> None:
    """Remember the chosen language and confirm in it."""
    query = update.callback_query
    if query is None:
        return
    lang = callbacks.pressed(context)["lang"]
    await remember_language(update, context, lang)
    await query.answer()
    user = update.effective_user
    services = context.services
    draft = await services.db.call(services.ideas.draft, user.id) if user else None
    if user is not None and draft is not None and query.message is not None:
        draft.lang = lang  # the idea and its notices follow the new language
        await services.db.call(services.ideas.save_draft, user.id, query.message.chat.id, draft)
    if query.message is not None:
        await context.bot.send_message(
            query.message.chat.id,
            texts.html(lang, "language_set"),
            message_thread_id=thread_of(query.message),
        )


async def menu_button(update: Update, context: BotContext) -> None:
    """The start menu: ask, about, privacy (the idea button is handled by the idea flow)."""
    query = update.callback_query
    if query is None or query.message is None:
        return
    lang = await user_language(update, context)
    choice = callbacks.pressed(context)["choice"]
    await query.answer()
    if choice == "ask":
        text = texts.html(lang, "ask_prompt", example=texts.plain(lang, "example_1"))
    elif choice == "about":
        text = about_html(lang, context)
    else:  # privacy: callbacks.MENU allows nothing else
        text = privacy_html(lang, context)
    await context.bot.send_message(
        query.message.chat.id, text, message_thread_id=thread_of(query.message)
    )


STAFF_COMMANDS = {"review", "stats", "export", "reindex"}


async def unknown_command(update: Update, context: BotContext) -> None:
    """Any command the bot does not know (or that this resident may not use)."""
    if update.effective_message is None:
        return
    word = ((update.effective_message.text or "").split() or [""])[0]
    command, _, addressee = word[1:].partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return  # "/start@OtherBot" in a group: not ours, not a word from us
    command = command.lower()
    if command in STAFF_COMMANDS:  # same reply as unknown; logged without text or id
        log.warning("refused /%s for a user without that role", command)
    lang = await user_language(update, context)
    await update.effective_message.reply_text(texts.html(lang, "unknown_command"))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button whose data no handler knows (old message, forged data)."""
    query = update.callback_query
    if query is not None:
        await query.answer(texts.plain(await user_language(update, context), "expired_button"))
