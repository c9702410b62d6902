"""A gateway wired to the fake server through the real openai SDK, with tiny retry waits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI
from tutorbot.llm import (
    LlmGateway,
    MemoryUsageSink,
    PromptLibrary,
    UsageSink,
    default_prompts_dir,
)
from tutorbot.tokens import TokenCounter, token_counter

PASSAGES = [
    {"id": "training#loss-functions", "title": "Loss functions", "text": "A loss scores error."},
    {"id": "training#gradient-descent", "title": "Gradient descent", "text": "Steps go downhill."},
]


def make_gateway(
    base_url: str,
    prompts: PromptLibrary,
    counter: TokenCounter,
    sink: UsageSink,
    *,
    retries: int = 2,
    context_window: int = 16_000,
) -> LlmGateway:
    """A gateway over a real AsyncOpenAI client for ``base_url``; waits are milliseconds."""
    client = openai.AsyncOpenAI(api_key="sk-test", base_url=base_url, max_retries=0)
    return LlmGateway(
        client,
        model="gpt-4o-mini",
        prompts=prompts,
        counter=counter,
        sink=sink,
        timeout=0.5,
        retry_base_delay=0.001,
        retry_max_delay=0.01,
        retries=retries,
        context_window=context_window,
    )


@pytest.fixture(scope="session")
def prompts() -> PromptLibrary:
    return PromptLibrary(default_prompts_dir())


@pytest.fixture(scope="session")
def counter() -> TokenCounter:
    return token_counter("gpt-4o-mini")


@pytest.fixture
def sink() -> MemoryUsageSink:
    return MemoryUsageSink()


@pytest.fixture
async def gateway(
    fake_openai: FakeOpenAI, prompts: PromptLibrary, counter: TokenCounter, sink: MemoryUsageSink
) -> AsyncIterator[LlmGateway]:
    gateway = make_gateway(fake_openai.base_url, prompts, counter, sink)
    yield gateway
    await gateway.aclose()
