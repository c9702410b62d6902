"""``tutorbot report``: admin reports from the command line, for any size of server.

An adapter like ``/report``: it reads settings, opens the course and the database, calls
the report service and prints one line. Bad options exit 2 (typer); an unknown cohort, a
missing database or an unreadable course print a message and exit 1.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tutorbot.curriculum import load_course_or_raise
from tutorbot.errors import TutorError
from tutorbot.settings import load_settings
from tutorbot.storage import Database, sqlite
from tutorbot.storage.engine import database_url
from tutorbot.tutor.reports.columns import COLUMN_DOCS
from tutorbot.tutor.reports.export import CompletionReport, write_completion_report
from tutorbot.tutor.reports.writers import ReportFormat

report_app = typer.Typer(no_args_is_help=True, help="Reports for admins (completion).")
err = Console(stderr=True)

COLUMNS_HELP = "\n\n".join(f"{name}: {meaning}" for name, meaning in COLUMN_DOCS)


def _fail(message: str) -> NoReturn:
    err.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(1)


@report_app.command("completion", epilog="Columns:\n\n" + COLUMNS_HELP)
def completion_command(
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="csv, xlsx or html.", case_sensitive=False),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="File to write (replaced).", dir_okay=False)
    ],
    guild: Annotated[
        int | None,
        typer.Option(help="Server id: learners active there or in its cohorts (default: all)."),
    ] = None,
    cohort: Annotated[str | None, typer.Option(help="Only this cohort's members.")] = None,
    curriculum: Annotated[
        Path | None, typer.Option("--curriculum", "-c", help="Course folder (default: settings).")
    ] = None,
) -> None:
    """Write the course completion report: one row per learner, every unit's standing."""
    try:
        report = asyncio.run(_write(fmt, out, guild, cohort, curriculum))
    except TutorError as exc:
        _fail(exc.user_message)
    except OSError as exc:
        _fail(f"Cannot write {out}: {exc.strerror or exc}")
    s = report.summary
    print(
        f"Wrote {out}: {s.learners:,} learners ({s.scope.label}), "
        f"{s.course_completions:,} completed the course, {report.size / 2**20:.1f} MiB"
    )


async def _write(
    fmt: ReportFormat, out: Path, guild: int | None, cohort: str | None, curriculum: Path | None
) -> CompletionReport:
    settings = load_settings()
    course = load_course_or_raise(curriculum or settings.curriculum)
    url = database_url(settings.effective_database_url)
    path = sqlite.sqlite_file(url)
    if path is not None and not path.exists():
        raise TutorError(f"No database at {path}: nothing to report yet.")
    db = await Database.connect(settings.effective_database_url)
    try:
        with Progress(
            TextColumn("learners"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("report", total=None)

            def show(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return await write_completion_report(
                db,
                course,
                out=out,
                fmt=fmt,
                now=datetime.now(UTC),
                guild_id=guild,
                cohort=cohort,
                on_progress=show,
            )
    finally:
        await db.close()
