"""/tutor: a private thread where a learner talks with the tutor, who remembers the talk.

The bot has no message-content intent (it is privileged). Discord still delivers the text
of messages that mention the bot, so in a tutoring thread the learner writes
"@tutorbot why does dropout help?" and the reply streams into the thread. The thread id
keys the stored conversation, so memory and ownership survive restarts.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.errors import user_message
from tutorbot.bot.identity import learner_of, unit_choices
from tutorbot.bot.render import NO_PINGS, EditPacer, ThrottledEditor, answer_text
from tutorbot.errors import TutorError
from tutorbot.tutor import LearnerRef, find_unit
from tutorbot.tutor.conversation import Conversation, converse_stream, find_conversation
from tutorbot.tutor.conversation import open_conversation as open_talk
from tutorbot.tutor.results import Answer

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

log = logging.getLogger(__name__)
# Threads archive after a day without messages; a mention brings an archived one back.
ARCHIVE_MINUTES: Literal[1440] = 1440


class TutoringCog(commands.Cog):
    """Private tutoring threads."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        # Thread id -> its conversation (or None: not a tutoring thread), so that mentions
        # elsewhere cost one lookup per thread, not one per message.
        self._threads: dict[int, Conversation | None] = {}

    async def unit_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Units whose id or title contains what was typed."""
        return unit_choices(self.bot.deps.course, current)

    @app_commands.command(description="Open a private thread to talk with the tutor")
    @app_commands.describe(unit="Keep the talk to this unit (default: the whole course)")
    @app_commands.autocomplete(unit=unit_autocomplete)
    @app_commands.guild_only()
    async def tutor(self, interaction: discord.Interaction, unit: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        deps = self.bot.deps
        title = find_unit(deps, unit).title if unit is not None else deps.course.title
        channel = interaction.channel
        if isinstance(channel, discord.Thread):
            raise TutorError("Use /tutor in a text channel; I'll open a private thread there.")
        if not isinstance(channel, discord.TextChannel):
            raise TutorError("Tutoring threads can only be opened in a server's text channel.")
        learner = learner_of(interaction)
        try:
            thread = await channel.create_thread(
                name=f"Tutor · {learner.display_name} · {title}"[:100],
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=ARCHIVE_MINUTES,
            )
            await thread.add_user(interaction.user)
        except discord.Forbidden as exc:
            raise TutorError(
                "I can't open private threads in this channel. An admin can give me the "
                "Create Private Threads and Send Messages in Threads permissions."
            ) from exc
        self._threads[thread.id] = await open_talk(str(thread.id), unit, learner=learner, deps=deps)
        mention = self.bot.user.mention if self.bot.user else "me"
        await thread.send(
            f"Hi {learner.display_name}! This is your private tutoring thread on **{title}**. "
            f"Mention {mention} with a question, like `{mention} what is a loss function?`. "
            "I remember our conversation here.",
            allowed_mentions=NO_PINGS,
        )
        await interaction.followup.send(
            f"Your tutoring thread is ready: {thread.mention}", ephemeral=True
        )

    async def _conversation(self, thread_id: int) -> Conversation | None:
        if thread_id not in self._threads:
            self._threads[thread_id] = await find_conversation(str(thread_id), self.bot.deps)
        return self._threads[thread_id]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Reply to a mention in a tutoring thread; ignore everything else."""
        me = self.bot.user
        if me is None or message.author.bot or message.guild is None:
            return
        if not any(user.id == me.id for user in message.mentions):
            return
        channel = message.channel
        if not isinstance(channel, discord.Thread | discord.PartialMessageable):
            return
        conversation = await self._conversation(channel.id)
        if conversation is None:
            return
        text = re.sub(rf"<@!?{me.id}>", "", message.content).strip()
        author = message.author
        learner = LearnerRef(author.id, author.display_name[:100], message.guild.id)
        editor = ThrottledEditor.for_channel(channel, pacer=EditPacer.of(self.bot))
        try:
            async for item in converse_stream(
                text, conversation=conversation, learner=learner, deps=self.bot.deps
            ):
                if isinstance(item, Answer):
                    await editor.finish(answer_text(item))
                else:
                    await editor.push(item)
        except Exception as exc:
            await editor.cancel()
            await channel.send(user_message(exc), allowed_mentions=NO_PINGS)
