"""Pytest fixtures for the fakes; loaded by ``pytest_plugins`` in tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.openai_server import FakeOpenAI


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    """A started fake OpenAI-compatible server; queue replies with ``reply(...)``."""
    async with FakeOpenAI() as server:
        yield server
