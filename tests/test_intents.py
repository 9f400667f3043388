"""Greetings, "what can you do", thanks, municipal services and everyday off-topic messages are
recognised before searching; a greeting in front of a real question is dropped."""

from __future__ import annotations

import pytest

from assistant.intents import read_message
from assistant.retrieval.places import has_topic, names_a_place, strip_places


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("hoi", "greeting"),
        ("Goedemorgen!", "greeting"),
        ("hi there", "greeting"),
        ("Hi! What is this bot for?", "capability"),
        ("wat kun je allemaal?", "capability"),
        ("help", "capability"),
        ("Wie ben jij?", "capability"),
        ("bedankt!", "thanks"),
        ("thanks a lot", "thanks"),
        ("hoe vraag ik een parkeervergunning aan in haarlem", "service"),
        ("Wanneer wordt het grofvuil opgehaald?", "service"),
        ("ik ga verhuizen, hoe schrijf ik me in", "service"),
        ("How do I renew my passport?", "service"),
        ("wanneer moet ik de afvalstoffenheffing betalen", "service"),
        ("Wat voor weer wordt het morgen in Amsterdam?", "off_topic"),
        ("Hoe laat speelt Ajax?", "off_topic"),
        ("hoeveel inwoners heeft amsterdam", "off_topic"),
        ("Hoe laat vertrekt de trein naar Utrecht?", "off_topic"),
    ],
)
def test_recognised(message: str, intent: str) -> None:
    assert read_message(message).intent == intent


@pytest.mark.parametrize(
    "message",
    [
        "Wat is een burgerberaad?",
        "Wat is Local for Local eigenlijk?",
        "wat is dit voor scenario",
        "de huur is veel te duur in zaandam",
        "wat doen we in 2040 met ons afval",
        "kan ik weer met de trein naar parijs",
        "Hoe kunnen kinderen gezond opgroeien?",
        "what can the region do about housing",
        "Kan ik parkeren in de stad in 2040?",
        "we run a repair cafe and swap clothes, does the scenario say anything about sharing?",
    ],
)
def test_questions_about_the_texts_are_searched(message: str) -> None:
    assert read_message(message).intent is None


def test_greeting_before_a_question_is_dropped() -> None:
    reading = read_message("Hoi! Wat is een burgerberaad?")
    assert reading.intent is None and reading.question == "Wat is een burgerberaad?"
    assert read_message("Wat is een burgerberaad?").question == "Wat is een burgerberaad?"


def test_places_and_years() -> None:
    assert strip_places("Wat gebeurt er in Zaandam in 2040?") == "wat gebeurt er in in"
    assert names_a_place("huur in Amsterdam") and not names_a_place("te weinig huizen")
    assert not has_topic("What about Almere in 2040?")
    assert not has_topic("wat is er in haarlem")
    assert has_topic("de huur is te duur in zaandam")
