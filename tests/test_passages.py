"""Passages are bounded, stay inside their section and lose no text."""

from __future__ import annotations

from assistant.knowledge import load_knowledge
from assistant.passages import MAX_CHARS, MIN_TAIL_CHARS, split_documents
from assistant.text import split_sentences
from tests.conftest import KNOWLEDGE


def test_passage_invariants() -> None:
    kb = load_knowledge(KNOWLEDGE)
    passages = split_documents(kb.documents)
    assert len({p.id for p in passages}) == len(passages)
    for doc in kb.documents:
        own = [p for p in passages if p.doc_id == doc.id]
        assert [p.position for p in own] == list(range(len(own)))
        for section in doc.sections:
            parts = [p for p in own if p.section_id == section.id]
            assert parts, section.id
            assert all(p.heading == section.heading and p.themes == section.themes for p in parts)
            joined = " ".join(" ".join(p.text.split()) for p in parts)
            assert joined.startswith(" ".join(section.text.split()))  # no text lost, in order
    assert all(len(p.text) <= MAX_CHARS + MIN_TAIL_CHARS for p in passages)


def test_long_paragraph_is_cut_at_sentence_boundaries() -> None:
    kb = load_knowledge(KNOWLEDGE)
    long_section = next(
        p
        for p in split_documents(kb.documents, limit=200)
        if p.section_id == "technologie-dient-de-mens"
    )
    assert long_section.text.rstrip().endswith((".", "?", "!"))


def test_sentence_splitter_keeps_abbreviations() -> None:
    assert split_sentences("Samen met o.a. overheden. Het is 2040! Wat nu?") == [
        "Samen met o.a. overheden.",
        "Het is 2040!",
        "Wat nu?",
    ]
