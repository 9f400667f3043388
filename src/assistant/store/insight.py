"""The figures of the staff console, read from the database in a few grouped queries each (the
pages must stay fast with 200,000 questions): questions and answers per section, unanswered
questions to triage, questions per week, ideas per theme and municipality.

Nothing here holds a Telegram id or name. Question texts are only what the retention rule left
(an empty text means it was deleted: counted, never shown).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from assistant.ideas.model import VISIBLE, Idea
from assistant.passages import section_of
from assistant.store.db import Database
from assistant.store.ideas import idea_from_row

SMALL = 5  # cells of fewer ideas than this are shown as "< 5" (they could point at a person)


@dataclass
class SectionFigures:
    """What residents asked near one section, and what they thought of the answers."""

    section: str
    questions: int = 0
    sure: int = 0
    maybe: int = 0
    none: int = 0
    texts_gone: int = 0  # unanswered questions whose text the retention rule deleted
    chosen: int = 0  # residents who picked this section from a "maybe"
    up: int = 0
    down: int = 0

    @property
    def answer_rate(self) -> float | None:
        """Share of the questions answered outright."""
        return self.sure / self.questions if self.questions else None

    @property
    def maybe_rate(self) -> float | None:
        """Share of the questions offered as a "did you mean"."""
        return self.maybe / self.questions if self.questions else None


@dataclass(frozen=True)
class OpenQuestion:
    """An unanswered (or only "maybe") question that no maintainer has triaged yet."""

    id: int
    text: str
    verdict: str
    nearest: str
    created_at: str


@dataclass(frozen=True)
class IdeaCell:
    """Ideas of one theme in one municipality; ``shown`` applies the small-cell rule."""

    theme: str
    municipality: str
    count: int

    @property
    def shown(self) -> str:
        """The count, or "< 5" for 1 to 4 ideas."""
        return f"< {SMALL}" if 0 < self.count < SMALL else str(self.count)


@dataclass
class Gaps:
    """The content-gap page: figures per section and the questions to triage."""

    sections: list[SectionFigures]
    open_questions: dict[str, list[OpenQuestion]] = field(default_factory=dict)


class InsightStore:
    """Grouped reads for the console; each method is one page part."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def sections(self) -> list[SectionFigures]:
        """Per nearest section: questions by verdict, deleted texts, maybe choices and votes
        (votes count on the section of the passage voted on); most asked first."""
        figures: dict[str, SectionFigures] = {}

        def of(key: str) -> SectionFigures:
            return figures.setdefault(key, SectionFigures(key))

        for nearest, verdict, n, gone in self.db.execute(
            "SELECT nearest, verdict, SUM(questions), SUM(gone) FROM question_counts "
            "GROUP BY nearest, verdict"
        ).fetchall():
            row = of(str(nearest))
            row.questions += int(n)
            setattr(row, str(verdict), getattr(row, str(verdict)) + int(n))
            if verdict != "sure":
                row.texts_gone += int(gone)
        for section, n in self.db.execute(
            "SELECT section, COUNT(*) FROM maybe_choices GROUP BY section"
        ).fetchall():
            of(str(section)).chosen += int(n)
        for passage, vote, n in self.db.execute(
            "SELECT passage_id, vote, COUNT(*) FROM feedback GROUP BY passage_id, vote"
        ).fetchall():
            row = of(section_of(str(passage)))
            if int(vote) > 0:
                row.up += int(n)
            else:
                row.down += int(n)
        return sorted(figures.values(), key=lambda f: (-f.questions, f.section))

    def open_questions(self, limit: int = 200) -> dict[str, list[OpenQuestion]]:
        """The newest untriaged questions that were not answered outright and still have
        their text, grouped by nearest section."""
        rows = self.db.execute(
            "SELECT q.id, q.text, q.verdict, q.nearest, q.created_at FROM questions q "
            "LEFT JOIN question_triage t ON t.question_id = q.id "
            "WHERE q.verdict <> 'sure' AND q.text <> '' AND t.question_id IS NULL "
            "ORDER BY q.id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        grouped: dict[str, list[OpenQuestion]] = {}
        for r in rows:
            grouped.setdefault(str(r[3]), []).append(
                OpenQuestion(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))
            )
        return grouped

    def gaps(self, limit: int = 200) -> Gaps:
        """Everything the content-gap page shows."""
        return Gaps(self.sections(), self.open_questions(limit))

    def question(self, question_id: int) -> OpenQuestion | None:
        """One question (for an action on it)."""
        r = self.db.execute(
            "SELECT id, text, verdict, nearest, created_at FROM questions WHERE id = ?",
            (question_id,),
        ).fetchone()
        return OpenQuestion(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4])) if r else None

    def residents_asking(self, texts: list[str]) -> dict[str, int]:
        """How many stored questions read like each text: the same after the database's own
        ``lower(trim(...))`` (the expression the index ``questions_same_text`` holds), applied to
        both sides so that they cannot normalise differently."""
        if not texts:
            return {}
        marks = ",".join("lower(trim(?))" for _ in texts)
        # only fixed expressions with '?' placeholders are interpolated (bandit B608)
        keys = [str(k) for k in self.db.execute(f"SELECT {marks}", texts).fetchone()]  # nosec B608
        rows = self.db.execute(
            f"SELECT lower(trim(text)), COUNT(*) FROM questions WHERE lower(trim(text)) IN "  # nosec B608
            f"({','.join('?' * len(set(keys)))}) GROUP BY lower(trim(text))",
            sorted(set(keys)),
        ).fetchall()
        counts = Counter({str(k): int(n) for k, n in rows})
        return {text: counts.get(key, 0) for text, key in zip(texts, keys, strict=True)}

    def per_week(self, weeks: int = 26, today: dt.date | None = None) -> list[tuple[str, int]]:
        """Questions per ISO week ("2026-W48"), the last ``weeks`` weeks, empty weeks as 0."""
        today = today or dt.datetime.now(dt.UTC).date()
        monday = today - dt.timedelta(days=today.weekday())
        first = monday - dt.timedelta(weeks=weeks - 1)
        counts: Counter[str] = Counter()
        for day, n in self.db.execute(
            "SELECT day, SUM(questions) FROM question_counts WHERE day >= ? GROUP BY day",
            (first.isoformat(),),
        ).fetchall():
            year, week, _ = dt.date.fromisoformat(str(day)).isocalendar()
            counts[f"{year}-W{week:02d}"] += int(n)
        out = []
        for n in range(weeks):
            year, week, _ = (first + dt.timedelta(weeks=n)).isocalendar()
            label = f"{year}-W{week:02d}"
            out.append((label, counts.get(label, 0)))
        return out

    def ideas_by_place(self) -> list[IdeaCell]:
        """Visible ideas (pending, approved) per theme and municipality ('' when not given)."""
        marks = ",".join("?" * len(VISIBLE))
        rows = self.db.execute(
            # only '?' placeholders are interpolated, the values are bound (bandit B608)
            f"SELECT theme, municipality, COUNT(*) FROM ideas WHERE status IN ({marks}) "  # nosec B608
            "GROUP BY theme, municipality ORDER BY theme, municipality",
            VISIBLE,
        ).fetchall()
        return [IdeaCell(str(t), str(m), int(n)) for t, m, n in rows]

    @staticmethod
    def _where(
        statuses: tuple[str, ...], theme: str, municipality: str
    ) -> tuple[str, list[object]]:
        marks = ",".join("?" * len(statuses))
        where = f"status IN ({marks})"
        args: list[object] = list(statuses)
        if theme:
            where += " AND theme = ?"
            args.append(theme)
        if municipality:
            where += " AND municipality = ?"
            args.append(municipality)
        return where, args

    def idea_ids(
        self,
        statuses: tuple[str, ...],
        theme: str = "",
        municipality: str = "",
        *,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[int]:
        """Numbers of the ideas with these statuses (and theme, municipality), oldest first:
        the queue filters on numbers and reads only the ideas of the page it shows."""
        where, args = self._where(statuses, theme, municipality)
        sql = f"SELECT id FROM ideas WHERE {where} ORDER BY id"  # nosec B608
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [int(r[0]) for r in self.db.execute(sql, args).fetchall()]

    def count_ideas(
        self, statuses: tuple[str, ...], theme: str = "", municipality: str = ""
    ) -> int:
        """How many ideas ``idea_ids`` would list."""
        where, args = self._where(statuses, theme, municipality)
        sql = f"SELECT COUNT(*) FROM ideas WHERE {where}"  # nosec B608
        return int(self.db.execute(sql, args).fetchone()[0])

    def fingerprint(self) -> tuple[int, int, str]:
        """A cheap summary that changes with any new, erased or moderated idea (count, sum of
        numbers, latest change): what the cached idea groups are keyed on."""
        count, total, latest = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(id), 0), COALESCE(MAX(updated_at), '') FROM ideas"
        ).fetchone()
        return int(count), int(total), str(latest)

    def ideas(self, ids: list[int]) -> dict[int, Idea]:
        """These ideas by number (those that exist)."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            f"SELECT * FROM ideas WHERE id IN ({marks})",  # nosec B608
            ids,
        ).fetchall()
        return {int(r["id"]): idea_from_row(r) for r in rows}

    def municipalities(self) -> list[str]:
        """The municipalities ideas name, for the queue's filter."""
        rows = self.db.execute(
            "SELECT DISTINCT municipality FROM ideas WHERE municipality <> '' "
            "ORDER BY municipality"
        ).fetchall()
        return [str(r[0]) for r in rows]
