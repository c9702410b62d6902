"""Learner commands about the course: /course, /unit, /explain, /ask.

Each command acknowledges first (defer), then calls a tutor service and renders it.
Answers stream into the message, throttled per channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.identity import learner_of
from tutorbot.bot.render import NO_PINGS, ThrottledEditor, answer_text, split_message
from tutorbot.tutor import Answer, ask_stream, explain_stream, find_unit, progress_report

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

Level = Literal["beginner", "intermediate", "advanced"]


async def stream_reply(
    interaction: discord.Interaction, stream: AsyncIterator[str | Answer]
) -> Answer:
    """Stream deltas into a follow-up, then replace them with the final, checked answer."""
    editor = ThrottledEditor.for_interaction(interaction)
    async for item in stream:
        if isinstance(item, Answer):
            await editor.finish(answer_text(item))
            return item
        await editor.push(item)
    raise RuntimeError("answer stream ended without an answer")


class LearnCog(commands.Cog):
    """Browse the course and ask about it."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    async def unit_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Units whose id or title contains what was typed."""
        needle = current.casefold()
        return [
            app_commands.Choice(name=f"{u.title}"[:100], value=u.id)
            for u in self.bot.deps.course.units
            if needle in u.id or needle in u.title.casefold()
        ][:25]

    @app_commands.command(description="The course, its units, and where you stand")
    async def course(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        report = await progress_report(learner=learner_of(interaction), deps=self.bot.deps)
        deps = self.bot.deps
        lines = [f"**{deps.course.title}** ({report.completed}/{len(report.units)} units done)"]
        marks = {"completed": "✅", "in_progress": "📘", "not_started": "▫️"}
        for standing in report.units:
            lines.append(
                f"{marks.get(standing.status, '▫️')} `{standing.unit_id}` "
                f"{standing.title} — {standing.mastery:.0%}"
            )
        for part in split_message("\n".join(lines)):
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(description="A unit's objectives and sections")
    @app_commands.describe(unit="The unit to open")
    @app_commands.autocomplete(unit=unit_autocomplete)
    async def unit(self, interaction: discord.Interaction, unit: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = find_unit(self.bot.deps, unit)
        lines = [
            f"**{found.title}** · about {found.estimated_minutes or '?'} min",
            "",
            "**You will be able to:**",
        ]
        lines += [f"• {o}" for o in found.objectives]
        lines += ["", "**Sections:**"]
        lines += [
            f"{'  ' if s.level == 3 else ''}• {s.title}" for s in found.sections if s.level >= 2
        ]
        lines += ["", f"Quiz: `/quiz unit:{found.id}` ({len(found.questions)} questions)"]
        for part in split_message("\n".join(lines)):
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(description="Ask a question about the course")
    @app_commands.describe(question="What you want to know")
    async def ask(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 1500]
    ) -> None:
        await interaction.response.defer(thinking=True)
        await stream_reply(
            interaction, ask_stream(question, learner=learner_of(interaction), deps=self.bot.deps)
        )

    @app_commands.command(description="An explanation of a topic from the course")
    @app_commands.describe(topic="What to explain", unit="Only this unit", level="How deep to go")
    @app_commands.autocomplete(unit=unit_autocomplete)
    async def explain(
        self,
        interaction: discord.Interaction,
        topic: app_commands.Range[str, 1, 300],
        unit: str | None = None,
        level: Level = "beginner",
    ) -> None:
        await interaction.response.defer(thinking=True)
        stream = explain_stream(
            topic, unit_id=unit, level=level, learner=learner_of(interaction), deps=self.bot.deps
        )
        await stream_reply(interaction, stream)
