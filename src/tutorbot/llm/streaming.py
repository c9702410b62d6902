"""Streaming a reply: text deltas as they arrive, retries only before the first one.

Once text has reached the learner a request cannot be retried unseen, so a failure after
the first delta ends the stream with ``LlmStreamInterruptedError``. So does a stream that
simply stops without a finish reason (a cut connection, a server bug): the partial answer
must not pass for a complete one.

Chunks are read as plain dicts through the SDK's own ``post`` (same auth, base URL, status
errors and SSE decoding) rather than ``chat.completions.create``: that call transforms the
request through its typed schema and builds a pydantic model per chunk, about half a
millisecond each, on the event loop every other learner is waiting on (bench/interactions.py
measures the first visible text after the model's first token under 200 streams).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any, cast

import openai
from openai import AsyncStream
from openai.types import CompletionUsage

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
        body = {key: value for key, value in params.items() if key != "timeout"}
        body["stream"] = True
        if state.include_usage:
            body["stream_options"] = {"include_usage": True}
        try:
            stream = await client.post(
                "/chat/completions",
                body=body,
                options={"timeout": params.get("timeout")},
                cast_to=object,
                stream=True,
                stream_cls=AsyncStream[object],
            )
            state.answered = True
            async with stream:
                async for chunk in stream:
                    for delta in _read_chunk(cast(dict[str, Any], chunk), state):
                        yield delta
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


def _read_chunk(chunk: dict[str, Any], state: StreamState) -> list[str]:
    """The text deltas of one chunk (``{"choices": [{"delta": {"content": ...}}]}``),
    noting its finish reason and usage in ``state``."""
    usage = chunk.get("usage")
    if usage:
        state.usage = CompletionUsage.model_validate(usage)
    deltas = []
    for choice in chunk.get("choices") or ():
        content = (choice.get("delta") or {}).get("content")
        if content:
            state.parts.append(content)
            deltas.append(content)
        if choice.get("finish_reason"):
            state.finish_reason = choice["finish_reason"]
    return deltas


def _rejects_usage_option(failure: Failure, state: StreamState) -> bool:
    return (
        state.include_usage
        and failure.status in (400, 422)
        and "stream_options" in failure.detail.lower()
    )
