"""The bot's one error path: user-safe messages for ``TutorError``, an id for the rest.

A ``TutorError`` (unknown unit, quota used up, unreadable answer, ...) is shown to the
user as it is, privately. Anything else is a bug: it is logged with a short error id and
the user sees an apology quoting that id, so a report can be matched to the log line.
"""

from __future__ import annotations

import logging
import secrets

import discord
from discord import app_commands

from tutorbot.bot.render import NO_PINGS
from tutorbot.errors import TutorError

log = logging.getLogger(__name__)


def user_message(error: BaseException) -> str:
    """What to tell the user about ``error`` (logging it when it is unexpected)."""
    original = getattr(error, "original", None) or error.__cause__ or error
    if isinstance(original, TutorError):
        return original.user_message
    if isinstance(error, TutorError):
        return error.user_message
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here."
    error_id = secrets.token_hex(4)
    log.error("unexpected error %s", error_id, exc_info=original)
    return f"Sorry, something went wrong on our side (error id {error_id})."


async def reply_with_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Send the user-safe message, as a follow-up if the interaction was acknowledged."""
    text = user_message(error)
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
    else:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
