"""Learner commands about the course: /course, /unit, /explain, /ask.

Each command acknowledges first (defer), then calls a tutor service and renders it.
Answers stream into the message, throttled per channel.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.identity import learner_of, unit_choices
from tutorbot.bot.render import NO_PINGS, ThrottledEditor, answer_text, split_message
from tutorbot.curriculum import Unit
from tutorbot.tutor import Answer, ask_stream, explain_stream, find_unit, progress_report
from tutorbot.tutor.citations import gist

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


SECTIONS_PER_PAGE = 6


def unit_pages(unit: Unit) -> int:
    """Page 0 is the overview; then the sections, a few per page."""
    sections = [s for s in unit.sections if s.level >= 2]
    return 1 + -(-len(sections) // SECTIONS_PER_PAGE)


def unit_page(unit: Unit, page: int) -> discord.Embed:
    """One page of a unit: objectives first, then sections with their opening lines."""
    embed = discord.Embed(title=unit.title)
    if page == 0:
        embed.description = "\n".join(f"• {o}" for o in unit.objectives) or "—"
        embed.add_field(name="Time", value=f"about {unit.estimated_minutes or '?'} min")
        embed.add_field(name="Quiz", value=f"{len(unit.questions)} questions")
    else:
        sections = [s for s in unit.sections if s.level >= 2]
        start = (page - 1) * SECTIONS_PER_PAGE
        for section in sections[start : start + SECTIONS_PER_PAGE]:
            embed.add_field(
                name=section.title[:256], value=gist(section.text, 1)[:300] or "—", inline=False
            )
    embed.set_footer(text=f"Page {page + 1} of {unit_pages(unit)}")
    return embed


def unit_pager(unit: Unit, page: int) -> discord.ui.View:
    """Previous, next and start-the-quiz buttons; they survive restarts (custom ids)."""
    view = discord.ui.View(timeout=None)
    last = unit_pages(unit) - 1
    view.add_item(UnitPageButton(unit.id, max(page - 1, 0), "◀", disabled=page == 0))
    view.add_item(UnitPageButton(unit.id, min(page + 1, last), "▶", disabled=page == last))
    view.add_item(StartQuizButton(unit.id))
    return view


class UnitPageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"tu:(?P<unit>[a-z0-9-]+):p(?P<page>\d+)",
):
    """Shows another page of the unit in the same message."""

    def __init__(
        self, unit_id: str, page: int, label: str = "▶", *, disabled: bool = False
    ) -> None:
        super().__init__(
            discord.ui.Button(label=label, disabled=disabled, custom_id=f"tu:{unit_id}:p{page}")
        )
        self.unit_id, self.page = unit_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> UnitPageButton:
        return cls(match["unit"], int(match["page"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            unit = find_unit(interaction.client.deps, self.unit_id)  # type: ignore[attr-defined]
            page = min(self.page, unit_pages(unit) - 1)
            await interaction.response.edit_message(
                embed=unit_page(unit, page), view=unit_pager(unit, page)
            )
        except Exception as exc:
            await reply_with_error(interaction, exc)


class StartQuizButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"tu:(?P<unit>[a-z0-9-]+):quiz"
):
    """Starts a quiz on the unit, privately."""

    def __init__(self, unit_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Start the quiz",
                emoji="📝",
                style=discord.ButtonStyle.primary,
                custom_id=f"tu:{unit_id}:quiz",
            )
        )
        self.unit_id = unit_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> StartQuizButton:
        return cls(match["unit"])

    async def callback(self, interaction: discord.Interaction) -> None:
        from tutorbot.bot.cogs.quiz import begin_quiz

        try:
            await begin_quiz(interaction, self.unit_id, 5)
        except Exception as exc:
            await reply_with_error(interaction, exc)


class LearnCog(commands.Cog):
    """Browse the course and ask about it."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    async def unit_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Units whose id or title contains what was typed."""
        return unit_choices(self.bot.deps.course, current)

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
        await interaction.followup.send(
            embed=unit_page(found, 0),
            view=unit_pager(found, 0),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

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
