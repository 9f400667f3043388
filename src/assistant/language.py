"""Whether a message reads as Dutch or English, from its small function words.

For residents whose Telegram speaks neither language (or says nothing) and who made no
/taal choice: their own message is the best evidence of what they read. Function words
("wat", "het", "een" / "what", "the", "a") decide; words both languages share ("is", "we",
"of", "over") and content words (place names, "AI") do not. Too little evidence: None.
"""

from __future__ import annotations

import re

_DUTCH_WORDS = """
    de het een wat hoe waarom wanneer waar wie welke welk wordt worden werd kan kunnen moet
    moeten mag doe doet ik jij je jullie wij ze zij mijn onze ons dit dat deze die er van
    voor met en niet geen hebben heeft ook nog al naar bij zijn komt komen gaat gaan zal
    zullen als dan maar hier daar straks heel veel meer
"""
_ENGLISH_WORDS = """
    the a an what how why when where who which will would can could do does did should
    i you they my our your their it this that these those there to for with and not no
    have has are was were be been about from going get more much many
"""
_DUTCH = frozenset(_DUTCH_WORDS.split())
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_WORD = re.compile(r"[a-zà-ÿ']+")


def guess_language(text: str) -> str | None:
    """'nl' or 'en' when the text clearly reads as one of them (two function words or more,
    and at least twice as many as of the other language); otherwise None."""
    words = _WORD.findall(text.lower())
    dutch = sum(w in _DUTCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if english >= 2 and english >= 2 * dutch + 1:
        return "en"
    if dutch >= 2 and dutch >= 2 * english + 1:
        return "nl"
    return None
