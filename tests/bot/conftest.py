"""Fixtures for bot tests: a harness around any bot, closed when the test ends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from discord.ext import commands

from tests.bot.harness import Harness

StartHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def start_harness() -> AsyncIterator[StartHarness]:
    """``await start_harness(bot, **options)``: the bot logged in to a fake Discord."""
    started: list[Harness] = []

    async def start(bot: commands.Bot, **options: Any) -> Harness:
        harness = await Harness.start(bot, **options)
        started.append(harness)
        return harness

    yield start
    for harness in reversed(started):
        await harness.close()


# The tutor fixtures (course index, database on each backend, fake model) for bot tests.
from tests.tutor.conftest import make_tutor, retriever, tutor_database_url  # noqa: E402, F401
