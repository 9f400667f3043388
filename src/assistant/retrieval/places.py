"""Place names and years: words that match everything in these documents and so prove nothing.

"Amsterdam", a municipality of the region or "2040" occurs in many sections; a question that
matches only on such a word ("wat voor weer wordt het morgen in amsterdam") must not get a
confident answer. The searcher ranks with the whole question but judges its confidence on the
question without these words.
"""

from __future__ import annotations

import re

from assistant.retrieval.lexical import tokenize  # Dutch stop words and stemming

# The municipalities of the Metropoolregio Amsterdam (2024) and their larger places, the
# region's own names, and the provinces; lowercase, as residents type them. Not "Huizen": it
# is also the word for houses, which residents ask about.
_PLACE_WORDS = """
aalsmeer almere amstelveen amsterdam beverwijk blaricum bloemendaal diemen edam volendam
edam-volendam gooise haarlem haarlemmermeer heemskerk heemstede hilversum
landsmeer laren lelystad oostzaan ouder-amstel purmerend uitgeest uithoorn velsen waterland
weesp wijdemeren wormerland zaanstad zaandam zandvoort hoofddorp ijmuiden bussum naarden
muiden badhoevedorp nieuw-vennep krommenie wormer wormerveer zaandijk koog monnickendam
ilpendam broek abcoude duivendrecht badhoevedorp mra metropoolregio regio
noord-holland flevoland nederland holland zuidoost nieuw-west noord west oost zuid centrum
amsterdamse amsterdammer amsterdammers haarlemse zaanse almeerse
"""
PLACES = frozenset(_PLACE_WORDS.split())
_MULTIWORD = ("gooise meren", "ouder amstel", "nieuw west")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def strip_places(text: str) -> str:
    """The text without place names, the region's names and years (spacing normalised)."""
    lowered = text.lower()
    for name in _MULTIWORD:
        lowered = lowered.replace(name, " ")
    lowered = _YEAR.sub(" ", lowered)
    kept = [w for w in _WORD.findall(lowered) if w not in PLACES]
    return " ".join(kept)


def names_a_place(text: str) -> bool:
    """Whether the text contains a place name, the region's name or a year."""
    return strip_places(text) != " ".join(_WORD.findall(text.lower()))


# English function and question words (the lexical stop words are Dutch): "what about ... in
# 2040" has no topic left once the place and the year are gone.
_FILLER_WORDS = """
a about all am an and any anything are as at be been but by can could did do does doing for
from happen happens happening has have how i if in into is it its me more my new news of on or
our so some tell than that the their them then there these they this those to up us was we
were what whats when where which who why will with would you your going there's what's
"""
_ENGLISH_FILLERS = frozenset(_FILLER_WORDS.split())


def has_topic(text: str) -> bool:
    """Whether anything but place names, years and question words is left in the text."""
    words = [w for w in _WORD.findall(strip_places(text)) if w not in _ENGLISH_FILLERS]
    return bool(tokenize(" ".join(words)))
