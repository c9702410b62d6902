"""Who may run staff commands: moderators and admins, from Discord permissions or roles.

An admin has Manage Server (or a role an admin configured as admin); a moderator has
Manage Messages (or a configured moderator role); an admin can do everything a moderator
can. ``staff_only(Rank.MODERATOR)`` on a command does both halves of the job:

- it sets Discord's default member permissions, so the command is hidden from learners
  unless a server's integration overrides show it (Discord applies this to top-level
  commands only: for a subcommand, put ``default_permissions`` on its group when the whole
  group is staff-only);
- it checks again when the command runs, from the permissions in the interaction payload
  and the server's configured roles, and refuses with a clear message before any work.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from tutorbot.errors import TutorError

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

T = TypeVar("T")


class Rank(IntEnum):
    """What a member may do; higher ranks include the lower ones."""

    LEARNER = 0
    MODERATOR = 1
    ADMIN = 2


class NotAllowedError(app_commands.CheckFailure, TutorError):
    """A member ran a command above their rank; nothing was done."""

    def __init__(self, needed: Rank) -> None:
        who = "server admins" if needed is Rank.ADMIN else "moderators and admins"
        TutorError.__init__(self, f"Only {who} can use this command. Nothing was changed.")


async def rank_of(interaction: discord.Interaction) -> Rank:
    """The caller's rank in this server (always ``LEARNER`` outside a server)."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        return Rank.LEARNER
    bot: TutorBot = interaction.client  # type: ignore[assignment]
    config = await bot.deps.rules.config(interaction.guild_id)  # cached, dropped on change
    perms = interaction.permissions
    roles = {role.id for role in member.roles}
    if perms.administrator or perms.manage_guild or roles & config.admin_role_ids:
        return Rank.ADMIN
    if perms.manage_messages or roles & config.moderator_role_ids:
        return Rank.MODERATOR
    return Rank.LEARNER


async def require(interaction: discord.Interaction, needed: Rank) -> None:
    """Raise ``NotAllowedError`` unless the caller has ``needed`` (for buttons and modals,
    which a decorator cannot guard)."""
    if await rank_of(interaction) < needed:
        raise NotAllowedError(needed)


def staff_only(needed: Rank) -> Callable[[T], T]:
    """Hide the command from members below ``needed`` by default, and refuse them anyway."""
    if needed is Rank.LEARNER:
        raise ValueError("staff_only needs MODERATOR or ADMIN")
    perms = (
        discord.Permissions(manage_guild=True)
        if needed is Rank.ADMIN
        else discord.Permissions(manage_messages=True)
    )

    async def predicate(interaction: discord.Interaction) -> bool:
        await require(interaction, needed)
        return True

    def decorate(command: Any) -> Any:
        command = app_commands.check(predicate)(command)
        command = app_commands.guild_only()(command)
        return app_commands.default_permissions(perms)(command)

    return decorate
