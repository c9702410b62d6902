"""Who is asking, in the tutor's terms: a Discord interaction to a ``LearnerRef``."""

from __future__ import annotations

import discord

from tutorbot.tutor import LearnerRef


def learner_of(interaction: discord.Interaction) -> LearnerRef:
    """The learner behind an interaction; ids stay ``int``, names follow renames."""
    user = interaction.user
    return LearnerRef(user.id, user.display_name[:100], interaction.guild_id)
