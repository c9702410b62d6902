"""Completion report at scale: 100,000 learners x 30 units, CSV / XLSX / HTML.

Seeds a SQLite file once (cached under data/bench/, keyed by its parameters): a synthetic
course of ``--units`` units, ``--learners`` learners with a unit_progress row for every
unit (the worst case: real learners have rows only for units they started), a learning
event each in one server, and ten cohorts there. Then each run happens in a fresh child
process, which reports its wall time, its peak RSS (``ru_maxrss``) and the longest the
event loop went without running (a 1 ms ticker), for:

- the streamed report (``write_completion_report``, as ``/report completion`` runs it) in
  every format, scoped to the server;
- the obvious alternative for CSV: load every learner and progress row with the ORM's
  ``.all()``, then write the file.

    python bench/completion_report.py [--learners 100000] [--units 30] [--formats csv xlsx html]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session

from tutorbot.curriculum import Course
from tutorbot.curriculum.models import Unit
from tutorbot.storage import Database
from tutorbot.storage.models import Cohort, CohortMember, Learner, LearningEvent, UnitProgress
from tutorbot.tutor.reports import ReportFormat, write_completion_report
from tutorbot.tutor.reports.columns import header

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "data" / "bench"
GUILD = 800_000_000_000_000_001
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
SEED_VERSION = 2  # bump when the seeded data or the schema changes (2: report indexes)


def synthetic_course(units: int) -> Course:
    """A course of ``units`` units with no text: reports only need ids and titles."""
    return Course(
        id="bench-course",
        title="Bench Course",
        version="1",
        root=ROOT,
        units=tuple(
            Unit(id=f"unit-{n:02d}", title=f"Unit {n}", file=ROOT / f"unit-{n:02d}.md", sections=())
            for n in range(1, units + 1)
        ),
        content_hash="bench",
    )


def seed(path: Path, learners: int, course: Course) -> None:
    """Fill a migrated database with Core executemany in large transactions."""
    engine = create_engine(f"sqlite:///{path}")
    rng = random.Random(7)
    units = [u.id for u in course.units]
    with Session(engine) as session, session.begin():
        conn = session.connection()
        conn.execute(
            insert(Cohort),
            [
                {"guild_id": GUILD, "name": f"cohort-{c}", "open": True, "created_by": 1}
                for c in range(10)
            ],
        )
        cohort_ids = list(conn.scalars(select(Cohort.id).order_by(Cohort.id)))
        step = 10_000
        for first in range(0, learners, step):
            ids = range(first + 1, min(first + step, learners) + 1)
            conn.execute(
                insert(Learner),
                [
                    {
                        "id": i,
                        "discord_id": 300_000_000_000_000_000 + i,
                        "display_name": f"Learner {i} Ünïcode",
                        "created_at": START,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(LearningEvent),
                [
                    {
                        "learner_id": i,
                        "guild_id": GUILD,
                        "verb": "launched",
                        "object_id": "bench-course/unit-01/quiz",
                        "result": {},
                        "created_at": START,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(CohortMember),
                [
                    {"cohort_id": cohort_ids[i % 10], "learner_id": i, "added_at": START}
                    for i in ids
                ],
            )
            rows: list[dict[str, Any]] = []
            for i in ids:
                # 20% finish the course; the rest stop somewhere along it.
                done = len(units) if rng.random() < 0.2 else rng.randrange(len(units))
                day = START + timedelta(days=rng.randrange(30), minutes=rng.randrange(600))
                for n, unit in enumerate(units):
                    if n < done:
                        day += timedelta(hours=rng.randrange(1, 60))
                        status, mastery, attempts, at = (
                            "completed",
                            0.85 + rng.random() * 0.15,
                            3 + n % 7,
                            day,
                        )
                    elif n == done:
                        status, mastery, attempts, at = (
                            "in_progress",
                            rng.random() * 0.8,
                            1 + n % 4,
                            None,
                        )
                    else:
                        status, mastery, attempts, at = "not_started", 0.0, 0, None
                    rows.append(
                        {
                            "learner_id": i,
                            "course_id": course.id,
                            "unit_id": unit,
                            "status": status,
                            "mastery": mastery,
                            "attempts": attempts,
                            "started_at": START if status != "not_started" else None,
                            "completed_at": at,
                        }
                    )
            conn.execute(insert(UnitProgress), rows)
    engine.dispose()


async def ensure_database(learners: int, units: int) -> Path:
    """The seeded file for these parameters, made if missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"completion-{learners}x{units}-v{SEED_VERSION}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    db = await Database.connect(f"sqlite+aiosqlite:///{partial}")
    await db.close()
    seed(partial, learners, synthetic_course(units))
    partial.rename(path)
    print(f"seeded {path.name} in {time.perf_counter() - started:.0f} s")
    return path


