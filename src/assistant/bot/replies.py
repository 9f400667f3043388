"""Turn search answers into Telegram HTML and inline keyboards (pure functions, no I/O)."""

from __future__ import annotations

import html
import random

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistant.bot import callbacks, texts, wording
from assistant.knowledge import ABOUT_HEADING, KnowledgeBase
from assistant.retrieval.search import Hit

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
    """The source line: the document, (for a proposal) its author, and its date."""
    p = hit.passage
    doc = knowledge.document(p.doc_id)
    section = doc.section(p.section_id) if doc else None
    date = wording.day(lang, p.date)  # "11 juli 2023", as people write a date
    if section is not None and section.is_about:
        return texts.html(lang, "answer_source_about", title=p.doc_title)
    if p.kind == "scenario":
        return texts.html(lang, "answer_source_scenario", title=p.doc_title, date=date)
    return texts.html(
        lang,
        "answer_source_proposal",
        title=p.doc_title,
        date=date,
        publisher=doc.publisher if doc else "",
    )


def frame_html(lang: str, hit: Hit, knowledge: KnowledgeBase) -> str:
    """What kind of text this is, said before its words: a scenario is an imagined future, a
    proposal a proposal of a named organisation; neither is policy."""
    p = hit.passage
    doc = knowledge.document(p.doc_id)
    if p.kind == "scenario":
        return texts.html(lang, "answer_frame_scenario", title=p.doc_title, year=p.date.year)
    return texts.html(
        lang,
        "answer_frame_proposal",
        title=p.doc_title,
        year=p.date.year,
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


BUTTON_LABEL = 48  # characters of a heading on a button (Telegram cuts longer ones anyway)


def maybe_html(lang: str, hits: tuple[Hit, ...], knowledge: KnowledgeBase, note: str = "") -> str:
    """The reply to a question without a sure answer: the likely sections, one per line."""
    parts = "\n".join(
        f"• <b>{html.escape(heading(lang, h, knowledge), quote=False)}</b> "
        f"(<i>{html.escape(h.passage.doc_title, quote=False)}</i>)"
        for h in hits
    )
    offer = texts.html(lang, "no_answer_nearest", parts=texts.Html(parts))
    return "\n\n".join(filter(None, [offer, note]))


def maybe_keyboard(
    lang: str, question_id: int, hits: tuple[Hit, ...], knowledge: KnowledgeBase
) -> InlineKeyboardMarkup:
    """One button per section a maybe offers; the press shows it and logs the choice."""
    rows = []
    for rank, hit in enumerate(hits):
        label = heading(lang, hit, knowledge)
        if len(label) > BUTTON_LABEL:
            label = label[: BUTTON_LABEL - 1].rstrip() + "…"
        rows.append(
            [
                InlineKeyboardButton(
                    texts.plain(lang, "btn_nearest", heading=label),
                    callback_data=callbacks.NEAREST.data(question=question_id, rank=rank),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def hit_html(lang: str, hit: Hit, knowledge: KnowledgeBase) -> str:
    """One hit, in reading order for someone who does not know the texts: the heading, what
    kind of text it is (the frame), a plain summary in the resident's language (B1 Dutch or
    English, the section's ``kort``), the source's own words (the excerpt), the source.

    The answer to "what is this document" is the maintainers' own ``over`` text, in the
    resident's language, with no frame or excerpt of its own.
    """
    p = hit.passage
    doc = knowledge.document(p.doc_id)
    section = doc.section(p.section_id) if doc else None
    title = "📄 <b>" + html.escape(heading(lang, hit, knowledge), quote=False) + "</b>"
    source = "<i>" + source_html(lang, hit, knowledge) + "</i>"
    if section is not None and section.is_about:
        about = html.escape(section.kort.get(lang, p.text), quote=False)
        return "\n".join([title, about, source])
    summary = section.kort.get(lang, "") if section is not None else ""
    lines = [
        title,
        "<i>" + frame_html(lang, hit, knowledge) + "</i>",
        texts.html(lang, "answer_in_short", summary=summary) if summary else "",
        texts.html(lang, "answer_words", excerpt=hit.excerpt),
        source,
    ]
    return "\n".join(line for line in lines if line)


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
        # "👍 bij 2", not "👍 2": a number beside a thumb reads as a count of votes
        label = texts.plain(lang, "btn_vote_for", rank=rank + 1) if count > 1 or first_rank else ""
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
