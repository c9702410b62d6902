"""The bot: built without connecting, resources made in its setup hook, closed with it."""

from __future__ import annotations

import contextlib
import logging

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.app import open_tutor
from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.render import NO_PINGS
from tutorbot.settings import Settings
from tutorbot.tutor import TutorDeps

log = logging.getLogger(__name__)


class TutorTree(app_commands.CommandTree["TutorBot"]):
    """The command tree with the bot's one error handler."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        await reply_with_error(interaction, error)


class TutorBot(commands.Bot):
    """The Discord adapter; ``deps`` exist once the setup hook has run."""

    def __init__(self, settings: Settings, *, deps: TutorDeps | None = None) -> None:
        # Slash commands only: no privileged intents, no message content.
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            allowed_mentions=NO_PINGS,
            tree_cls=TutorTree,
            help_command=None,
        )
        self.settings = settings
        self._given = deps
        self._resources: contextlib.AsyncExitStack | None = None
        self.deps: TutorDeps

    async def setup_hook(self) -> None:
        """Build shared resources (database, model gateway, index) and load the cogs."""
        if self._given is not None:
            self.deps = self._given
        else:
            self._resources = contextlib.AsyncExitStack()
            self.deps = await self._resources.enter_async_context(open_tutor(self.settings))
        from tutorbot.bot.cogs import load_cogs

        await load_cogs(self)

    async def on_message(self, message: discord.Message, /) -> None:
        """No text commands: cogs listen to the messages they care about (a mention in a
        tutoring thread), and nothing else is parsed as a command."""

    async def close(self) -> None:
        """Disconnect, then close what the setup hook built."""
        await super().close()
        if self._resources is not None:
            await self._resources.aclose()
            self._resources = None


def create_bot(settings: Settings, *, deps: TutorDeps | None = None) -> TutorBot:
    """The bot, ready to ``start`` or test; nothing connects until then."""
    return TutorBot(settings, deps=deps)