async def loop_ticker(stalls: list[float]) -> None:
    """Record how late a 1 ms sleep wakes: the loop was busy for that long."""
    loop = asyncio.get_running_loop()
    while True:
        before = loop.time()
        await asyncio.sleep(0.001)
        stalls.append(loop.time() - before - 0.001)


async def streamed(db: Database, units: int, fmt: str, out: Path) -> int:
    report = await write_completion_report(
        db,
        synthetic_course(units),
        out=out,
        fmt=ReportFormat(fmt),
        now=datetime.now(UTC),
        guild_id=GUILD,
    )
    return report.learners


async def all_in_memory(db: Database, units: int, out: Path) -> int:
    """The obvious way: every row as ORM objects in memory, then one CSV pass."""
    course = synthetic_course(units)
    async with db.session() as session:
        learners = (await session.scalars(select(Learner).order_by(Learner.id))).all()
        progress = (
            await session.scalars(select(UnitProgress).where(UnitProgress.course_id == course.id))
        ).all()
    by_learner: dict[int, dict[str, UnitProgress]] = {}
    for p in progress:
        by_learner.setdefault(p.learner_id, {})[p.unit_id] = p
    with out.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header(course))
        for learner in learners:
            mine = by_learner.get(learner.id, {})
            line: list[Any] = [str(learner.discord_id), learner.display_name, ""]
            for unit in course.units:
                found = mine.get(unit.id)
                if found is None:
                    line += ("not_started", "", 0.0, 0)
                else:
                    done = found.completed_at
                    at = done.isoformat(timespec="seconds") if done else ""
                    line += (found.status, at, round(found.mastery, 4), found.attempts)
            writer.writerow(line)
    return len(learners)


async def child(db_path: Path, units: int, mode: str) -> None:
    # As in the running bot: the database is open and the libraries are imported (a
    # report's first import of matplotlib holds the loop once, for a few hundred ms).
    import matplotlib.backends.backend_agg  # noqa: F401

    db = await Database.connect(f"sqlite+aiosqlite:///{db_path}", upgrade=False)
    stalls: list[float] = []
    ticker = asyncio.create_task(loop_ticker(stalls))
    with tempfile.TemporaryDirectory() as folder:
        fmt = mode.removeprefix("baseline-")
        out = Path(folder) / f"completion.{fmt}"
        started = time.perf_counter()
        if mode.startswith("baseline-"):
            learners = await all_in_memory(db, units, out)
        else:
            learners = await streamed(db, units, fmt, out)
        elapsed = time.perf_counter() - started
        size = out.stat().st_size
    ticker.cancel()
    await db.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "peak_mib": peak_kib / 1024,
                "learners": learners,
                "mib": size / 2**20,
                "stall_ms": 1000 * max(stalls, default=0.0),
            }
        )
    )


def run_child(db_path: Path, units: int, mode: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--db", str(db_path), "--units", str(units)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=30)
    parser.add_argument("--formats", nargs="+", default=["csv", "xlsx", "html"])
    parser.add_argument("--no-baseline", action="store_true", help="Skip the in-memory run.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.db, args.units, args.child))
        return
    db_path = asyncio.run(ensure_database(args.learners, args.units))
    modes = [*args.formats] + ([] if args.no_baseline else ["baseline-csv"])
    print(
        f"{args.learners:,} learners x {args.units} units, SQLite {db_path.name}, "
        f"scoped to one server; each run in a fresh process"
    )
    print(
        f"{'run':<28}{'learners':>10}{'wall s':>9}{'peak RSS MiB':>14}{'file MiB':>10}"
        f"{'max loop stall ms':>19}"
    )
    results = {}
    for mode in modes:
        r = results[mode] = run_child(db_path, args.units, mode)
        label = (
            "ORM .all() then CSV" if mode.startswith("baseline-") else f"streamed {mode.upper()}"
        )
        print(
            f"{label:<28}{r['learners']:>10,}{r['seconds']:>9.2f}{r['peak_mib']:>14.0f}"
            f"{r['mib']:>10.1f}{r['stall_ms']:>19.1f}"
        )
    if "csv" in results and "baseline-csv" in results:
        s, b = results["csv"], results["baseline-csv"]
        print(
            f"streamed CSV vs in-memory: {b['seconds'] / s['seconds']:.1f}x faster, "
            f"{b['peak_mib'] / s['peak_mib']:.1f}x less peak memory"
        )


if __name__ == "__main__":
    main()
