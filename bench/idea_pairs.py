"""Near-duplicates on ideas written by people (issue 26, item 8): ``python -m bench.idea_pairs``.

``tests/eval/idea_pairs.yaml`` holds groups of ideas that different residents would send
meaning the same proposal (another wording, a detail more or less, some in English) and single
ideas on the same themes that are different proposals. Through the product's own scoring
(``IdeaMatcher.scored`` on a real SQLite file), it reports precision and recall of "scores at or
above the threshold = the same proposal" on the report half (odd groups) for

- the shipped thresholds (calibrated on synthetic paraphrases), and
- thresholds chosen on the calibration half (even groups) of these hand-written ideas: the
  best recall at precision >= 0.9 (``bench.ideas.calibrate``).

``--write-calibration`` stores the hand-written choice as the encoder's near-duplicate
threshold (its ``ideas`` block, keeping the cluster threshold and related floor).
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
from bench.ideas import CANDIDATES, _fill_database, _queries, calibrate, pair_quality
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
        matcher = IdeaMatcher(db, retriever, name, shipped)
        _, report = _queries(items, per_group=3)
        scored = {q: matcher.scored(vectors[q], items[q].text, CANDIDATES) for q in report}
        as_shipped = pair_quality(items, scored, shipped.duplicate)
        chosen = calibrate(items, vectors, replace_matcher(matcher, shipped))
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--write-calibration", action="store_true")
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
    out = REPO / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "idea_pairs.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    if args.write_calibration:
        print(f"written: {write_calibration(args.model, figures)}")


if __name__ == "__main__":
    main()
