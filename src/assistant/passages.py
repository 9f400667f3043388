"""Split document sections into passages of bounded length, the units that are indexed.

A passage never crosses a section; it is cut at paragraph boundaries, and at sentence
boundaries only when one paragraph alone is too long.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.knowledge import Document, Section
from assistant.text import split_paragraphs, split_sentences

MAX_CHARS = 700
# A last chunk shorter than this is joined to the one before it (which may then exceed
# MAX_CHARS by at most this much): a passage of one short line answers nothing on its own.
MIN_TAIL_CHARS = 200
# Bumped whenever the splitting rules change, so that old indexes are detected as stale.
SPLITTER_VERSION = "1"


@dataclass(frozen=True)
class Passage:
    """An indexed piece of a section, with everything needed to cite it."""

    id: str
    doc_id: str
    doc_title: str
    kind: str
    date: dt.date
    section_id: str
    heading: str
    themes: tuple[str, ...]
    text: str
    position: int  # the passage's place in its document, 0-based

    @property
    def section_key(self) -> str:
        """Identifies the section: ``doc_id#section_id``."""
        return f"{self.doc_id}#{self.section_id}"


def section_of(passage_id: str) -> str:
    """The section key ("doc#section") of a passage id ("doc#section#n", see ``split_documents``),
    for what stores passage ids without their passages (the question log, feedback)."""
    return passage_id.rsplit("#", 1)[0]


def _pack(units: Iterable[str], limit: int, sep: str) -> list[str]:
    """Greedily join units into chunks of at most ``limit`` characters."""
    chunks: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{sep}{unit}" if current else unit
        if current and len(candidate) > limit:
            chunks.append(current)
            current = unit
        else:
            current = candidate
    if current:
        if chunks and len(current) < MIN_TAIL_CHARS:
            chunks[-1] = f"{chunks[-1]}{sep}{current}"
        else:
            chunks.append(current)
    return chunks


def _section_chunks(section: Section, limit: int) -> list[str]:
    paragraphs = split_paragraphs(section.text)
    if section.examples:
        paragraphs.append("Voorbeelden en inspiratie: " + ", ".join(section.examples) + ".")
    units: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) <= limit:
            units.append(paragraph)
        else:
            units.extend(_pack(split_sentences(paragraph), limit, " "))
    return _pack(units, limit, "\n\n")


def split_document(doc: Document, limit: int = MAX_CHARS) -> list[Passage]:
    """All passages of one document, in reading order."""
    passages: list[Passage] = []
    for section in doc.sections:
        for n, chunk in enumerate(_section_chunks(section, limit)):
            passages.append(
                Passage(
                    id=f"{doc.id}#{section.id}#{n}",
                    doc_id=doc.id,
                    doc_title=doc.title,
                    kind=doc.kind,
                    date=doc.date,
                    section_id=section.id,
                    heading=section.heading,
                    themes=section.themes,
                    text=chunk,
                    position=len(passages),
                )
            )
    return passages


def split_documents(docs: Iterable[Document], limit: int = MAX_CHARS) -> list[Passage]:
    """All passages of all documents."""
    return [p for doc in docs for p in split_document(doc, limit)]
