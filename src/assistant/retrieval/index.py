"""The persisted hybrid index: FAISS vectors (passages and their sentences), BM25 and a manifest.

Layout under the index root (``$ASSISTANT_DATA_DIR/index``)::

    current -> v-20261122T141500-1a2b3c   symlink, swapped atomically
    v-.../manifest.json                   model, dimension, content hash, counts, build time
    v-.../passages.jsonl                  the passages, in index order
    v-.../sentences.json                  each passage's sentences
    v-.../dense.faiss                     passage vectors (inner product on unit vectors)
    v-.../sentences.npy                   sentence vectors, for excerpts
    v-.../probes.json, probes.npy         how residents ask per section (vragen, kort) + vectors
    v-.../classifier.npz, classifier.json which section (or outside kind) a question is about
    v-.../bm25/                           the lexical index

A build writes a new version beside the old one and only then repoints ``current``; a build that
fails or is killed half-way leaves ``current`` and the version it points to untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.errors import IndexCorrupt, IndexMissing
from assistant.knowledge import ABOUT_SECTION, KnowledgeBase
from assistant.passages import SPLITTER_VERSION, Passage, split_documents
from assistant.retrieval.classifier import (
    CLASSIFIER_VERSION,
    OUTSIDE_PREFIX,
    SectionClassifier,
    train,
)
from assistant.retrieval.encoder import Encoder, Vectors
from assistant.retrieval.lexical import LEXICAL_VERSION, LexicalIndex, Terms
from assistant.retrieval.places import names_a_place, strip_places
from assistant.text import split_sentences

FORMAT_VERSION = 2
CURRENT = "current"
KEEP_OLD_VERSIONS = 2
# Up to this many passages the exact flat index is used. Measured (python -m bench.run, 2 cores,
# 512 dimensions): a whole question p95 15 ms at 10k passages with flat; at 100k, flat 60 ms
# against HNSW 7 ms (dense recall@10 vs exact printed by the same benchmark). Beyond this, HNSW.
FLAT_MAX_PASSAGES = 20_000
BATCH = 64

PROBES_VERSION = "3"  # bumped when phrasings are encoded or learned from differently
RECIPE = (
    f"split{SPLITTER_VERSION}-lex{LEXICAL_VERSION}-probes{PROBES_VERSION}-clf{CLASSIFIER_VERSION}"
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Probe:
    """A maintainer's phrasing of how residents ask about a section (or its summary): matched
    like a question, it leads to the section, whose own words are then shown."""

    section_key: str
    text: str
    is_question: bool  # ``vragen`` are encoded as queries, summaries as passages


def _probe_text(probe: Probe) -> str:
    """A probe's text as its vector was made from it (phrasings without places and years)."""
    if probe.is_question and names_a_place(probe.text):
        return strip_places(probe.text)
    return probe.text


def section_probes(kb: KnowledgeBase) -> list[Probe]:
    """Every ``vragen`` line and ``kort`` summary of every section, in reading order, then the
    examples of what the texts do not answer (``outside#<kind>``: no section has that key)."""
    probes: list[Probe] = []
    for doc in kb.documents:
        for section in doc.sections:
            key = f"{doc.id}#{section.id}"
            probes += [Probe(key, q, True) for q in section.vragen]
            probes += [Probe(key, section.kort[lang], False) for lang in sorted(section.kort)]
    for kind, examples in kb.outside.items():
        probes += [Probe(OUTSIDE_PREFIX + kind, text, True) for text in examples]
    return probes


@dataclass(frozen=True)
class Manifest:
    """What an index was built from, to detect staleness and to report."""

    format_version: int
    model: str
    dimension: int
    content_hash: str
    recipe: str  # passage splitting and tokenizing versions
    passage_count: int
    sentence_count: int
    faiss_type: str
    built_at: str
    build_seconds: float


