"""Retrieval quality on a question set: recall@1/@3, MRR, out-of-scope rejection, answer rate.

Relevance is judged per section (``document-id#section-id``), so the figures survive changes to
how sections are cut into passages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from assistant.errors import KnowledgeError
from assistant.retrieval.search import Answer, Retriever


@dataclass(frozen=True)
class EvalQuestion:
    """A resident question and the sections that answer it (none: out of scope)."""

    text: str
    lang: str
    expect: tuple[str, ...]
    paraphrase: bool = False

    @property
    def in_scope(self) -> bool:
        """Whether some section answers it."""
        return bool(self.expect)


@dataclass(frozen=True)
class EvalReport:
    """Quality figures of one retriever mode on one question set."""

    mode: str
    in_scope: int
    out_of_scope: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    answer_rate: float  # in-scope questions answered (not rejected)
    rejection_rate: float  # out-of-scope questions rejected
    misses: tuple[str, ...]  # in-scope questions whose right section was not in the top 3
    false_answers: tuple[str, ...]  # out-of-scope questions that got an answer


def load_questions(path: Path, known_sections: set[str] | None = None) -> list[EvalQuestion]:
    """Read a question set; every expected section must exist when ``known_sections`` is given."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for i, row in enumerate(data.get("questions", [])):
        expect = tuple(row.get("expect") or ())
        unknown = [s for s in expect if known_sections is not None and s not in known_sections]
        if unknown:
            raise KnowledgeError(str(path), f"unknown section '{unknown[0]}'",
                                 field=f"questions[{i}].expect")
        out.append(EvalQuestion(text=str(row["q"]), lang=str(row.get("lang", "nl")),
                                expect=expect, paraphrase=bool(row.get("paraphrase", False))))
    return out


def _rank(answer: Answer, expect: tuple[str, ...]) -> int | None:
    for rank, hit in enumerate(answer.hits, start=1):
        if hit.passage.section_key in expect:
            return rank
    return None


def evaluate(retriever: Retriever, questions: list[EvalQuestion]) -> EvalReport:
    """Run every question through the retriever and compute the figures."""
    inside = [q for q in questions if q.in_scope]
    outside = [q for q in questions if not q.in_scope]
    r1 = r3 = answered = rejected = 0
    rr = 0.0
    misses: list[str] = []
    false_answers: list[str] = []
    for q in inside:
        answer = retriever.search(q.text)
        rank = _rank(answer, q.expect)
        r1 += rank == 1
        r3 += rank is not None and rank <= 3
        rr += 1.0 / rank if rank else 0.0
        answered += answer.answered
        if rank is None or rank > 3:
            misses.append(q.text)
    for q in outside:
        answer = retriever.search(q.text)
        rejected += not answer.answered
        if answer.answered:
            false_answers.append(q.text)
    n_in, n_out = max(1, len(inside)), max(1, len(outside))
    return EvalReport(mode=retriever.mode, in_scope=len(inside), out_of_scope=len(outside),
                      recall_at_1=r1 / n_in, recall_at_3=r3 / n_in, mrr=rr / n_in,
                      answer_rate=answered / n_in, rejection_rate=rejected / n_out,
                      misses=tuple(misses), false_answers=tuple(false_answers))


def format_reports(reports: list[EvalReport]) -> str:
    """A plain-text table of reports, one row per mode."""
    lines = [f"{'mode':<8} {'R@1':>5} {'R@3':>5} {'MRR':>5} {'answered':>8} {'OOS-rej':>7}"
             f"   ({reports[0].in_scope} in scope, {reports[0].out_of_scope} out of scope)"]
    for r in reports:
        lines.append(f"{r.mode:<8} {r.recall_at_1:5.2f} {r.recall_at_3:5.2f} {r.mrr:5.2f} "
                     f"{r.answer_rate:8.2f} {r.rejection_rate:7.2f}")
    return "\n".join(lines)
