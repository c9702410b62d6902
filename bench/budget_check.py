"""Budget check: what asking "may this server still spend today?" costs before a model call.

Fills a fresh SQLite file (WAL) with ``--rows`` usage rows spread over 30 days and
``--guilds`` servers, every server with a daily budget, then times per check:

- the SUM query alone (what a check would cost without the running total, and what the
  running total costs once per server per day and per re-read);
- ``GuildRules.budget`` as the answers path and the gateway call it: in-memory total and
  cached config, re-read from the database only when stale;

and then the cost report (/admin costs) for one server over 7 and 30 days.

    python bench/budget_check.py [--rows 500000] [--guilds 50] [--checks 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from tutorbot.curriculum import load_course_or_raise
from tutorbot.retrieval import Retriever, build_index
from tutorbot.settings import bundled_curriculum, load_settings
from tutorbot.storage import Database, GuildSettings, LlmUsage
from tutorbot.tokens import token_counter
from tutorbot.tutor import TutorDeps
from tutorbot.tutor.costs import cost_report
from tutorbot.tutor.guild_rules import spent_on
from tutorbot.tutor.writer import DatabaseWriter

NOW = datetime(2026, 3, 30, 12, 0, tzinfo=UTC)


def usage_rows(count: int, guilds: int) -> list[dict[str, Any]]:
    rng = random.Random(1)
    return [
        {
            "guild_id": 1000 + rng.randrange(guilds),
            "model": "gpt-4o-mini",
            "template": "ask",
            "template_hash": "bench",
            "prompt_tokens": 900,
            "completion_tokens": 200,
            "cost_usd": 0.000255,
            "latency_ms": 800,
            "ok": True,
            "error": None,
            "created_at": NOW - timedelta(seconds=rng.uniform(0, 30 * 86400)),
        }
        for _ in range(count)
    ]


def describe(name: str, seconds: list[float]) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p99 = ms[int(len(ms) * 0.99) - 1]
    print(f"{name:<44} median {statistics.median(ms):8.4f} ms   p99 {p99:8.4f} ms")


async def main(rows: int, guilds: int, checks: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(data_dir=Path(folder))
        db = await Database.connect(settings.effective_database_url)
        generated = usage_rows(rows, guilds)
        midnight = NOW.replace(hour=0)
        today = sum(1 for r in generated if r["created_at"] >= midnight)
        async with db.write() as session:
            for start in range(0, rows, 20_000):
                await session.execute(insert(LlmUsage), generated[start : start + 20_000])
            for g in range(guilds):
                session.add(GuildSettings(guild_id=1000 + g, daily_budget_usd=1_000.0))
        course = load_course_or_raise(bundled_curriculum())
        retriever = Retriever(build_index(course, token_counter(), 350))
        deps = TutorDeps(
            settings,
            course,
            retriever,
            db,
            DatabaseWriter.for_database(db),
            None,
            token_counter(),
            lambda: NOW,
        )
        print(f"{rows:,} usage rows, {guilds} servers, {today:,} rows today (UTC)")
        rng = random.Random(2)
        sums, checks_done = [], []
        for _ in range(checks):
            guild = 1000 + rng.randrange(guilds)
            started = time.perf_counter()
            await spent_on(deps, guild, NOW.date())
            sums.append(time.perf_counter() - started)
        for g in range(guilds):  # the once-a-day reads (and the config reads)
            await deps.rules.budget(1000 + g)
        for _ in range(checks):
            guild = 1000 + rng.randrange(guilds)
            started = time.perf_counter()
            await deps.rules.budget(guild)
            checks_done.append(time.perf_counter() - started)
        describe("SUM of a server's spend today (per check)", sums)
        describe("GuildRules.budget (running total)", checks_done)
        for days in (7, 30):  # /admin costs on the same data (one server, grouped in SQL)
            started = time.perf_counter()
            report = await cost_report(deps, days=days, guild_id=1000)
            took = (time.perf_counter() - started) * 1000
            print(f"/admin costs days={days}: {len(report.rows)} rows in {took:.1f} ms")
        await deps.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--guilds", type=int, default=50)
    parser.add_argument("--checks", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.guilds, args.checks))