@dataclass
class SearchIndex:
    """A loaded index version, immutable once loaded; shared by concurrent searches."""

    path: Path
    manifest: Manifest
    passages: list[Passage]
    dense: Any  # faiss.Index
    lexical: LexicalIndex
    sentences: list[list[str]]  # per passage
    sentence_vectors: Any  # float16, all sentences concatenated in passage order
    sentence_offsets: list[int]  # start row of each passage's sentences
    probes: list[Probe] = field(default_factory=list)
    probe_vectors: Any = None  # float32, one row per probe
    classifier: SectionClassifier | None = None  # learned from the probes
    terms_cache: dict[int, Terms] = field(default_factory=dict)  # filled by searches
    # per stem, in how many sentences of the texts it occurs (filled on first use)
    sentence_df: dict[str, int] = field(default_factory=dict)
    # per passage, the stems of each of its sentences (filled by searches)
    sentence_terms: dict[int, list[frozenset[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = sorted({p.section_key for p in self.passages})
        self.section_keys: list[str] = keys
        row = {k: i for i, k in enumerate(keys)}
        # per passage and per probe: the row of its section, for per-section maxima
        self.passage_section = np.array(
            [row[p.section_key] for p in self.passages], dtype=np.int64
        )
        self.probe_section = np.array(
            [row.get(p.section_key, -1) for p in self.probes], dtype=np.int64
        )
        self.is_about = np.array(
            [p.section_id == ABOUT_SECTION for p in self.passages], dtype=bool
        )
        self.section_probes: list[list[int]] = [[] for _ in keys]
        for n, r in enumerate(self.probe_section):
            if r >= 0:
                self.section_probes[int(r)].append(n)
        self.section_passages: list[list[int]] = [[] for _ in keys]
        for i, p in enumerate(self.passages):
            self.section_passages[row[p.section_key]].append(i)
        if self.probe_vectors is None:
            self.probe_vectors = np.zeros((0, self.manifest.dimension), dtype=np.float32)
        # the classifier's classes: their section's row (-1 for an outside kind)
        labels = self.classifier.labels if self.classifier is not None else ()
        self.class_section = np.array([row.get(label, -1) for label in labels], dtype=np.int64)
        self.class_outside = np.array(
            [label.startswith(OUTSIDE_PREFIX) for label in labels], dtype=bool
        )


@dataclass(frozen=True)
class IndexBuild:
    """The outcome of a build: where it went and what it holds."""

    path: Path
    manifest: Manifest


@dataclass(frozen=True)
class IndexStatus:
    """Whether an index exists and still matches the content and the model."""

    exists: bool
    stale_reasons: tuple[str, ...] = ()
    manifest: Manifest | None = None

    @property
    def usable(self) -> bool:
        """An index exists and is up to date."""
        return self.exists and not self.stale_reasons


def _passage_to_json(p: Passage) -> dict[str, Any]:
    data = asdict(p)
    data["date"] = p.date.isoformat()
    data["themes"] = list(p.themes)
    return data


def _passage_from_json(data: dict[str, Any]) -> Passage:
    data = dict(data)
    data["date"] = dt.date.fromisoformat(data["date"])
    data["themes"] = tuple(data["themes"])
    return Passage(**data)


def _make_faiss(vectors: Vectors, faiss_type: str) -> Any:
    dim = vectors.shape[1]
    index: Any
    if faiss_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 128
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def _encode_in_batches(
    encode: Callable[[list[str]], Vectors],
    texts: list[str],
    dim: int,
    stage: str,
    progress: Progress | None,
) -> Vectors:
    parts = []
    for start in range(0, len(texts), BATCH):
        parts.append(encode(texts[start : start + BATCH]))
        if progress:
            progress(stage, min(start + BATCH, len(texts)), len(texts))
    return np.vstack(parts) if parts else np.zeros((0, dim), dtype=np.float32)


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """Serialise builders (CLI and bot) on one index root."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_index(
    directory: Path,
    passages: list[Passage],
    encoder: Encoder,
    content_hash: str,
    *,
    probes: list[Probe] | None = None,
    faiss_type: str = "auto",
    progress: Progress | None = None,
) -> Manifest:
    """Encode and write one index version into an empty directory (no swapping)."""
    probes = probes or []
    started = time.perf_counter()
    if faiss_type == "auto":
        faiss_type = "flat" if len(passages) <= FLAT_MAX_PASSAGES else "hnsw"
    texts = [f"{p.heading}. {p.text}" for p in passages]
    vectors = _encode_in_batches(
        encoder.encode_passages, texts, encoder.dimension, "passages", progress
    )
    sentences = [split_sentences(p.text) for p in passages]
    flat = [s for group in sentences for s in group]
    sentence_vectors = _encode_in_batches(
        encoder.encode_passages, flat, encoder.dimension, "sentences", progress
    )
    # Phrasings are matched without place names and years, as questions are (search.py).
    questions = [
        strip_places(p.text) if names_a_place(p.text) else p.text for p in probes if p.is_question
    ]
    summaries = [p.text for p in probes if not p.is_question]
    as_question = getattr(encoder, "encode_phrasings", encoder.encode_queries)
    asked = _encode_in_batches(as_question, questions, encoder.dimension, "vragen", progress)
    told = _encode_in_batches(
        encoder.encode_passages, summaries, encoder.dimension, "vragen", progress
    )
    probes = [p for p in probes if p.is_question] + [p for p in probes if not p.is_question]
    probe_vectors = np.vstack([asked, told]).astype(np.float32)
    np.save(directory / "probes.npy", probe_vectors)
    if probes:
        if progress:
            progress("classifier", 0, 1)
        train(
            probe_vectors,
            [_probe_text(p) for p in probes],
            [p.section_key for p in probes],
        ).save(directory)
    (directory / "probes.json").write_text(
        json.dumps([asdict(p) for p in probes], ensure_ascii=False), encoding="utf-8"
    )
    if progress:
        progress("bm25", 0, 1)
    # The lexical index also knows the section's everyday phrasings: "lenen" finds the
    # section on the sharing economy even though its text says "deeleconomie".
    extra: dict[str, list[str]] = {}
    for probe in probes:
        extra.setdefault(probe.section_key, []).append(probe.text)
    lexical = LexicalIndex.build(
        [f"{p.heading}\n{p.text}\n" + "\n".join(extra.get(p.section_key, [])) for p in passages]
    )
    lexical.save(directory / "bm25")
    faiss.write_index(_make_faiss(vectors, faiss_type), str(directory / "dense.faiss"))
    # float16 halves the largest array (5 sentences per passage); excerpt ranking is unaffected.
    np.save(directory / "sentences.npy", sentence_vectors.astype(np.float16))
    with (directory / "passages.jsonl").open("w", encoding="utf-8") as fh:
        for p in passages:
            fh.write(json.dumps(_passage_to_json(p), ensure_ascii=False) + "\n")
    (directory / "sentences.json").write_text(
        json.dumps(sentences, ensure_ascii=False), encoding="utf-8"
    )
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model=encoder.name,
        dimension=encoder.dimension,
        content_hash=content_hash,
        recipe=RECIPE,
        passage_count=len(passages),
        sentence_count=len(flat),
        faiss_type=faiss_type,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
    )
    # The manifest is written last: a version without one is incomplete by definition.
    (directory / "manifest.json").write_text(
        json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8"
    )
    if progress:
        progress("bm25", 1, 1)
    return manifest


def _swap_current(root: Path, version: str) -> None:
    tmp = root / f".current-{uuid.uuid4().hex}"
    os.symlink(version, tmp)
    os.replace(tmp, root / CURRENT)  # atomic on POSIX
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(root: Path, keep: str) -> None:
    versions = sorted(p for p in root.glob("v-*") if p.is_dir() and p.name != keep)
    for old in versions[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else versions:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in root.glob(".build-*"):  # from builds that were killed half-way
        shutil.rmtree(leftover, ignore_errors=True)


def build_index(
    kb: KnowledgeBase,
    encoder: Encoder,
    root: Path,
    *,
    faiss_type: str = "auto",
    progress: Progress | None = None,
) -> IndexBuild:
    """Build a new index version aside and atomically make it the current one."""
    passages = split_documents(kb.documents)
    with _build_lock(root):
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        version = f"v-{stamp}-{uuid.uuid4().hex[:6]}"
        staging = root / f".build-{version}"
        staging.mkdir()
        try:
            manifest = write_index(
                staging,
                passages,
                encoder,
                kb.content_hash,
                probes=section_probes(kb),
                faiss_type=faiss_type,
                progress=progress,
            )
            _fsync_tree(staging)
            os.rename(staging, root / version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _swap_current(root, version)
        _prune(root, keep=version)
    return IndexBuild(path=root / version, manifest=manifest)


def _read_manifest(directory: Path) -> Manifest:
    try:
        data = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
        return Manifest(**data)
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"index at {directory} has no manifest; run 'assistant index'") from exc
    except OSError as exc:  # e.g. a volume mounted with the wrong owner
        raise IndexCorrupt(
            f"index at {directory} cannot be read ({exc.strerror}); check its "
            "owner and permissions, or run 'assistant index'"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise IndexCorrupt(
            f"index manifest at {directory} is unreadable; run 'assistant index'"
        ) from exc


def current_path(root: Path) -> Path:
    """The directory the ``current`` pointer names; IndexMissing if there is none."""
    link = root / CURRENT
    if not link.is_symlink() and not link.exists():
        raise IndexMissing(f"no index in {root}; build one with 'assistant index'")
    target = link.resolve()
    if not target.is_dir():
        raise IndexCorrupt(
            f"index pointer {link} names a missing directory; run 'assistant index'"
        )
    return target


def open_index(root: Path) -> SearchIndex:
    """Load the current index version fully into memory."""
    directory = current_path(root)
    manifest = _read_manifest(directory)
    if manifest.format_version != FORMAT_VERSION:
        raise IndexCorrupt(
            f"index at {directory} has format {manifest.format_version}, "
            f"expected {FORMAT_VERSION}; run 'assistant index'"
        )
    try:
        with (directory / "passages.jsonl").open(encoding="utf-8") as fh:
            passages = [_passage_from_json(json.loads(line)) for line in fh if line.strip()]
        sentences = json.loads((directory / "sentences.json").read_text(encoding="utf-8"))
        dense = faiss.read_index(str(directory / "dense.faiss"))
        sentence_vectors = np.load(directory / "sentences.npy")
        lexical = LexicalIndex.load(directory / "bm25", len(passages))
        probes = [
            Probe(**p) for p in json.loads((directory / "probes.json").read_text(encoding="utf-8"))
        ]
        probe_vectors = np.load(directory / "probes.npy")
        classifier = (
            SectionClassifier.load(directory) if (directory / "classifier.npz").exists() else None
        )
    except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
        raise IndexCorrupt(
            f"index at {directory} is damaged ({type(exc).__name__}); run 'assistant index'"
        ) from exc
    offsets = np.cumsum([0] + [len(s) for s in sentences]).tolist()
    if (
        len(passages) != manifest.passage_count
        or dense.ntotal != len(passages)
        or len(sentences) != len(passages)
        or len(sentence_vectors) != offsets[-1]
        or len(probe_vectors) != len(probes)
    ):
        raise IndexCorrupt(f"index at {directory} is inconsistent; run 'assistant index'")
    return SearchIndex(
        path=directory,
        manifest=manifest,
        passages=passages,
        dense=dense,
        lexical=lexical,
        sentences=sentences,
        sentence_vectors=sentence_vectors,
        sentence_offsets=offsets[:-1],
        probes=probes,
        probe_vectors=probe_vectors,
        classifier=classifier,
    )


def index_status(root: Path, kb_hash: str, model: str) -> IndexStatus:
    """Whether the current index exists and matches this content and this encoder name."""
    try:
        manifest = _read_manifest(current_path(root))
    except IndexMissing:
        return IndexStatus(exists=False)
    except IndexCorrupt as exc:
        return IndexStatus(exists=True, stale_reasons=(str(exc),))
    reasons = []
    if manifest.content_hash != kb_hash:
        reasons.append("the content in knowledge/ changed since the index was built")
    if manifest.model != model:
        reasons.append(
            f"the index was built with model '{manifest.model}', the setting is '{model}'"
        )
    if manifest.recipe != RECIPE or manifest.format_version != FORMAT_VERSION:
        reasons.append("the index was built by an older version of the assistant")
    return IndexStatus(exists=True, stale_reasons=tuple(reasons), manifest=manifest)
