"""What the model cost: usage per learner per UTC day from the ``llm_usage`` ledger.

Every model call the gateway makes is one ``llm_usage`` row (tokens, estimated cost, ok or
not). The report groups them in SQL by day, server and learner, so a month of a busy server
is a few hundred rows to render, not every call; ``cost_csv`` is the file admins download.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Date, cast, func, literal_column, select
from sqlalchemy.sql import ColumnElement

from tutorbot.errors import TutorError
from tutorbot.storage.models import Learner, LlmUsage
from tutorbot.tutor.deps import TutorDeps
from tutorbot.tutor.guild_rules import BudgetState, day_bounds

MAX_DAYS = 366
CSV_COLUMNS = (
    "day",
    "guild_id",
    "learner_discord_id",
    "learner_name",
    "calls",
    "failed_calls",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
)


@dataclass(frozen=True, slots=True)
class CostRow:
    """One learner's model use on one UTC day in one server (``discord_id`` None: calls
    made for no learner, or for a learner who has since deleted their data)."""

    day: date
    guild_id: int | None
    discord_id: int | None
    learner_name: str
    calls: int
    failed_calls: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True, slots=True)
class CostReport:
    """Usage rows for ``first``..``last`` (UTC days, inclusive), newest day first; with one
    server's budget state when the report is for one server."""

    first: date
    last: date
    guild_id: int | None
    rows: list[CostRow]
    budget: BudgetState | None

    @property
    def calls(self) -> int:
        """Model calls in the period."""
        return sum(r.calls for r in self.rows)

    @property
    def prompt_tokens(self) -> int:
        """Prompt tokens in the period."""
        return sum(r.prompt_tokens for r in self.rows)

    @property
    def completion_tokens(self) -> int:
        """Completion tokens in the period."""
        return sum(r.completion_tokens for r in self.rows)

    @property
    def cost_usd(self) -> float:
        """Estimated USD in the period."""
        return sum(r.cost_usd for r in self.rows)

    def by_day(self) -> list[tuple[date, int, float]]:
        """(day, calls, cost) per day that had calls, newest first."""
        days: dict[date, tuple[int, float]] = {}
        for r in self.rows:
            calls, cost = days.get(r.day, (0, 0.0))
            days[r.day] = (calls + r.calls, cost + r.cost_usd)
        return [(d, c, usd) for d, (c, usd) in sorted(days.items(), reverse=True)]

    def by_learner(self) -> list[tuple[str, int, int, float]]:
        """(name, calls, tokens, cost) per learner over the period, costliest first."""
        people: dict[tuple[int | None, str], tuple[int, int, float]] = {}
        for r in self.rows:
            calls, tokens, cost = people.get((r.discord_id, r.learner_name), (0, 0, 0.0))
            people[(r.discord_id, r.learner_name)] = (
                calls + r.calls,
                tokens + r.tokens,
                cost + r.cost_usd,
            )
        ranked = sorted(people.items(), key=lambda item: (-item[1][2], -item[1][1]))
        return [(name, c, t, usd) for (_, name), (c, t, usd) in ranked]


def _utc_day(dialect: str) -> ColumnElement[date]:
    """The UTC calendar day of a usage row, in SQL (SQLite stores UTC text; PostgreSQL
    converts in the session's zone unless told UTC)."""
    if dialect == "postgresql":
        # A literal zone: a bound one would make GROUP BY differ from the SELECT.
        return cast(func.timezone(literal_column("'UTC'"), LlmUsage.created_at), Date)
    return func.date(LlmUsage.created_at, type_=Date)


async def cost_report(deps: TutorDeps, *, days: int = 7, guild_id: int | None = None) -> CostReport:
    """Usage per learner per day over the last ``days`` UTC days (today included), for one
    server or (``guild_id`` None, the CLI) for every server."""
    if not 1 <= days <= MAX_DAYS:
        raise TutorError(f"Days must be between 1 and {MAX_DAYS} (got {days}).")
    last = deps.clock().date()
    first = last - timedelta(days=days - 1)
    start, end = day_bounds(first)[0], day_bounds(last)[1]
    day = _utc_day(deps.db.engine.dialect.name)
    query = (
        select(
            day,
            LlmUsage.guild_id,
            Learner.discord_id,
            Learner.display_name,
            func.count(),
            func.count().filter(LlmUsage.ok.is_(False)),
            func.coalesce(func.sum(LlmUsage.prompt_tokens), 0),
            func.coalesce(func.sum(LlmUsage.completion_tokens), 0),
            func.coalesce(func.sum(LlmUsage.cost_usd), 0.0),
        )
        .outerjoin(Learner, Learner.id == LlmUsage.learner_id)
        .where(LlmUsage.created_at >= start, LlmUsage.created_at < end)
        .group_by(day, LlmUsage.guild_id, Learner.discord_id, Learner.display_name)
    )
    if guild_id is not None:
        query = query.where(LlmUsage.guild_id == guild_id)
    async with deps.db.session() as session:
        result = (await session.execute(query)).all()
    rows = [
        CostRow(
            day=d if isinstance(d, date) else date.fromisoformat(str(d)),
            guild_id=g,
            discord_id=discord_id,
            learner_name=name or "(no learner)",
            calls=int(calls),
            failed_calls=int(failed),
            prompt_tokens=int(prompt),
            completion_tokens=int(completion),
            cost_usd=float(cost),
        )
        for d, g, discord_id, name, calls, failed, prompt, completion, cost in result
    ]
    rows.sort(key=lambda r: (-r.day.toordinal(), -r.cost_usd, r.learner_name))
    budget = None
    if guild_id is not None:
        config = await deps.rules.config(guild_id)
        # Today's rows are the server's whole spend today: exact, not the running total.
        spent = sum(r.cost_usd for r in rows if r.day == last)
        budget = BudgetState(guild_id, last, spent, config.daily_budget_usd)
    return CostReport(first, last, guild_id, rows, budget)


def _cell(text: str) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ would make it a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def cost_csv(report: CostReport) -> bytes:
    """The report's rows as UTF-8 CSV (ids as strings, cost to 6 decimals), with a header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        writer.writerow(
            [
                r.day.isoformat(),
                "" if r.guild_id is None else str(r.guild_id),
                "" if r.discord_id is None else str(r.discord_id),
                _cell(r.learner_name),
                r.calls,
                r.failed_calls,
                r.prompt_tokens,
                r.completion_tokens,
                f"{r.cost_usd:.6f}",
            ]
        )
    return out.getvalue().encode("utf-8")
