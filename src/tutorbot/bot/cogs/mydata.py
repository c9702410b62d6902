"""/mydata export and /mydata delete: a learner's own data, privately."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.identity import learner_of
from tutorbot.bot.render import NO_PINGS
from tutorbot.tutor.mydata import delete_data, export_data

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot


class ConfirmDelete(discord.ui.View):
    """Two buttons, only for the person who asked; nothing happens without a yes."""

    def __init__(self, bot: TutorBot, owner: int) -> None:
        super().__init__(timeout=120)
        self.bot = bot
        self.owner = owner

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return interaction.user.id == self.owner

    @discord.ui.button(label="Delete everything", style=discord.ButtonStyle.danger)
    async def confirm(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        try:
            removed = await delete_data(learner=learner_of(interaction), deps=self.bot.deps)
            text = (
                "Done: everything stored about you is deleted."
                if removed
                else "There was nothing stored about you."
            )
            await interaction.response.edit_message(
                content=text, view=None, allowed_mentions=NO_PINGS
            )
        except Exception as exc:
            await reply_with_error(interaction, exc)
        self.stop()

    @discord.ui.button(label="Keep my data", style=discord.ButtonStyle.secondary)
    async def cancel(
        self, interaction: discord.Interaction, button: discord.ui.Button[Any]
    ) -> None:
        await interaction.response.edit_message(
            content="Nothing was deleted.", view=None, allowed_mentions=NO_PINGS
        )
        self.stop()


class MyDataCog(commands.GroupCog, group_name="mydata"):
    """Everything the tutor stores about you: take it, or erase it."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(description="A JSON file of everything stored about you")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await export_data(learner=learner_of(interaction), deps=self.bot.deps)
        payload = json.dumps(data, indent=2, ensure_ascii=False).encode()
        await interaction.followup.send(
            "Everything stored about you:",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
            file=discord.File(io.BytesIO(payload), filename="tutorbot-my-data.json"),
        )

    @app_commands.command(description="Delete everything stored about you (asks first)")
    async def delete(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "This deletes your progress, quiz answers and history here, for good. Sure?",
            view=ConfirmDelete(self.bot, interaction.user.id),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
