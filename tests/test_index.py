"""Index round trip, atomic swapping, stale detection and damaged indexes (fake encoder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import IndexCorrupt, IndexMissing
from assistant.knowledge import load_knowledge
from assistant.retrieval.calibration import Tuning
from assistant.retrieval.index import CURRENT, build_index, index_status, open_index
from assistant.retrieval.search import Retriever
from tests.conftest import KNOWLEDGE
from tests.fakes import HashingEncoder


def test_round_trip(tmp_path: Path) -> None:
    kb = load_knowledge(KNOWLEDGE)
    build = build_index(kb, HashingEncoder(), tmp_path)
    index = open_index(tmp_path)
    m = index.manifest
    assert m == build.manifest
    assert (m.model, m.dimension, m.content_hash) == ("hashing", 64, kb.content_hash)
    assert m.passage_count == len(index.passages) == index.dense.ntotal > 0
    assert m.sentence_count == len(index.sentence_vectors) == sum(map(len, index.sentences))
    norms = np.linalg.norm(index.sentence_vectors.astype(np.float32), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-2)  # stored as float16
    assert (tmp_path / CURRENT).is_symlink()
    retriever = Retriever(index, HashingEncoder(), tuning=Tuning())
    hit = retriever.search("burgerberaad burgerberaden", k=1).hits[0]
    assert hit.passage.section_id == "burgerberaden"


def test_failed_build_leaves_old_index_serving(tmp_path: Path) -> None:
    kb = load_knowledge(KNOWLEDGE)
    first = build_index(kb, HashingEncoder(), tmp_path)
    with pytest.raises(RuntimeError, match="half-way"):
        build_index(kb, HashingEncoder(fail_after=1), tmp_path)
    assert (tmp_path / CURRENT).resolve() == first.path
    assert not list(tmp_path.glob(".build-*"))
    assert open_index(tmp_path).manifest == first.manifest


def test_killed_build_leftovers_are_ignored_and_pruned(tmp_path: Path) -> None:
    kb = load_knowledge(KNOWLEDGE)
    first = build_index(kb, HashingEncoder(), tmp_path)
    (tmp_path / ".build-v-killed").mkdir()  # what a SIGKILL during a build leaves behind
    assert open_index(tmp_path).manifest == first.manifest
    second = build_index(kb, HashingEncoder(), tmp_path)
    assert not (tmp_path / ".build-v-killed").exists()
    assert (tmp_path / CURRENT).resolve() == second.path
    for _ in range(4):
        build_index(kb, HashingEncoder(), tmp_path)
    assert len(list(tmp_path.glob("v-*"))) == 3  # current + two previous versions


def test_stale_detection(tmp_path: Path, knowledge_dir: Path) -> None:
    kb = load_knowledge(knowledge_dir)
    assert not index_status(tmp_path, kb.content_hash, "hashing").exists
    build_index(kb, HashingEncoder(), tmp_path)
    assert index_status(tmp_path, kb.content_hash, "hashing").usable
    other_model = index_status(tmp_path, kb.content_hash, "usem3")
    assert other_model.exists and "model 'hashing'" in other_model.stale_reasons[0]
    path = knowledge_dir / "local-for-local.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Het is 2040.", "Het is 2041."), encoding="utf-8"
    )
    changed = load_knowledge(knowledge_dir)
    reasons = index_status(tmp_path, changed.content_hash, "hashing").stale_reasons
    assert reasons == ("the content in knowledge/ changed since the index was built",)


def test_missing_and_damaged_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing, match="assistant index"):
        open_index(tmp_path)
    build = build_index(load_knowledge(KNOWLEDGE), HashingEncoder(), tmp_path)
    (build.path / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexCorrupt, match="damaged"):
        open_index(tmp_path)
    (build.path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="unreadable"):
        open_index(tmp_path)


def test_inconsistent_index_is_detected(tmp_path: Path) -> None:
    build = build_index(load_knowledge(KNOWLEDGE), HashingEncoder(), tmp_path)
    manifest = json.loads((build.path / "manifest.json").read_text(encoding="utf-8"))
    manifest["passage_count"] += 1
    (build.path / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        open_index(tmp_path)


def test_swap_serves_new_index(tmp_path: Path, knowledge_dir: Path) -> None:
    encoder = HashingEncoder()
    build_index(load_knowledge(knowledge_dir), encoder, tmp_path)
    retriever = Retriever(open_index(tmp_path), encoder, tuning=Tuning())
    assert not any("zeppelin" in h.passage.text for h in retriever.search("zeppelin").hits)
    path = knowledge_dir / "metropool-van-morgen.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Innoveren doe je nooit alleen.",
            "Innoveren doe je nooit alleen, zeker niet met een zeppelin.",
        ),
        encoding="utf-8",
    )
    build_index(load_knowledge(knowledge_dir), encoder, tmp_path)
    old = retriever.swap(open_index(tmp_path))
    assert old.path != retriever.index.path
    assert "zeppelin" in retriever.with_mode("lexical").search("zeppelin").hits[0].passage.text
