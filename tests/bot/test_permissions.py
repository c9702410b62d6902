"""The one staff check: ranks from Discord permissions or configured roles, Discord's
default member permissions on the command, and the same check again at run time (also
for buttons, through ``require``)."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from sqlalchemy.orm import Session

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.permissions import NotAllowedError, Rank, rank_of, require, staff_only
from tutorbot.bot.render import NO_PINGS
from tutorbot.storage import GuildSettings
from tutorbot.tutor import TutorDeps


class AdminOnlyButton(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Reset", custom_id="perm:reset")
    async def reset(
        self, interaction: discord.Interaction, button: discord.ui.Button[AdminOnlyButton]
    ) -> None:
        try:
            await require(interaction, Rank.ADMIN)
            await interaction.response.send_message("reset done", allowed_mentions=NO_PINGS)
        except Exception as exc:
            await reply_with_error(interaction, exc)


class Probe(commands.Cog):
    """A top-level staff command, a command reporting the caller's rank, and a button."""

    @app_commands.command(description="Admins only")
    @staff_only(Rank.ADMIN)
    async def wipe(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("wiped", allowed_mentions=NO_PINGS)

    @app_commands.command(description="Your rank")
    async def rank(self, interaction: discord.Interaction) -> None:
        rank = await rank_of(interaction)
        await interaction.response.send_message(
            rank.name, view=AdminOnlyButton(), allowed_mentions=NO_PINGS
        )


async def start(start_harness: StartHarness, deps: TutorDeps) -> Harness:
    harness = await start_harness(create_bot(deps.settings, deps=deps))
    await harness.bot.add_cog(Probe())
    return harness


async def configure(deps: TutorDeps, guild_id: int, **fields: Any) -> None:
    def write(session: Session) -> None:
        session.add(GuildSettings(guild_id=guild_id, **fields))

    await deps.writer.run(write)


async def test_ranks_come_from_discord_permissions(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    ranks = [
        (await harness.slash("rank", actor=who)).last_content
        for who in (harness.learner, harness.moderator, harness.admin)
    ]
    assert ranks == ["LEARNER", "MODERATOR", "ADMIN"]


@pytest.mark.parametrize(
    ("setting", "rank"), [("moderator_role_ids", "MODERATOR"), ("admin_role_ids", "ADMIN")]
)
async def test_a_role_an_admin_configured_grants_its_rank(
    start_harness: StartHarness, make_tutor: MakeTutor, setting: str, rank: str
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    world = harness.world
    await configure(deps, world.guild_id, **{setting: [str(world.study_role_id)]})
    turn = await harness.slash("rank", actor=world.role_learner)
    assert turn.last_content == rank


async def test_a_configured_moderator_role_runs_moderator_commands(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    world = harness.world
    await configure(deps, world.guild_id, moderator_role_ids=[str(world.study_role_id)])
    turn = await harness.slash("cohort create", actor=world.role_learner, name="Evening")
    assert "Created the cohort **Evening**" in (turn.last_content or "")


async def test_staff_only_sets_default_permissions_and_guild_only(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    wipe = harness.bot.tree.get_command("wipe")
    assert isinstance(wipe, app_commands.Command)
    assert wipe.default_permissions == discord.Permissions(manage_guild=True)
    assert wipe.guild_only


async def test_an_admin_command_is_refused_to_a_moderator_even_when_shown(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    refused = await harness.slash("wipe", actor=harness.moderator)
    allowed = await harness.slash("wipe", actor=harness.admin)
    assert refused.last_content == NotAllowedError(Rank.ADMIN).user_message
    assert "Only server admins" in (refused.last_content or "")
    assert allowed.last_content == "wiped"


async def test_a_staff_button_checks_rank_when_pressed(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("rank", actor=harness.learner)
    refused = await harness.click("perm:reset", actor=harness.learner)
    allowed = await harness.click("perm:reset", actor=harness.admin)
    assert refused.last_content == NotAllowedError(Rank.ADMIN).user_message
    assert allowed.last_content == "reset done"


def test_staff_only_needs_a_staff_rank() -> None:
    with pytest.raises(ValueError, match="MODERATOR or ADMIN"):
        staff_only(Rank.LEARNER)
