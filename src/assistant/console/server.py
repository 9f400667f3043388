"""The console's web server (Tornado, in the bot's event loop, like the health port).

Getting in: a staff member asks the bot for a link (/inzicht); the link's page has one button
that signs in (a POST, so a link preview or a mail scanner opening the URL does not use it up).
Signing in consumes the link's nonce in the database and starts a session: an HttpOnly,
SameSite=Strict cookie (Secure behind HTTPS) of 8 hours. Every request looks the session up and
asks for the person's *current* role; without one, the session ends there. Every POST carries
the session's CSRF token. Pages are server-rendered with escaping templates and served with a
Content-Security-Policy that allows nothing from outside and no script at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tornado.httpserver import HTTPServer
from tornado.web import Application, HTTPError, RequestHandler, StaticFileHandler

from assistant.console.groups import IdeaGroups
from assistant.console.views import (
    Filters,
    GapsPage,
    Replay,
    Table,
    gaps_page,
    insight_tables,
    queue_page,
    section_names,
)
from assistant.console.words import LANGUAGES, word
from assistant.knowledge import KnowledgeBase
from assistant.retrieval.search import Retriever
from assistant.similar_ideas import IdeaMatcher
from assistant.store.db import Database
from assistant.store.insight import InsightStore
from assistant.store.learned import LearnedStore
from assistant.store.moderation import ACTIONS, DuplicateRefused, ModerationStore
from assistant.store.staff import SESSION_HOURS, StaffStore

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
PREFIX = "/console"
COOKIE = "console_session"
LANG_COOKIE = "console_lang"
MODERATOR, MAINTAINER = "moderator", "maintainer"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@dataclass
class ConsoleDeps:
    """What the console needs from the running assistant (handed in by the bot layer)."""

    db: Database
    knowledge: Callable[[], KnowledgeBase]  # the knowledge in service (changes on re-index)
    retriever: Retriever
    matcher: IdeaMatcher
    roles: Callable[[int], frozenset[str]]  # a person's current roles (MODERATOR, MAINTAINER)
    secret: str  # for authors' pseudonyms
    retention_days: int
    after_decision: Callable[[], None] = lambda: None  # e.g. deliver the authors' notices now
    secure_cookies: bool = False  # behind HTTPS
    staff: StaffStore = field(init=False)
    insight: InsightStore = field(init=False)
    learned: LearnedStore = field(init=False)
    moderation: ModerationStore = field(init=False)
    groups: IdeaGroups = field(init=False)
    replay: Replay = field(init=False)
    flash: dict[str, str] = field(default_factory=dict)  # session -> one message to show

    def __post_init__(self) -> None:
        self.staff = StaffStore(self.db)
        self.insight = InsightStore(self.db)
        self.learned = LearnedStore(self.db)
        self.moderation = ModerationStore(self.db)
        self.groups = IdeaGroups(self.matcher, self.insight)
        self.replay = Replay(self.retriever)


def sign_in_url(base_url: str, nonce: str) -> str:
    """The link a staff member opens (``base_url``: where the console is reached)."""
    return f"{base_url.rstrip('/')}{PREFIX}/login?{urlencode({'t': nonce})}"


class _Base(RequestHandler):
    """Security headers, language, session and role for every page."""

    role: str | None = None  # the role a page needs (None: any staff role)
    needs_session = True

    def initialize(self, deps: ConsoleDeps) -> None:
        self.deps = deps
        self.user_id: int | None = None
        self.roles: frozenset[str] = frozenset()
        self.csrf = ""
        self.cookie = ""  # the session cookie as sent

    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")

    @property
    def lang(self) -> str:
        chosen = self.get_query_argument("lang", "") or self.get_cookie(LANG_COOKIE, "")
        return chosen if chosen in LANGUAGES else "nl"

    async def prepare(self) -> None:
        asked = self.get_query_argument("lang", "")
        if asked in LANGUAGES:
            self.set_cookie(LANG_COOKIE, asked, path=PREFIX, samesite="Strict", httponly=True)
        if not self.needs_session:
            return
        self.cookie = self.get_cookie(COOKIE, "") or ""
        session = (
            await self.deps.db.call(self.deps.staff.session, self.cookie) if self.cookie else None
        )
        if session is None:
            self.refuse(401, word(self.lang, "no_session"))
            return
        roles = self.deps.roles(session.user_id)
        if not roles:  # the role was taken away: this session ends here, the others too
            await self.deps.db.call(self.deps.staff.end_sessions_of, session.user_id)
            self.clear_cookie(COOKIE, path=PREFIX)
            self.refuse(403, word(self.lang, "no_session"))
            return
        if self.role is not None and self.role not in roles:
            needed = word(self.lang, f"role_{self.role}s")
            self.refuse(403, word(self.lang, "no_role", role=needed))
            return
        self.user_id, self.roles, self.csrf = session.user_id, roles, session.csrf
        if self.request.method == "POST":
            sent = self.get_body_argument("csrf", "")
            if not sent or not hmac.compare_digest(sent, session.csrf):
                self.refuse(403, word(self.lang, "csrf"))

    def refuse(self, status: int, message: str) -> None:
        """A friendly page saying why not, and the end of this request."""
        self.set_status(status)
        self.render("refused.html", message=message)

    @property
    def actor(self) -> str:
        """Who acts, for the audit logs (never shown in the console)."""
        return f"console:{self.user_id}"

    def get_template_namespace(self) -> dict[str, Any]:
        namespace = super().get_template_namespace()
        lang = self.lang
        namespace.update(
            w=lambda key, **values: word(lang, key, **values),
            lang=lang,
            other_lang="en" if lang == "nl" else "nl",
            csrf=self.csrf,
            roles=self.roles,
            prefix=PREFIX,
            path=self.request.path,
            flash=self.deps.flash.pop(self.cookie, "") if self.cookie else "",
            MODERATOR=MODERATOR,
            MAINTAINER=MAINTAINER,
        )
        return namespace

    def done(self, message: str, to: str) -> None:
        """After an action: show ``message`` on the next page, and go there (303)."""
        if self.cookie:
            self.deps.flash[self.cookie] = message
        self.redirect(to, status=303)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.render("refused.html", message=f"{status_code}: {self._reason}")

    async def audit(self, action: str, detail: str = "") -> None:
        await self.deps.db.call(self.deps.staff.audit, self.actor, action, detail)


class _Login(_Base):
    needs_session = False

    def get(self) -> None:
        self.render("login.html", nonce=self.get_query_argument("t", ""))

    async def post(self) -> None:
        nonce = self.get_body_argument("t", "")
        user_id = await self.deps.db.call(self.deps.staff.use_link, nonce) if nonce else None
        if user_id is None or not self.deps.roles(user_id):
            self.refuse(403, word(self.lang, "link_bad"))
            return
        token, _ = await self.deps.db.call(self.deps.staff.new_session, user_id)
        self.set_cookie(
            COOKIE,
            token,
            path=PREFIX,
            httponly=True,
            samesite="Strict",
            secure=self.deps.secure_cookies,
            expires=dt.datetime.now(dt.UTC) + dt.timedelta(hours=SESSION_HOURS),
        )
        self.user_id = user_id
        await self.audit("sign-in")
        self.redirect(f"{PREFIX}/", status=303)


class _Logout(_Base):
    async def post(self) -> None:
        await self.deps.db.call(self.deps.staff.end_session, self.cookie)
        await self.audit("sign-out")
        self.clear_cookie(COOKIE, path=PREFIX)
        self.redirect(f"{PREFIX}/login", status=303)


class _Home(_Base):
    def get(self) -> None:
        self.redirect(f"{PREFIX}/insight")


async def _insight_tables(deps: ConsoleDeps, lang: str) -> list[Table]:
    return await deps.db.call(insight_tables, deps.insight, deps.groups, deps.knowledge(), lang)


class _Insight(_Base):
    async def get(self) -> None:
        tables = await _insight_tables(self.deps, self.lang)
        self.render("insight.html", tables=tables)


async def _gaps(deps: ConsoleDeps, lang: str) -> GapsPage:
    learned = await deps.db.call(deps.learned.by_section)
    answered = await asyncio.to_thread(deps.replay.answered, learned)
    return await deps.db.call(gaps_page, deps.insight, learned, answered, deps.knowledge(), lang)


class _Gaps(_Base):
    role = MAINTAINER

    async def get(self) -> None:
        page = await _gaps(self.deps, self.lang)
        self.render("gaps.html", page=page, days=self.deps.retention_days)


class _GapAction(_Base):
    role = MAINTAINER

    async def post(self) -> None:
        asked = self.get_body_argument("question", "")
        question_id = int(asked) if asked.isdigit() else 0
        action = self.get_body_argument("action", "")
        lang = self.lang
        if action == "outside":
            ok = await self.deps.db.call(self.deps.learned.not_in_texts, question_id, self.actor)
            await self.audit("question-outside", f"question {question_id}")
            self.done(word(lang, "marked_outside" if ok else "question_gone"), f"{PREFIX}/gaps")
            return
        section = self.get_body_argument("section", "")
        names = section_names(self.deps.knowledge())
        if section not in names:
            self.done(word(lang, "unknown_section"), f"{PREFIX}/gaps")
            return
        question = await self.deps.db.call(self.deps.insight.question, question_id)
        text = self.get_body_argument("text", "") or (question.text if question else "")
        ok = question is not None and await self.deps.db.call(
            self.deps.learned.assign, question_id, section, text, self.actor
        )
        await self.audit("question-assigned", f"question {question_id} -> {section}")
        message = (
            word(lang, "phrasing_saved", section=names[section])
            if ok
            else word(lang, "question_gone")
        )
        self.done(message, f"{PREFIX}/gaps")


def _filters(handler: RequestHandler) -> Filters:
    group = handler.get_query_argument("group", "")
    offset = handler.get_query_argument("offset", "0")
    return Filters(
        theme=handler.get_query_argument("theme", ""),
        status=handler.get_query_argument("status", "pending"),
        municipality=handler.get_query_argument("municipality", ""),
        section=handler.get_query_argument("section", ""),
        group=int(group) if group.isdigit() else None,
        offset=int(offset) if offset.isdigit() else 0,
    )


class _Ideas(_Base):
    role = MODERATOR

    async def get(self) -> None:
        filters = _filters(self)
        deps = self.deps
        queue = await deps.db.call(
            queue_page,
            deps.insight,
            deps.groups,
            filters,
            deps.knowledge(),
            deps.secret,
            self.lang,
        )
        query = {k: v for k, v in self.request.query_arguments.items() if k != "offset"}
        base = urlencode({k: v[0].decode() for k, v in query.items()})
        self.render("ideas.html", queue=queue, filters=filters, base=base)


class _IdeaAction(_Base):
    """Approve, reject (with a reason), hide, mark as duplicate: one idea or a whole group,
    each through the one moderation service Telegram and the CLI use."""

    role = MODERATOR

    async def post(self) -> None:
        lang = self.lang
        action = self.get_body_argument("action", "")
        back = self.get_body_argument("back", "") or f"{PREFIX}/ideas"
        if not back.startswith(f"{PREFIX}/ideas"):
            back = f"{PREFIX}/ideas"
        ids = [int(i) for i in self.get_body_arguments("idea") if i.isdigit()]
        group = self.get_body_argument("group", "")
        if group.isdigit():  # a whole group: its members as they are now
            ids = await self.deps.db.call(self._members, int(group))
            if action == "duplicate":  # all of them join the group's first idea
                ids = [i for i in ids if i != int(group)]
        moderation = self.deps.moderation
        messages = []
        for idea_id in ids:
            try:
                if action in ACTIONS:
                    reason = " ".join(self.get_body_argument("reason", "").split())[:300]
                    change = await self.deps.db.call(
                        moderation.set_status,
                        idea_id,
                        ACTIONS[action],
                        self.actor,
                        reason=reason if action == "reject" else "",
                    )
                elif action == "duplicate":
                    of = self.get_body_argument("of", "")
                    if not of.strip().lstrip("#").isdigit():
                        raise DuplicateRefused("unknown", word(lang, "question_gone"))
                    change = await self.deps.db.call(
                        moderation.mark_duplicate, idea_id, int(of.strip().lstrip("#")), self.actor
                    )
                else:
                    raise HTTPError(400)
            except DuplicateRefused as exc:
                messages.append(f"#{idea_id}: " + word(lang, "refused", why=str(exc)))
                continue
            if change.idea is None:
                messages.append(f"#{idea_id}: " + word(lang, "question_gone"))
            elif not change.changed:
                status = word(lang, f"status_{change.idea.status}")
                messages.append(f"#{idea_id}: " + word(lang, "already", status=status))
            else:
                status = word(lang, f"status_{change.idea.status}")
                messages.append(word(lang, "changed", number=idea_id, status=status))
                await self.audit(f"idea-{action}", f"idea {idea_id}")
        self.deps.after_decision()
        self.done(" ".join(messages) or word(lang, "done"), back)

    def _members(self, group: int) -> list[int]:
        return list(self.deps.groups.current().members.get(group, []))


class _Csv(_Base):
    async def get(self, name: str) -> None:
        lang = self.lang
        if name == "sections":
            if MAINTAINER not in self.roles:
                self.refuse(403, word(lang, "no_role", role=word(lang, "role_maintainers")))
                return
            tables = [(await _gaps(self.deps, lang)).table]
        else:
            tables = await _insight_tables(self.deps, lang)
        table = next((t for t in tables if t.name == name), None)
        if table is None:
            raise HTTPError(404)
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}.csv"')
        self.finish("\ufeff" + table.csv())  # the BOM makes spreadsheet programs read UTF-8


class _Static(StaticFileHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")


def console_app(deps: ConsoleDeps) -> Application:
    """The console's routes."""
    args = {"deps": deps}
    return Application(
        [
            (f"{PREFIX}/?", _Home, args),
            (f"{PREFIX}/login", _Login, args),
            (f"{PREFIX}/logout", _Logout, args),
            (f"{PREFIX}/insight", _Insight, args),
            (f"{PREFIX}/gaps", _Gaps, args),
            (f"{PREFIX}/gaps/act", _GapAction, args),
            (f"{PREFIX}/ideas", _Ideas, args),
            (f"{PREFIX}/ideas/act", _IdeaAction, args),
            (f"{PREFIX}/csv/([a-z_]+)\\.csv", _Csv, args),
            (f"{PREFIX}/static/(.*)", _Static, {"path": str(HERE / "static")}),
        ],
        template_path=str(HERE / "templates"),
        xsrf_cookies=False,  # the session carries its own CSRF token (checked in _Base)
    )


async def start_console(deps: ConsoleDeps, host: str, port: int) -> HTTPServer:
    """Serve the console; returns the server (``stop()`` to end it)."""
    server = HTTPServer(console_app(deps), xheaders=True)
    server.listen(port, address=host)
    await asyncio.sleep(0)
    log.info("staff console on %s:%s%s", host, port, PREFIX)
    return server
