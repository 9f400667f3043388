"""All benchmarks from one command: ``python -m bench.run`` (add ``--quick`` to skip 100k).

Prints retrieval quality (every mode), per-question latency against the BM25-only baseline,
index build time, bot throughput and latency under load, memory, and the scale test (flat vs
HNSW at 100k passages); writes the figures to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.evaluation import evaluate, format_reports, load_questions
from assistant.retrieval.search import MODES
from assistant.service import open_service
from bench import bot, retrieval

RESULTS = Path(__file__).resolve().parent / "results"


def quality() -> dict[str, Any]:
    """Eval-set figures for hybrid, dense and lexical (the baselines) in one run."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"ASSISTANT_DATA_DIR": tmp,
                                      "ASSISTANT_KNOWLEDGE_DIR": str(retrieval.REPO /
                                                                     "knowledge")})
        service = open_service(settings, build=True)
        questions = load_questions(retrieval.QUESTIONS)
        reports = [evaluate(service.retriever.with_mode(m), questions) for m in MODES]
    print(format_reports(reports))
    return {r.mode: {k: v for k, v in r.__dict__.items() if k not in ("misses", "false_answers")}
            for r in reports}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 100k-passage scale test")
    parser.add_argument("--scale", type=int, default=100_000)
    args = parser.parse_args()
    out: dict[str, Any] = {}
    print("== retrieval quality (tests/eval/questions.yaml)")
    out["quality"] = quality()
    print("\n== one question: encode + search + excerpt (ms), real corpus, default model")
    real = retrieval.bench_real(rounds=5)
    out["retrieval"] = real
    for mode in ("hybrid", "dense_only", "baseline_bm25_only"):
        print(f"{mode:<20} p50 {real[mode]['p50_ms']:6.2f}  p95 {real[mode]['p95_ms']:6.2f}")
    print(f"index build incl. model load: {real['index_build_s_incl_model_load']} s "
          f"({real['passages']} passages)")
    print("\n== bot through the local Bot API (rate limiter off: the bot's own capacity)")
    load = asyncio.run(bot.throughput(residents=200, questions_each=5, rate=100.0, seconds=10))
    out["bot"] = load
    print(f"saturation: {load['closed_loop']['questions_per_s']} questions/s "
          f"({load['closed_loop']['residents']} residents asking at once)")
    print(f"at {load['open_loop']['target_questions_per_s']:.0f} questions/s: p50 "
          f"{load['open_loop']['reply_latency']['p50_ms']} ms, p95 "
          f"{load['open_loop']['reply_latency']['p95_ms']} ms per reply "
          f"(retrieval alone p95 {load['retrieval_only_latency']['p95_ms']} ms)")
    print(f"bot RSS after the run: {load['rss_mb_after']} MB")
    if not args.quick:
        print(f"\n== scale: {args.scale} passages (synthetic), flat vs HNSW")
        out["scale"] = {}
        for kind in ("flat", "hnsw"):
            result = retrieval.run_scale_in_subprocess(args.scale, kind, rounds=2)
            out["scale"][kind] = result
            print(f"{kind:<5} build {result['build_s_excl_encoding_of_copies']} s, load "
                  f"{result['load_s']} s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms,"
                  f" peak RSS {result['peak_rss_mb']} MB, index {result['index_disk_mb']} MB")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    print(f"\nfigures written to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
