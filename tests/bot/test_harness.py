"""The harness drives a real bot: slash commands, autocomplete, buttons and modals go through
discord.py's own parsing, and what the bot sends is captured at the HTTP layer."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.bot.conftest import StartHarness
from tests.bot.harness import HarnessError, NetworkBlockedError
from tutorbot.bot.render import NO_PINGS

UNITS = ["training", "transformers", "evaluation"]


class EchoModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[EchoModal] = discord.ui.TextInput(
        label="Answer", custom_id="answer", max_length=200
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            f"You wrote: {self.answer.value}", ephemeral=True, allowed_mentions=NO_PINGS
        )


class ChoiceView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=60)

    @discord.ui.button(label="Yes", custom_id="choice:yes")
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[ChoiceView]
    ) -> None:
        await interaction.response.edit_message(content="You chose yes", view=None)

    @discord.ui.button(label="Write", custom_id="choice:write")
    async def write(
        self, interaction: discord.Interaction, button: discord.ui.Button[ChoiceView]
    ) -> None:
        await interaction.response.send_modal(EchoModal(custom_id="echo"))

    @discord.ui.button(label="Never", custom_id="choice:never", disabled=True)
    async def never(
        self, interaction: discord.Interaction, button: discord.ui.Button[ChoiceView]
    ) -> None:
        raise AssertionError("disabled buttons cannot be pressed")


class Throwaway(commands.Cog):
    """Just enough commands to exercise every kind of interaction."""

    @app_commands.command(description="Defer, then follow up")
    async def slow(self, interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.01)
        member = interaction.user
        assert isinstance(member, discord.Member)
        roles = ",".join(r.name for r in member.roles[1:]) or "none"
        await interaction.followup.send(
            f"{topic} for {member.name} in #{interaction.channel} (roles: {roles}, "
            f"manage_messages={interaction.permissions.manage_messages})",
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(description="A message with buttons")
    async def choose(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Pick one", view=ChoiceView(), allowed_mentions=NO_PINGS
        )

    @app_commands.command(description="Pick a unit")
    async def unit(self, interaction: discord.Interaction, unit: str, level: int = 1) -> None:
        await interaction.response.send_message(f"{unit}@{level}", allowed_mentions=NO_PINGS)

    @unit.autocomplete("unit")
    async def unit_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=u, value=u) for u in UNITS if u.startswith(current)]

    cohort = app_commands.Group(name="cohort", description="Cohorts")

    @cohort.command(description="Create a cohort")
    async def create(
        self, interaction: discord.Interaction, name: str, mentor: discord.Member
    ) -> None:
        await interaction.response.send_message(
            f"{name} with {mentor.name}", allowed_mentions=NO_PINGS
        )

    @app_commands.command(description="Fails")
    async def broken(self, interaction: discord.Interaction) -> None:
        raise RuntimeError("boom")


async def throwaway_bot() -> commands.Bot:
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
    await bot.add_cog(Throwaway())
    return bot


async def test_slash_command_defers_at_once_and_follows_up_in_the_deferred_message(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())

    turn = await harness.slash("slow", topic="Gradients")

    assert [r.callback_type for r in turn.responses] == [5]
    assert turn.acknowledged_after is not None
    assert turn.acknowledged_after < 0.1
    assert turn.last_content == (
        "Gradients for ada in #learning (roles: none, manage_messages=False)"
    )
    assert len(harness.messages) == 1
    assert harness.messages[0]["content"] == turn.last_content


async def test_interaction_user_is_a_member_with_the_roles_and_permissions_of_the_actor(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())

    turn = await harness.slash("slow", topic="Cohorts", actor=harness.moderator)

    assert (
        turn.last_content
        == "Cohorts for grace in #learning (roles: Moderator, manage_messages=True)"
    )


async def test_subcommand_with_a_member_option_resolves_the_member(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())

    turn = await harness.slash("cohort create", name="Spring", mentor=harness.moderator)

    assert turn.last_content == "Spring with grace"


async def test_autocomplete_returns_the_choices_the_bot_offered(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())

    turn = await harness.autocomplete("unit", focused="unit", value="tra")

    assert [c["value"] for c in turn.choices] == ["training", "transformers"]


async def test_button_click_reaches_the_view_on_the_message_and_updates_it(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())
    await harness.slash("choose")

    turn = await harness.click("choice:yes")

    assert [r.callback_type for r in turn.responses] == [7]
    assert harness.messages[0]["content"] == "You chose yes"
    assert harness.messages[0]["components"] == []


async def test_button_opens_a_modal_whose_submission_reaches_on_submit(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())
    await harness.slash("choose")
    opened = await harness.click("choice:write")

    turn = await harness.submit_modal("echo", {"answer": "a gradient points uphill"})

    assert opened.modal is not None
    assert opened.modal["title"] == "Your answer"
    assert turn.last_content == "You wrote: a gradient points uphill"
    assert harness.messages[-1]["flags"] & 64  # ephemeral


async def test_disabled_buttons_cannot_be_clicked(start_harness: StartHarness) -> None:
    harness = await start_harness(await throwaway_bot())
    await harness.slash("choose")

    with pytest.raises(HarnessError, match="disabled"):
        await harness.click("choice:never")


async def test_options_discord_would_refuse_are_refused(start_harness: StartHarness) -> None:
    harness = await start_harness(await throwaway_bot())

    with pytest.raises(HarnessError, match="needs"):
        await harness.slash("unit", level=2)


async def test_an_unhandled_error_in_a_command_fails_the_turn(start_harness: StartHarness) -> None:
    harness = await start_harness(await throwaway_bot())

    with pytest.raises(HarnessError, match="boom"):
        await harness.slash("broken")


async def test_a_second_callback_for_one_interaction_is_refused_like_discord_does(
    start_harness: StartHarness,
) -> None:
    harness = await start_harness(await throwaway_bot())
    turn = await harness.slash("unit", unit="training")
    callback = discord.http.Route(
        "POST",
        "/interactions/{webhook_id}/{webhook_token}/callback",
        webhook_id=turn.interaction_id,
        webhook_token=turn.token,
    )

    with pytest.raises(discord.HTTPException, match="already been acknowledged"):
        await harness.api.webhook(callback, payload={"type": 4, "data": {"content": "twice"}})


async def test_a_response_after_three_seconds_finds_the_interaction_expired(
    start_harness: StartHarness,
) -> None:
    bot = await throwaway_bot()
    harness = await start_harness(bot, ack_deadline=0.0, strict=False)

    turn = await harness.slash("slow", topic="late")

    assert turn.responses[0].status == 404
    assert any("Unknown interaction" in e for e in turn.errors)


async def test_login_and_command_sync_are_answered_without_network(
    start_harness: StartHarness,
) -> None:
    bot = await throwaway_bot()
    harness = await start_harness(bot)

    synced = await bot.tree.sync()

    assert bot.user is not None
    assert bot.user.id == harness.world.application_id
    assert {c.name for c in synced} == {"slow", "choose", "unit", "cohort", "broken"}
    assert [s.kind for s in harness.sent] == ["fetch", "fetch", "other"]


async def test_requests_to_the_outside_world_are_blocked(start_harness: StartHarness) -> None:
    await start_harness(await throwaway_bot())

    async with aiohttp.ClientSession() as session:
        with pytest.raises(NetworkBlockedError):
            await session.get("https://discord.com/api/v10/gateway")
