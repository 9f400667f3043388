"""Ideas beside the proposals and beside each other, for the bot: what the idea flow, /review,
/stats and /export show, computed off the event loop.

Encoding runs in a worker thread (it takes milliseconds to tens of milliseconds); everything
that reads the database runs on the database's own thread (``Database.call``), like every other
store call. What another resident may see is decided by ``IdeaMatcher.similar``'s statuses.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import numpy as np

from assistant.bot import texts
from assistant.bot.context import Services
from assistant.ideas.model import VISIBLE, Idea
from assistant.similar_ideas import RelatedSection, SimilarIdea

log = logging.getLogger(__name__)
RESIDENT_SEES = ("approved",)  # never pending, hidden, rejected or duplicate ideas of others
MODERATOR_SEES = VISIBLE


@dataclass(frozen=True)
class Matches:
    """What an idea relates to: sections of the sources, and close ideas."""

    vector: np.ndarray
    related: list[RelatedSection]
    similar: list[SimilarIdea]


async def embed(services: Services, text: str) -> np.ndarray:
    """An idea's vector, encoded in a worker thread (cached for a text seen before)."""
    return await asyncio.to_thread(services.matcher.embed, text)


async def matches(
    services: Services,
    text: str,
    statuses: tuple[str, ...],
    exclude: tuple[int, ...] = (),
    idea_id: int | None = None,
    theme: str = "",
) -> Matches:
    """Related sections and close ideas with one of ``statuses`` on the idea's ``theme`` for
    an idea's text (a stored idea's own vector when it has one)."""
    matcher = services.matcher
    if idea_id is not None:
        vector = await services.db.call(matcher.vector_of, idea_id, text)
    else:
        vector = await embed(services, text)
    related = await asyncio.to_thread(matcher.related, vector, text, theme)
    similar = await services.db.call(
        matcher.similar, vector, text=text, statuses=statuses, exclude=exclude, theme=theme or None
    )
    return Matches(vector, related, similar)


def related_lines(lang: str, related: list[RelatedSection]) -> str:
    """The related sections as HTML lines."""
    return "\n".join(
        texts.html(lang, "idea_related_line", heading=r.heading, title=r.doc_title, year=r.year)
        for r in related
    )


def section_label(related: RelatedSection) -> str:
    """A related section in one line, for exports and statistics."""
    return f"{related.heading} ({related.doc_title})"


async def reembed(services: Services, batch: int = 32) -> int:
    """Give ideas without a vector of the model in service one, a batch at a time (at start,
    after a model change, after a re-index); residents are served in between."""
    matcher = services.matcher
    done = 0
    while True:
        todo = await services.db.call(matcher.vectors.without_vector, matcher.model, batch)
        if not todo:
            break
        vectors = await asyncio.to_thread(
            matcher.retriever.encoder.encode_queries, [text for _, text in todo]
        )
        for (idea_id, _), vector in zip(todo, vectors, strict=True):
            await services.db.call(
                matcher.vectors.put, idea_id, matcher.stored(np.asarray(vector, np.float32))
            )
        done += len(todo)
    if done:
        log.info("idea vectors computed: %d", done)
    return done


@dataclass(frozen=True)
class Overview:
    """For /stats and /export: each idea's related section and group."""

    related: dict[int, str]  # idea id -> section label ("" when none is close enough)
    cluster: dict[int, int]  # idea id -> smallest idea id of its group


async def overview(services: Services, ideas: list[Idea]) -> Overview:
    """Related section and group of every idea in ``ideas``."""
    matcher = services.matcher
    ids = [i.id for i in ideas]
    clusters = await services.db.call(matcher.clusters, ids)
    vectors = await services.db.call(matcher.stored_vectors, ids)
    for idea in ideas:  # stored before its vector (a crash, or a model change): encode now
        if idea.id not in vectors:
            vectors[idea.id] = await embed(services, idea.text)
    sections = await services.db.call(matcher.nearest_sections, vectors)
    return Overview(
        related={i: section_label(sections[i]) if i in sections else "" for i in ids},
        cluster=clusters,
    )
