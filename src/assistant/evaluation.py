"""Retrieval quality on a question set: recall@1/@3, MRR, out-of-scope rejection, answer rate,
and the calibration of an encoder's weights and threshold.

Relevance is judged per section (``document-id#section-id``), so the figures survive changes to
how sections are cut into passages. Every set is split into two fixed halves, balanced by scope
and language: settings are calibrated on one half and the figures reported on the other, so a
threshold never flatters the questions it was chosen on.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import yaml

from assistant.errors import KnowledgeError
from assistant.retrieval.calibration import Tuning
from assistant.retrieval.search import MAYBE_SECTIONS, Answer, Retriever

Half = Literal["calibration", "report", "all"]


@dataclass(frozen=True)
class EvalQuestion:
    """A resident question and the sections that answer it (none: out of scope)."""

    text: str
    lang: str
    expect: tuple[str, ...]
    paraphrase: bool = False
    kind: str = ""  # e.g. everyday, typo, place, oos-greeting (resident set)

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
    # Not answered, but a section offered as a "maybe" (Answer.nearest): in scope and the
    # right one, as a share of the in-scope questions; out of scope, of those out of scope.
    offered_right: float = 0.0
    offered_out_of_scope: float = 0.0


def load_questions(path: Path, known_sections: set[str] | None = None) -> list[EvalQuestion]:
    """Read a question set; every expected section must exist when ``known_sections`` is given."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for i, row in enumerate(data.get("questions", [])):
        expect = tuple(row.get("expect") or ())
        unknown = [s for s in expect if known_sections is not None and s not in known_sections]
        if unknown:
            raise KnowledgeError(
                str(path), f"unknown section '{unknown[0]}'", field=f"questions[{i}].expect"
            )
        out.append(
            EvalQuestion(
                text=str(row["q"]),
                lang=str(row.get("lang", "nl")),
                expect=expect,
                paraphrase=bool(row.get("paraphrase", False)),
                kind=str(row.get("kind", "")),
            )
        )
    return out


def half(questions: list[EvalQuestion], which: Half) -> list[EvalQuestion]:
    """One fixed half of a question set: within each group of scope and language, questions
    ordered by a hash of their text go alternately to calibration and report."""
    if which == "all":
        return list(questions)
    chosen: list[EvalQuestion] = []
    key = lambda q: (q.in_scope, q.lang)  # noqa: E731
    for _, group in itertools.groupby(sorted(questions, key=key), key=key):
        ordered = sorted(group, key=lambda q: hashlib.sha256(q.text.encode()).hexdigest())
        chosen += ordered[0 if which == "calibration" else 1 :: 2]
    return chosen


def _rank(answer: Answer, expect: tuple[str, ...]) -> int | None:
    for rank, hit in enumerate(answer.hits, start=1):
        if hit.passage.section_key in expect:
            return rank
    return None


def evaluate(retriever: Retriever, questions: list[EvalQuestion]) -> EvalReport:
    """Run every question through the retriever and compute the figures."""
    inside = [q for q in questions if q.in_scope]
    outside = [q for q in questions if not q.in_scope]
    r1 = r3 = answered = rejected = offered_right = offered_out = 0
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
        offered_right += answer.verdict == "maybe" and answer.shown[0].passage.section_key in (
            q.expect
        )
        if rank is None or rank > 3:
            misses.append(q.text)
    for q in outside:
        answer = retriever.search(q.text)
        rejected += not answer.answered
        offered_out += answer.verdict == "maybe"
        if answer.answered:
            false_answers.append(q.text)
    n_in, n_out = max(1, len(inside)), max(1, len(outside))
    return EvalReport(
        mode=retriever.mode,
        in_scope=len(inside),
        out_of_scope=len(outside),
        recall_at_1=r1 / n_in,
        recall_at_3=r3 / n_in,
        mrr=rr / n_in,
        answer_rate=answered / n_in,
        rejection_rate=rejected / n_out,
        misses=tuple(misses),
        false_answers=tuple(false_answers),
        offered_right=offered_right / n_in,
        offered_out_of_scope=offered_out / n_out,
    )


