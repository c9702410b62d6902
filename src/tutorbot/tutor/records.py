"""The writes every service shares: the learner's row and the learning-event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tutorbot.storage.models import Learner, LearningEvent
from tutorbot.tutor.deps import LearnerRef, TutorDeps


def ensure_learner(session: Session, ref: LearnerRef, now: datetime) -> Learner:
    """The learner's row, created on first contact; the display name follows renames.

    Two first interactions of one person can arrive together (on PostgreSQL their writes
    run concurrently): the insert skips an existing row instead of failing on the unique
    Discord id, and both then read the one row.
    """
    learner = session.scalar(select(Learner).where(Learner.discord_id == ref.discord_id))
    if learner is None:
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        session.execute(
            insert(Learner)
            .values(discord_id=ref.discord_id, display_name=ref.display_name, created_at=now)
            .on_conflict_do_nothing(index_elements=[Learner.discord_id])
        )
        learner = session.scalars(select(Learner).where(Learner.discord_id == ref.discord_id)).one()
    elif learner.display_name != ref.display_name:
        learner.display_name = ref.display_name
    return learner


async def learner_id(deps: TutorDeps, ref: LearnerRef) -> int:
    """The learner's row id, from the process cache after first contact.

    Hot paths (every quiz answer) would otherwise read the learners table each time; the
    id of a Discord user never changes, and a rename is written when it is seen.
    """
    cached = deps.learner_ids.get(ref.discord_id)
    if cached is not None and cached[1] == ref.display_name:
        return cached[0]
    now = deps.clock()
    row = await deps.writer.run(lambda session: ensure_learner(session, ref, now))
    deps.learner_ids[ref.discord_id] = (row.id, row.display_name)
    return row.id


def log_event(
    session: Session,
    learner: Learner | int,
    verb: str,
    object_id: str,
    now: datetime,
    *,
    guild_id: int | None = None,
    **result: Any,
) -> None:
    """Append one learning event (xAPI-shaped: actor, verb, object, result, time)."""
    session.add(
        LearningEvent(
            learner_id=learner if isinstance(learner, int) else learner.id,
            guild_id=guild_id,
            verb=verb,
            object_id=object_id,
            result=result,
            created_at=now,
        )
    )


async def record_event(
    deps: TutorDeps,
    learner: int,
    verb: str,
    object_id: str,
    now: datetime,
    *,
    guild_id: int | None = None,
    **result: Any,
) -> None:
    """Append one learning event in its own transaction, on the writer."""

    def write(session: Session) -> None:
        log_event(session, learner, verb, object_id, now, guild_id=guild_id, **result)

    await deps.writer.run(write)
