"""Build the python-telegram-bot Application: services, handlers, error handling, run modes."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import socket
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, HTTPXRequest

from assistant.bot import (
    callbacks,
    commands,
    console_link,
    idea_detours,
    idea_matching,
    ideas,
    maintenance,
    moderation,
    notices,
    private,
    questions,
    retention,
    rights,
    texts,
    typed_reason,
)
from assistant.bot.callbacks import on
from assistant.bot.context import SERVICES, BotContext, Services
from assistant.bot.flood import FloodGuard
from assistant.bot.lang import user_language
from assistant.bot.ops_server import start_ops_server
from assistant.bot.retry import RetryingRequest, not_sent
from assistant.bot.updates import AssistantApplication, PerChatUpdateProcessor
from assistant.config import Settings
from assistant.errors import ConfigError, StorageUnavailable
from assistant.export import pseudonym_secret
from assistant.retrieval.encoder import Encoder
from assistant.service import idea_matcher, open_service
from assistant.store.db import Database
from assistant.store.ideas import IdeaStore
from assistant.store.moderation import ModerationStore
from assistant.store.notices import NoticeStore
from assistant.store.prefs import Preferences
from assistant.store.questions import QuestionLog
from assistant.store.staff import StaffStore

log = logging.getLogger(__name__)
OPS_SERVER = "ops_server"
CONSOLE_SERVER = "console_server"
REEMBED_TASK = "idea_vectors_task"
# The local transport's dummy token (not a secret): bandit B105 is a false alarm here.
LOCAL_TOKEN = "123456:LOCAL-TOKEN"  # nosec B105
NON_TEXT = (
    filters.PHOTO
    | filters.Sticker.ALL
    | filters.VOICE
    | filters.AUDIO
    | filters.VIDEO
    | filters.VIDEO_NOTE
    | filters.ANIMATION
    | filters.Document.ALL
    | filters.LOCATION
    | filters.CONTACT
    | filters.POLL
    | filters.VENUE
    | filters.Dice.ALL
)

BotApplication = Application[Any, BotContext, Any, Any, Any, Any]
# Handler groups run in this order; a handler that takes an update stops the groups after it.
BIND_GROUP = -4  # before everything: a button press that is not this person's stops here
EDITS_GROUP = -3  # then: an edited message never reaches a handler (bot/idea_detours.py)
REASON_GROUP = -2  # then a moderator's typed rejection reason (bot/typed_reason.py)
IDEA_GROUP = -1  # then the idea conversation (bot/ideas.py): inside it, text is part of an
# idea, not a question; what it does not take goes on to group 0, everything else, in order.


class RedactToken(logging.Filter):
    """Removes the bot token from every log record (httpx logs request URLs)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "<token>")
            record.args = ()
        return True


def install_token_redaction(token: str) -> None:
    """Redact the token from every handler of the root logger."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))


async def open_services(
    settings: Settings, db: Database, encoder: Encoder | None = None
) -> Services:
    """Open the index (building it if missing or stale) and the database."""
    service = open_service(settings, build=True, encoder=encoder)
    db.open()
    return Services(
        settings=settings,
        knowledge=service.knowledge,
        retriever=service.retriever,
        db=db,
        questions=QuestionLog(db),
        prefs=Preferences(db),
        ideas=IdeaStore(db),
        moderation=ModerationStore(db),
        notices=NoticeStore(db),
        matcher=idea_matcher(settings, db, service.retriever, service.knowledge),
        staff=StaffStore(db),
        secret=pseudonym_secret(settings.pseudonym_secret, settings.data_dir),
        flood=FloodGuard(limit=settings.flood_limit),
    )


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (no message text, no user id) and apologise to the resident."""
    if isinstance(context.error, Forbidden):  # blocked the bot, or removed it from the group:
        log.info("not delivered: %s", context.error.message)  # an apology could not arrive
        return
    log.error(
        "error while handling an update: %s", type(context.error).__name__, exc_info=context.error
    )
    if isinstance(context.error, TimedOut) and not not_sent(context.error):
        return  # the reply may well have arrived; an apology on top would confuse
    if isinstance(update, Update) and update.effective_chat is not None:
        # A storage outage must not be answered with "what you sent is saved".
        key = "storage_unavailable" if isinstance(context.error, StorageUnavailable) else "error"
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):  # the handler may have answered it
                await update.callback_query.answer()  # stop the button's spinner
        try:
            lang = await user_language(update, context)
            await context.bot.send_message(
                update.effective_chat.id,
                texts.html(lang, key),
                message_thread_id=private.thread_of(update.effective_message),
            )
        except Exception:  # the apology must never raise in turn
            log.warning("could not send the error apology", exc_info=True)


