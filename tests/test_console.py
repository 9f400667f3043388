"""The staff console in a real headless browser (Debian's chromium, driven by Playwright) against
the real Application on the local Bot API: staff get a link in the chat, open it, act, and the
residents hear of it. Refusals are checked over plain HTTP against the same server.

A machine without chromium or Playwright fails these tests loudly (no quiet skip): .ci/run
installs both.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assistant.bot import notices, texts
from assistant.bot.app import InProcess, build_application
from assistant.cli import main
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from assistant.store.ideas import next_idea_number
from assistant.store.staff import StaffStore
from tests.conftest import services_of, staff_environment
from tests.support import MAINTAINER, MOD, MOD2, audit_rows, free_port, notices_sent, rows, submit

CHROMIUM = os.environ.get("ASSISTANT_TEST_CHROMIUM", "/usr/bin/chromium")
AUTHOR = Resident(id=610, first_name="Evalien", language_code="en")
SHY = Resident(id=611, first_name="Noortje", language_code="nl")
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(2)> Sportlessen <b>gratis</b>"
SPORT = "Gratis sportlessen voor ouderen in het buurthuis, twee keer per week."


def shots_dir(tmp_path: Path) -> Path:
    """Where screenshots go: ASSISTANT_SCREENSHOT_DIR (docs/screenshots for the README), else
    the test's temporary folder."""
    target = Path(os.environ.get("ASSISTANT_SCREENSHOT_DIR") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.fixture
async def console(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, api: LocalBotApi, encoder: Encoder
) -> AsyncIterator[LocalTelegram]:
    """The ``staffed`` bot's staff, and the console on a free port."""
    staff_environment(monkeypatch)
    monkeypatch.setenv("ASSISTANT_CONSOLE_PORT", str(free_port()))
    monkeypatch.setenv("ASSISTANT_WEBHOOK_LISTEN", "127.0.0.1")
    app = build_application(Settings.from_env(), InProcess(api, console=True), encoder=encoder)
    async with LocalTelegram(app, api) as running:
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless chromium page that fails the test on any JavaScript dialog."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - .ci/run installs it
        pytest.fail("Playwright for Python is not installed: pip install playwright (see .ci/run)")
    if not shutil.which(CHROMIUM):
        pytest.fail(f"no browser at {CHROMIUM}: apt-get install chromium (see .ci/run)")
    dialogs: list[str] = []
    async with async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = await chromium.new_page()

        async def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        yield page
        await chromium.close()
    assert dialogs == [], f"a script ran in the console: {dialogs}"


async def link_for(telegram: LocalTelegram, who: Resident) -> str:
    """Ask the bot for a console link in the chat, as staff do."""
    [reply] = await telegram.send(who, "/inzicht")
    found = re.search(r"https?://\S+", reply.text)
    assert found, reply.text
    return found.group(0).replace("&amp;", "&")


async def sign_in(page: Any, link: str) -> None:
    await page.goto(link)
    await page.click("#sign-in")
    await page.wait_for_url(re.compile(r"/console/insight"))


def base_of(link: str) -> str:
    return link.split("/console/")[0]


async def test_moderator_approves_and_groups_duplicates_in_the_browser(
    console: LocalTelegram, api: LocalBotApi, browser: Any, tmp_path: Path
) -> None:
    first = await submit(console, AUTHOR, SPORT, True)
    second = await submit(console, SHY, SPORT.replace("twee keer", "drie keer"), True)
    hostile = await submit(console, Resident(612, "Kees", "nl"), HOSTILE, False)
    shots = shots_dir(tmp_path)
    # only the console's own "deliver now" may send the notices (not the 5-second round)
    assert console.app.job_queue is not None
    for job in console.app.job_queue.get_jobs_by_name(notices.JOB_NAME):
        job.schedule_removal()

    await sign_in(browser, await link_for(console, MOD))
    assert await browser.locator("svg.chart").count() >= 1  # server-drawn charts
    assert await browser.locator("#weekly .definition").inner_text()  # one-line definition
    await browser.screenshot(path=str(shots / "console-insight.png"), full_page=True)

    await browser.click("text=Ideeën")
    await browser.wait_for_selector(f"#idea-{hostile}")
    # the idea's HTML is text on the page, never markup (a dialog would fail the test)
    shown = await browser.locator(f"#idea-{hostile} .idea-text").inner_text()
    assert shown == HOSTILE
    page_html = await browser.content()
    # no Telegram id anywhere; a name only as the contact of a resident who agreed to it
    for number in (AUTHOR.id, SHY.id, 612):
        assert f">{number}<" not in page_html and f"{number}" not in await browser.inner_text(
            "main"
        )
    assert "Kees" not in page_html
    contacts = await browser.locator("dd.contact").all_inner_texts()
    assert page_html.count(AUTHOR.first_name) == contacts.count(AUTHOR.first_name) == 1
    await browser.screenshot(path=str(shots / "console-ideas.png"), full_page=True)

    # the two sport ideas form one group; approve the hostile one, then join the group
    await browser.click(f"#idea-{hostile} button[value=approve]")
    await browser.wait_for_selector(".flash")
    assert f"#{hostile}" in await browser.locator(".flash").inner_text()
    card = browser.locator(f"#idea-{second}")
    assert f"#{first}" in await card.locator(".similar").inner_text()
    await card.locator(".group-action button", has_text=f"#{first}").click()
    await browser.wait_for_selector(".flash")

    status = {r["id"]: r["status"] for r in rows(console, "SELECT id, status FROM ideas")}
    assert status[hostile] == "approved" and status[second] == "duplicate"
    assert status[first] == "pending"
    actors = {(r["idea_id"], r["action"], r["actor"]) for r in audit_rows(console)}
    assert (hostile, "approve", "console:900") in actors
    assert (second, "duplicate", "console:900") in actors
    await notices_sent(console)
    # the author who agreed to contact hears it in their language; the other one does not
    [joined] = api.to_chat(SHY.id)[-1:]
    assert f"#{first}" in joined.text
    assert not [
        m for m in api.to_chat(612) if "#" + str(hostile) in m.text and "goedgekeurd" in m.text
    ]


async def test_maintainer_teaches_a_question_and_the_reindex_answers_it(
    console: LocalTelegram, api: LocalBotApi, browser: Any, tmp_path: Path
) -> None:
    # declined today; the maintainer decides it belongs to the circular economy of the scenario
    question = "Waar laat ik straks mijn oude koelkast?"
    target = "local-for-local#lokale-allianties"
    await console.send(SHY, question)
    [logged] = rows(console, "SELECT id, verdict, nearest FROM questions")
    assert logged["verdict"] != "sure"

    await sign_in(browser, await link_for(console, MAINTAINER))
    await browser.click("text=Inhoud")
    item = browser.locator(f"li.question[data-question='{logged['id']}']")
    assert await item.locator("q").inner_text() == question
    await browser.screenshot(path=str(shots_dir(tmp_path) / "console-gaps.png"), full_page=True)
    await item.locator("select[name=section]").select_option(target)
    await item.locator("button[value=assign]").click()
    await browser.wait_for_selector(".flash")
    assert await browser.locator(f"li.question[data-question='{logged['id']}']").count() == 0
    [learned] = rows(console, "SELECT section, text, actor FROM learned_phrasings")
    assert learned == {"section": target, "text": question, "actor": "console:950"}
    exported = tmp_path / "learned.yaml"
    assert main(["phrasings", "export", "--output", str(exported)]) == 0
    assert yaml.safe_load(exported.read_text(encoding="utf-8")) == {
        "local-for-local": {"lokale-allianties": {"vragen": [question]}}
    }

    await console.send(MAINTAINER, "/reindex")  # returns once the new index serves
    await console.send(SHY, question)
    [_, again] = rows(console, "SELECT verdict, nearest FROM questions ORDER BY id")
    assert again == {"verdict": "sure", "nearest": target}
    await browser.goto(base_of(browser.url) + "/console/gaps")
    heading = next(
        s.heading
        for d in services_of(console).knowledge.documents
        for s in d.sections
        if f"{d.id}#{s.id}" == target
    )
    row = browser.locator("#sections tr", has_text=heading)
    cells = await row.locator("td").all_inner_texts()
    assert cells[-2:] == ["1", "2"]  # learned 1; both residents who asked it now answered


async def test_links_csrf_roles_and_residents_are_refused(
    console: LocalTelegram,
    api: LocalBotApi,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    encoder: Encoder,
) -> None:
    # a resident: the usual "unknown command", no link
    [reply] = await console.send(AUTHOR, "/inzicht")
    assert reply.text == texts.html("en", "unknown_command")
    link = await link_for(console, MOD2)
    base = base_of(link)
    nonce = link.split("t=")[1]
    async with httpx.AsyncClient(base_url=base) as client:
        tampered = nonce[:-1] + ("A" if nonce[-1] != "A" else "B")
        assert (await client.post("/console/login", data={"t": tampered})).status_code == 403
        assert (await client.get("/console/insight")).status_code == 401
        ok = await client.post("/console/login", data={"t": nonce})
        assert ok.status_code == 303 and "HttpOnly" in ok.headers["set-cookie"]
        assert "SameSite=Strict" in ok.headers["set-cookie"]
        page = await client.get("/console/insight")
        assert page.status_code == 200
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<script" not in page.text
        # the same link again: used up
        async with httpx.AsyncClient(base_url=base) as other:
            assert (await other.post("/console/login", data={"t": nonce})).status_code == 403
        # a POST without (or with a wrong) CSRF token changes nothing
        number = await submit(console, SHY, SPORT, False)
        for data in (
            {"idea": str(number), "action": "approve"},
            {"idea": str(number), "action": "approve", "csrf": "wrong"},
        ):
            assert (await client.post("/console/ideas/act", data=data)).status_code == 403
        assert rows(console, "SELECT status FROM ideas") == [{"status": "pending"}]
        # a moderator may not use the maintainers' page
        assert (await client.get("/console/gaps")).status_code == 403

    # an expired link
    services = services_of(console)
    import datetime as dt

    old = await services.db.call(
        StaffStore(services.db).new_link, 900, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
    )
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.post("/console/login", data={"t": old})).status_code == 403
    # the daily job drops links and sessions past their time (the session lasts 8 hours)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=9)
    await services.db.call(StaffStore(services.db).forget_expired, later)
    assert rows(console, "SELECT COUNT(*) AS n FROM console_sessions") == [{"n": 0}]
    assert rows(console, "SELECT COUNT(*) AS n FROM console_links") == [{"n": 0}]


