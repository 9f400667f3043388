"""Assemble the retrieval service from settings: knowledge, encoder and a fresh index.

Shared by the CLI, the bot and the benchmarks, so that each opens the index the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from assistant.config import Settings
from assistant.errors import IndexMissing, IndexStale
from assistant.knowledge import KnowledgeBase, load_knowledge, with_learned
from assistant.retrieval.calibration import Tuning, load_idea_thresholds, load_tuning
from assistant.retrieval.encoder import Encoder, encoder_name, load_encoder
from assistant.retrieval.index import (
    IndexBuild,
    IndexStatus,
    Progress,
    build_index,
    index_status,
    open_index,
)
from assistant.retrieval.search import Retriever
from assistant.similar_ideas import UNCALIBRATED, IdeaMatcher, idea_tuning
from assistant.store.db import Database
from assistant.store.learned import LearnedStore

log = logging.getLogger(__name__)


@dataclass
class Service:
    """The loaded knowledge base and the retriever answering from the current index."""

    settings: Settings
    knowledge: KnowledgeBase
    retriever: Retriever


def model_name(settings: Settings) -> str:
    """The encoder name the settings select, as recorded in index manifests."""
    return encoder_name(settings.model, settings.query_prompt, settings.passage_prompt)


def make_encoder(settings: Settings) -> Encoder:
    """Load the encoder the settings name."""
    return load_encoder(
        settings.model, query_prompt=settings.query_prompt, passage_prompt=settings.passage_prompt
    )


def current_knowledge(settings: Settings, *, learned: bool = True) -> KnowledgeBase:
    """knowledge/, validated, with the phrasings maintainers learned in the console (stored in
    the database, so every replica's next re-index uses the same); ``learned=False`` for the
    evaluation, which measures the written content alone."""
    knowledge = load_knowledge(settings.knowledge_dir)
    if not learned:
        return knowledge
    db = Database(settings.database)
    try:
        return with_learned(knowledge, LearnedStore(db).by_section())
    finally:
        db.close()


def status(settings: Settings, knowledge: KnowledgeBase) -> IndexStatus:
    """Whether the index under the data directory matches this content and model."""
    return index_status(settings.index_dir, knowledge.content_hash, model_name(settings))


def rebuild(
    settings: Settings,
    encoder: Encoder,
    *,
    progress: Progress | None = None,
    learned: bool = True,
) -> tuple[KnowledgeBase, IndexBuild]:
    """Validate knowledge/ and build a new index aside (with the learned phrasings unless
    ``learned`` is off), then swap it in."""
    knowledge = current_knowledge(settings, learned=learned)
    return knowledge, build_index(knowledge, encoder, settings.index_dir, progress=progress)


def open_service(
    settings: Settings,
    *,
    build: bool = False,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    tuning: Tuning | None = None,
    learned: bool = True,
) -> Service:
    """Open the retriever; with ``build`` a missing or stale index is (re)built first.

    Without ``build`` a stale index is still served (with a warning); a missing one raises.
    The knowledge includes the learned phrasings unless ``learned`` is off (the evaluation).
    The encoder's calibration is loaded first (unless ``tuning`` is given, as when calibrating):
    a model without one refuses to start before anything slow happens.
    """
    if tuning is None:
        tuning = load_tuning(model_name(settings), settings.data_dir)
    knowledge = current_knowledge(settings, learned=learned)
    state = status(settings, knowledge)
    if not build:
        if not state.exists:
            raise IndexMissing(
                f"no index in {settings.index_dir}; build one with 'assistant index'"
            )
        if state.manifest is not None and state.manifest.model != model_name(settings):
            raise IndexStale(
                f"the index was built with model '{state.manifest.model}', the "
                f"setting is '{model_name(settings)}'; run 'assistant index'"
            )
        if state.stale_reasons:
            log.warning(
                "the index is stale: %s; run 'assistant index'", "; ".join(state.stale_reasons)
            )
    encoder = encoder or make_encoder(settings)
    if build and not state.usable:
        log.info("building the index: %s", "; ".join(state.stale_reasons) or "none exists yet")
        knowledge, _ = rebuild(settings, encoder, progress=progress, learned=learned)
    return Service(
        settings=settings,
        knowledge=knowledge,
        retriever=Retriever(open_index(settings.index_dir), encoder, tuning=tuning),
    )


def idea_matcher(
    settings: Settings, db: Database, retriever: Retriever, knowledge: KnowledgeBase
) -> IdeaMatcher:
    """Near-duplicates, groups and related sections of ideas, with this model's thresholds and
    the proposals of ``knowledge``'s idea themes."""
    name = model_name(settings)
    tuning = idea_tuning(load_idea_thresholds(name, settings.data_dir))
    if tuning == UNCALIBRATED:
        log.warning("no idea thresholds for the model %s: ideas are not compared", name)
    return IdeaMatcher(db, retriever, name, tuning, knowledge.proposal_sections())
