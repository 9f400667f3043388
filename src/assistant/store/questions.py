"""The anonymous question log (no user ids): what was asked, whether it was answered, what was
shown, and residents' thumbs up/down on it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.passages import section_of
from assistant.store.db import Database, utcnow


@dataclass(frozen=True)
class LoggedQuestion:
    """A question as logged: its ranked passage ids, its verdict and what it showed (the hits
    as ``retrieval.search.hit_record`` wrote them: a re-index does not change them)."""

    id: int
    text: str
    lang: str
    answered: bool
    hits: tuple[str, ...]
    verdict: str
    shown: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Report:
    """What maintainers need to see what content is missing."""

    questions: int
    answered: int
    unanswered_top: list[tuple[str, int]]
    votes_up: int
    votes_down: int
    # per section: how many residents chose it from a maybe's offer
    maybe_chosen: list[tuple[str, int]] = field(default_factory=list)

    @property
    def feedback_ratio(self) -> float | None:
        """Share of thumbs up among all votes (None without votes)."""
        total = self.votes_up + self.votes_down
        return self.votes_up / total if total else None


class QuestionLog:
    """Stores questions and feedback without anything that identifies the resident."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def log(
        self,
        text: str,
        lang: str,
        answered: bool,
        confidence: float,
        hits: list[str],
        *,
        verdict: str | None = None,
        shown: Sequence[dict[str, Any]] = (),
    ) -> int:
        """Record a question, its ranked passages, its verdict and the hits it showed; returns
        its id."""
        verdict = verdict or ("sure" if answered else "none")
        nearest = section_of(hits[0]) if hits else ""  # for the console's content gaps
        now = utcnow()
        with self.db.transaction() as conn:
            row = conn.execute(
                "INSERT INTO questions (text, lang, answered, confidence, hits, verdict, shown, "
                "nearest, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    text,
                    lang,
                    int(answered),
                    confidence,
                    json.dumps(hits),
                    verdict,
                    json.dumps(list(shown), ensure_ascii=False),
                    nearest,
                    now,
                ),
            ).fetchone()
            conn.execute(
                "INSERT INTO question_counts (day, nearest, verdict, questions, gone) "
                "VALUES (?, ?, ?, 1, 0) ON CONFLICT (day, nearest, verdict) "
                "DO UPDATE SET questions = question_counts.questions + 1",
                (now[:10], nearest, verdict),
            )
            return int(row[0])

    def get(self, question_id: int) -> LoggedQuestion | None:
        """A logged question, if it exists."""
        row = self.db.execute("SELECT * FROM questions WHERE id = ?", (question_id,)).fetchone()
        if row is None:
            return None
        return LoggedQuestion(
            id=row["id"],
            text=row["text"],
            lang=row["lang"],
            answered=bool(row["answered"]),
            hits=tuple(json.loads(row["hits"])),
            verdict=row["verdict"],
            shown=tuple(json.loads(row["shown"])),
        )

    def choose(self, question_id: int, section: str) -> None:
        """Record which of a maybe's sections the resident chose (the last choice counts): a
        signal that this question belongs to that section, for the content-gap report."""
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO maybe_choices (question_id, section, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (question_id) DO UPDATE SET section = excluded.section, "
                "created_at = excluded.created_at",
                (question_id, section, utcnow()),
            )

    def vote(self, question_id: int, passage_id: str, vote: int) -> None:
        """Record (or change) a thumbs up (+1) or down (-1) on a shown passage."""
        if vote not in (-1, 1):
            raise ValueError("vote must be +1 or -1")
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO feedback (question_id, passage_id, vote, created_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (question_id, passage_id) DO UPDATE "
                "SET vote = excluded.vote, created_at = excluded.created_at",
                (question_id, passage_id, vote, utcnow()),
            )

    def totals(self) -> tuple[int, int, int, int]:
        """Questions, answered questions, thumbs up, thumbs down."""
        total, answered = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(answered), 0) FROM questions"
        ).fetchone()
        up, down = self.db.execute(
            "SELECT COALESCE(SUM(CASE WHEN vote = 1 THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN vote = -1 THEN 1 ELSE 0 END), 0) FROM feedback"
        ).fetchone()
        return int(total), int(answered), int(up), int(down)

    def report(self, top: int = 20) -> Report:
        """Totals, the most frequent unanswered questions and the feedback counts."""
        total, answered, up, down = self.totals()
        unanswered = self.db.execute(
            "SELECT lower(trim(text)) AS q, COUNT(*) AS n FROM questions WHERE answered = 0 "
            "AND text <> '' GROUP BY q ORDER BY n DESC, q LIMIT ?",
            (top,),
        ).fetchall()
        chosen = self.db.execute(
            "SELECT section, COUNT(*) AS n FROM maybe_choices GROUP BY section "
            "ORDER BY n DESC, section LIMIT ?",
            (top,),
        ).fetchall()
        return Report(
            questions=total,
            answered=answered,
            unanswered_top=[(str(r[0]), int(r[1])) for r in unanswered],
            votes_up=up,
            votes_down=down,
            maybe_chosen=[(str(r[0]), int(r[1])) for r in chosen],
        )

    def forget_old_texts(self, days: int, now: dt.datetime | None = None) -> int:
        """Delete the text of questions asked more than ``days`` days ago; returns how many.

        Residents write names and other personal details into questions ("groet, Joop"), and
        the log cannot tell whose a question was, so /vergeetmij cannot find it: the text goes
        after a fixed period instead. Whether it was answered, what was shown and the votes
        stay, for the figures. Ideas, drafts and everything else are not touched.
        """
        cutoff = (
            ((now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=days))
            .astimezone(dt.UTC)
            .isoformat(timespec="seconds")
        )
        (pending,) = self.db.execute(
            "SELECT COUNT(*) FROM questions WHERE created_at < ? AND text <> ''", (cutoff,)
        ).fetchone()
        if not pending:  # nothing to do: no write, no lock
            return 0
        with self.db.transaction() as conn:
            emptied = conn.execute(
                "SELECT substr(created_at, 1, 10) AS day, nearest, verdict, COUNT(*) "
                "FROM questions WHERE created_at < ? AND text <> '' "
                "GROUP BY substr(created_at, 1, 10), nearest, verdict",
                (cutoff,),
            ).fetchall()
            cursor = conn.execute(
                "UPDATE questions SET text = '' WHERE created_at < ? AND text <> ''", (cutoff,)
            )
            count = int(cursor.rowcount)
            for day, nearest, verdict, n in emptied:  # the console's counts of deleted texts
                conn.execute(
                    "UPDATE question_counts SET gone = gone + ? "
                    "WHERE day = ? AND nearest = ? AND verdict = ?",
                    (int(n), day, nearest, verdict),
                )
        self.db.purge(("questions",))  # no copy left in the log or in dead rows
        return count
