"""/cohort create, add, list and join; role holders become members when the bot sees them.

``create`` and ``add`` are for moderators (checked when they run); ``list`` and ``join``
are for everyone, so the group as a whole stays visible to learners. A role linked to a
cohort adds its holders from the guild cache at link time (without the members intent
that is whoever the cache has seen) and every other holder when they use the bot: at once
in ``/cohort list``, ``/cohort join`` and a challenge's Attempt button, and through
``on_interaction`` for any other command once the tutor has stored them (their first
command stores them).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from tutorbot.bot.identity import learner_of
from tutorbot.bot.permissions import Rank, staff_only
from tutorbot.bot.render import NO_PINGS, split_message
from tutorbot.errors import TutorError
from tutorbot.tutor import LearnerRef
from tutorbot.tutor.cohorts import (
    Added,
    add_members,
    cohort_names,
    create_cohort,
    join_cohort,
    link_role,
    linked_role_ids,
    list_cohorts,
    sync_role_memberships,
)

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

log = logging.getLogger(__name__)


def _member_ref(member: discord.Member) -> LearnerRef:
    return LearnerRef(member.id, member.display_name[:100], member.guild.id)


def _added_text(added: Added, who: str) -> str:
    name = escape_markdown(added.cohort)
    if not added.added and added.already:
        return f"{who} already in **{name}**; nothing changed."
    text = f"Added {added.added} to **{name}**"
    return text + (f" ({added.already} were already in it)." if added.already else ".")


async def cohort_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """The server's cohorts whose name contains what was typed."""
    if interaction.guild_id is None:
        return []
    deps = interaction.client.deps  # type: ignore[attr-defined]
    names = await cohort_names(deps, interaction.guild_id, current)
    return [app_commands.Choice(name=n, value=n) for n in names]


class CohortCog(commands.GroupCog, group_name="cohort"):
    """Groups of learners: moderators create and fill them, learners join open ones."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        # Per server, the read of its linked roles: shared by a burst of interactions, and
        # kept (links change only through this cog, which drops the entry).
        self._linked: dict[int, asyncio.Task[frozenset[int]]] = {}
        super().__init__()

    async def _linked_roles(self, guild_id: int) -> frozenset[int]:
        """Roles linked to cohorts here, cached (links change only through this cog)."""
        read = self._linked.get(guild_id)
        if read is None or (read.done() and read.exception() is not None):
            read = self._linked[guild_id] = asyncio.create_task(
                linked_role_ids(self.bot.deps, guild_id)
            )
        return await asyncio.shield(read)

    async def sync_caller(self, interaction: discord.Interaction, *, known_only: bool) -> None:
        """Make the caller a member of the cohorts linked to roles they hold."""
        member = interaction.user
        if interaction.guild_id is None or not isinstance(member, discord.Member):
            return
        roles = {r.id for r in member.roles if not r.is_default()}
        if not roles:  # most callers: nothing to look up
            return
        held = roles & await self._linked_roles(interaction.guild_id)
        if held:
            learner = learner_of(interaction)
            await sync_role_memberships(self.bot.deps, learner, held, known_only=known_only)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Someone holding a linked role used the bot: make them a member of its cohorts.

        This runs beside the command itself, so it only touches learners already stored
        (the command creates a newcomer's row; their next interaction syncs them).
        """
        try:
            await self.sync_caller(interaction, known_only=True)
        except Exception:  # never let bookkeeping break the command being run
            log.exception("could not sync cohort roles of %s", interaction.user.id)

    @app_commands.command(description="Create a cohort (moderators)")
    @app_commands.describe(name="The cohort's name", open="Learners may /cohort join it")
    @staff_only(Rank.MODERATOR)
    async def create(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 100],
        open: bool = False,  # the option's name in Discord
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None  # staff_only is guild-only
        made = await create_cohort(
            self.bot.deps, interaction.guild_id, name, created_by=interaction.user.id, open=open
        )
        how = "learners can /cohort join it" if made.open else "moderators add its members"
        await interaction.followup.send(
            f"Created the cohort **{escape_markdown(made.name)}**; {how}.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(description="Add a member, or everyone with a role, to a cohort")
    @app_commands.describe(
        cohort="The cohort", member="A member to add", role="Link a role: its holders belong"
    )
    @app_commands.autocomplete(cohort=cohort_autocomplete)
    @staff_only(Rank.MODERATOR)
    async def add(
        self,
        interaction: discord.Interaction,
        cohort: str,
        member: discord.Member | None = None,
        role: discord.Role | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        if member is None and role is None:
            raise TutorError("Name a member or a role to add.")
        if member is not None and member.bot:
            raise TutorError("Bots cannot join cohorts.")
        deps, lines = self.bot.deps, []
        if member is not None:
            added = await add_members(deps, interaction.guild_id, cohort, [_member_ref(member)])
            lines.append(_added_text(added, escape_markdown(member.display_name) + " is"))
        if role is not None:
            holders = [_member_ref(m) for m in role.members if not m.bot]
            added = await link_role(deps, interaction.guild_id, cohort, role.id, holders)
            self._linked.pop(interaction.guild_id, None)
            lines.append(
                f"Linked the role {role.mention} to **{escape_markdown(added.cohort)}**: "
                f"{added.added} member(s) I can see were added; anyone else with the role "
                "joins the next time they use the bot."
            )
        await interaction.followup.send("\n".join(lines), ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(name="list", description="The cohorts here, and the ones you are in")
    async def list_(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.guild_id is None:
            raise TutorError("Cohorts belong to a server; use this command there.")
        await self.sync_caller(interaction, known_only=False)
        cohorts = await list_cohorts(self.bot.deps, interaction.guild_id, learner_of(interaction))
        if not cohorts:
            text = "No cohorts here yet; a moderator can /cohort create one."
        else:
            lines = []
            for c in cohorts:
                tags = ["open: /cohort join" if c.open else "moderators add members"]
                if c.role_ids:
                    tags.append("roles " + " ".join(f"<@&{r}>" for r in c.role_ids))
                mark = "✅ " if c.joined else "• "
                lines.append(
                    f"{mark}**{escape_markdown(c.name)}**: {c.members} member(s), "
                    + ", ".join(tags)
                )
            text = "\n".join(lines) + "\n-# ✅ marks the cohorts you are in."
        for part in split_message(text):
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(description="Join an open cohort")
    @app_commands.describe(cohort="The cohort to join")
    @app_commands.autocomplete(cohort=cohort_autocomplete)
    async def join(self, interaction: discord.Interaction, cohort: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.sync_caller(interaction, known_only=False)
        joined = await join_cohort(self.bot.deps, learner_of(interaction), cohort)
        name = escape_markdown(joined.cohort)
        text = f"You are already in **{name}**." if joined.already else f"You joined **{name}**."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
