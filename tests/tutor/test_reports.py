"""Completion reports on a seeded database: every cell of CSV and XLSX, the HTML page."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from tests.tutor.conftest import MakeTutor
from tests.tutor.report_seed import GUILD, OTHER_GUILD, Seeded, seed_report_world
from tutorbot.curriculum import Course
from tutorbot.tutor import TutorDeps
from tutorbot.tutor.reports import (
    CompletionReport,
    ReportFormat,
    UnknownCohortError,
    overview_png,
    write_completion_report,
)
from tutorbot.tutor.reports.columns import header
from tutorbot.tutor.reports.completion import LearnerCompletion, ReportScope, UnitResult
from tutorbot.tutor.reports.summary import CompletionSummary
from tutorbot.tutor.reports.writers import HtmlReportWriter

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


async def report(
    deps: TutorDeps,
    tmp_path: Path,
    fmt: ReportFormat,
    *,
    guild_id: int | None = None,
    cohort: str | None = None,
) -> CompletionReport:
    folder = tmp_path / "reports"
    folder.mkdir(exist_ok=True)
    return await write_completion_report(
        deps.db,
        deps.course,
        out=folder / f"report.{fmt}",
        fmt=fmt,
        now=NOW,
        guild_id=guild_id,
        cohort=cohort,
    )


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def expected_csv(seeded: Seeded) -> dict[str, list[str]]:
    n = len(seeded.unit_ids)
    ada_units = [
        cell
        for at in seeded.ada_done
        for cell in ("completed", at.isoformat(timespec="seconds"), "0.9", "4")
    ]
    bob_units = [cell for _ in range(n) for cell in ("not_started", "", "0.0", "0")]
    bob_units[4:8] = ["in_progress", "", "0.5", "2"]
    dee_units = [cell for _ in range(n) for cell in ("not_started", "", "0.0", "0")]
    last = seeded.ada_done[-1].isoformat(timespec="seconds")
    return {
        "987654321098765432": [
            "987654321098765432",
            "Ada",
            "Evening",
            *ada_units,
            "0.9",
            "yes",
            last,
        ],
        "1002": [
            "1002",
            "Bob Ünïcode",
            "Alpha; Evening",
            *bob_units,
            str(round(0.5 / n, 4)),
            "no",
            "",
        ],
        "1004": ["1004", "Dee", "Evening", *dee_units, "0.0", "no", ""],
    }


async def test_csv_report_has_a_bom_a_header_and_every_cell_of_the_servers_learners(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    seeded = await seed_report_world(deps)
    done = await report(deps, tmp_path, ReportFormat.CSV, guild_id=GUILD)
    raw = done.path.read_bytes()
    rows = read_csv(done.path)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0] == header(deps.course)
    assert {row[0]: row for row in rows[1:]} == expected_csv(seeded)
    assert [row[0] for row in rows[1:]] == ["987654321098765432", "1002", "1004"]


async def test_xlsx_report_reads_back_cell_by_cell_with_text_ids_and_utc_dates(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    seeded = await seed_report_world(deps)
    done = await report(deps, tmp_path, ReportFormat.XLSX, guild_id=GUILD)
    book = openpyxl.load_workbook(done.path)
    rows = [list(r) for r in book["Completion"].iter_rows(values_only=True)]
    n = len(seeded.unit_ids)
    ada = rows[1]
    assert book.sheetnames == ["Completion", "Units", "Columns"]
    assert rows[0] == header(deps.course)
    assert ada[:3] == ["987654321098765432", "Ada", "Evening"]
    assert ada[3 : 3 + 4 * n] == [
        cell for at in seeded.ada_done for cell in ("completed", at.replace(tzinfo=None), 0.9, 4)
    ]
    assert ada[-3:] == [0.9, True, seeded.ada_done[-1].replace(tzinfo=None)]
    assert rows[2][:3] == ["1002", "Bob Ünïcode", "Alpha; Evening"]
    assert rows[2][7:11] == ["in_progress", None, 0.5, 2]
    assert rows[3][-3:] == [0, False, None]
    assert len(rows) == 4


async def test_names_that_look_like_formulas_stay_text_in_csv_and_xlsx(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps, bob_name='=HYPERLINK("http://evil.example","x")')
    as_csv = await report(deps, tmp_path, ReportFormat.CSV, guild_id=GUILD)
    as_xlsx = await report(deps, tmp_path, ReportFormat.XLSX, guild_id=GUILD)
    cell = openpyxl.load_workbook(as_xlsx.path)["Completion"]["B3"]
    assert read_csv(as_csv.path)[2][1] == '\'=HYPERLINK("http://evil.example","x")'
    assert (cell.data_type, cell.value) == ("s", '=HYPERLINK("http://evil.example","x")')


async def test_html_report_is_one_self_contained_page_with_both_charts(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps, bob_name="<script>alert(1)</script>")
    done = await report(deps, tmp_path, ReportFormat.HTML, guild_id=GUILD)
    page = done.path.read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 2
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Completion by unit" in page
    assert "Progress over time" in page


def test_html_table_is_capped_and_says_how_many_it_shows(
    tmp_path: Path, bundled_course: Course
) -> None:
    units = tuple(UnitResult("not_started", None, 0.0, 0) for _ in bundled_course.units)
    learners = [LearnerCompletion.of(str(n), f"learner {n}", "", units) for n in range(5)]
    summary = CompletionSummary.for_course(bundled_course, ReportScope(GUILD), NOW)
    summary.learners = len(learners)
    writer = HtmlReportWriter(tmp_path / "page.html", bundled_course, row_cap=2)
    writer.write(learners[:3])
    writer.write(learners[3:])
    writer.close(summary)
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert "shows the first 2 of 5 learners" in " ".join(page.split())
    assert "learner 1<" in page
    assert "learner 2<" not in page


async def test_a_cohort_report_lists_its_members_even_those_who_never_started(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    done = await report(deps, tmp_path, ReportFormat.CSV, guild_id=GUILD, cohort="  evening ")
    rows = read_csv(done.path)
    assert [r[0] for r in rows[1:]] == ["987654321098765432", "1002", "1004"]
    assert done.scope.cohort_name == "Evening"


async def test_a_report_without_a_server_covers_everyone_with_all_their_cohorts(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    done = await report(deps, tmp_path, ReportFormat.CSV)
    rows = {r[0]: r for r in read_csv(done.path)[1:]}
    assert set(rows) == {"987654321098765432", "1002", "1003", "1004"}
    assert rows["1002"][2] == "Alpha; Elsewhere; Evening"


async def test_an_unknown_cohort_is_refused_before_any_file_is_made(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    with pytest.raises(UnknownCohortError) as caught:
        await report(deps, tmp_path, ReportFormat.CSV, guild_id=OTHER_GUILD, cohort="Evening")
    assert caught.value.user_message == "There is no cohort called 'Evening'. Cohorts: Elsewhere."
    assert list((tmp_path / "reports").iterdir()) == []


async def test_summary_counts_completions_per_unit_and_per_day_for_the_charts(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    seeded = await seed_report_world(deps)
    done = await report(deps, tmp_path, ReportFormat.CSV, guild_id=GUILD)
    s = done.summary
    days = {at.date() for at in seeded.ada_done}
    assert (s.learners, s.course_completions) == (3, 1)
    assert [u.completed for u in s.units] == [1] * len(seeded.unit_ids)
    assert s.units[1].started == 2
    assert set(s.unit_completions_by_day) == days
    assert dict(s.course_completions_by_day) == {seeded.ada_done[-1].date(): 1}
    assert overview_png(s).startswith(b"\x89PNG\r\n\x1a\n")


async def test_an_empty_server_still_gets_a_header_and_charts(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    done = await report(deps, tmp_path, ReportFormat.HTML, guild_id=GUILD)
    page = done.path.read_text(encoding="utf-8")
    assert done.learners == 0
    assert page.count("data:image/png;base64,") == 2
    assert overview_png(done.summary).startswith(b"\x89PNG")
