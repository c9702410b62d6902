"""Retries: only what may pass (429, 5xx, timeouts) is retried, with bounded backoff."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.llm.conftest import PASSAGES, make_gateway
from tutorbot.llm import (
    LlmGateway,
    LlmRejectedError,
    LlmUnavailableError,
    MemoryUsageSink,
    PromptLibrary,
    RetryPolicy,
)
from tutorbot.llm.retry import retry_after_seconds
from tutorbot.tokens import TokenCounter


async def test_rate_limit_is_retried_until_the_call_succeeds(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(status=429)
    fake_openai.reply(status=429)
    fake_openai.reply("Loss scores error [training#loss-functions].")

    reply = await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    assert reply.text == "Loss scores error [training#loss-functions]."
    assert len(fake_openai.requests) == 3


async def test_retry_after_header_sets_the_wait(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(status=429, retry_after=0.3)
    fake_openai.reply("ok")
    started = time.monotonic()

    await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    assert time.monotonic() - started >= 0.3


async def test_server_errors_are_retried(gateway: LlmGateway, fake_openai: FakeOpenAI) -> None:
    fake_openai.reply(status=503)
    fake_openai.reply("ok")

    reply = await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    assert reply.text == "ok"


@pytest.mark.parametrize("status", [400, 401, 403, 404])
async def test_client_errors_fail_at_once_without_retry(
    gateway: LlmGateway, fake_openai: FakeOpenAI, status: int
) -> None:
    fake_openai.reply("nope", status=status)

    with pytest.raises(LlmRejectedError):
        await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)
    assert len(fake_openai.requests) == 1


async def test_slow_endpoint_times_out_then_is_reported_unavailable(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    for _ in range(3):
        fake_openai.reply("too late", delay=2.0)

    with pytest.raises(LlmUnavailableError, match="timeout after 3 attempt"):
        await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)
    assert len(fake_openai.requests) == 3


async def test_endpoint_that_refuses_connections_is_reported_unavailable(
    prompts: PromptLibrary, counter: TokenCounter
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the calls: nothing listens there
    gateway = make_gateway(
        f"http://127.0.0.1:{port}/v1", prompts, counter, MemoryUsageSink(), retries=1
    )

    with pytest.raises(LlmUnavailableError, match="connection"):
        await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)
    await gateway.aclose()


def test_backoff_grows_exponentially_with_full_jitter_under_a_cap() -> None:
    policy = RetryPolicy(retries=5, base_delay=1.0, max_delay=4.0)

    waits = [[policy.delay(retry) for _ in range(200)] for retry in range(4)]

    assert all(
        0.0 <= wait <= cap for row, cap in zip(waits, [1, 2, 4, 4], strict=True) for wait in row
    )
    assert max(waits[2]) > 2.0


def test_retry_after_is_honoured_up_to_a_cap() -> None:
    policy = RetryPolicy(base_delay=0.001, max_retry_after=5.0)

    assert (policy.delay(0, retry_after=2.0), policy.delay(0, retry_after=600.0)) == (2.0, 5.0)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [({"retry-after": "3"}, 3.0), ({"retry-after-ms": "250"}, 0.25), ({}, None)],
)
def test_retry_after_headers_are_read_in_seconds(
    headers: dict[str, str], seconds: float | None
) -> None:
    response = SimpleNamespace(headers=headers)

    assert retry_after_seconds(response) == seconds


def test_retry_after_accepts_an_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=30)
    response = SimpleNamespace(headers={"retry-after": format_datetime(later, usegmt=True)})

    assert 25 <= (retry_after_seconds(response) or 0) <= 30
