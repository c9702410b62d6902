"""The daily "reviews are due" nudge: a DM, or a mention-free post in the server's channel.

Each tick asks the database who is owed a nudge now (``tutor.review.pending_nudges``: opted
in, cards due, not nudged since today's nudge hour) and records each attempt in
``last_sent_at``, so a restart never nudges twice in a day. A closed DM or a deleted channel
is logged and skipped until tomorrow; it never stops the loop. Ticks never overlap within a
process, so a test that calls ``tick`` sees the work of any tick already running.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import tasks
from discord.utils import escape_markdown

from tutorbot.bot.render import NO_PINGS
from tutorbot.tutor.review import Nudge, mark_nudged, pending_nudges

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

log = logging.getLogger(__name__)

# The nudge goes out at one hour a day; checking every five minutes lands within five
# minutes of it, for one indexed query per tick.
TICK_SECONDS = 300.0


def nudge_text(nudge: Nudge, *, in_channel: bool) -> str:
    """The reminder; in a channel it names the learner (display name, no ping)."""
    cards = f"{nudge.due} review card{'s' if nudge.due != 1 else ''}"
    if in_channel:
        return (
            f"📚 {escape_markdown(nudge.display_name)}: {cards} due. "
            "Run /review to keep them fresh (/review-nudges to stop these)."
        )
    return (
        f"📚 You have {cards} due. Run /review in the server to keep them fresh. "
        "(/review-nudges mode:off stops these reminders.)"
    )


class ReviewNudger:
    """Sends the day's nudges every ``TICK_SECONDS``; ``tick`` does one round now."""

    def __init__(self, bot: TutorBot, interval: float = TICK_SECONDS) -> None:
        self.bot = bot
        self._lock = asyncio.Lock()
        self._loop = tasks.loop(seconds=interval)(self._scheduled)
        self._loop.before_loop(self.bot.wait_until_ready)

    def start(self) -> None:
        """Begin ticking (from the cog's ``cog_load``)."""
        if not self._loop.is_running():
            self._loop.start()

    async def stop(self) -> None:
        """Stop ticking (from ``cog_unload``) once a tick in progress has finished: one
        cancelled in the middle of a query would leave its database connection behind."""
        async with self._lock:
            self._loop.cancel()

    async def _scheduled(self) -> None:
        try:
            await self.tick()
        except Exception:  # the loop must outlive a database hiccup
            log.exception("review nudge tick failed")

    async def tick(self) -> list[int]:
        """Send every nudge owed at ``deps.clock()``; the learner ids that were sent one."""
        async with self._lock:
            deps = self.bot.deps
            now = deps.clock()
            sent = []
            for nudge in await pending_nudges(deps, now):
                if await self._send(nudge):
                    sent.append(nudge.learner_id)
                # Tried either way: a closed DM is tried again tomorrow, not every tick.
                await mark_nudged(deps, [nudge.learner_id], now)
            return sent

    async def _send(self, nudge: Nudge) -> bool:
        try:
            if nudge.mode == "channel":
                if nudge.channel_id is None:
                    log.info("no nudge channel for learner %s any more", nudge.learner_id)
                    return False
                channel = self.bot.get_channel(nudge.channel_id) or await self.bot.fetch_channel(
                    nudge.channel_id
                )
                if not isinstance(channel, discord.abc.Messageable):
                    log.warning("nudge channel %s cannot take messages", nudge.channel_id)
                    return False
                await channel.send(nudge_text(nudge, in_channel=True), allowed_mentions=NO_PINGS)
            else:
                dm = await self.bot.create_dm(discord.Object(nudge.discord_id))
                await dm.send(nudge_text(nudge, in_channel=False), allowed_mentions=NO_PINGS)
        except discord.Forbidden:
            log.info("learner %s cannot be nudged (DMs closed or no access)", nudge.learner_id)
            return False
        except discord.HTTPException as exc:
            log.warning("nudge to learner %s failed: %s", nudge.learner_id, exc)
            return False
        return True
