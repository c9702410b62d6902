"""/progress: per-unit progress bars and a PNG chart, privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.identity import learner_of
from tutorbot.bot.render import NO_PINGS, progress_chart, progress_embed
from tutorbot.tutor import progress_report

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot


class ProgressCog(commands.Cog):
    """Where the learner stands."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    @app_commands.command(description="Your progress in every unit, with a chart")
    async def progress(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await progress_report(learner=learner_of(interaction), deps=self.bot.deps)
        embed = progress_embed(report)
        chart = progress_chart(report)
        embed.set_image(url=f"attachment://{chart.filename}")
        await interaction.followup.send(
            embed=embed, file=chart, ephemeral=True, allowed_mentions=NO_PINGS
        )
