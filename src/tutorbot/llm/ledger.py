"""One gateway call's bookkeeping: tokens from every exchange, outcome, one usage record.

The gateway opens a ``CallLedger`` around each public call; whatever happens inside
(success, API error, bad output, cancellation) leaving the block records exactly one
``UsageRecord``. A failing sink is logged, never raised: the ledger must not cost a learner
an answer they already have.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from types import TracebackType

from openai.types import CompletionUsage

from tutorbot.llm.budget import count_messages
from tutorbot.llm.errors import LlmError
from tutorbot.llm.prompts import ChatMessage
from tutorbot.llm.usage import Prices, UsageRecord, UsageSink, short_error
from tutorbot.tokens import TokenCounter

log = logging.getLogger(__name__)


class CallLedger:
    """Accumulates one call's tokens; records them when the ``async with`` block ends."""

    def __init__(
        self,
        *,
        sink: UsageSink,
        counter: TokenCounter,
        prices: Prices,
        model: str,
        template: str,
        learner_id: int | None,
        guild_id: int | None,
    ) -> None:
        self._sink = sink
        self._counter = counter
        self._prices = prices
        self.model = model
        self._learner_id = learner_id
        self._guild_id = guild_id
        self.template = template
        self.template_hash = ""
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self._started = 0.0

    def add(
        self, messages: Sequence[ChatMessage], text: str, usage: CompletionUsage | None
    ) -> tuple[int, int]:
        """Count one exchange: the API's usage when it sent one, else our own count."""
        if usage is not None:
            prompt, completion = usage.prompt_tokens, usage.completion_tokens
        else:
            prompt, completion = count_messages(self._counter, messages), self._counter.count(text)
        self.prompt_tokens += prompt
        self.completion_tokens += completion
        return prompt, completion

    async def __aenter__(self) -> CallLedger:
        self._started = time.monotonic()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        record = UsageRecord(
            learner_id=self._learner_id,
            guild_id=self._guild_id,
            model=self.model,
            template=self.template,
            template_hash=self.template_hash,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            cost_usd=self._prices.cost(self.prompt_tokens, self.completion_tokens),
            latency_ms=round((time.monotonic() - self._started) * 1000),
            ok=exc is None,
            error=None if exc is None else error_code(exc),
        )
        try:
            await self._sink.record(record)
        except Exception:
            log.exception("could not record LLM usage for template %s", self.template)


def error_code(exc: BaseException) -> str:
    """The ledger's short description of why a call failed."""
    if isinstance(exc, LlmError):
        return short_error(exc.code, str(exc))
    if isinstance(exc, asyncio.CancelledError | GeneratorExit):
        return "cancelled"
    return short_error("internal", f"{type(exc).__name__}: {exc}")
