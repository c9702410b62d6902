"""The completion report's fast paths give exactly what the slow, obvious code gives."""

from __future__ import annotations

import csv
import io
import math
import random
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.orm import Session

from tests.tutor.conftest import MakeTutor
from tests.tutor.report_seed import GUILD, seed_report_world
from tutorbot.curriculum import Course
from tutorbot.storage import Database
from tutorbot.storage.models import Learner, UnitProgress
from tutorbot.tutor.reports import ReportFormat, write_completion_report
from tutorbot.tutor.reports.columns import header
from tutorbot.tutor.reports.completion import (
    UNTOUCHED,
    LearnerCompletion,
    ReportScope,
    UnitCells,
    iso_utc,
    progress_rows,
)
from tutorbot.tutor.reports.summary import CompletionSummary
from tutorbot.tutor.reports.writers import CsvReportWriter, number_text

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def tricky_numbers() -> list[float]:
    """Every 4-place number in [0, 1], the half-way points between them, their float
    neighbours, and what should never occur but must not print wrong."""
    values: list[float] = []
    for k in range(10_002):
        for exact in (k / 10_000, (k + 0.5) / 10_000):
            up = down = exact
            for _ in range(3):
                values += [up, down]
                up, down = math.nextafter(up, 2.0), math.nextafter(down, -2.0)
    rng = random.Random(11)
    values += [rng.random() for _ in range(100_000)]
    values += [0.0, -0.0, -1e-9, -0.3, 1.00004999, 1.00005, 7.5, 1e300, math.inf, -math.inf]
    return values


def test_number_text_is_the_repr_of_round_4_for_every_tricky_number() -> None:
    wrong = [v for v in tricky_numbers() if number_text(v) != repr(round(v, 4))]
    assert wrong == []
    assert number_text(math.nan) == "nan"


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-01-17 13:49:05.999999", "2026-01-17T13:49:05+00:00"),  # SQLAlchemy's shape
        ("2026-01-17 13:49:05", "2026-01-17T13:49:05+00:00"),
        ("2026-01-17T13:49:05.250000", "2026-01-17T13:49:05+00:00"),
        ("2026-01-17 15:49:05+02:00", "2026-01-17T13:49:05+00:00"),
        (datetime(2026, 1, 17, 13, 49, 5, 999_999, tzinfo=UTC), "2026-01-17T13:49:05+00:00"),
        (
            datetime(2026, 1, 17, 8, 49, 5, tzinfo=timezone(timedelta(hours=-5))),
            "2026-01-17T13:49:05+00:00",
        ),
    ],
)
def test_completion_times_become_iso_utc_text_to_the_second(
    stored: str | datetime, expected: str
) -> None:
    assert iso_utc(stored) == expected


