"""The challenge scheduler: reminders before deadlines and closing at them, by itself.

Nothing is kept in memory between ticks: each tick asks the database what is due (see
``tutor.challenges.due_work``), so a restart loses nothing and a deadline that passed while
the bot was down closes on the first tick after it comes back. A tick is idempotent: the
reminder and the closing are claimed with conditional updates before anything is sent, so
a tick run twice (or by two processes) announces each thing once. Ticks never overlap
within a process, so a test that calls ``tick`` sees the work of any tick already running.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from discord.ext import tasks

from tutorbot.tutor.challenges import (
    ChallengeInfo,
    claim_reminder,
    close_challenge,
    due_work,
)
from tutorbot.tutor.deps import TutorDeps

log = logging.getLogger(__name__)

Announce = Callable[[ChallengeInfo], Awaitable[None]]


@dataclass(slots=True)
class TickReport:
    """What one tick did (for logs and tests)."""

    closed: list[int] = field(default_factory=list)
    reminded: list[int] = field(default_factory=list)


class ChallengeScheduler:
    """Every ``interval`` seconds: close what is past its deadline, remind what is due.

    ``on_close`` and ``on_remind`` show the outcome (the Discord adapter edits and posts
    messages); a failure there is logged and never undoes the state change.
    """

    def __init__(
        self,
        deps: Callable[[], TutorDeps],
        *,
        on_close: Announce,
        on_remind: Announce,
        interval: float,
        wait_until_ready: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._deps = deps
        self._on_close, self._on_remind = on_close, on_remind
        self._wait = wait_until_ready
        self._lock = asyncio.Lock()
        self._loop = tasks.loop(seconds=interval)(self._scheduled)
        self._loop.before_loop(self._before)

    def start(self) -> None:
        """Begin ticking (from the cog's ``cog_load``)."""
        if not self._loop.is_running():
            self._loop.start()

    async def stop(self) -> None:
        """Stop ticking (from ``cog_unload``) once a tick in progress has finished: one
        cancelled in the middle of a query would leave its database connection behind."""
        async with self._lock:
            self._loop.cancel()

    async def _before(self) -> None:
        if self._wait is not None:
            await self._wait()

    async def _scheduled(self) -> None:
        try:
            await self.tick()
        except Exception:  # the loop must outlive a database hiccup
            log.exception("challenge scheduler tick failed")

    async def tick(self) -> TickReport:
        """Do whatever is due at ``deps.clock()`` now."""
        async with self._lock:
            deps = self._deps()
            now = deps.clock()
            work = await due_work(deps, now)
            report = TickReport()
            for challenge in work.to_close:
                closed = await close_challenge(deps, challenge.id, now)
                if closed is not None:
                    report.closed.append(closed.id)
                    await self._announce(self._on_close, closed, "closing")
            for challenge in work.to_remind:
                if await claim_reminder(deps, challenge.id, now):
                    report.reminded.append(challenge.id)
                    await self._announce(self._on_remind, challenge, "reminder")
            return report

    async def _announce(self, announce: Announce, challenge: ChallengeInfo, what: str) -> None:
        try:
            await announce(challenge)
        except Exception:
            log.exception("could not post the %s of challenge %s", what, challenge.id)