def format_reports(reports: list[EvalReport]) -> str:
    """A plain-text table of reports, one row per mode."""
    lines = [
        f"{'mode':<8} {'R@1':>5} {'R@3':>5} {'MRR':>5} {'answered':>8} {'OOS-rej':>7}"
        f" {'maybe-in':>8} {'maybe-out':>9}"
        f"   ({reports[0].in_scope} in scope, {reports[0].out_of_scope} out of scope)"
    ]
    for r in reports:
        lines.append(
            f"{r.mode:<8} {r.recall_at_1:5.2f} {r.recall_at_3:5.2f} {r.mrr:5.2f} "
            f"{r.answer_rate:8.2f} {r.rejection_rate:7.2f}"
            f" {r.offered_right:8.2f} {r.offered_out_of_scope:9.2f}"
        )
    lines.append(
        "(maybe-in: not answered, but the right section offered as a maybe, share of those in"
        " scope; maybe-out: out-of-scope questions offered a maybe)"
    )
    return "\n".join(lines)


def by_kind(retriever: Retriever, questions: list[EvalQuestion]) -> str:
    """R@3 (in scope) or rejection (out of scope) per kind of question, one line each."""
    lines = []
    kinds = sorted({q.kind for q in questions if q.kind})
    for kind in kinds:
        group = [q for q in questions if q.kind == kind]
        r = evaluate(retriever, group)
        figure = (
            f"R@1 {r.recall_at_1:.2f} R@3 {r.recall_at_3:.2f} answered {r.answer_rate:.2f}"
            if r.in_scope
            else f"rejected {r.rejection_rate:.2f}"
        )
        lines.append(f"  {kind:<16} n={len(group):<3} {figure}")
    return "\n".join(lines)


@dataclass(frozen=True)
class _Run:
    """One question's outcome under some settings: its rank and its confidence."""

    in_scope: bool
    rank: int | None
    confidence: float
    searched: bool  # False for greetings and services (never answered, whatever the threshold)
    outside: float = 0.0  # the classifier's probability that it is outside the texts
    inside: float = 0.0  # ... and of its likeliest section
    elsewhere: bool = False  # declined by the classifier (not by a greeting or service)

    def declined_at(self, ceiling: float) -> _Run:
        """This run as the outside ceiling would leave it (declined: not searched)."""
        if self.outside >= ceiling and self.outside > self.inside:
            return replace(self, searched=False, elsewhere=True)
        return self


def _runs(retriever: Retriever, questions: list[EvalQuestion]) -> list[_Run]:
    out = []
    for q in questions:
        answer = retriever.search(q.text)
        out.append(
            _Run(
                q.in_scope,
                _rank(answer, q.expect) if q.in_scope else None,
                answer.confidence,
                answer.intent is None,
                answer.outside,
                answer.inside,
                answer.elsewhere,
            )
        )
    return out


REJECT_WEIGHT = 0.55  # a wrong confident answer costs more trust than an honest "I don't know"