def reference_csv(course: Course, learners: list[LearnerCompletion[UnitCells]]) -> bytes:
    """The file as csv.writer writes the cells, the obvious way (and the way it was)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header(course))
    for learner in learners:
        line: list[Any] = [learner.learner_id, learner.display_name, learner.cohorts]
        for status, at, mastery, attempts in learner.units:
            line += (status, at or "", round(mastery, 4), attempts)
        line += (
            round(learner.overall_score, 4),
            "yes" if learner.course_completed else "no",
            learner.completed_at or "",
        )
        writer.writerow(line)
    return buffer.getvalue().encode("utf-8-sig")


def test_csv_lines_are_byte_for_byte_what_csv_writer_writes(
    tmp_path: Path, bundled_course: Course
) -> None:
    n = len(bundled_course.units)
    done = tuple(
        ("completed", f"2026-03-{1 + u:02d}T10:00:0{u % 10}+00:00", 0.85 + u / 1000, 3 + u)
        for u in range(n)
    )
    odd: list[UnitCells] = list(done)
    odd[0] = ('odd "status"', None, -0.0, 0)
    odd[1] = ("in_progress", None, 0.00005, 1)
    odd[2] = UNTOUCHED
    odd[3] = ("odd,status", None, 0.5, 2)
    # One kind of character csv.writer quotes per learner: comma, quote, CR, LF.
    learners = [
        LearnerCompletion.of("1", "Ada", "", done),
        LearnerCompletion.of("2", "Bob, the builder", "Alpha; Evening", tuple(odd)),
        LearnerCompletion.of("3", 'Cy "quoted"', "", (UNTOUCHED,) * n),
        LearnerCompletion.of("4", "Dee\rreturn", "Évening", (*done[:-1], odd[1])),
        LearnerCompletion.of("5", "Eve Ünïcode 😀", "Line\nbreak", done),
    ]
    writer = CsvReportWriter(tmp_path / "report.csv", bundled_course)
    as_text = [
        LearnerCompletion(
            learner.learner_id,
            learner.display_name,
            learner.cohorts,
            tuple(writer.untouched if u is UNTOUCHED else writer.unit(*u) for u in learner.units),
            learner.overall_score,
            learner.course_completed,
            learner.completed_at,
        )
        for learner in learners
    ]
    writer.write(iter(as_text[:3]))
    writer.write(iter(as_text[3:]))
    writer.close(CompletionSummary.for_course(bundled_course, ReportScope(GUILD), NOW))
    assert (tmp_path / "report.csv").read_bytes() == reference_csv(bundled_course, learners)


async def test_the_report_reads_units_from_the_covering_index_without_sorting(
    tmp_path: Path, bundled_course: Course
) -> None:
    path = tmp_path / "plan.db"
    db = await Database.connect(f"sqlite+aiosqlite:///{path}")
    await db.close()
    compiled = progress_rows(bundled_course.id, ReportScope(GUILD)).compile(
        dialect=sqlite_dialect.dialect()
    )
    params = [compiled.params[name] for name in compiled.positiontup or ()]
    with sqlite3.connect(path) as connection:
        plan = [row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {compiled}", params)]
    assert "MERGE (UNION ALL)" in plan
    assert any("COVERING INDEX ix_unit_progress_report" in step for step in plan)
    assert any("COVERING INDEX ix_learning_events_guild_learner" in step for step in plan)
    assert not any("TEMP B-TREE" in step for step in plan)


async def csv_rows(deps: Any, tmp_path: Path, name: str) -> dict[str, list[str]]:
    done = await write_completion_report(
        deps.db, deps.course, out=tmp_path / name, fmt=ReportFormat.CSV, now=NOW, guild_id=GUILD
    )
    with done.path.open(encoding="utf-8-sig", newline="") as file:
        return {row[0]: row for row in list(csv.reader(file))[1:]}


async def test_an_empty_unit_row_reads_as_not_started_and_one_with_figures_keeps_them(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    units = [u.id for u in deps.course.units]

    def add_rows(session: Session) -> None:
        dee = session.query(Learner).filter_by(discord_id=1004).one()
        for unit, mastery, attempts in ((units[0], 0.0, 0), (units[1], 0.25, 1)):
            session.add(
                UnitProgress(
                    learner_id=dee.id,
                    course_id=deps.course.id,
                    unit_id=unit,
                    status="not_started",
                    mastery=mastery,
                    attempts=attempts,
                )
            )

    await deps.writer.run(add_rows)
    dee = (await csv_rows(deps, tmp_path, "report.csv"))["1004"]
    assert dee[3:11] == ["not_started", "", "0.0", "0", "not_started", "", "0.25", "1"]
    assert dee[-3:] == [str(round(0.25 / len(units), 4)), "no", ""]


async def test_learners_split_across_fetches_come_out_whole(
    make_tutor: MakeTutor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    whole = await csv_rows(deps, tmp_path, "whole.csv")
    for size in (1, 2, 7):
        monkeypatch.setattr("tutorbot.tutor.reports.export.PARTITION_ROWS", size)
        assert await csv_rows(deps, tmp_path, f"by-{size}.csv") == whole
