"""When to retry a model request, and how long to wait: the gateway's retry policy.

Only failures that may pass on their own are retried: 429, 5xx, timeouts (including HTTP 408)
and connection errors. A 400/401/403/404 means the request or the configuration is wrong, so
it fails at once. Waits grow exponentially with full jitter (AWS's "full jitter" backoff),
so many learners hitting a rate limit at once do not retry in lockstep; a server's
Retry-After wins when present, up to a cap.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import openai

from tutorbot.llm.errors import LlmRejectedError, LlmUnavailableError

log = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """``retries`` extra attempts; waits in seconds (tests make them tiny)."""

    retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 20.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (0 for the first)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return random.uniform(0.0, min(self.max_delay, self.base_delay * 2.0**retry))


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong with one request, in the terms the retry loop needs."""

    code: str
    retryable: bool
    detail: str
    status: int | None = None
    retry_after: float | None = None


def classify(exc: BaseException) -> Failure | None:
    """The failure ``exc`` stands for, or None when it is not a transport or API failure."""
    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return Failure("timeout", True, "the request timed out")
    if isinstance(exc, openai.APIConnectionError):
        return Failure("connection", True, f"connection failed: {exc}")
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retryable = status in (408, 429) or status >= 500
        code = "rate_limited" if status == 429 else f"http_{status}"
        return Failure(code, retryable, exc.message, status, retry_after_seconds(exc.response))
    return None


def retry_after_seconds(response: object) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            parsed = _http_date(value)
            if parsed is None:
                continue
            seconds = (parsed - datetime.now(UTC)).total_seconds()
        if math.isfinite(seconds):
            return max(seconds, 0.0)
    return None


def _http_date(value: str) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def with_retries(policy: RetryPolicy, request: Callable[[], Awaitable[R]]) -> R:
    """Run ``request`` until it succeeds, retrying what may pass.

    Raises ``LlmRejectedError`` for a failure that retrying cannot fix and
    ``LlmUnavailableError`` once the retries are used up.
    """
    retry = 0
    while True:
        try:
            return await request()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            await wait_or_raise(policy, failure, retry, exc)
            retry += 1


async def wait_or_raise(policy: RetryPolicy, failure: Failure, retry: int, exc: Exception) -> None:
    """Sleep before retry number ``retry``, or raise the error that ends the attempts."""
    if not failure.retryable:
        raise LlmRejectedError(failure.status, failure.detail) from exc
    if retry >= policy.retries:
        raise LlmUnavailableError(
            f"{failure.code} after {retry + 1} attempt(s): {failure.detail}"
        ) from exc
    pause = policy.delay(retry, failure.retry_after)
    log.warning("model request failed (%s); retry %d in %.2fs", failure.code, retry + 1, pause)
    await asyncio.sleep(pause)
