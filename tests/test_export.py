"""The CSV export as a spreadsheet opens it: a cell that starts like a formula stays text.

Mutation tried (turned the test red): ``_FORMULA_START`` without ``+`` and ``-``.
"""

from __future__ import annotations

import csv
import io

import pytest

from assistant.export import to_csv
from assistant.ideas.model import Idea

DANGEROUS = ["+31 6 12345678 bel me", "-1+2 is wat ik bedoel", "@SUM(A1:A9)", "=1+1", "\tx"]


def idea(number: int, text: str) -> Idea:
    return Idea(
        id=number,
        theme="preventiecoalitie",
        text=text,
        answers={"voor_wie": text},
        municipality=text,
        contact_ok=False,
        contact_name="",
        author_id=7,
        lang="nl",
        status="pending",
        created_at="2026-12-01T10:00:00+00:00",
        updated_at="2026-12-01T10:00:00+00:00",
    )


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_starts_are_neutralised(text: str) -> None:
    data = to_csv([idea(1, text)], "secret").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data), delimiter=";"))
    for column in ("text", "municipality"):
        assert rows[0][column] == "'" + text
    assert rows[0]["answers"].startswith("voor_wie: ")  # not at the cell's start: left alone


def test_ordinary_text_is_left_as_it_is() -> None:
    data = to_csv([idea(1, "Meer groen in de wijk")], "secret").decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(data), delimiter=";"))
    assert row["text"] == "Meer groen in de wijk"
