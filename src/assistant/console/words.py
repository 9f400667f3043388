"""The console's words, Dutch first and English second, with the one-line definition of every
figure beside its label (staff asked other systems for exactly that: what does a number count)."""

from __future__ import annotations

LANGUAGES = ("nl", "en")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Metropool-assistent: medewerkers", "Metropool assistant: staff"),
    "nav_insight": ("Inzicht", "Insight"),
    "nav_gaps": ("Inhoud", "Content"),
    "nav_ideas": ("Ideeën", "Ideas"),
    "switch": ("English", "Nederlands"),
    "sign_out": ("Uitloggen", "Sign out"),
    "sign_in_title": ("Inloggen op de console", "Sign in to the console"),
    "sign_in_text": (
        "Deze link werkt één keer en 15 minuten lang. Klik op de knop om in te loggen.",
        "This link works once and for 15 minutes. Press the button to sign in.",
    ),
    "sign_in": ("Inloggen", "Sign in"),
    "refused_title": ("Geen toegang", "No access"),
    "link_bad": (
        "Deze link is ongeldig, verlopen of al gebruikt. Vraag in Telegram een nieuwe met "
        "/inzicht.",
        "This link is invalid, expired or already used. Ask for a new one in Telegram with "
        "/inzicht.",
    ),
    "no_session": (
        "Je bent niet (meer) ingelogd. Vraag in Telegram een link met /inzicht.",
        "You are not signed in (any more). Ask for a link in Telegram with /inzicht.",
    ),
    "no_role": (
        "Dit deel is voor {role}. Je rol geeft geen toegang.",
        "This part is for {role}. Your role does not give access.",
    ),
    "role_moderators": ("moderatoren", "moderators"),
    "role_maintainers": ("beheerders van de inhoud", "content maintainers"),
    "csrf": (
        "Dit formulier is verlopen of kwam niet van deze pagina. Laad de pagina opnieuw.",
        "This form expired or did not come from this page. Reload the page.",
    ),
    "done": ("Gedaan.", "Done."),
    "csv": ("CSV downloaden", "Download CSV"),
    "table": ("Tabel", "Table"),
    "none_yet": ("Nog niets.", "Nothing yet."),
    # insight
    "weekly": ("Vragen per week", "Questions per week"),
    "weekly_def": (
        "Alle vragen aan de assistent per ISO-week (maandag tot zondag, UTC), beantwoord of niet.",
        "All questions to the assistant per ISO week (Monday to Sunday, UTC), answered or not.",
    ),
    "week": ("Week", "Week"),
    "questions": ("Vragen", "Questions"),
    "reached": ("Meest bereikte delen van de teksten", "Parts of the texts reached most"),
    "reached_def": (
        "Per deel: vragen die er direct mee beantwoord werden, en de duimen omhoog en omlaag "
        "(👍/👎) op de getoonde fragmenten van dat deel.",
        "Per part: questions answered outright with it, and the thumbs up and down (👍/👎) on "
        "the shown excerpts of that part.",
    ),
    "section": ("Deel van de tekst", "Part of the text"),
    "answered": ("Beantwoord", "Answered"),
    "up": ("Duim omhoog", "Thumbs up"),
    "down": ("Duim omlaag", "Thumbs down"),
    "by_place": ("Ideeën per thema en gemeente", "Ideas per theme and municipality"),
    "by_place_def": (
        "Ideeën die wachten of goedgekeurd zijn. Minder dan 5 tonen we als '< 5', zodat "
        "niemand herkenbaar is; daarom staan er geen totalen bij.",
        "Ideas pending or approved. Fewer than 5 show as '< 5', so no one can be recognised; "
        "that is why there are no totals.",
    ),
    "theme": ("Thema", "Theme"),
    "municipality": ("Gemeente", "Municipality"),
    "not_given": ("(niet opgegeven)", "(not given)"),
    "ideas": ("Ideeën", "Ideas"),
    "by_related": ("Ideeën per deel van de voorstellen", "Ideas per part of the proposals"),
    "by_related_def": (
        "Ideeën (wachtend of goedgekeurd) bij het deel van de teksten dat er het meest op "
        "lijkt, boven de gekalibreerde drempel; ideeën zonder zo'n deel tellen niet mee.",
        "Ideas (pending or approved) by the part of the texts closest to them, above the "
        "calibrated floor; ideas without such a part are not counted.",
    ),
    "groups": ("Grootste groepen van vergelijkbare ideeën", "Largest groups of similar ideas"),
    "groups_def": (
        "Ideeën van hetzelfde thema die sterk op elkaar lijken (gekalibreerde drempel), met "
        "het eerste idee van de groep.",
        "Ideas of one theme much alike (calibrated threshold), with the group's first idea.",
    ),
    "size": ("Aantal", "Size"),
    "first_idea": ("Eerste idee", "First idea"),
    # gaps
    "gaps_title": ("Waar de teksten tekortschieten", "Where the texts fall short"),
    "per_section": ("Per deel van de tekst", "Per part of the text"),
    "per_section_def": (
        "Vragen per dichtstbijzijnde deel: beantwoord (direct), 'bedoelde je' (aangeboden als "
        "mogelijk antwoord), keuzes uit 'bedoelde je', duimpjes, en geleerde formuleringen.",
        "Questions per nearest part: answered (outright), 'did you mean' (offered as a possible "
        "answer), choices from 'did you mean', thumbs, and learned phrasings.",
    ),
    "answer_rate": ("Beantwoord", "Answered"),
    "maybe_rate": ("'Bedoelde je'", "'Did you mean'"),
    "chosen": ("Gekozen", "Chosen"),
    "learned": ("Geleerd", "Learned"),
    "now_answered": ("Nu beantwoord", "Now answered"),
    "now_answered_def": (
        "Bewoners wier vraag een beheerder aan dit deel toewees en die de huidige index nu "
        "direct met dit deel beantwoordt (opnieuw gesteld, na de laatste herindexering).",
        "Residents whose question a maintainer assigned to this part and that the current "
        "index now answers outright with it (asked again, after the last re-index).",
    ),
    "open_title": ("Onbeantwoorde vragen", "Unanswered questions"),
    "open_def": (
        "Vragen zonder direct antwoord, per dichtstbijzijnde deel, zolang hun tekst bewaard "
        "wordt ({days} dagen); daarna tellen we ze alleen.",
        "Questions without an outright answer, per nearest part, while their text is kept "
        "({days} days); after that they are only counted.",
    ),
    "texts_gone": (
        "{n} oudere zonder tekst (bewaartermijn)",
        "{n} older without text (retention)",
    ),
    "assign": ("Hoort bij", "Belongs to"),
    "assign_button": ("Toevoegen als formulering", "Add as phrasing"),
    "outside_button": ("Niet in onze teksten", "Not in our texts"),
    "phrasing_saved": (
        "Opgeslagen als formulering van '{section}'. De volgende herindexering (/reindex) "
        "gebruikt haar.",
        "Saved as a phrasing of '{section}'. The next re-index (/reindex) uses it.",
    ),
    "marked_outside": ("Gemarkeerd als 'niet in onze teksten'.", "Marked 'not in our texts'."),
    "question_gone": ("Die vraag bestaat niet meer.", "That question no longer exists."),
    "unknown_section": ("Onbekend deel van de tekst.", "Unknown part of the text."),
    "no_nearest": ("(geen deel in de buurt)", "(no part nearby)"),
    "maybe": ("bedoelde je", "did you mean"),
    # ideas
    "queue": ("Ideeën beoordelen", "Review ideas"),
    "filter": ("Filteren", "Filter"),
    "all": ("(alle)", "(all)"),
    "status": ("Status", "Status"),
    "related": ("Sluit aan bij", "Related to"),
    "group": ("Groep", "Group"),
    "similar": ("Lijkt op", "Similar to"),
    "contact": ("Contact", "Contact"),
    "contact_no": ("geen contact gewenst", "no contact wanted"),
    "approve": ("Goedkeuren", "Approve"),
    "reject": ("Afwijzen", "Reject"),
    "reason": ("Reden (de inzender ziet die)", "Reason (the author sees it)"),
    "hide": ("Verbergen", "Hide"),
    "duplicate": ("Dubbel van #", "Duplicate of #"),
    "group_duplicates": (
        "Markeer de hele groep als dubbel van #{first}",
        "Mark the whole group as duplicates of #{first}",
    ),
    "group_approve": ("Keur de hele groep goed", "Approve the whole group"),
    "shown_of": ("{shown} van {total} ideeën", "{shown} of {total} ideas"),
    "next_page": ("Volgende", "Next"),
    "already": ("Al afgehandeld: nu {status}.", "Already handled: now {status}."),
    "refused": ("Niet gedaan: {why}", "Not done: {why}"),
    "changed": ("#{number}: nu {status}.", "#{number}: now {status}."),
    "status_pending": ("wacht op beoordeling", "awaiting review"),
    "status_approved": ("goedgekeurd", "approved"),
    "status_rejected": ("afgewezen", "rejected"),
    "status_hidden": ("verborgen", "hidden"),
    "status_duplicate": ("dubbel", "duplicate"),
    "age": ("Leeftijd", "Age"),
    "submitted": ("Ingestuurd", "Submitted"),
    "author": ("Inzender", "Author"),
}


def word(lang: str, key: str, **values: object) -> str:
    """The text for ``key`` in ``lang`` (Dutch when the language is unknown), filled in."""
    nl, en = WORDS[key]
    text = en if lang == "en" else nl
    return text.format(**values) if values else text
