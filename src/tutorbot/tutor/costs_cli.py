"""``tutorbot costs``: the model usage report for operators (an adapter, like the bot).

A table of totals per day and the costliest learners in the terminal, and with ``--out``
the per-learner-per-day CSV that /admin costs attaches in Discord.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tutorbot.app import open_tutor
from tutorbot.settings import load_settings
from tutorbot.tutor.costs import MAX_DAYS, CostReport, cost_csv, cost_report

out = Console(soft_wrap=True)
TOP_LEARNERS = 10


def _tables(report: CostReport) -> list[Table]:
    days = Table("day (UTC)", "calls", "cost (USD)", title="Per day")
    for day, calls, usd in report.by_day():
        days.add_row(day.isoformat(), f"{calls:,}", f"{usd:.4f}")
    people = Table("learner", "calls", "tokens", "cost (USD)", title="Costliest learners")
    for name, calls, tokens, usd in report.by_learner()[:TOP_LEARNERS]:
        people.add_row(escape(name), f"{calls:,}", f"{tokens:,}", f"{usd:.4f}")
    return [days, people]


def costs_command(
    days: Annotated[
        int, typer.Option(min=1, max=MAX_DAYS, help="UTC days back, today included.")
    ] = 7,
    guild: Annotated[int | None, typer.Option(help="One server's id (default: all).")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write every learner-day row as CSV here.")
    ] = None,
) -> None:
    """Model calls, tokens and estimated cost per learner per day, from the usage ledger."""

    async def run() -> CostReport:
        async with open_tutor(load_settings()) as deps:
            return await cost_report(deps, days=days, guild_id=guild)

    report = asyncio.run(run())
    where = f"server {guild}" if guild is not None else "all servers"
    out.print(
        f"{report.first} to {report.last} (UTC), {where}: {report.calls:,} calls, "
        f"{report.prompt_tokens:,} tokens in, {report.completion_tokens:,} out, "
        f"about ${report.cost_usd:.4f}"
    )
    if report.budget is not None and report.budget.budget_usd is not None:
        state = "used up" if report.budget.exhausted else "in force"
        out.print(
            f"daily budget ${report.budget.budget_usd:.2f} {state}: "
            f"${report.budget.spent_usd:.4f} spent today"
        )
    if report.rows:
        for table in _tables(report):
            out.print(table)
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(cost_csv(report))
        out.print(f"wrote {len(report.rows)} row(s) to {escape(str(out_file))}")
