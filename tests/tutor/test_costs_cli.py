"""``tutorbot costs``: the usage report in the terminal and as a CSV file."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tutorbot.llm import UsageRecord
from tutorbot.storage import Database
from tutorbot.tutor.costs_cli import costs_command
from tutorbot.tutor.ledger import DatabaseUsageSink
from tutorbot.tutor.writer import DatabaseWriter


def call(guild_id: int, prompt: int, completion: int, cost: float) -> UsageRecord:
    return UsageRecord(None, guild_id, "gpt-4o-mini", "ask", "h", prompt, completion, cost, 5, True)


async def record(url: str, *calls: UsageRecord) -> None:
    """Rows written now by the real sink, as the bot's gateway writes them."""
    db = await Database.connect(url)
    writer = DatabaseWriter.for_database(db)
    try:
        for usage in calls:
            await DatabaseUsageSink(writer).record(usage)
    finally:
        writer.close()
        await db.close()


def test_costs_prints_totals_and_writes_the_csv_for_one_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TUTORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutorbot.db'}"
    asyncio.run(record(url, call(42, 1000, 100, 0.25), call(42, 10, 1, 0.5), call(7, 1, 1, 9.0)))
    app = typer.Typer()
    app.command()(costs_command)
    result = CliRunner().invoke(app, ["--days", "2", "--guild", "42", "--out", "costs.csv"])
    rows = list(csv.DictReader((tmp_path / "costs.csv").open()))
    assert result.exit_code == 0, result.output
    assert "2 calls, 1,010 tokens in, 101 out, about $0.7500" in result.output
    assert [(r["guild_id"], r["calls"], r["cost_usd"]) for r in rows] == [("42", "2", "0.750000")]
