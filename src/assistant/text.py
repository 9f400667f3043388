"""Text helpers shared by every layer: sentence splitting (passages and excerpts), control
characters, and lengths as Telegram counts them."""

from __future__ import annotations

import re

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) when the next
# word starts with a capital, digit or opening quote. "o.a. overheden" is therefore not split.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[’'\")\]]?\s+(?=[A-Z0-9À-Ý‘'\"(\[])")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping each sentence's own punctuation."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        flat = " ".join(paragraph.split())
        if not flat:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(flat):
            sentences.append(flat[start : match.start() + len(match.group(0).rstrip())].strip())
            start = match.end()
        sentences.append(flat[start:].strip())
    return [s for s in sentences if s]


def split_paragraphs(text: str) -> list[str]:
    """Split text at blank lines into whitespace-normalised paragraphs."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """Text without control characters other than tab and newlines: they show nothing, and
    PostgreSQL refuses NUL in text columns. Everything else is kept as typed."""
    return _CONTROL.sub("", text)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit of every Telegram limit and entity offset (an
    emoji is two), and so of the limits on what residents type."""
    return len(text.encode("utf-16-le")) // 2
