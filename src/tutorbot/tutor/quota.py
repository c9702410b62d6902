"""The per-learner allowance of model questions: CS50-style hearts that refill over time.

State lives in the database (``quota_state``) so it holds across restarts and across
processes; the read-modify-write runs in the caller's transaction, with a row lock on
PostgreSQL, so two requests cannot both spend the last heart.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.storage.models import QuotaState


class QuotaLimits(Protocol):
    """The allowance in force: a server's ``GuildConfig`` (or the ``Settings`` defaults)."""

    @property
    def quota_max(self) -> int: ...

    @property
    def quota_refill_seconds(self) -> int: ...


class QuotaExceededError(TutorError):
    """The learner has used their questions; the message says when the next one is back."""

    def __init__(self, seconds: int) -> None:
        minutes, secs = divmod(max(1, seconds), 60)
        wait = f"{minutes} min {secs} s" if minutes else f"{secs} s"
        super().__init__(
            f"You have used all your questions for now. One comes back in {wait}. "
            "Meanwhile /quiz and /unit work without limits."
        )
        self.retry_after = seconds


def _state(
    session: Session, learner_id: int, capacity: int, refill: int, now: datetime
) -> tuple[QuotaState, float]:
    query = select(QuotaState).where(QuotaState.learner_id == learner_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    state = session.scalar(query)
    if state is None:
        state = QuotaState(learner_id=learner_id, available=float(capacity), updated_at=now)
        session.add(state)
        return state, float(capacity)
    elapsed = max(0.0, (now - state.updated_at).total_seconds())
    return state, min(float(capacity), state.available + elapsed / refill)


def spend(session: Session, learner_id: int, limits: QuotaLimits, now: datetime) -> None:
    """Take one heart or raise ``QuotaExceededError``; refills are computed lazily."""
    refill_seconds = limits.quota_refill_seconds
    state, available = _state(session, learner_id, limits.quota_max, refill_seconds, now)
    if available < 1:
        raise QuotaExceededError(math.ceil((1 - available) * refill_seconds))
    state.available = available - 1
    state.updated_at = now
    session.flush()


def refund(session: Session, learner_id: int, limits: QuotaLimits, now: datetime) -> None:
    """Give a heart back (the model failed, so the learner got no model answer)."""
    capacity, refill_seconds = limits.quota_max, limits.quota_refill_seconds
    state, available = _state(session, learner_id, capacity, refill_seconds, now)
    state.available = min(float(capacity), available + 1)
    state.updated_at = now
    session.flush()
