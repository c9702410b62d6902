"""/review (due cards, oldest first) and /review-nudges (the daily reminder), privately.

A review is answered with the quiz's own persistent buttons (``question_view``, answered
through ``show_step``), so it survives restarts like any quiz. The nudge setting is its own
top-level command because Discord does not let ``/review`` run and also have subcommands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import format_dt

from tutorbot.bot.cogs.quiz import question_view
from tutorbot.bot.identity import learner_of
from tutorbot.bot.nudges import ReviewNudger
from tutorbot.bot.render import NO_PINGS, question_embed
from tutorbot.tutor.review import DEFAULT_REVIEW_COUNT, ReviewStart, set_nudges, start_review

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

_MODES = {
    "off": "Daily review nudges are off.",
    "dm": "I'll DM you once a day when review cards are due, from {first}.",
    "channel": "I'll mention your name (no ping) in this server's review channel once a day "
    "when cards are due, from {first}.",
}


def nothing_due_text(started: ReviewStart) -> str:
    """No card is due: say when one will be, or how cards are made."""
    if started.next_due is None:
        return (
            "Nothing to review yet. Every quiz question you answer becomes a review card "
            "that comes back here when it's time: start with /quiz."
        )
    when = f"{format_dt(started.next_due, 'R')} ({format_dt(started.next_due, 'f')})"
    return f"Nothing is due for review now. Your next card is due {when}."


class ReviewCog(commands.Cog):
    """Spaced review of answered questions, and its daily nudge."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        self.nudger = ReviewNudger(bot)

    async def cog_load(self) -> None:
        self.nudger.start()

    async def cog_unload(self) -> None:
        await self.nudger.stop()

    @app_commands.command(description="Review the questions that are due, oldest first")
    @app_commands.describe(count="How many due cards to go through now")
    async def review(
        self,
        interaction: discord.Interaction,
        count: app_commands.Range[int, 1, 25] = DEFAULT_REVIEW_COUNT,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        started = await start_review(
            learner=learner_of(interaction), deps=self.bot.deps, count=count
        )
        if started.first is None:
            await interaction.followup.send(
                nothing_due_text(started), ephemeral=True, allowed_mentions=NO_PINGS
            )
            return
        await interaction.followup.send(
            f"🔁 {started.due} card{'s' if started.due != 1 else ''} due; "
            f"here are {started.first.total}, oldest first.",
            embed=question_embed(started.first),
            view=question_view(started.first),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(
        name="review-nudges", description="A daily reminder when you have review cards due"
    )
    @app_commands.describe(mode="off, a DM, or your name in this server's review channel")
    async def review_nudges(
        self, interaction: discord.Interaction, mode: Literal["off", "dm", "channel"]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        first = await set_nudges(learner_of(interaction), self.bot.deps, mode)
        text = _MODES[mode].format(first=format_dt(first, "f") if first else "")
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
