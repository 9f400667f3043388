"""Hostile input, property-based (hypothesis), through the real Application: arbitrary Unicode,
control characters, markup, SQL-looking text and forged buttons get a polite reply, never an
error, never unescaped markup, and nothing stored that should not be."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.bot import texts
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import Resident
from assistant.retrieval.encoder import Encoder
from assistant.text import strip_controls
from tests.conftest import services_of
from tests.support.harness import NASTY, Harness

TEXT = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300),
    st.lists(NASTY, min_size=1, max_size=4).map(" ".join),
)
HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def harness(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    monkeypatch.setenv("ASSISTANT_FLOOD_LIMIT", "10000")
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "false")
    running = Harness(Settings.from_env(), encoder)
    yield running
    running.close()


def _no_error(api: LocalBotApi) -> None:
    apology = {texts.html(lang, "error") for lang in texts.LANGUAGES}
    assert not any(m.text in apology for m in api.sent), "the error handler had to step in"
    assert all(c.ok for c in api.calls), [c for c in api.calls if not c.ok]


def test_questions(harness: Harness) -> None:
    resident = Resident(id=3001)

    @HYPOTHESIS
    @given(text=TEXT)
    def ask(text: str) -> None:
        replies = harness.run(harness.telegram.send(resident, text))
        if text.strip().startswith("/"):
            return  # a command; covered by the command tests
        assert len(replies) == 1  # and the strict local Bot API accepted its HTML

    ask()
    _no_error(harness.api)
    logged = harness.run(
        services_of(harness.telegram).db.call(
            services_of(harness.telegram).db.execute, "SELECT MAX(LENGTH(text)) FROM questions"
        )
    )
    assert logged.fetchone()[0] <= 1000  # stored questions are bounded


def test_idea_text_and_answers(harness: Harness) -> None:
    resident = Resident(id=3002)
    services = services_of(harness.telegram)

    @HYPOTHESIS
    @given(text=TEXT, answer=TEXT)
    def idea(text: str, answer: str) -> None:
        telegram = harness.telegram
        [choice] = harness.run(telegram.send(resident, "/idee"))
        if choice.buttons and choice.buttons[0][1] == "resume:continue":
            [choice] = harness.run(telegram.press(resident, choice, "resume:restart"))
        harness.run(telegram.press(resident, choice, "theme:ai-voor-iedereen"))
        replies = harness.run(telegram.send(resident, text))
        if text.strip().startswith("/"):  # a command inside the flow: covered elsewhere
            harness.run(telegram.send(resident, "/annuleer"))
            return
        [reply] = replies
        draft = services.ideas.draft(resident.id)
        assert draft is not None
        if draft.step == "text":  # refused: explained, nothing stored
            assert draft.text == "" and reply.text
        else:
            assert draft.text == strip_controls(text).strip()  # as typed, minus controls
            follows = harness.run(telegram.send(resident, answer))
            if not answer.strip().startswith("/"):
                [follow] = follows
                stored = services.ideas.draft(resident.id)
                assert stored is not None and follow.text
                assert stored.answers.get("risico_of_kans") in (
                    strip_controls(answer).strip(),
                    None,
                )
        harness.run(telegram.send(resident, "/annuleer"))
        assert services.ideas.draft(resident.id) is None

    idea()
    _no_error(harness.api)
    assert services.ideas.by_author(resident.id) == []  # nothing was ever sent


def test_forged_buttons(harness: Harness) -> None:
    resident = Resident(id=3003)
    [message] = harness.run(harness.telegram.send(resident, "Wat is een burgerberaad?"))

    @HYPOTHESIS
    @given(data=st.text(min_size=1, max_size=64).filter(lambda d: len(d.encode()) <= 64))
    def press(data: str) -> None:
        harness.run(
            harness.telegram.process(harness.telegram.callback_update(resident, message, data))
        )

    press()
    _no_error(harness.api)
    assert services_of(harness.telegram).moderation.audit() == []
    assert services_of(harness.telegram).ideas.by_author(resident.id) == []


def test_hundred_thousand_characters(harness: Harness) -> None:
    resident = Resident(id=3004)
    [reply] = harness.run(harness.telegram.send(resident, "<b>" * 33_334))
    assert "eerste 1000 tekens" in reply.text and "<b><b>" not in reply.text
    _no_error(harness.api)
