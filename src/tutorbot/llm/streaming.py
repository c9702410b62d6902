"""Streaming a reply: text deltas as they arrive, retries only before the first one.

Once text has reached the learner a request cannot be retried unseen, so a failure after
the first delta ends the stream with ``LlmStreamInterruptedError``. So does a stream that
simply stops without a finish reason (a cut connection, a server bug): the partial answer
must not pass for a complete one.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, cast

import openai
from openai import AsyncStream
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionChunk

from tutorbot.llm.errors import LlmStreamInterruptedError
from tutorbot.llm.retry import Failure, RetryPolicy, classify, wait_or_raise

log = logging.getLogger(__name__)


@dataclass
class StreamState:
    """What one streamed call has received so far, read by the gateway for the ledger."""

    include_usage: bool = True
    parts: list[str] = field(default_factory=list)
    finish_reason: str | None = None
    usage: CompletionUsage | None = None
    answered: bool = False

    @property
    def text(self) -> str:
        """Everything received so far."""
        return "".join(self.parts)


async def stream_deltas(
    client: openai.AsyncOpenAI, params: dict[str, Any], policy: RetryPolicy, state: StreamState
) -> AsyncGenerator[str, None]:
    """Yield the reply's text deltas, filling ``state`` as they come.

    Asks for a final usage chunk (``stream_options.include_usage``); a server that rejects
    the option is asked again without it, and ``state.include_usage`` turns off so the
    gateway stops sending it and counts tokens itself.
    """
    retry = 0
    while True:
        request = {**params, "stream": True}
        if state.include_usage:
            request["stream_options"] = {"include_usage": True}
        try:
            created = await client.chat.completions.create(**request)
            stream = cast(AsyncStream[ChatCompletionChunk], created)
            state.answered = True
            async with stream:
                async for chunk in stream:
                    if chunk.usage is not None:
                        state.usage = chunk.usage
                    for choice in chunk.choices:
                        if choice.delta is not None and choice.delta.content:
                            state.parts.append(choice.delta.content)
                            yield choice.delta.content
                        if choice.finish_reason:
                            state.finish_reason = choice.finish_reason
            break
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            if state.parts:
                raise LlmStreamInterruptedError(state.text, failure.detail) from exc
            if _rejects_usage_option(failure, state):
                log.info("endpoint rejects stream_options; counting stream tokens locally")
                state.include_usage = False
                continue
            await wait_or_raise(policy, failure, retry, exc)
            retry += 1
    if state.finish_reason is None:
        raise LlmStreamInterruptedError(state.text, "the stream ended without a finish reason")


def _rejects_usage_option(failure: Failure, state: StreamState) -> bool:
    return (
        state.include_usage
        and failure.status in (400, 422)
        and "stream_options" in failure.detail.lower()
    )
