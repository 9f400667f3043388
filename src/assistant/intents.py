"""What a message is before it is a question: a greeting, "what can you do", thanks, a
question about a municipal service that only one's own gemeente can answer, or an everyday
topic (weather, football, recipes) that the documents do not cover.

Searching the documents for "hoi" or "hoe vraag ik een parkeervergunning aan" can only produce
a wrong excerpt; these get a short reply of their own. A greeting in front of a real question
("hoi, wat is een burgerberaad?") is dropped and the question is searched. Knows nothing of
Telegram: the CLI, the evaluation and the bot share it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Intent = Literal["greeting", "capability", "self", "thanks", "service", "off_topic"]

_GREETING = re.compile(
    r"^(?:(?:hoi daar|hi there|hello there|hey there|beste bot|dear bot|"
    r"good (?:morning|afternoon|evening)|hoi|hoii+|hai|hallo+|hello+|helo|hi+|hey+|hee+|heey|"
    r"hoy|yo|dag|daag|goeie?dag|goede(?:morgen|middag|avond|nacht)|goeie(?:morgen|middag|avond)|"
    r"morgen|middag|greetings|howdy|moi|moin|salaam|salam)\b[\s,!.?:;-]*)+",
    re.IGNORECASE,
)
_CAPABILITY = re.compile(
    r"^(?:wat|wie|what|who|how)\b.{0,30}\b(?:kan|kun|doe|ben|can|do|are|does|is)\b.{0,20}"
    r"\b(?:je|jij|u|jullie|you|deze bot|this bot)\b.{0,25}"
    r"(?:allemaal|voor|doen|helpen|mee|for|do|help|about|zijn|be)?[\s?!.]*$|"
    r"^(?:help|hulp|helpen|info|informatie|menu|start|uitleg|instructies?|how does this work|"
    r"hoe werkt (?:dit|het|deze bot)|what is this|wat is dit|wat is dit voor (?:bot|iets|app)|"
    r"what is this bot|what's this|who are you|wie ben jij|wie ben je|what can you do|"
    r"wat kan je|wat kun je|wat kan jij|wat kun jij|wat kan je allemaal|wat kun je allemaal|"
    r"ben je een (?:bot|robot|mens)|are you (?:a bot|human|a robot))[\s?!.]*$",
    re.IGNORECASE,
)
# Questions about the bot itself: who or what it is, who made it, whether a person reads along.
_SELF = re.compile(
    r"\b(?:(?:ben|bent|is) (?:je|jij|u|dit|dat) (?:wel )?(?:een )?(?:echte? )?"
    r"(?:mens|persoon|bot|robot|computer|ai|chatbot|programma)|"
    r"bot of (?:een )?mens|mens of (?:een )?(?:bot|computer|robot|machine)|"
    r"praat ik (?:nu )?met (?:een )?(?:echte? )?(?:mens|bot|computer|robot|iemand|persoon)|"
    r"are you (?:a )?(?:real|human|person|bot|robot|computer|an ai|ai|chatbot|chatgpt)|"
    r"(?:talking|speaking|chatting) (?:to|with) (?:a )?(?:real )?(?:human|person|bot|robot)|"
    r"human or (?:a )?(?:bot|robot|machine)|(?:bot|robot) or (?:a )?(?:human|person)|"
    r"wie (?:heeft|hebben) (?:je|jou|deze bot) gemaakt|who (?:made|built|created|runs) "
    r"(?:you|this bot)|(?:ben je|are you) chatgpt)(?![\w-])",
    re.IGNORECASE,
)
_THANKS = re.compile(
    r"^(?:(?:heel |hartelijk |super |erg )?(?:bedankt|dank(?:je| je| u)?(?: wel)?|dankjewel|"
    r"thanks?(?: a lot| so much)?|thank you(?: very much)?|thx|top|mooi|prima|oke|ok|okay|"
    r"oké|ok[eé]?doei|doei|dag dag|bye|tot ziens|fijn|super|cool|nice|great)[\s,!.]*)+$",
    re.IGNORECASE,
)
# Services of the municipality (or the state) that residents ask the assistant about: the
# documents say nothing about them, and a wrong excerpt would mislead.
_SERVICE_ALWAYS = re.compile(
    r"\b(?:paspoort\w*|passport\w*|id-?kaart\w*|identiteitskaart\w*|rijbewijs\w*|"
    r"driving licen[cs]e|parkeervergunning\w*|parkeerkaart\w*|parking permit\w*|"
    r"huurtoeslag\w*|zorgtoeslag\w*|kinderopvangtoeslag\w*|toeslag(?:en)?|housing benefit|"
    r"rent (?:benefit|allowance)|care allowance|digid|grofvuil\w*|bulky waste|"
    r"vuilnis\w*|huisvuil\w*|afvalkalender\w*|afvalpas\w*|container(?:pas)?|"
    r"garbage|trash|rubbish|bin collection|inschrijven|inschrijving|uitschrijven|"
    r"brp|bsn|register (?:my|an?) address|registration at the municipality|"
    r"verhuizing doorgeven|verhuizen doorgeven|adreswijziging|geboorteaangifte|"
    r"uittreksel\w*|aangifte doen|trouwen|huwelijk|burgerzaken|bijstand\w*|uitkering\w*|"
    r"welfare benefit\w*|gemeentelijke belasting\w*|afvalstoffenheffing|woz|"
    r"ozb|erfpacht\w*|omgevingsvergunning\w*|bouwvergunning\w*|building permit|"
    r"melding openbare ruimte|losse stoeptegel|kapotte lantaarnpaal|lantaarnpaal|"
    r"geluidsoverlast|noise complaint|burenruzie|overlast van (?:de )?buren|"
    r"klacht indienen|complaint about|file a complaint|afspraak (?:maken )?bij de gemeente|"
    r"openingstijden (?:van )?(?:het )?(?:stadhuis|stadsloket|gemeente)|stadsloket|"
    r"stadhuis|city hall|town hall|schrijf (?:ik )?(?:me|mij|mezelf) in|inschrijven bij|"
    r"aanmelden bij de gemeente|register(?:ing)? (?:with|at) the (?:municipality|city)|"
    r"klagen|complain\w*|herrie|overlast|noise|loud neighbou?rs?|huisarts zoeken|"
    r"zoek (?:een|nog een) (?:huisarts|tandarts|dokter)|nieuwe pati[eë]nten|find a (?:gp|doctor|"
    r"dentist)|subsidie aanvragen|subsidie krijgen|subsidie voor|grant for|"
    r"\w*belasting(?:en)? betalen|pay (?:my |the )?(?:municipal )?tax\w*)\b",
    re.IGNORECASE,
)
# "afval" and "parkeren" are also topics of the documents (circulaire economie, mobiliteit):
# only with a practical ask ("wanneer wordt ... opgehaald", "waar kan ik") are they a service.
_SERVICE_TOPIC = re.compile(
    r"\b\w*(?:afval\w*|parkeren|parkeer\w*|waste|parking|belasting\w*|"
    r"tax(?:es)?|klacht\w*|complaint)\b",
    re.IGNORECASE,
)
_PRACTICAL = re.compile(
    r"\b(?:aanvragen|aanvraag|verlengen|opgehaald|ophalen|ophaaldag|ophaal|betalen|kost|"
    r"kosten|wanneer|waar moet|waar kan ik|hoe kan ik|hoe vraag|hoe regel|hoe meld|melden|"
    r"indienen|openingstijden|afspraak|apply|renew|collected|collection|pick ?up|pay|"
    r"where can i|how do i|when is|when does|opening hours|appointment)\b",
    re.IGNORECASE,
)


# Everyday topics far from both documents whose words still pull on them ("morgen" in "wat voor
# weer wordt het morgen" is also in "Metropool van Morgen"): the honest answer is "not in the
# texts", without searching.
_OFF_TOPIC = re.compile(
    r"\b(?:(?:wat voor|het|welk|lekker|mooi|slecht) weer|weer(?:bericht|sverwachting|"
    # "weer in amsterdam morgen", "weer vandaag": the weather asked for a day
    r"svoorspelling)|weer (?:(?:in|op|aan|bij|voor) \w+ )?(?:morgen|vandaag|overmorgen|"
    r"vanavond|dit weekend)|weather|forecast|regent|regen|sneeuw\w*|temperatuur|"
    r"graden|rain(?:ing)?|snow(?:ing)?|voetbal\w*|football|soccer|ajax|psv|feyenoord|az|"
    r"eredivisie|champions league|wk|ek|wedstrijd\w*|match|uitslag\w*|recept(?:en)?|recipe\w*|"
    r"bak(?:ken)?|bake|koken|cook(?:ing)?|film\w*|bioscoop|movie\w*|cinema|concert\w*|"
    r"festival\w*|kaartjes?|tickets?|museum|rijksmuseum|horoscoop|horoscope|mop|grap(?:je)?|"
    r"joke|vertraging|storing bij de ns|dienstregeling|timetable|traffic|file op|aandelen|"
    r"bitcoin|crypto|lotto|hoe laat is het|what time is it|vertaal|translate|"
    r"hoofdstad|capital of|eiffeltoren|eiffel tower|te doen dit weekend|uitgaan|uitgaans\w*|"
    r"things to do|restaurant\w*|pizza\w*|kroeg\w*|nightlife|huiswerk|homework|"
    r"hoeveel inwoners|inwonertal|aantal inwoners|how many people live|population of|"
    r"hoe laat (?:vertrekt|rijdt|komt)|vertrektijd\w*|departure time|reisplanner|9292|"
    r"ov-?chipkaart|what time does the (?:train|bus|tram))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """What a message is: an intent that gets its own reply, or a question to search."""

    intent: Intent | None
    question: str  # the message without a leading greeting


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def read_message(text: str) -> Reading:
    """Classify a resident's message; a greeting in front of a question is dropped."""
    folded = _fold(" ".join(text.split()))
    after_greeting = _GREETING.sub("", folded, count=1)
    without_greeting = after_greeting.strip(" ,!.?:;-")
    if not without_greeting:
        return Reading("greeting", "")
    if _THANKS.match(without_greeting):
        return Reading("thanks", "")
    if _SELF.search(without_greeting):
        return Reading("self", "")
    if _CAPABILITY.match(without_greeting):
        return Reading("capability", "")
    if _SERVICE_ALWAYS.search(without_greeting) or (
        _SERVICE_TOPIC.search(without_greeting) and _PRACTICAL.search(without_greeting)
    ):
        return Reading("service", without_greeting)
    if _OFF_TOPIC.search(without_greeting):
        return Reading("off_topic", without_greeting)
    question = text if after_greeting == folded else after_greeting.strip(" ,:;-")
    return Reading(None, question)
