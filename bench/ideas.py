"""Ideas benchmark for one encoder: near-duplicate detection quality, similar-ideas lookup
latency and clustering time on a synthetic set of ideas with known groups
(``bench/synthetic_ideas.py``: paraphrases of 200 base ideas).

The near-duplicate threshold is chosen on the base ideas of one half (even numbers: the lowest
cosine whose precision is at least 0.9, for the best recall) and reported on the other half.
Lookups and clustering run through the product's own code (``IdeaMatcher`` on a real SQLite
file holding every idea and its vector). ``--write-calibration`` stores the thresholds in the
encoder's shipped calibration (its ``ideas`` block).

    python -m bench.ideas --model usem3 --ideas 10000 [--write-calibration]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.knowledge import load_knowledge
from assistant.retrieval.calibration import SHIPPED, load_tuning, slug
from assistant.retrieval.encoder import encoder_name, load_encoder
from assistant.retrieval.index import build_index, open_index
from assistant.retrieval.search import Retriever
from assistant.similar_ideas import IdeaMatcher, IdeaTuning, to_stored
from assistant.store.db import Database, utcnow
from assistant.store.idea_vectors import write_vector
from bench.common import percentiles
from bench.synthetic_ideas import SyntheticIdea, base_count, ideas

REPO = Path(__file__).resolve().parent.parent
PRECISION_TARGET = 0.9
GRID = [round(x, 3) for x in np.arange(0.30, 0.99, 0.01)]


def _neighbours(vectors: np.ndarray, queries: list[int], k: int) -> tuple[Any, Any]:
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat.search(vectors[queries], k + 1)


def pair_quality(
    items: list[SyntheticIdea], vectors: np.ndarray, queries: list[int], threshold: float
) -> dict[str, float]:
    """Precision and recall of "at or above threshold = same base idea", over every pair of a
    query idea with any other idea of the set."""
    sizes: dict[int, int] = {}
    for it in items:
        sizes[it.group] = sizes.get(it.group, 0) + 1
    k = min(len(items) - 1, 4 * max(sizes.values()))
    scores, rows = _neighbours(vectors, queries, k)
    tp = fp = relevant = 0
    for q, row_ids, row_scores in zip(queries, rows, scores, strict=True):
        relevant += sizes[items[q].group] - 1
        for r, s in zip(row_ids, row_scores, strict=True):
            if r == q or r < 0 or s < threshold:
                continue
            if items[r].group == items[q].group:
                tp += 1
            else:
                fp += 1
    return {
        "threshold": threshold,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / relevant if relevant else 0.0,
    }


def calibrate(items: list[SyntheticIdea], vectors: np.ndarray) -> dict[str, Any]:
    """Choose the threshold on even base ideas, report on odd ones."""
    per_group = 3  # query ideas per base idea
    seen: dict[int, int] = {}
    calibration, report = [], []
    for n, it in enumerate(items):
        if seen.get(it.group, 0) >= per_group:
            continue
        seen[it.group] = seen.get(it.group, 0) + 1
        (calibration if it.group % 2 == 0 else report).append(n)
    curve = [pair_quality(items, vectors, calibration, t) for t in GRID]
    good = [c for c in curve if c["precision"] >= PRECISION_TARGET]
    chosen = max(good, key=lambda c: c["recall"]) if good else curve[-1]
    reported = pair_quality(items, vectors, report, chosen["threshold"])
    return {
        "threshold": chosen["threshold"],
        "calibration_half": chosen,
        "report_half": reported,
        "queries": {"calibration": len(calibration), "report": len(report)},
    }


def _fill_database(
    db: Database, items: list[SyntheticIdea], vectors: np.ndarray, model: str
) -> None:
    """Every idea and its vector in one transaction; every third idea approved."""
    now = utcnow()
    with db.transaction() as tx:
        for n, (it, vector) in enumerate(zip(items, vectors, strict=True)):
            row = tx.execute(
                "INSERT INTO ideas (theme, text, answers, contact_ok, author_id, lang, status, "
                "submit_key, created_at, updated_at) VALUES (?, ?, '{}', 0, ?, 'nl', ?, ?, ?, ?) "
                "RETURNING id",
                (
                    it.theme,
                    it.text,
                    1000 + n,
                    "approved" if n % 3 == 0 else "pending",
                    f"bench:{n}",
                    now,
                    now,
                ),
            ).fetchone()
            write_vector(tx, int(row[0]), to_stored(model, vector))


def bench_model(model: str, total: int) -> dict[str, Any]:
    """All figures for one encoder."""
    encoder = load_encoder(model)
    name = encoder_name(model)
    items = ideas(total)
    started = time.perf_counter()
    vectors = np.vstack(
        [
            encoder.encode_queries([it.text for it in items[i : i + 256]])
            for i in range(0, len(items), 256)
        ]
    ).astype(np.float32)
    encode_s = time.perf_counter() - started
    chosen = calibrate(items, vectors)
    tuning = load_tuning(name)
    thresholds = IdeaTuning(
        duplicate=chosen["threshold"], cluster=chosen["threshold"], related=tuning.dense_threshold
    )
    with tempfile.TemporaryDirectory() as tmp:
        knowledge = load_knowledge(REPO / "knowledge")
        build_index(knowledge, encoder, Path(tmp) / "index")
        retriever = Retriever(open_index(Path(tmp) / "index"), encoder, tuning=tuning)
        db = Database(Path(tmp) / "ideas.sqlite3")
        _fill_database(db, items, vectors, name)
        matcher = IdeaMatcher(db, retriever, name, thresholds)
        started = time.perf_counter()
        matcher.index.sync()
        load_s = time.perf_counter() - started
        samples = []
        for n in range(0, len(items), max(1, len(items) // 300)):
            t = time.perf_counter()
            matcher.similar(vectors[n], statuses=("approved",), exclude=(n + 1,))
            samples.append((time.perf_counter() - t) * 1000)
        ids = list(range(1, len(items) + 1))
        started = time.perf_counter()
        labels = matcher.clusters(ids)
        cluster_s = time.perf_counter() - started
        db.close()
    groups = {}
    for idea_id, label in labels.items():
        groups.setdefault(label, set()).add(items[idea_id - 1].group)
    pure = sum(1 for g in groups.values() if len(g) == 1) / len(groups)
    return {
        "model": model,
        "ideas": len(items),
        "base_ideas": min(base_count(), len(items)),
        "encode_s": round(encode_s, 1),
        "near_duplicates": chosen,
        "index_load_s": round(load_s, 3),
        "similar_lookup": percentiles(samples),
        "lookups": len(samples),
        "clustering_s": round(cluster_s, 2),
        "clusters": len(groups),
        "pure_cluster_share": round(pure, 3),
        "related_floor": thresholds.related,
    }


def write_calibration(model: str, figures: dict[str, Any]) -> Path:
    """Store the thresholds in the encoder's shipped calibration file (its ``ideas`` block)."""
    path = SHIPPED / f"{slug(encoder_name(model))}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    threshold = figures["near_duplicates"]["threshold"]
    data["ideas"] = {
        "duplicate": threshold,
        "cluster": threshold,
        "related": figures["related_floor"],
        "report": {
            "synthetic_ideas": figures["ideas"],
            "report_half": figures["near_duplicates"]["report_half"],
        },
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def print_figures(result: dict[str, Any]) -> None:
    """The figures and the issue 16 targets, one model."""
    nd = result["near_duplicates"]
    rep, cal = nd["report_half"], nd["calibration_half"]
    lookup = result["similar_lookup"]
    print(
        f"== ideas, {result['model']}: {result['ideas']} synthetic ideas of "
        f"{result['base_ideas']} base ideas (encoded in {result['encode_s']} s)"
    )
    print(
        f"near-duplicate threshold {nd['threshold']} (calibration half P {cal['precision']:.2f} "
        f"R {cal['recall']:.2f}); report half: precision {rep['precision']:.2f}, recall "
        f"{rep['recall']:.2f} -> target P >= 0.9 at R >= 0.8: "
        f"{'ok' if rep['precision'] >= 0.9 and rep['recall'] >= 0.8 else 'MISSED'}"
    )
    print(
        f"similar-ideas lookup ({result['lookups']} lookups, through IdeaMatcher and SQLite): "
        f"p50 {lookup['p50_ms']} ms, p95 {lookup['p95_ms']} ms -> target p95 <= 20 ms: "
        f"{'ok' if lookup['p95_ms'] <= 20 else 'MISSED'}; index load at start "
        f"{result['index_load_s']} s"
    )
    print(
        f"clustering {result['ideas']} ideas: {result['clustering_s']} s -> target < 60 s: "
        f"{'ok' if result['clustering_s'] < 60 else 'MISSED'}; {result['clusters']} groups, "
        f"{result['pure_cluster_share']:.0%} of them from one base idea"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    result = bench_model(args.model, args.ideas)
    if args.json:
        print(json.dumps(result))
        return
    print_figures(result)
    if args.write_calibration:
        print(f"thresholds written to {write_calibration(args.model, result)}")


if __name__ == "__main__":
    main()