async def noop(update: Update, context: BotContext) -> None:
    """A label-only button (e.g. "Sent as idea #12"): acknowledge, do nothing."""
    if update.callback_query is not None:
        await update.callback_query.answer()


def add_handlers(app: BotApplication, settings: Settings) -> None:
    """Register every handler, in priority order."""
    # Staff commands match only their users; for anyone else they fall through to the
    # unknown-command reply, so nothing shows that they exist. (The idea conversation, a group
    # earlier, takes none of their commands or buttons.)
    moderators = filters.User(user_id=settings.moderator_ids)
    maintainers = filters.User(user_id=settings.maintainer_ids)
    staff = filters.User(user_id=settings.moderator_ids | settings.maintainer_ids)
    app.add_handler(CommandHandler("review", moderation.review, filters=moderators))
    app.add_handler(CommandHandler("stats", moderation.stats, filters=moderators))
    app.add_handler(CommandHandler("export", moderation.export, filters=moderators))
    app.add_handler(CommandHandler("reindex", maintenance.reindex, filters=maintainers))
    app.add_handler(
        CommandHandler(["inzicht", "console"], console_link.console_link, filters=staff)
    )
    app.add_handler(on(callbacks.REVIEW, moderation.review_button))
    general: list[BaseHandler[Update, BotContext, Any]] = [
        CommandHandler(["help", "hulp"], commands.help_command),
        CommandHandler(["over", "about"], commands.about),
        CommandHandler(["taal", "language"], commands.choose_language),
        CommandHandler("privacy", commands.privacy),
        CommandHandler(["mijnideeen", "myideas"], rights.my_ideas),
    ]
    forget: BaseHandler[Update, BotContext, Any] = CommandHandler(
        ["vergeetmij", "forgetme"], rights.forget_me
    )
    # The conversation's idle timeout job lives in one process: with a shared database
    # (replicas) the draft's own idle check, which every replica sees, takes its place.
    app.bot_data[ideas.TIMER_ON] = settings.database.startswith("sqlite")
    app.add_handler(TypeHandler(Update, private.bind_buttons), group=BIND_GROUP)
    app.add_handler(TypeHandler(Update, idea_detours.ignore_edits), group=EDITS_GROUP)
    app.add_handler(TypeHandler(Update, typed_reason.typed), group=REASON_GROUP)
    app.add_handler(TypeHandler(Update, ideas.route), group=IDEA_GROUP)
    app.add_handler(CommandHandler("start", commands.start))
    app.add_handler(CommandHandler(["annuleer", "cancel", "stop"], ideas.cancel_outside))
    for handler in general:
        app.add_handler(handler)
    app.add_handler(forget)
    app.add_handler(on(callbacks.FORGET, rights.forget_confirmed))
    app.add_handler(on(callbacks.SENT, noop))
    app.add_handler(on(callbacks.SEND, ideas.send_outside))
    app.add_handler(on(callbacks.MY_IDEAS_MORE, rights.my_ideas_more))
    app.add_handler(on(callbacks.REJECT_REASON, moderation.reject_reason))
    app.add_handler(on(callbacks.DUPLICATE, moderation.duplicate_button))
    app.add_handler(on(callbacks.LANGUAGE, commands.language_chosen))
    app.add_handler(on(callbacks.MENU, commands.menu_button))
    app.add_handler(on(callbacks.MORE, questions.more_results))
    app.add_handler(on(callbacks.NEAREST, questions.nearest_section))
    app.add_handler(on(callbacks.FEEDBACK, questions.feedback))
    app.add_handler(
        MessageHandler(
            (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, questions.answer_question
        )
    )
    app.add_handler(MessageHandler(NON_TEXT, questions.non_text))
    # Last in the same group: they only see what no handler above took.
    app.add_handler(MessageHandler(filters.COMMAND, commands.unknown_command))
    app.add_handler(CallbackQueryHandler(commands.stale_button))
    app.add_error_handler(on_error)


@dataclass(frozen=True)
class BotApi:
    """Telegram's Bot API over the network (or a self-hosted one at TELEGRAM_BASE_URL), as in
    production: the token is required, the ops server (health, metrics) starts, failed
    requests back off before retrying, and a missing controller is warned about."""


@dataclass(frozen=True)
class InProcess:
    """A Bot API in this process (assistant.localbot: tests, 'assistant chat', benchmarks):
    no token needed, no ops server, retries without waiting; an Updater only with
    ``updater`` (to test webhook mode)."""

    request: BaseRequest
    updater: bool = False
    console: bool = False  # serve the staff console too (on settings.console_port)


Transport = BotApi | InProcess


def build_application(
    settings: Settings, transport: Transport, *, encoder: Encoder | None = None
) -> BotApplication:
    """The Application with its handlers and jobs, talking to Telegram through ``transport``."""
    token = settings.telegram_token
    production = isinstance(transport, BotApi)
    if production and not token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and "
            "export its token (or use 'assistant chat' to try the bot locally)"
        )

    db = Database(settings.database)  # opened at start (post_init)

    async def post_init(app: BotApplication) -> None:
        services = app.bot_data[SERVICES] = await open_services(settings, db, encoder)
        await retention.forget_old_question_texts(services)  # then daily (the job below)
        await notices.deliver_due(services, app.bot)  # decided while we were down; then often
        # ideas stored without a vector of this model (a crash, a model change): in the
        # background, so the bot answers meanwhile
        app.bot_data[REEMBED_TASK] = asyncio.get_running_loop().create_task(
            idea_matching.reembed(services), name="idea-vectors"
        )
        await commands.register_commands(app)
        if production and not settings.controller:
            log.warning(
                "ASSISTANT_CONTROLLER is not set: /privacy tells residents that no "
                "one is named as responsible for their data"
            )
        if production and settings.ops_port:  # health for the container, both modes
            app.bot_data[OPS_SERVER] = await start_ops_server(
                services, settings.webhook_listen, settings.ops_port
            )
        console = production or (isinstance(transport, InProcess) and transport.console)
        if console and settings.console_port:
            app.bot_data[CONSOLE_SERVER] = await console_link.start_console_for(
                services, app.job_queue
            )

    async def post_shutdown(app: BotApplication) -> None:
        task = app.bot_data.pop(REEMBED_TASK, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for name in (OPS_SERVER, CONSOLE_SERVER):
            server = app.bot_data.pop(name, None)
            if server is not None:
                server.stop()  # no new connections; the open ones end too (keep-alive)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(server.close_all_connections(), 5)
        db.close()

    builder: ApplicationBuilder[Any, BotContext, Any, Any, Any, Any] = (
        Application.builder()
        .application_class(AssistantApplication)
        .token(token or LOCAL_TOKEN)
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        # every message is Telegram HTML (texts.html escapes what residents typed); replies in
        # groups quote the question, and a deleted question must not lose the answer
        .defaults(Defaults(parse_mode=ParseMode.HTML, allow_sending_without_reply=True))
    )
    if settings.rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    if isinstance(transport, InProcess):
        request = RetryingRequest(transport.request, backoff=(0.01,))
        builder = builder.request(request).get_updates_request(request)
        if not transport.updater:
            builder = builder.updater(None)
    else:
        builder = builder.request(
            RetryingRequest(HTTPXRequest(connection_pool_size=64, pool_timeout=10.0))
        )
        if settings.telegram_base_url:
            builder = builder.base_url(settings.telegram_base_url)
    app = builder.build()
    add_handlers(app, settings)
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            maintenance.watch_index,
            interval=maintenance.WATCH_SECONDS,
            first=maintenance.WATCH_SECONDS,
            name="watch-index",
        )
        app.job_queue.run_repeating(
            notices.notices_job,
            interval=notices.EVERY_SECONDS,
            first=notices.EVERY_SECONDS,
            name=notices.JOB_NAME,
        )
        app.job_queue.run_repeating(
            retention.retention_job,
            interval=retention.EVERY_SECONDS,
            first=retention.EVERY_SECONDS,
            name=retention.JOB_NAME,
        )
    return app


