"""Slash-command groups of the bot, one cog per concern."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot


async def load_cogs(bot: TutorBot) -> None:
    """Add every cog and the persistent quiz components (they survive restarts)."""
    from tutorbot.bot.cogs.admin import AdminCog
    from tutorbot.bot.cogs.certify import CertifyCog
    from tutorbot.bot.cogs.challenge import ChallengeCog
    from tutorbot.bot.cogs.cohort import CohortCog
    from tutorbot.bot.cogs.learn import LearnCog
    from tutorbot.bot.cogs.mydata import MyDataCog
    from tutorbot.bot.cogs.progress import ProgressCog
    from tutorbot.bot.cogs.questions import QuestionsCog
    from tutorbot.bot.cogs.quiz import QuizCog, quiz_components
    from tutorbot.bot.cogs.report import ReportCog
    from tutorbot.bot.cogs.review import ReviewCog
    from tutorbot.bot.cogs.tutoring import TutoringCog

    await bot.add_cog(LearnCog(bot))
    await bot.add_cog(QuizCog(bot))
    await bot.add_cog(QuestionsCog(bot))
    await bot.add_cog(ProgressCog(bot))
    await bot.add_cog(ReviewCog(bot))
    await bot.add_cog(MyDataCog(bot))
    await bot.add_cog(CertifyCog(bot))
    await bot.add_cog(CohortCog(bot))
    await bot.add_cog(ChallengeCog(bot))
    await bot.add_cog(TutoringCog(bot))
    await bot.add_cog(ReportCog(bot))
    await bot.add_cog(AdminCog(bot))
    bot.add_dynamic_items(*quiz_components())
