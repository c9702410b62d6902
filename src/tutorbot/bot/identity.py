"""Discord values in the tutor's terms: who is asking (a ``LearnerRef``), which unit."""

from __future__ import annotations

import discord
from discord import app_commands

from tutorbot.curriculum import Course
from tutorbot.tutor import LearnerRef


def learner_of(interaction: discord.Interaction) -> LearnerRef:
    """The learner behind an interaction; ids stay ``int``, names follow renames."""
    user = interaction.user
    return LearnerRef(user.id, user.display_name[:100], interaction.guild_id)


def unit_choices(
    course: Course, typed: str, *, with_quiz: bool = False
) -> list[app_commands.Choice[str]]:
    """Autocomplete for a unit option: units whose id or title contains what was typed."""
    needle = typed.casefold()
    return [
        app_commands.Choice(name=u.title[:100], value=u.id)
        for u in course.units
        if (u.questions or not with_quiz) and (needle in u.id or needle in u.title.casefold())
    ][:25]
