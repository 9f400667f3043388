"""The terminal chat (``assistant chat``): what a person at the terminal reads.

The real Application runs on the terminal's local Bot API; the input is a script of lines, the
output the transcript. Mutations tried (each turned a test red): not printing edited messages
(``_api_editMessageReplyMarkup`` without ``_show``), keeping buttons of the message before an
edit as the numbered ones, logging to standard error instead of the file named at start,
not saving sent documents, ``--staff`` not adding the terminal user to the maintainers.
"""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.bot import texts
from assistant.cli import main
from assistant.config import Settings
from assistant.ideas.model import Draft
from assistant.localbot.terminal import FILES_DIR, TERMINAL_USER_ID, chat
from assistant.logs import log_to_file, setup_logging
from assistant.retrieval.encoder import Encoder
from assistant.store import Database
from assistant.store.ideas import IdeaStore
from tests.support import free_port


def add_idea(settings: Settings) -> int:
    """A pending idea in the database, as a resident would have sent it."""
    db = Database(settings.database).open()
    try:
        draft = Draft(
            theme="preventiecoalitie",
            text="Een buurtkamer voor gezond koken, met lessen van de GGD.",
            municipality="Zaandam",
            contact_ok=False,
            lang="nl",
            step="confirm",
        )
        idea, _ = IdeaStore(db).submit(610, draft, "test:1")
        return idea.id
    finally:
        db.close()


async def transcript(
    settings: Settings, encoder: Encoder, lines: list[str], staff: bool = True
) -> str:
    out = io.StringIO()
    await chat(
        settings,
        stdin=io.StringIO("".join(f"{line}\n" for line in lines)),
        stdout=out,
        staff=staff,
        encoder=encoder,
    )
    return out.getvalue()


@pytest.fixture
def log_file(settings: Settings) -> Iterator[Path]:
    """Logging at INFO, into the chat's log file (as ``assistant chat -v`` sets it up)."""
    path = settings.data_dir / "chat.log"
    setup_logging(verbose=True)
    log_to_file(path)
    yield path
    setup_logging()
    logging.captureWarnings(False)


async def test_reject_with_reason_shows_the_reason_buttons(
    settings: Settings, encoder: Encoder, log_file: Path
) -> None:
    idea_id = add_idea(settings)
    # /review shows the idea with 4 buttons; 2 = Afwijzen; then 1 = the first reason.
    out = await transcript(settings, encoder, ["/review", "2", "1"])
    review, after_reject = out.split("you> 2\n", 1)
    assert f"Idee #{idea_id}" in review and "[2] " + texts.plain("nl", "btn_reject") in review
    reasons, after_reason = after_reject.split("you> 1\n", 1)
    # The same message printed again, marked as edited, with the reason buttons numbered.
    assert reasons.startswith(f"bot> (bewerkt) Idee #{idea_id}")
    for n, key in enumerate(
        [
            "btn_reason_offtopic",
            "btn_reason_duplicate",
            "btn_reason_inappropriate",
            "btn_reason_typed",
            "btn_reason_none",
            "btn_back",
        ],
        1,
    ):
        assert f"     [{n}] {texts.plain('nl', key)}" in reasons
    # Pressing 1 chose "Buiten het thema" (a reason button, not Goedkeuren of the old keyboard).
    assert "(bewerkt)" in after_reason and "afgewezen door jou" in after_reason
    assert texts.html("nl", "mod_queue_empty") in after_reason
    db = Database(settings.database).open()
    try:
        idea = IdeaStore(db).get(idea_id)
        assert idea is not None and idea.status == "rejected"
        assert idea.moderation_reason == texts.plain("nl", "reason_offtopic")
    finally:
        db.close()
    # The moderation was logged, into the file and not into the conversation.
    logged = log_file.read_text(encoding="utf-8")
    assert f"idea {idea_id}: pending -> rejected" in logged
    assert "INFO" not in out and "WARNING" not in out and "pending -> rejected" not in out


async def test_export_is_saved_and_reindex_progress_shown(
    settings: Settings, encoder: Encoder, log_file: Path
) -> None:
    add_idea(settings)
    out = await transcript(settings, encoder, ["/export", "/reindex"])
    files = list((settings.data_dir / FILES_DIR).glob("*/ideeen-*.csv"))  # the chat's folder
    assert len(files) == 1 and f"[{files[0]}, " in out
    assert "Een buurtkamer voor gezond koken" in files[0].read_text(encoding="utf-8-sig")
    _, rest = out.split(texts.html("nl", "reindex_started"), 1)
    assert "bot> (bewerkt) Klaar:" in rest  # the status message, edited in place


async def test_staff_get_a_console_link_that_opens_on_this_machine(
    settings: Settings, encoder: Encoder
) -> None:
    port = free_port()
    staffed = dataclasses.replace(settings, console_port=port)
    out = await transcript(staffed, encoder, [], staff=True)
    assert f"http://127.0.0.1:{port}/console/login?t=" in out
    resident = await transcript(staffed, encoder, [], staff=False)
    assert "/console/login" not in resident


async def test_staff_only_with_staff(settings: Settings, encoder: Encoder, log_file: Path) -> None:
    out = await transcript(settings, encoder, ["/review", "/reindex"], staff=False)
    assert out.count(texts.html("nl", "unknown_command")) == 2
    assert "refused /review" in log_file.read_text(encoding="utf-8")
    assert "refused" not in out


def test_cli_chat_names_its_log_file_and_steps(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("/quit\n"))
    try:
        assert main(["chat", "--staff"]) == 0
    finally:
        setup_logging()
        logging.captureWarnings(False)
    out = capsys.readouterr().out
    assert "[start 2/3] de index wordt gebouwd" in out  # a fresh data directory
    assert f"logregels staan in {settings.data_dir / 'chat.log'}" in out
    assert (settings.data_dir / "chat.log").exists()
    assert f"Telegram-id {TERMINAL_USER_ID}" in out
    assert "Welkom bij de Metropool-assistent" in out