async def test_a_removed_moderator_loses_the_session_at_once(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, api: LocalBotApi, encoder: Encoder
) -> None:
    port = free_port()
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", "900, 901")
    monkeypatch.setenv("ASSISTANT_CONSOLE_PORT", str(port))
    monkeypatch.setenv("ASSISTANT_WEBHOOK_LISTEN", "127.0.0.1")
    first = build_application(Settings.from_env(), InProcess(api, console=True), encoder=encoder)
    async with LocalTelegram(first, api) as telegram:
        link = await link_for(telegram, MOD2)
        client = httpx.AsyncClient(base_url=base_of(link))
        assert (
            await client.post("/console/login", data={"t": link.split("t=")[1]})
        ).status_code == 303
        assert (await client.get("/console/ideas")).status_code == 200
    # the operator takes 901 off the list and restarts: the old cookie opens nothing
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", "900")
    second = build_application(Settings.from_env(), InProcess(api, console=True), encoder=encoder)
    async with LocalTelegram(second, api) as telegram:
        assert (await client.get("/console/ideas")).status_code == 403
        left = rows(telegram, "SELECT user_id FROM console_sessions")
        assert left == []  # the session ended with the role
        signins = rows(telegram, "SELECT actor, action FROM console_audit")
        assert {"actor": "console:901", "action": "sign-in"} in signins
    await client.aclose()


