"""Which municipality of the region a message names, and its general phone number.

Dutch municipalities answer on 14 followed by their area code (netnummer): 14 020 for
Amsterdam. A resident who asks about an errand ("parkeervergunning in Haarlem") is referred to
their own municipality's number when the message names one; otherwise to the general rule.
Only municipalities of the metropolitan region (and their best-known towns) are listed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Municipality:
    """A municipality and the number residents call: 14 + its area code."""

    name: str
    area_code: str

    @property
    def phone(self) -> str:
        return f"14 {self.area_code}"


# (name as written, the places that belong to it, area code)
_TABLE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Amsterdam", ("amsterdam", "nieuw-west", "nieuw west", "zuidoost", "noord"), "020"),
    ("Amstelveen", ("amstelveen",), "020"),
    ("Diemen", ("diemen",), "020"),
    ("Ouder-Amstel", ("ouder-amstel", "ouder amstel", "ouderkerk"), "020"),
    ("Landsmeer", ("landsmeer",), "020"),
    ("Haarlem", ("haarlem",), "023"),
    ("Zandvoort", ("zandvoort",), "023"),
    ("Heemstede", ("heemstede",), "023"),
    ("Bloemendaal", ("bloemendaal",), "023"),
    ("Haarlemmermeer", ("haarlemmermeer", "hoofddorp", "nieuw-vennep"), "023"),
    ("Zaanstad", ("zaanstad", "zaandam", "wormerveer", "krommenie"), "075"),
    ("Wormerland", ("wormerland", "wormer"), "075"),
    ("Oostzaan", ("oostzaan",), "075"),
    ("Purmerend", ("purmerend",), "0299"),
    ("Edam-Volendam", ("edam-volendam", "edam", "volendam"), "0299"),
    ("Waterland", ("waterland", "monnickendam"), "0299"),
    ("Almere", ("almere",), "036"),
    ("Lelystad", ("lelystad",), "0320"),
    ("Hilversum", ("hilversum",), "035"),
    ("Gooise Meren", ("gooise meren", "bussum", "naarden", "muiden"), "035"),
    ("Huizen", ("huizen",), "035"),
    ("Blaricum", ("blaricum",), "035"),
    ("Laren", ("laren",), "035"),
    ("Wijdemeren", ("wijdemeren",), "035"),
    ("Velsen", ("velsen", "ijmuiden"), "0255"),
    ("Beverwijk", ("beverwijk",), "0251"),
    ("Heemskerk", ("heemskerk",), "0251"),
    ("Uitgeest", ("uitgeest",), "0251"),
    ("Aalsmeer", ("aalsmeer",), "0297"),
    ("Uithoorn", ("uithoorn",), "0297"),
)
_BY_PLACE = {place: Municipality(name, code) for name, places, code in _TABLE for place in places}
# the longest place first, so "nieuw-west" wins over a shorter match inside it
_PLACE = re.compile(
    r"(?<![\w-])("
    + "|".join(re.escape(p) for p in sorted(_BY_PLACE, key=len)[::-1])
    + r")(?![\w-])",
    re.IGNORECASE,
)
# "noord" and "zuidoost" are Amsterdam districts only as places, not as directions in a sentence
_AMBIGUOUS = {"noord", "zuidoost"}


def named_municipality(text: str) -> Municipality | None:
    """The first municipality of the region the text names, if any."""
    for match in _PLACE.finditer(text):
        place = match.group(1).lower()
        if place in _AMBIGUOUS and not re.search(
            r"\b(?:in|uit|naar|from|to)\s+$", text[: match.start()].lower()
        ):
            continue
        return _BY_PLACE[place]
    return None
