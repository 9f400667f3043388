"""Property-based (hypothesis): whatever a resident types is shown back whole and escaped on
every screen that echoes it (the summary, the moderators' /review, /mijnideeen) and comes out
unchanged in the CSV export; Telegram (the strict local Bot API) refuses none of those messages.

Two profiles: "ci" (the default: derandomized, a modest number of examples, for CI time) and
"random" (new examples every run, more of them), for a hand run:

    HYPOTHESIS_PROFILE=random .venv/bin/python -m pytest tests/test_properties_shown_back.py

Mutations tried (each made this test fail): /review showing the idea text unescaped; the
summary showing the idea text unescaped.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.bot import limits, texts
from assistant.bot.html_check import parse_html
from assistant.config import Settings
from assistant.ideas.model import (
    MAX_ANSWER_CHARS,
    MAX_CHARS,
    MAX_PLACE_CHARS,
    problem_with_text,
)
from assistant.localbot.api import SentMessage
from assistant.localbot.simulator import Resident
from assistant.retrieval.encoder import Encoder
from assistant.text import strip_controls
from assistant.text import utf16_len as text_length
from tests.support.harness import NASTY, Harness

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
settings.register_profile("ci", max_examples=12, derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("random", max_examples=100, derandomize=False, **_COMMON)  # type: ignore[arg-type]
PROFILE = settings(settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci")))

MOD = Resident(id=990, first_name="Mo")
TYPED = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=400),
    st.lists(NASTY, min_size=1, max_size=3).map(" ".join),
    st.sampled_from(["😀" * 995, "👩‍👩‍👧‍👦" * 180, "é" * 1990, "&<>" * 600]),
)
MARKUP = st.sampled_from(["<b>vet</b>", "</i>", "&amp;", "& <", "<script>x</script>", "a > b"])
IDEA = st.tuples(TYPED, MARKUP).map(lambda t: f"Mijn idee {t[0]} {t[1]}")
ANSWER = st.tuples(TYPED, MARKUP).map(lambda t: f"Antwoord {t[1]} {t[0]}")


@pytest.fixture
def harness(
    settings: Settings, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    monkeypatch.setenv("ASSISTANT_FLOOD_LIMIT", "10000")
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "false")
    monkeypatch.setenv("ASSISTANT_MODERATOR_IDS", str(MOD.id))
    running = Harness(Settings.from_env(), encoder)
    yield running
    running.close()


def shown(message: SentMessage) -> str:
    """What the resident sees (and Telegram accepted: the transport parsed it)."""
    return parse_html(message.text)


def test_typed_text_is_shown_back_whole(harness: Harness) -> None:
    telegram = harness.telegram
    residents = (Resident(id=i) for i in itertools.count(5000))
    checked: list[str] = []

    def typed(who: Resident, text: str) -> SentMessage:
        [reply] = harness.run(telegram.send(who, text))
        if reply.buttons and reply.buttons[0][1] == "isq:answer":  # "an answer or a question?"
            [reply] = harness.run(telegram.press(who, reply, "isq:answer"))
        return reply

    @PROFILE
    @given(idea=IDEA, answer=ANSWER)
    def prop(idea: str, answer: str) -> None:
        who = next(residents)
        expected = strip_controls(idea).strip()
        expected_answer = strip_controls(answer).strip()
        if problem_with_text(expected) or problem_with_text(
            expected_answer, minimum=1, maximum=MAX_ANSWER_CHARS
        ):
            return  # refusals are covered by test_hostile_input
        [choice] = harness.run(telegram.send(who, "/idee"))
        harness.run(telegram.press(who, choice, "theme:preventiecoalitie"))
        typed(who, idea)
        step = typed(who, answer)
        [step] = harness.run(telegram.press(who, step, "skip"))
        step = typed(who, answer if text_length(expected_answer) <= MAX_PLACE_CHARS else "Zaandam")
        [step] = harness.run(telegram.press(who, step, "skip"))  # the age group
        [summary] = harness.run(telegram.press(who, step, "contact:yes"))
        if summary.buttons[0][1].startswith("similar:go:"):  # like an approved one: go on
            [summary] = harness.run(telegram.press(who, summary, summary.buttons[0][1]))
        assert expected in shown(summary) and expected_answer in shown(summary)
        harness.run(telegram.press(who, summary, "send"))
        [review] = harness.run(telegram.send(MOD, "/review"))
        assert expected in shown(review) and expected_answer in shown(review)
        [mine] = harness.run(telegram.send(who, "/mijnideeen"))
        assert limits.cut(expected, 120).removesuffix(limits.MORE).rstrip() in shown(mine)
        [export] = harness.run(telegram.send(MOD, "/export alle"))
        assert export.document is not None
        rows = list(
            csv.DictReader(io.StringIO(export.document[1].decode("utf-8-sig")), delimiter=";")
        )
        assert expected in [r["text"] for r in rows]
        harness.run(telegram.press(MOD, review, "Goedkeuren"))  # keep the queue short
        checked.append(expected)

    prop()
    assert len(checked) >= 5  # most examples went all the way, not only refusals
    refused = [(c.method, c.error) for c in harness.api.calls if not c.ok]
    assert refused == []
    apology = {texts.html(lang, "error") for lang in texts.LANGUAGES}
    assert not any(m.text in apology for m in harness.api.sent)
    assert MAX_CHARS == 2000  # the examples above include ideas at the limit