async def check_telegram(app: BotApplication, base_url: str) -> None:
    """Reach the Bot API once before starting, so a bad token or network gives one clear line
    (ConfigError) instead of the library's retry-loop tracebacks."""
    try:
        await app.bot.initialize()
        await app.bot.shutdown()
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN); check it with @BotFather"
        ) from exc
    except (NetworkError, TimedOut) as exc:
        where = base_url or "api.telegram.org"
        raise ConfigError(
            f"cannot reach the Telegram Bot API at {where}: "
            f"{type(exc).__name__}; check the network or TELEGRAM_BASE_URL"
        ) from exc


WEBHOOK_PATH = "telegram"


def webhook_secret(settings: Settings) -> str:
    """The secret token Telegram must send with every update: the configured one, or one
    derived from the bot token. Never none: the webhook URL is not a secret, and without a
    token anyone reaching it could post an update "from" a moderator. Derived, it is the same
    on every replica behind one URL, and changes when the bot token is replaced."""
    if settings.webhook_secret:
        return settings.webhook_secret
    token = settings.telegram_token or LOCAL_TOKEN
    return hmac.new(token.encode(), b"metropool-webhook-secret", hashlib.sha256).hexdigest()


def webhook_options(settings: Settings) -> dict[str, Any]:
    """Where python-telegram-bot's webhook server listens and what it tells Telegram."""
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": WEBHOOK_PATH,
        "webhook_url": f"{settings.webhook_url.rstrip('/')}/{WEBHOOK_PATH}",
        "secret_token": webhook_secret(settings),
    }


