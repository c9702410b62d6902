"""A learner's own data: everything stored about them, exported or deleted on request.

Export is a JSON-ready dict with Discord ids as strings (JSON numbers lose precision past
2**53). Deletion removes the learner's row, and the database's ON DELETE rules remove
everything that hangs off it; model-usage rows stay for cost reports but lose the link to
the person (their learner id is set to NULL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tutorbot.storage import (
    Certificate,
    CohortMember,
    ConversationTurn,
    Learner,
    LearningEvent,
    LlmUsage,
    QuizAttempt,
    QuizSession,
    QuotaState,
    ReviewCard,
    ReviewLog,
    ReviewNudge,
    UnitProgress,
)
from tutorbot.tutor.deps import LearnerRef, TutorDeps

_OWNED = (
    UnitProgress,
    QuizSession,
    QuizAttempt,
    ConversationTurn,
    LearningEvent,
    QuotaState,
    LlmUsage,
    ReviewCard,
    ReviewNudge,
    CohortMember,
    Certificate,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _row(obj: Any, skip: set[str]) -> dict[str, Any]:
    return {c.key: _plain(getattr(obj, c.key)) for c in obj.__table__.columns if c.key not in skip}


# Columns holding Discord ids: strings in exports (JSON numbers lose precision past 2**53).
_DISCORD_IDS = {"guild_id", "discord_id", "revoked_by"}


def _owned_row(obj: Any) -> dict[str, Any]:
    row = _row(obj, _DISCORD_IDS)
    for key in _DISCORD_IDS:
        value = getattr(obj, key, None)
        if value is not None:
            row[key] = str(value)
    return row


async def export_data(*, learner: LearnerRef, deps: TutorDeps) -> dict[str, Any]:
    """Every row about the learner, grouped by table; empty when we never met them."""
    async with deps.db.session() as session:
        row = await session.scalar(select(Learner).where(Learner.discord_id == learner.discord_id))
        if row is None:
            return {"learner": None}
        data: dict[str, Any] = {
            "learner": {**_row(row, {"discord_id"}), "discord_id": str(row.discord_id)}
        }
        for model in _OWNED:
            found = await session.scalars(select(model).where(model.learner_id == row.id))
            data[model.__tablename__] = [_owned_row(r) for r in found]
        logs = await session.scalars(
            select(ReviewLog).join(ReviewCard).where(ReviewCard.learner_id == row.id)
        )
        data[ReviewLog.__tablename__] = [_row(r, set()) for r in logs]
    return data


async def delete_data(*, learner: LearnerRef, deps: TutorDeps) -> bool:
    """Remove the learner and everything about them; False if there was nothing."""

    def remove(session: Session) -> bool:
        found = session.scalar(select(Learner.id).where(Learner.discord_id == learner.discord_id))
        if found is None:
            return False
        session.execute(delete(Learner).where(Learner.id == found))
        return True

    removed = await deps.writer.run(remove)
    deps.learner_ids.pop(learner.discord_id, None)
    for session_id, (owner, _) in list(deps.quizzes.items()):
        if owner == learner.discord_id:
            del deps.quizzes[session_id]
    return removed
