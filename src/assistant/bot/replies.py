"""Turn search answers into Telegram HTML and inline keyboards (pure functions, no I/O)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from assistant.bot import texts
from assistant.knowledge import KnowledgeBase
from assistant.retrieval.search import Hit

FIRST_PAGE = 2  # hits in the first reply
PAGE = 3  # hits per "more results" page
MAX_REPLY = 4096


def hit_html(lang: str, hit: Hit) -> str:
    """One hit: heading, excerpt and source line."""
    p = hit.passage
    return texts.get(lang, "answer_hit", heading=p.heading, excerpt=hit.excerpt,
                     title=p.doc_title, date=p.date.strftime("%d-%m-%Y"))


def answer_html(lang: str, header_key: str, hits: list[Hit], note: str = "") -> str:
    """A reply with a header and hits; stays within Telegram's 4096 characters."""
    parts = [texts.get(lang, header_key)]
    for hit in hits:
        block = hit_html(lang, hit)
        if len("\n\n".join([*parts, block, note])) > MAX_REPLY:
            break
        parts.append(block)
    if note:
        parts.append(note)
    return "\n\n".join(parts)


RUNNER_UP = 0.75  # a second hit is shown at once only if it scores this close to the best


def first_page(hits: tuple[Hit, ...], threshold: float) -> list[Hit]:
    """The best hit, plus the next if it is good enough on its own and close to the best."""
    page = list(hits[:1])
    if page:
        page += [h for h in hits[1:FIRST_PAGE]
                 if h.score >= threshold and h.score >= RUNNER_UP * page[0].score]
    return page


def idea_theme(knowledge: KnowledgeBase, hits: list[Hit]) -> str | None:
    """The idea theme the shown hits belong to, if any (the best hit decides first)."""
    theme_ids = {t.id for t in knowledge.themes}
    for hit in hits:
        for tag in hit.passage.themes:
            if tag in theme_ids:
                return tag
    return None


def answer_keyboard(lang: str, question_id: int | None, shown: int, total: int,
                    first_rank: int, count: int, theme_title: str | None,
                    theme_id: str | None) -> InlineKeyboardMarkup:
    """Feedback per shown hit, "more results" while there are more, and the idea button
    (feedback and "more" refer to the logged question: without one, only the idea button)."""
    rows: list[list[InlineKeyboardButton]] = []
    logged = range(first_rank, first_rank + count) if question_id is not None else range(0)
    for rank in logged:
        label = f" {rank + 1}" if count > 1 or first_rank else ""
        rows.append([
            InlineKeyboardButton(texts.label(lang, "btn_up") + label,
                                 callback_data=f"fb:{question_id}:{rank}:u"),
            InlineKeyboardButton(texts.label(lang, "btn_down") + label,
                                 callback_data=f"fb:{question_id}:{rank}:d"),
        ])
    if shown < total and question_id is not None:
        rows.append([InlineKeyboardButton(texts.label(lang, "btn_more"),
                                          callback_data=f"more:{question_id}:{shown}")])
    if theme_id and theme_title:
        rows.append([InlineKeyboardButton(texts.label(lang, "btn_share_theme", theme=theme_title),
                                          callback_data=f"idea:{theme_id}")])
    return InlineKeyboardMarkup(rows)
