"""Two bot replicas on one database serve one resident's conversation in turns."""

from __future__ import annotations

import json

from assistant.bot.app import InProcess, build_application
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder
from tests.conftest import services_of

NL = Resident(id=4242, first_name="Lotte", language_code="nl")


async def test_conversation_passes_between_replicas(settings: Settings, encoder: Encoder) -> None:
    api = LocalBotApi()  # one Telegram in front of both replicas
    a = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    b = LocalTelegram(build_application(settings, InProcess(api), encoder=encoder), api)
    await a.start()
    await b.start()
    try:
        [choice] = await a.send(NL, "/idee")
        [prompt] = await b.press(NL, choice, "theme:preventiecoalitie")
        assert "Regionale preventiecoalitie" in prompt.text
        [question] = await a.send(NL, "Een gezonde lunch op elke school in de regio.")
        assert "Voor wie" in question.text
        [question2] = await b.send(NL, "Voor kinderen")  # B continues what A asked
        assert "Wie zouden moeten samenwerken" in question2.text
        [place] = await a.press(NL, question2, "skip")
        assert "gemeente" in place.text
        [age] = await b.send(NL, "Hoorn")
        [contact] = await a.press(NL, age, "skip")
        [summary] = await a.press(NL, contact, "contact:no")
        replies = await b.press(NL, summary, "send")
        assert "#" in replies[-1].text
        # a double tap, delivered to the other replica
        await a.process(a.callback_update(NL, summary, "send"))
        rows = [dict(r) for r in services_of(a).db.execute("SELECT * FROM ideas").fetchall()]
        assert len(rows) == 1
        assert rows[0]["text"] == "Een gezonde lunch op elke school in de regio."
        assert json.loads(rows[0]["answers"]) == {
            "voor_wie": "Voor kinderen",
            "samenwerking": None,
        }
        assert rows[0]["municipality"] == "Hoorn"
        # both replicas now see the resident outside the conversation: text is a question
        [answer] = await a.send(NL, "Wat is een burgerberaad?")
        assert "burgerberaden" in answer.text
        [answer] = await b.send(NL, "Wat is een burgerberaad?")
        assert "burgerberaden" in answer.text
    finally:
        await a.stop()
        await b.stop()
