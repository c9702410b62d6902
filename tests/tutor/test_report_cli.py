"""``tutorbot report completion`` on a seeded database, through typer's CliRunner."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import openpyxl
from typer.testing import CliRunner, Result

from tests.tutor.conftest import MakeTutor
from tests.tutor.report_seed import GUILD, seed_report_world
from tutorbot.cli import app
from tutorbot.tutor import TutorDeps


async def invoke(deps: TutorDeps, *args: str) -> Result:
    """Run the CLI in a thread (it runs its own event loop) against the test database."""
    env = {
        "TUTORBOT_DATABASE_URL": deps.settings.effective_database_url,
        "TUTORBOT_DATA_DIR": str(deps.settings.data_dir),
    }
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, app, ["report", "completion", *args], env=env)


async def test_cli_writes_the_servers_csv_and_says_what_it_wrote(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    out = tmp_path / "completion.csv"
    result = await invoke(deps, "--format", "csv", "--out", str(out), "--guild", str(GUILD))
    with out.open(encoding="utf-8-sig", newline="") as file:
        ids = [row[0] for row in csv.reader(file)][1:]
    assert result.exit_code == 0, result.output
    assert ids == ["987654321098765432", "1002", "1004"]
    assert f"Wrote {out}: 3 learners (server {GUILD}), 1 completed the course" in result.output


async def test_cli_filters_by_cohort_into_xlsx(make_tutor: MakeTutor, tmp_path: Path) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    out = tmp_path / "alpha.xlsx"
    result = await invoke(deps, "-f", "XLSX", "-o", str(out), "--cohort", "Alpha")
    sheet = openpyxl.load_workbook(out)["Completion"]
    assert result.exit_code == 0, result.output
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["1002"]


async def test_cli_exits_1_with_a_message_on_an_unknown_cohort(
    make_tutor: MakeTutor, tmp_path: Path
) -> None:
    deps = await make_tutor()
    await seed_report_world(deps)
    out = tmp_path / "x.csv"
    result = await invoke(deps, "--format", "csv", "--out", str(out), "--cohort", "Nightowls")
    assert result.exit_code == 1
    assert "There is no cohort called 'Nightowls'" in result.output
    assert not out.exists()


async def test_cli_rejects_a_format_it_does_not_know(make_tutor: MakeTutor, tmp_path: Path) -> None:
    deps = await make_tutor()
    result = await invoke(deps, "--format", "pdf", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code == 2
    assert "pdf" in result.output
