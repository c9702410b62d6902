"""The usage ledger in the database: where the gateway's usage records are written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from tutorbot.llm import UsageRecord
from tutorbot.storage import LlmUsage, utcnow
from tutorbot.tutor.writer import DatabaseWriter


class DatabaseUsageSink:
    """Writes each model call's usage as one ``llm_usage`` row, in its own transaction."""

    def __init__(self, writer: DatabaseWriter, clock: Callable[[], datetime] = utcnow) -> None:
        # The tutor's clock: daily budgets and cost reports count rows by this time.
        self._writer = writer
        self._clock = clock

    async def record(self, usage: UsageRecord) -> None:
        """Store one record on the writer thread (the gateway logs a failure, never hides
        the answer because of it)."""
        at = self._clock()

        def write(session: Session) -> None:
            session.add(
                LlmUsage(
                    learner_id=usage.learner_id,
                    guild_id=usage.guild_id,
                    model=usage.model,
                    template=usage.template,
                    template_hash=usage.template_hash,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    cost_usd=usage.cost_usd,
                    latency_ms=usage.latency_ms,
                    ok=usage.ok,
                    error=usage.error,
                    created_at=at,
                )
            )

        await self._writer.run(write)
