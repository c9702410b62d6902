"""Answer writes, batched: one transaction commits the answers of many learners at once.

SQLite takes one writer at a time, and each transaction costs a lock, a WAL commit and
several round trips to aiosqlite's thread. When many learners answer together, a single
writer task drains the queue and commits everything waiting in one transaction (group
commit), with multi-row statements whose number does not grow with the batch. Callers
await their own outcome, so an answer is never reported before it is durable. On
PostgreSQL the same batching simply saves round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from fsrs import Scheduler
from sqlalchemy.orm import Session

from tutorbot.tutor import quiz_sql
from tutorbot.tutor.quiz_sql import AnswerWrite, Recorded, Started, StartWrite
from tutorbot.tutor.writer import DatabaseWriter

MAX_BATCH = 500


@dataclass
class _Pending:
    write: AnswerWrite | StartWrite
    done: asyncio.Future[Any] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class AnswerRecorder:
    """Batches quiz writes (new sessions and answers) into one transaction per turn."""

    def __init__(self, writer: DatabaseWriter, scheduler: Scheduler) -> None:
        self._writer = writer
        self._scheduler = scheduler  # FSRS for review cards, configured from settings
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def record(self, write: AnswerWrite) -> Recorded:
        """Queue an answer and wait until it is committed (or refused)."""
        outcome: Recorded = await self._submit(write)
        return outcome

    async def start(self, write: StartWrite) -> Started:
        """Create a quiz session once committed; the choice of questions is made here, in
        the same transaction that reads the learner's past scores."""
        started: Started = await self._submit(write)
        return started

    async def _submit(self, write: AnswerWrite | StartWrite) -> Any:
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="quiz-recorder")
        pending = _Pending(write)
        await self._queue.put(pending)
        return await pending.done

    async def close(self) -> None:
        """Stop the writer after what is queued has been written."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await self._write([p.write for p in batch])
            except Exception as exc:  # every waiter learns of the failure; nothing is lost silently
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
                continue
            for pending, outcome in zip(batch, outcomes, strict=True):
                if not pending.done.done():
                    pending.done.set_result(outcome)

    async def _write(self, items: list[AnswerWrite | StartWrite]) -> list[Any]:
        return await self._writer.run(lambda session: self._write_items(session, items))

    def _write_items(self, session: Session, items: list[AnswerWrite | StartWrite]) -> list[Any]:
        connection = session.connection()
        starts = [w for w in items if isinstance(w, StartWrite)]
        answers = [w for w in items if isinstance(w, AnswerWrite)]
        events: list[dict[str, Any]] = []
        started = iter(quiz_sql.start_sessions(connection, starts, events) if starts else [])
        recorded = iter(
            quiz_sql.record_answers(connection, answers, events, self._scheduler) if answers else []
        )
        quiz_sql.insert_events(connection, events)
        return [next(started) if isinstance(w, StartWrite) else next(recorded) for w in items]
