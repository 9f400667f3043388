"""Exports of ideas for moderators: CSV that opens correctly in a (Dutch) spreadsheet, and JSON.

Authors appear as a pseudonym; name and Telegram id only for authors who agreed to be
contacted. Cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from pathlib import Path
from typing import Any

from assistant.ideas.model import Idea
from assistant.store.moderation import pseudonym

FIELDS = [
    "id",
    "theme",
    "status",
    "created_at",
    "author",
    "text",
    "answers",
    "municipality",
    "age_group",
    "contact_ok",
    "contact_name",
    "contact_telegram_id",
    "lang",
    "moderated_at",
    "moderation_reason",
    "duplicate_of",
    "related_section",  # the section of the sources the idea is closest to ("" if none is)
    "cluster",  # the smallest idea number of its group of similar ideas (its own if alone)
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def pseudonym_secret(configured: str, data_dir: Path) -> str:
    """The configured secret, else one generated once and kept in the data directory."""
    if configured:
        return configured
    path = data_dir / "pseudonym.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def export_row(idea: Idea, secret: str) -> dict[str, Any]:
    """One idea as an export record, pseudonymous unless its author consented to contact."""
    return {
        "id": idea.id,
        "theme": idea.theme,
        "status": idea.status,
        "created_at": idea.created_at,
        "author": pseudonym(secret, idea.author_id),
        "text": idea.text,
        "answers": idea.answers,
        "municipality": idea.municipality,
        "age_group": idea.age_group,
        "contact_ok": idea.contact_ok,
        "contact_name": idea.contact_name if idea.contact_ok else "",
        "contact_telegram_id": idea.author_id if idea.contact_ok else "",
        "lang": idea.lang,
        "moderated_at": idea.moderated_at or "",
        "moderation_reason": idea.moderation_reason or "",
        "duplicate_of": idea.duplicate_of or "",
    }


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        value = "; ".join(f"{k}: {v if v is not None else '-'}" for k, v in value.items())
    text = "" if value is None else str(value)
    if isinstance(value, bool):
        text = "ja" if value else "nee"
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(
    ideas: list[Idea],
    secret: str,
    *,
    related: dict[int, str] | None = None,
    clusters: dict[int, int] | None = None,
) -> bytes:
    """UTF-8 with BOM, ';'-separated, CRLF: what Dutch Excel and LibreOffice open as-is.
    ``related`` and ``clusters`` (per idea id) fill the columns of the same names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for idea in ideas:
        row = export_row(idea, secret)
        row["related_section"] = (related or {}).get(idea.id, "")
        row["cluster"] = (clusters or {}).get(idea.id, idea.id)
        writer.writerow([_cell(row[name]) for name in FIELDS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_json(
    ideas: list[Idea],
    secret: str,
    *,
    related: dict[int, str] | None = None,
    clusters: dict[int, int] | None = None,
) -> bytes:
    """A JSON list of export records (with ``related_section`` and ``cluster`` when given)."""
    records = []
    for idea in ideas:
        row = export_row(idea, secret)
        if related is not None:
            row["related_section"] = related.get(idea.id, "")
        if clusters is not None:
            row["cluster"] = clusters.get(idea.id, idea.id)
        records.append(row)
    return json.dumps(records, ensure_ascii=False, indent=2).encode("utf-8")
