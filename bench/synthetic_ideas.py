"""A synthetic set of residents' ideas with known groups: paraphrases of base ideas.

Base ideas are 200 different proposals on the two themes: 50 for a group of residents (with an
English wording too) and 150 more in Dutch.
Each base idea is rewritten by deterministic rules, the ways residents really differ: another
opening, synonyms, the words in another order, typos, an extra sentence about themselves or
their town, or the whole idea in English. Two ideas are near-duplicates exactly when they come
from the same base idea; ideas that merely share words ("voor ouderen", "in de wijk") are not.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# (Dutch, English) topics: what should happen.
TOPICS: list[tuple[str, str]] = [
    ("gratis sportlessen in het park", "free sports classes in the park"),
    ("een gezonde lunch op school", "a healthy lunch at school"),
    ("meer drinkwaterpunten in de straat", "more drinking water fountains in the street"),
    ("een wandelgroep die elke week samen loopt", "a walking group that walks together weekly"),
    ("kookcursussen met goedkope gezonde recepten", "cooking classes with cheap healthy recipes"),
    ("minder reclame voor snoep en frisdrank", "less advertising for sweets and soft drinks"),
    (
        "een buurthuis waar je kunt praten over je zorgen",
        "a community centre to talk about worries",
    ),
    ("hulp bij stoppen met roken via de huisarts", "help to quit smoking through the GP"),
    ("veilige fietsroutes naar school", "safe cycling routes to school"),
    ("moestuinen op braakliggende grond", "vegetable gardens on empty land"),
    ("een spreekuur over geldzorgen", "a consultation hour about money worries"),
    ("sporten op recept van de dokter", "exercise on prescription from the doctor"),
    ("voorlichting over alcohol op middelbare scholen", "education about alcohol in high schools"),
    ("meer groen en bomen tegen de hitte", "more green and trees against the heat"),
    ("een maatje voor mensen die alleen zijn", "a buddy for people who are alone"),
    ("gratis zwemles voor iedereen", "free swimming lessons for everyone"),
    ("een gezondheidscheck in het buurthuis", "a health check in the community centre"),
    ("rookvrije speeltuinen", "smoke-free playgrounds"),
    ("betaalbare groente en fruit op de markt", "affordable vegetables and fruit at the market"),
    ("een app die herinnert om te bewegen", "an app that reminds you to move"),
    ("slaapvoorlichting voor ouders van baby's", "sleep advice for parents of babies"),
    ("mentale steun voor studenten tijdens examens", "mental support for students during exams"),
    ("een dansavond in het wijkcentrum", "a dance evening in the neighbourhood centre"),
    ("samen koken en eten met buren", "cooking and eating together with neighbours"),
    ("minder fastfoodzaken bij scholen", "fewer fast food shops near schools"),
    (
        "uitleg over hoe algoritmes van de gemeente beslissen",
        "explanation of how the city's algorithms decide",
    ),
    ("een cursus om AI veilig te gebruiken", "a course to use AI safely"),
    (
        "een loket waar je bezwaar maakt tegen een beslissing van een computer",
        "a desk to object to a decision made by a computer",
    ),
    (
        "een register van alle algoritmes die de overheid gebruikt",
        "a register of all algorithms the government uses",
    ),
    (
        "gratis laptops voor gezinnen zonder computer",
        "free laptops for families without a computer",
    ),
    ("hulp in de bibliotheek bij digitale formulieren", "help in the library with digital forms"),
    ("een burgerpanel dat meebeslist over AI", "a citizens' panel that co-decides on AI"),
    (
        "geen gezichtsherkenning met camera's op straat",
        "no facial recognition with cameras in the street",
    ),
    (
        "uitleg in eenvoudige taal bij elke chatbot",
        "plain language explanations with every chatbot",
    ),
    (
        "toetsen of AI mensen niet discrimineert",
        "testing that AI does not discriminate against people",
    ),
    ("les over nepnieuws en deepfakes op school", "lessons on fake news and deepfakes at school"),
    ("een AI-assistent die formulieren voorleest", "an AI assistant that reads forms aloud"),
    (
        "open data over luchtkwaliteit in de wijk",
        "open data about air quality in the neighbourhood",
    ),
    ("privacy bij slimme meters in huis", "privacy with smart meters at home"),
    (
        "een mens die altijd kan meekijken met AI-besluiten",
        "a human who always checks AI decisions",
    ),
    ("een meldpunt voor fouten van algoritmes", "a hotline for mistakes made by algorithms"),
    (
        "digitale vaardigheden leren in het buurthuis",
        "learning digital skills in the community centre",
    ),
    (
        "lokale AI-bedrijven die samenwerken met bewoners",
        "local AI companies working with residents",
    ),
    ("geen gegevens delen met grote techbedrijven", "no data sharing with big tech companies"),
    ("een proefproject met AI voor de zorg thuis", "a pilot with AI for care at home"),
    ("vertaalhulp met AI voor nieuwkomers", "translation help with AI for newcomers"),
    ("energieverbruik van datacenters beperken", "limiting the energy use of data centres"),
    ("een spel dat kinderen leert hoe AI werkt", "a game that teaches children how AI works"),
    ("toezicht door een onafhankelijke AI-commissie", "oversight by an independent AI committee"),
    (
        "een telefoonnummer waar je een mens spreekt in plaats van een bot",
        "a phone number where you talk to a person instead of a bot",
    ),
]
GROUPS: list[tuple[str, str]] = [
    ("kinderen", "children"),
    ("ouderen", "older people"),
    ("mensen met weinig geld", "people on a low income"),
    ("nieuwkomers", "newcomers"),
]
OPENERS_NL = [
    "Mijn idee: {t} voor {g}.",
    "Ik stel voor: {t} voor {g}.",
    "Het zou goed zijn als er {t} komt voor {g}.",
    "Kunnen we {t} regelen voor {g}?",
    "Voor {g} zou {t} echt helpen.",
    "Ik wil graag {t} voor {g} in mijn buurt.",
    "{T} voor {g}, dat lijkt me een goed plan.",
    "Waarom niet {t} voor {g}?",
]
OPENERS_EN = [
    "My idea: {t} for {g}.",
    "I suggest {t} for {g}.",
    "It would be great to have {t} for {g}.",
    "For {g}, {t} would really help.",
]
SYNONYMS = {
    "gratis": "kosteloos",
    "kinderen": "kids",
    "ouderen": "senioren",
    "buurthuis": "wijkcentrum",
    "wijk": "buurt",
    "school": "de basisschool",
    "mensen met weinig geld": "mensen met een kleine portemonnee",
    "nieuwkomers": "statushouders",
    "hulp": "ondersteuning",
    "meer": "extra",
    "cursus": "training",
    "uitleg": "informatie",
    "gezonde": "gezondere",
    "goedkope": "betaalbare",
}
EXTRAS_NL = [
    "Ik woon zelf in Zaandam.",
    "Dat scheelt later veel zorgkosten.",
    "In Almere zie ik dat het nodig is.",
    "Mijn buurvrouw zegt hetzelfde.",
    "Dit speelt al jaren in Purmerend.",
    "Ik denk dat veel bewoners dit willen.",
    "Graag snel!",
    "Als moeder van twee zie ik dit elke dag.",
]


@dataclass(frozen=True)
class SyntheticIdea:
    """One generated idea and the base idea it comes from."""

    text: str
    group: int  # index of the base idea
    theme: str


def base_count() -> int:
    """How many base ideas there are."""
    return len(TOPICS) + len(MORE_TOPICS_NL)


def _typo(words: list[str], rng: random.Random) -> None:
    candidates = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not candidates:
        return
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :] if rng.random() < 0.5 else w[:j] + w[j + 1 :]


def _base(base: int) -> tuple[str, str, str, str]:
    """Topic and group of a base idea, Dutch and English ("" where there is none)."""
    if base < len(TOPICS):
        group = GROUPS[base % len(GROUPS)]
        return TOPICS[base][0], TOPICS[base][1], group[0], group[1]
    return MORE_TOPICS_NL[base - len(TOPICS)], "", "", ""


def _fill(opener: str, topic: str, group: str) -> str:
    if not group:  # the opener without its "voor {g}" / "for {g}" part
        opener = opener.replace(" voor {g}", "").replace(" for {g}", "")
        opener = opener.replace("Voor {g} zou {t}", "{T} zou").replace("For {g}, {t}", "{T}")
    return opener.format(t=topic, g=group, T=topic[:1].upper() + topic[1:])


def paraphrase(base: int, variant: int) -> str:
    """The ``variant``-th rewrite of base idea ``base`` (variant 0 is the plain wording)."""
    topic_nl, topic_en, group_nl, group_en = _base(base)
    rng = random.Random(base * 10_007 + variant)
    if variant and topic_en and rng.random() < 0.3:  # the whole idea in English
        return _fill(rng.choice(OPENERS_EN), topic_en, group_en)
    opener = OPENERS_NL[0] if variant == 0 else rng.choice(OPENERS_NL)
    text = _fill(opener, topic_nl, group_nl)
    if variant == 0:
        return text
    for word, other in SYNONYMS.items():
        if word in text and rng.random() < 0.35:
            text = text.replace(word, other, 1)
    words = text.split()
    for _ in range(rng.choice((0, 0, 1, 2))):
        _typo(words, rng)
    if rng.random() < 0.2:
        words = [w.lower() for w in words]
    text = " ".join(words)
    if rng.random() < 0.4:
        extra = rng.choice(EXTRAS_NL)
        text = f"{extra} {text}" if rng.random() < 0.3 else f"{text} {extra}"
    return text


def ideas(total: int) -> list[SyntheticIdea]:
    """``total`` ideas, as even as possible over all base ideas (round robin)."""
    out: list[SyntheticIdea] = []
    bases = base_count()
    for n in range(total):
        base, variant = n % bases, n // bases
        prevention = base < len(TOPICS) // 2 or (len(TOPICS) <= base < len(TOPICS) + 50)
        theme = "preventiecoalitie" if prevention else "ai-voor-iedereen"
        out.append(SyntheticIdea(paraphrase(base, variant), base, theme))
    return out


# More base ideas, Dutch only (their paraphrases stay Dutch): distinct proposals, so that the
# set holds 200 different ideas and its hard cases are ideas that merely share words.
MORE_TOPICS_NL = """
een beweegtuin met toestellen voor senioren bij het winkelcentrum
schoolpleinen die na schooltijd open blijven om te spelen
een wekelijkse markt met producten van boeren uit de regio
een gratis sportpas voor kinderen uit gezinnen met een laag inkomen
voorlezen aan peuters in de bibliotheek om taal te leren
een fietsenmaker die gratis fietsen repareert voor statushouders
een cursus eerste hulp voor alle buurtbewoners
bankjes langs de wandelroutes zodat ouderen kunnen uitrusten
een waterpomp en schaduw op elk speelveld
een huiskamer waar mantelzorgers even op adem komen
een gezondheidsbus die langs de dorpen rijdt
lessen over geld en schulden op het mbo
een tuin op het dak van het gemeentehuis
een vast aanspreekpunt voor jongeren met somberheid
een verbod op lachgas rond uitgaansgebieden
een wijkverpleegkundige die op huisbezoek gaat bij 75-plussers
sport en spel in de zomervakantie voor thuisblijvers
een deelauto voor mensen die naar het ziekenhuis moeten
speciale openingstijden van het zwembad voor vrouwen
een jongerenraad die meepraat over gezondheid
fysiotherapie in het buurthuis voor mensen met rugklachten
een gratis ontbijt op school voor elk kind
trapveldjes opknappen in de achterstandswijken
een rookstoppoli in het ziekenhuis
een week zonder alcohol met de hele stad
een cursus omgaan met stress voor werkende ouders
een hardloopclub voor beginners op zondagochtend
lessen weerbaarheid tegen pesten op de basisschool
een bewegwijzerde ommetjesroute in elke wijk
een koor voor mensen met longproblemen
een hittekaart met koele plekken in de stad
gratis tandartscontrole voor jongeren tot 23 jaar
een ontmoetingsplek voor mensen met dementie en hun familie
minder zout in het eten van de kantine van de gemeente
een buurtsportcoach in elke wijk
hulp voor jonge moeders na de bevalling
een meldpunt voor eenzaamheid bij buren
verlichting op fietspaden zodat het 's avonds veilig is
een ruilwinkel voor sportkleding en sportschoenen
een app om vrijwilligerswerk in de buurt te vinden
een keurmerk voor gezonde sportkantines
gratis yoga in het park in de zomer
een spreekuur van de diëtist in het buurthuis
rustige uren in de supermarkt voor mensen met autisme
toegankelijke sportvelden voor mensen in een rolstoel
een natuurspeelplaats met water en zand
een gezonde snackautomaat in het station
uitleg over vaccinaties in meerdere talen
een straatfeest zonder alcohol voor gezinnen
een opvang voor jongeren die thuis niet terecht kunnen
een computer die uitlegt waarom je een uitkering wel of niet krijgt
open source software voor alle gemeentes
een digitale buurtapp zonder reclame
een proef met zelfrijdende busjes in het dorp
camera's met AI die alleen tellen en niemand herkennen
een algoritme dat fraude opspoort eerst laten keuren
een spreekuur waar een mens je DigiD-vragen beantwoordt
een AI-tool die zwerfafval in de straat meldt
slimme verkeerslichten die fietsers voorrang geven
een cursus programmeren voor meisjes in de bibliotheek
AI die lege kantoren vindt voor woningbouw
een chatbot van de gemeente die ook Arabisch en Turks spreekt
het recht om niet door een computer beoordeeld te worden
gemeentelijke data alleen op servers in Nederland
een verbod op AI die emoties van werknemers meet
een kennisplatform van bedrijven en hogescholen over AI in de regio
sensoren die lekkages in het waterleidingnet vinden
een jaarlijks verslag over welke AI de gemeente gebruikt
stemhulp met AI die uitlegt wat partijen willen
een AI-voorspelling van drukte in het openbaar vervoer
ouderen leren videobellen met hun kleinkinderen
een veilige plek om online pesten te melden
AI die huisartsen helpt met het invullen van dossiers
een kindvriendelijke uitleg van privacyregels
een hackathon met bewoners over problemen in de wijk
de energie van datacenters gebruiken om huizen te verwarmen
AI die voorspelt welke bruggen onderhoud nodig hebben
een vrijwilliger die ouderen helpt met internetbankieren
geen AI bij het beoordelen van sollicitaties bij de gemeente
een bord bij elke camera dat zegt wat ermee gebeurt
een openbaar dashboard met wachttijden in de zorg
gratis wifi in alle buurthuizen en bibliotheken
scholen die samen AI-regels maken met ouders en leerlingen
digitale inspraak over nieuwe bouwplannen met een 3D-model
een robot die eenzame ouderen gezelschap houdt
een AI-leesprogramma voor kinderen met dyslexie
een verbod op het verkopen van gegevens van inwoners
een proef met AI die verkeersongelukken voorspelt
een loket voor hulp bij oplichting via internet
een vrije dag per jaar voor ambtenaren om AI te leren
een taalapp voor nieuwkomers die Nederlands oefent
een digitale tweeling van de stad om overstromingen te voorspellen
een AI-filter tegen haatberichten op het forum van de gemeente
een reparatiecafé voor oude telefoons en laptops
een sticker op brieven die door een computer zijn geschreven
jongeren die ouderen helpen met hun smartphone
AI die bomen in de stad telt en hun gezondheid meet
een regionale rekenkamer die algoritmes controleert
een gratis cursus over online privacy voor ouders
een proef met AI-vertaling bij de huisarts
AI die de afvalinzameling efficiënter plant
een meldknop in apps van de gemeente voor als iets niet klopt
een bibliotheek waar je een VR-bril kunt lenen
programmeerles op elke basisschool vanaf groep 6
een ethische commissie met gewone bewoners voor nieuwe technologie
een zoekmachine voor alle regels en vergunningen in begrijpelijke taal
lokale opslag van zonne-energie geregeld door slimme software
een maximum aan schermtijd in de kinderopvang
een spreekuur over digitale nalatenschap
AI die eenzaamheid herkent in gesprekken met de gemeente niet toestaan
een cursus voor ambtenaren over vooroordelen in data
een buurtcomputer voor wie thuis geen internet heeft
open wifi-hotspots op pleinen in de dorpen
een AI-proef die gaten in de weg herkent met camera's op vuilniswagens
kinderen leren hoe reclame op sociale media werkt
een lijst van gegevens die de gemeente over jou heeft, op te vragen met één klik
een week van de digitale vaardigheden in de hele regio
burgers laten stemmen over welke AI-projecten doorgaan
een helpdesk voor kleine ondernemers die AI willen gebruiken
een AI die parkeerplekken zoekt zodat er minder rondgereden wordt
het verplicht maken van uitleg in gewone taal bij elke automatische boete
een gratis training voor leraren over AI in de klas
een open archief met oude foto's van de stad, doorzoekbaar met AI
een alarmknop voor ouderen die alleen wonen die werkt zonder smartphone
sensoren die de luchtkwaliteit bij scholen meten
een maandelijkse inloop waar je leert apps veilig in te stellen
digitale wachtlijsten voor sociale huur die je zelf kunt inzien
een regel dat AI nooit als enige beslist over jeugdzorg
een proef met een AI-assistent voor mantelzorgers
een schrijfwedstrijd voor jongeren over de toekomst met AI
een online buurtbibliotheek om gereedschap te lenen
een app die laat zien waar je gratis water kunt tappen
een verbod op reclame voor gokken in het openbaar vervoer
een spelavond voor ouderen en jongeren samen
een moestuin bij elk verzorgingshuis
een fietsles voor volwassenen die nooit hebben leren fietsen
een gezondheidsweek op het werk bij de gemeente
een wandeling met de wijkagent elke maand
een stiltecentrum in het drukke stadscentrum
een zwembad dat 's avonds open is voor werkenden
een training voor buurtbewoners om een AED te gebruiken
een liedjesfestival over gezond leven voor kinderen
een gratis griepprik op het werk
een wachtkamer bij de huisarts met boeken in meerdere talen
een buurtcommissie die let op verkeersveiligheid rond scholen
een kinderburgemeester die advies geeft over speelplekken
een sportdag voor mensen met een beperking
een regionale dag van de mantelzorg met gratis activiteiten
een volkstuinencomplex met een kas voor de winter
een plek waar tieners gratis kunnen muziek maken
""".strip().splitlines()