def require_free_port(listen: str, port: int, setting: str) -> None:
    """One clear line instead of a server's traceback when a port is taken (checked the way
    Tornado binds: with SO_REUSEADDR, so a port in TIME_WAIT is not mistaken for taken)."""
    family = socket.AF_INET6 if ":" in listen else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((listen, port))
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {listen}:{port} ({setting}): {exc.strerror or exc}; "
                "another program uses it, or choose another port"
            ) from exc


def run(settings: Settings) -> int:
    """Run the bot in polling mode, or in webhook mode when ASSISTANT_WEBHOOK_URL is set."""
    install_token_redaction(settings.telegram_token)
    app = build_application(settings, BotApi())
    if settings.ops_port:
        require_free_port(settings.webhook_listen, settings.ops_port, "ASSISTANT_OPS_PORT")
    if settings.console_port:
        require_free_port(settings.webhook_listen, settings.console_port, "ASSISTANT_CONSOLE_PORT")
    if settings.webhook_url:
        require_free_port(settings.webhook_listen, settings.webhook_port, "ASSISTANT_WEBHOOK_PORT")
    # Local problems first (a read-only or broken database is one line, before any network).
    Database(settings.database).open().close()
    asyncio.run(check_telegram(app, settings.telegram_base_url))
    try:
        if settings.webhook_url:
            app.run_webhook(**webhook_options(settings), allowed_updates=Update.ALL_TYPES)
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram rejected the bot token (TELEGRAM_BOT_TOKEN); check it with @BotFather"
        ) from exc
    return 0
