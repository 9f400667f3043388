"""Telling Dutch from English by function words: clear cases decided, unclear ones left open."""

from __future__ import annotations

import pytest

from assistant.language import guess_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is a citizens' assembly?", "en"),
        ("how will the region help people who are lonely", "en"),
        ("Wat is een burgerberaad?", "nl"),
        ("hoe gaat de regio om met eenzaamheid bij ouderen", "nl"),
        ("is er iets voor ouderen in Zaandam?", "nl"),
        ("trade wars?", None),  # no function words
        ("AI", None),
        ("wat is AI, what is it", None),  # as much of either
        ("", None),
    ],
)
def test_guess_language(text: str, expected: str | None) -> None:
    assert guess_language(text) == expected
