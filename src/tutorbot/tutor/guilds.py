"""Per-server configuration: what an admin set with /admin settings, over the defaults.

Every service that behaves per server (quota, daily budget, model, staff roles, nudge
channel, certificate role) reads a ``GuildConfig`` from here, so a server with no row
behaves exactly like the settings file says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tutorbot.storage.models import GuildSettings

if TYPE_CHECKING:  # deps.py builds the per-server rules, which read this module
    from tutorbot.tutor.deps import TutorDeps


@dataclass(frozen=True, slots=True)
class GuildConfig:
    """A server's effective configuration (its own values, else the settings' defaults)."""

    guild_id: int | None
    model: str
    quota_max: int
    quota_refill_seconds: int
    daily_budget_usd: float | None
    moderator_role_ids: frozenset[int]
    admin_role_ids: frozenset[int]
    nudge_channel_id: int | None
    certificate_role_id: int | None


async def guild_config(deps: TutorDeps, guild_id: int | None) -> GuildConfig:
    """The configuration in force for a server (``None``: the console or a DM)."""
    row = None
    if guild_id is not None:
        async with deps.db.session() as db:
            row = await db.get(GuildSettings, guild_id)
    s = deps.settings
    if row is None:
        return GuildConfig(
            guild_id,
            s.model,
            s.quota_max,
            s.quota_refill_seconds,
            None,
            frozenset(),
            frozenset(),
            None,
            None,
        )
    return GuildConfig(
        guild_id,
        row.model or s.model,
        row.quota_max if row.quota_max is not None else s.quota_max,
        row.quota_refill_seconds
        if row.quota_refill_seconds is not None
        else s.quota_refill_seconds,
        row.daily_budget_usd,
        frozenset(int(r) for r in row.moderator_role_ids),
        frozenset(int(r) for r in row.admin_role_ids),
        row.nudge_channel_id,
        row.certificate_role_id,
    )