def _best_threshold(runs: list[_Run]) -> tuple[float, float]:
    """The threshold that best balances answering in-scope and rejecting out-of-scope
    questions (a weighted mean of the two rates, rejecting weighing a little more), at the
    middle of the best interval; and that mean."""
    inside = [r for r in runs if r.in_scope]
    outside = [r for r in runs if not r.in_scope]
    levels = sorted({round(r.confidence, 4) for r in runs if r.searched})
    cuts = (
        [0.0]
        + [(a + b) / 2 for a, b in itertools.pairwise(levels)]
        + [levels[-1] + 1e-3 if levels else 1.0]
    )
    scored = []
    for cut in cuts:
        answered = sum(r.searched and r.confidence >= cut for r in inside) / max(1, len(inside))
        rejected = sum(not (r.searched and r.confidence >= cut) for r in outside) / max(
            1, len(outside)
        )
        scored.append(((1 - REJECT_WEIGHT) * answered + REJECT_WEIGHT * rejected, cut))
    best = max(score for score, _ in scored)
    winners = [cut for score, cut in scored if score >= best - 1e-9]
    return winners[len(winners) // 2], best


def calibrate(retriever: Retriever, questions: list[EvalQuestion]) -> tuple[Tuning, str]:
    """Search the blend weights and the threshold on these questions (the calibration half).

    Ranking first (R@1 + R@3 + MRR), then the threshold that balances answering and rejecting;
    returns the tuning and a line on what was chosen."""
    base = replace(retriever.tuning, outside_ceiling=1.0)
    best: tuple[float, Tuning, list[_Run]] | None = None
    learned = (0.1, 0.2, 0.3, 0.5) if retriever.index.classifier is not None else (0.0,)
    # The lexical weight never drops to 0: a rare word of the texts (an example's name, a
    # term a maintainer just added) must find its section even where no phrasing has it, and
    # the question sets have few such questions to say so.
    for weight, offset, second, taught in itertools.product(
        (0.1, 0.2, 0.3), (0.0, 0.04, 0.1), (0.0, 0.25, 0.5), learned
    ):
        tuning = replace(
            base,
            lexical_weight=weight,
            probe_offset=offset,
            probe_second=second,
            classifier_weight=taught,
        )
        runs = _runs(retriever.with_tuning(tuning), questions)
        inside = [r for r in runs if r.in_scope]
        n = max(1, len(inside))
        ranking = (
            sum(r.rank == 1 for r in inside)
            + sum(r.rank is not None and r.rank <= 3 for r in inside)
            + sum(1 / r.rank for r in inside if r.rank)
        ) / n
        threshold, balance = _best_threshold(runs)
        score = ranking + 2 * balance
        if best is None or score > best[0] + 1e-9:
            best = (score, replace(tuning, hybrid_threshold=round(threshold, 4)), runs)
    assert best is not None
    _, tuning, runs = best
    # Then where the classifier's "outside the texts" alone may decline: the ceiling whose
    # threshold balances answering and rejecting best (1.0: never).
    ceilings = []
    for ceiling in (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4):
        declined = [r.declined_at(ceiling) for r in runs]
        threshold, balance = _best_threshold(declined)
        ceilings.append((balance, ceiling, threshold, declined))
    top = max(balance for balance, *_ in ceilings)
    _, ceiling, threshold, runs = next(c for c in ceilings if c[0] >= top - 1e-9)
    tuning = replace(tuning, outside_ceiling=ceiling, hybrid_threshold=round(threshold, 4))
    # Then how sure the texts must be to answer a message a service or everyday word points
    # elsewhere (the threshold stays: these questions are few).
    margins = []
    for margin in (1.0, 0.2, 0.1, 0.05, 0.0):
        trial = replace(tuning, intent_margin=margin)
        margins.append(
            (_best_threshold(_runs(retriever.with_tuning(trial), questions))[1], margin)
        )
    top = max(balance for balance, _ in margins)
    tuning = replace(tuning, intent_margin=next(m for b, m in margins if b >= top - 1e-9))
    dense, _ = _best_threshold(_runs(retriever.with_tuning(tuning).with_mode("dense"), questions))
    lexical, _ = _best_threshold(
        _runs(retriever.with_tuning(tuning).with_mode("lexical"), questions)
    )
    tuning = replace(
        tuning,
        dense_threshold=round(dense, 4),
        lexical_threshold=round(lexical, 4),
        suggest_threshold=round(_suggest_floor(runs, tuning), 4),  # the chosen blend's runs
    )
    return tuning, (
        f"lexical_weight={tuning.lexical_weight} probe_offset={tuning.probe_offset} "
        f"probe_second={tuning.probe_second} classifier_weight={tuning.classifier_weight} "
        f"outside_ceiling={tuning.outside_ceiling} intent_margin={tuning.intent_margin} "
        f"threshold={tuning.hybrid_threshold} "
        f"suggest={tuning.suggest_threshold}"
    )


def _suggest_floor(runs: list[_Run], tuning: Tuning) -> float:
    """Down to where a question below the threshold is a "maybe": the lowest confidence above
    which such questions are at least as often in scope, with the right section among those a
    maybe offers, as not. A question the classifier finds outside the texts is never a maybe.
    1.0 (never) when no such band exists: a maybe for questions mostly out of scope is noise."""
    declined = sorted(
        (
            r
            for r in runs
            if r.searched and not r.elsewhere and r.confidence < tuning.hybrid_threshold
        ),
        key=lambda r: -r.confidence,
    )
    useful = other = 0
    floor = 1.0
    for r in declined:
        if r.in_scope and r.rank is not None and r.rank <= MAYBE_SECTIONS:
            useful += 1
        else:
            other += 1
        if useful and useful >= other:
            floor = r.confidence
    return floor