async def test_small_cells_show_as_fewer_than_five_on_the_page_and_in_the_csv(
    console: LocalTelegram,
) -> None:
    services = services_of(console)
    now = "2026-12-01T10:00:00+00:00"

    def add(place: str, n: int) -> None:
        with services.db.transaction() as tx:
            for k in range(n):
                tx.execute(
                    "INSERT INTO ideas (id, theme, text, answers, municipality, contact_ok, "
                    "author_id, lang, status, submit_key, created_at, updated_at) VALUES "
                    "(?, 'preventiecoalitie', ?, '{}', ?, 0, ?, 'nl', 'pending', ?, ?, ?)",
                    (
                        next_idea_number(tx),
                        f"idee {place} {k}",
                        place,
                        7000 + k,
                        f"k-{place}-{k}",
                        now,
                        now,
                    ),
                )

    await services.db.call(add, "Edam-Volendam", 2)
    await services.db.call(add, "Haarlem", 6)
    link = await link_for(console, MOD)
    async with httpx.AsyncClient(base_url=base_of(link)) as client:
        await client.post("/console/login", data={"t": link.split("t=")[1]})
        page = (await client.get("/console/insight")).text
        csv_text = (await client.get("/console/csv/by_place.csv")).text
    assert "<td>Edam-Volendam</td><td>&lt; 5</td>" in page
    assert "<td>Haarlem</td><td>6</td>" in page
    assert "Edam-Volendam,< 5" in csv_text and "Haarlem,6" in csv_text
