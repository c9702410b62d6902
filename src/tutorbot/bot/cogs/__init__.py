"""Slash-command groups of the bot, one cog per concern."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot


async def load_cogs(bot: TutorBot) -> None:
    """Add every cog and the persistent quiz components (they survive restarts)."""
    from tutorbot.bot.cogs.learn import LearnCog
    from tutorbot.bot.cogs.mydata import MyDataCog
    from tutorbot.bot.cogs.progress import ProgressCog
    from tutorbot.bot.cogs.quiz import QuizCog, quiz_components

    await bot.add_cog(LearnCog(bot))
    await bot.add_cog(QuizCog(bot))
    await bot.add_cog(ProgressCog(bot))
    await bot.add_cog(MyDataCog(bot))
    bot.add_dynamic_items(*quiz_components())
