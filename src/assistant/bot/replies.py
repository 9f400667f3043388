"""Turn search answers into Telegram HTML and inline keyboards (pure functions, no I/O)."""

from __future__ import annotations

import html
import random

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistant.bot import callbacks, texts, wording
from assistant.knowledge import ABOUT_HEADING, KnowledgeBase
from assistant.retrieval.search import Hit

FIRST_PAGE = 2  # hits in the first reply
PAGE = 3  # hits per "more results" page
MAX_REPLY = 4096
# The example questions the bot suggests (locale keys); each is answered from its intended
# section (tests/test_suggestions.py).
EXAMPLES = ("example_1", "example_2", "example_3", "example_4", "example_5", "example_6")


def examples(lang: str, count: int, rng: random.Random | None = None) -> list[str]:
    """``count`` different example questions, varied from reply to reply."""
    keys = (rng or random).sample(EXAMPLES, count)  # nosec B311 (variety, not security)
    return [texts.plain(lang, key) for key in keys]


def source_html(lang: str, hit: Hit, knowledge: KnowledgeBase) -> str:
    """The source line: a scenario is framed as an imagined future, a proposal as a proposal
    with its author; both with their date."""
    p = hit.passage
    doc = knowledge.document(p.doc_id)
    section = doc.section(p.section_id) if doc else None
    date = wording.day(lang, p.date)  # "11 juli 2023", as people write a date
    if section is not None and section.is_about:
        return texts.html(lang, "answer_source_about", title=p.doc_title)
    if p.kind == "scenario":
        return texts.html(
            lang, "answer_source_scenario", title=p.doc_title, date=date, year=p.date.year
        )
    return texts.html(
        lang,
        "answer_source_proposal",
        title=p.doc_title,
        date=date,
        publisher=doc.publisher if doc else "",
    )


def heading(lang: str, hit: Hit, knowledge: KnowledgeBase) -> str:
    """The heading a hit is shown under ("Over deze tekst: <title>" for a document's own
    "over" block)."""
    p = hit.passage
    doc = knowledge.document(p.doc_id)
    section = doc.section(p.section_id) if doc else None
    if section is not None and section.is_about:
        return f"{ABOUT_HEADING.get(lang, ABOUT_HEADING['nl'])}: {p.doc_title}"
    return p.heading


def nearest_keyboard(lang: str, question_id: int) -> InlineKeyboardMarkup:
    """The button under a "maybe this section" reply."""
    data = callbacks.NEAREST.data(question=question_id)
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(texts.plain(lang, "btn_nearest"), callback_data=data)]]
    )


def hit_html(lang: str, hit: Hit, knowledge: KnowledgeBase) -> str:
    """One hit: heading, excerpt (in English with a short English summary first) and source.

    The excerpt is the source's own Dutch words; the answer to "what is this document" is the
    maintainers' own ``over`` text, in the resident's language.
    """
    p = hit.passage
    doc = knowledge.document(p.doc_id)
    section = doc.section(p.section_id) if doc else None
    excerpt = html.escape(hit.excerpt, quote=False)
    if section is not None and section.is_about:
        excerpt = html.escape(section.kort.get(lang, p.text), quote=False)
    elif lang != "nl" and section is not None and section.kort.get(lang):
        excerpt = texts.html(lang, "answer_in_short", summary=section.kort[lang]) + "\n" + excerpt
    return texts.html(
        lang,
        "answer_hit",
        heading=heading(lang, hit, knowledge),
        excerpt=texts.Html(excerpt),
        source=texts.Html(source_html(lang, hit, knowledge)),
    )


def answer_html(
    lang: str, header_key: str, hits: list[Hit], knowledge: KnowledgeBase, note: str = ""
) -> str:
    """A reply with a header and hits; stays within Telegram's 4096 characters."""
    parts = [texts.html(lang, header_key)]
    for hit in hits:
        block = hit_html(lang, hit, knowledge)
        if len("\n\n".join([*parts, block, note])) > MAX_REPLY:
            break
        parts.append(block)
    if note:
        parts.append(note)
    return "\n\n".join(parts)


RUNNER_UP = 0.75  # a second hit is shown at once only if it clears the threshold by this
# share of the margin by which the best clears it (scale-free: e5 scores sit in a narrow band)


def first_page(hits: tuple[Hit, ...], threshold: float) -> list[Hit]:
    """The best hit, plus the next if it is good enough on its own and close to the best."""
    page = list(hits[:1])
    if page:
        margin = page[0].score - threshold
        page += [
            h
            for h in hits[1:FIRST_PAGE]
            if h.score >= threshold and h.score - threshold >= RUNNER_UP * margin
        ]
    return page


def idea_theme(knowledge: KnowledgeBase, hits: list[Hit]) -> str | None:
    """The idea theme whose own section is among the shown hits (the best hit first): the
    share-your-idea button belongs under that section only, not under every passage that
    mentions health or technology."""
    by_section = {f"{t.document}#{t.section}": t.id for t in knowledge.themes}
    for hit in hits:
        theme = by_section.get(hit.passage.section_key)
        if theme:
            return theme
    return None


def answer_keyboard(
    lang: str,
    question_id: int | None,
    shown: int,
    total: int,
    first_rank: int,
    count: int,
    theme_title: str | None,
    theme_id: str | None,
) -> InlineKeyboardMarkup:
    """Feedback per shown hit, "more results" while there are more, and the idea button
    (feedback and "more" refer to the logged question: without one, only the idea button)."""
    rows: list[list[InlineKeyboardButton]] = []
    logged = range(first_rank, first_rank + count) if question_id is not None else range(0)
    for rank in logged:
        label = f" {rank + 1}" if count > 1 or first_rank else ""
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_up") + label,
                    callback_data=callbacks.FEEDBACK.data(
                        question=question_id, rank=rank, vote="u"
                    ),
                ),
                InlineKeyboardButton(
                    texts.plain(lang, "btn_down") + label,
                    callback_data=callbacks.FEEDBACK.data(
                        question=question_id, rank=rank, vote="d"
                    ),
                ),
            ]
        )
    if shown < total and question_id is not None:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_more"),
                    callback_data=callbacks.MORE.data(question=question_id, shown=shown),
                )
            ]
        )
    if theme_id and theme_title:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_share_theme", theme=theme_title),
                    callback_data=callbacks.IDEA_FOR_THEME.data(theme=theme_id),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)
