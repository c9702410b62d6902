"""Per-server rules for model calls: which model a server uses, and its daily budget.

The gateway asks ``model_for`` before every call (so a server's model from /admin settings
is used by every service, and a server whose budget is spent makes no call at all) and
reports each finished call with ``spent``. The answers service asks ``budget`` first, so a
learner whose server is out of budget gets the offline answer without spending a heart.

Why in memory: this runs before every model call, so it must not cost a query each time.
A server's spend today is read from ``llm_usage`` (one SUM over that UTC day) the first time
it is needed each day, then kept current by adding this process's calls as they finish; it is
read again every ``RESYNC`` so calls made by other processes count too. Configs are kept for
``CONFIG_TTL`` and dropped at once when /admin settings changes them in this process.
bench/budget_check.py measures both paths.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import func, select

from tutorbot.llm import LlmBudgetSpentError, UsageRecord
from tutorbot.storage.models import LlmUsage
from tutorbot.tutor.guilds import GuildConfig, guild_config

if TYPE_CHECKING:
    from tutorbot.tutor.deps import TutorDeps

T = TypeVar("T")
RESYNC = timedelta(seconds=60)
CONFIG_TTL = timedelta(seconds=60)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A UTC day as ``[start, end)`` datetimes."""
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BudgetState:
    """A server's model spend today (UTC) against its daily budget (``None``: no limit)."""

    guild_id: int | None
    day: date
    spent_usd: float
    budget_usd: float | None

    @property
    def exhausted(self) -> bool:
        """True when the budget is spent: the server answers offline until the day ends."""
        return self.budget_usd is not None and self.spent_usd >= self.budget_usd

    @property
    def remaining_usd(self) -> float | None:
        """What is left today, never negative (``None`` without a budget)."""
        return None if self.budget_usd is None else max(0.0, self.budget_usd - self.spent_usd)

    @property
    def resets_at(self) -> datetime:
        """The next 00:00 UTC, when a new budget day starts."""
        return day_bounds(self.day)[1]


@dataclass(slots=True)
class _Tally:
    day: date
    total: float
    read_at: datetime


async def spent_on(deps: TutorDeps, guild_id: int, day: date) -> float:
    """A server's recorded model spend on one UTC day, summed in the database."""
    start, end = day_bounds(day)
    query = select(func.coalesce(func.sum(LlmUsage.cost_usd), 0.0)).where(
        LlmUsage.guild_id == guild_id, LlmUsage.created_at >= start, LlmUsage.created_at < end
    )
    async with deps.db.session() as session:
        return float(await session.scalar(query) or 0.0)


class GuildRules:
    """The gateway's ``CallRouter`` and the answers' budget check, per server."""

    def __init__(self, deps: TutorDeps) -> None:
        self._deps = deps
        self._configs: dict[int, tuple[GuildConfig, datetime]] = {}
        self._tallies: dict[int, _Tally] = {}
        # Reads in flight, shared: a burst of interactions from one server right after
        # start-up (or a cache expiry) makes one query, not one per interaction.
        self._reading: dict[tuple[str, int], asyncio.Future[Any]] = {}

    async def _once(self, key: tuple[str, int], read: Callable[[], Awaitable[T]]) -> T:
        pending = self._reading.get(key)
        if pending is None:
            pending = self._reading[key] = asyncio.ensure_future(read())
            pending.add_done_callback(lambda _: self._reading.pop(key, None))
        # A caller cancelled while waiting must not cancel the read the others share.
        result: T = await asyncio.shield(pending)
        return result

    async def config(self, guild_id: int | None) -> GuildConfig:
        """The server's configuration, from memory when read in the last ``CONFIG_TTL``."""
        if guild_id is None:  # the defaults: nothing to read
            return await guild_config(self._deps, None)
        now = self._deps.clock()
        cached = self._configs.get(guild_id)
        if cached is not None and now - cached[1] < CONFIG_TTL:
            return cached[0]
        config = await self._once(("config", guild_id), lambda: guild_config(self._deps, guild_id))
        self._configs[guild_id] = (config, now)
        return config

    def forget(self, guild_id: int) -> None:
        """Drop what is remembered about a server (its settings just changed)."""
        self._configs.pop(guild_id, None)

    async def spent_today(self, guild_id: int) -> float:
        """The server's spend this UTC day: the running total, read again when stale."""
        now = self._deps.clock()
        tally = self._tallies.get(guild_id)
        if tally is None or tally.day != now.date() or now - tally.read_at >= RESYNC:
            day = now.date()
            total = await self._once(
                ("spent", guild_id), lambda: spent_on(self._deps, guild_id, day)
            )
            tally = self._tallies[guild_id] = _Tally(day, total, now)
        return tally.total

    async def budget(self, guild_id: int | None) -> BudgetState:
        """Today's spend against the server's budget (no server, no budget)."""
        day = self._deps.clock().date()
        if guild_id is None:
            return BudgetState(None, day, 0.0, None)
        config = await self.config(guild_id)
        if config.daily_budget_usd is None:
            return BudgetState(guild_id, day, 0.0, None)
        return BudgetState(guild_id, day, await self.spent_today(guild_id), config.daily_budget_usd)

    async def model_for(self, guild_id: int | None) -> str:
        """The server's model; ``LlmBudgetSpentError`` when its budget is spent today."""
        state = await self.budget(guild_id)
        if state.exhausted:
            raise LlmBudgetSpentError(
                f"guild {guild_id} spent ${state.spent_usd:.4f} of ${state.budget_usd:.4f}"
            )
        return (await self.config(guild_id)).model

    def spent(self, usage: UsageRecord) -> None:
        """Add a finished call's cost to its server's running total for today.

        A server with no total for today yet is left alone: its first check reads the
        database (a row still being written then is counted at the next re-read).
        """
        if usage.guild_id is None:
            return
        tally = self._tallies.get(usage.guild_id)
        if tally is not None and tally.day == self._deps.clock().date():
            tally.total += usage.cost_usd
