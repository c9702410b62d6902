"""Rows survive the trip through each backend: big ids, aware times, cascading deletes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from tutorbot.storage import (
    ConversationTurn,
    Database,
    Learner,
    LearningEvent,
    LlmUsage,
    QuizAttempt,
    QuizSession,
    QuotaState,
    UnitProgress,
)

BIGGEST_DISCORD_ID = 2**63 - 1
OWNED_TABLES = (UnitProgress, QuizSession, QuizAttempt, ConversationTurn, LearningEvent, QuotaState)


async def add_learner(database: Database, discord_id: int = 42, **fields: object) -> int:
    async with database.session() as session:
        learner = Learner(discord_id=discord_id, display_name="Ada", **fields)
        session.add(learner)
        await session.commit()
        return learner.id


async def add_learner_history(database: Database, learner_id: int) -> None:
    """One row in every table that belongs to a learner."""
    now = datetime.now(UTC)
    async with database.session() as session:
        quiz = QuizSession(learner_id=learner_id, course_id="c", unit_id="u", question_ids=["q1"])
        session.add(quiz)
        await session.flush()
        session.add_all(
            [
                UnitProgress(learner_id=learner_id, course_id="c", unit_id="u"),
                QuizAttempt(
                    session_id=quiz.id,
                    learner_id=learner_id,
                    course_id="c",
                    unit_id="u",
                    question_id="q1",
                    answer="a",
                    score=1.0,
                    correct=True,
                    grader="choice",
                ),
                ConversationTurn(learner_id=learner_id, thread="t", role="user", content="hi"),
                LearningEvent(learner_id=learner_id, verb="answered", object_id="c/u/q1"),
                QuotaState(learner_id=learner_id, available=3.0, updated_at=now),
                LlmUsage(learner_id=learner_id, model="m", template="ask", template_hash="h"),
            ]
        )
        await session.commit()


async def delete_learner(database: Database, learner_id: int) -> None:
    async with database.session() as session:
        learner = await session.get(Learner, learner_id)
        await session.delete(learner)
        await session.commit()


async def test_discord_id_at_the_bigint_limit_round_trips(database: Database) -> None:
    learner_id = await add_learner(database, discord_id=BIGGEST_DISCORD_ID)

    async with database.session() as session:
        stored = await session.scalar(select(Learner.discord_id).where(Learner.id == learner_id))

    assert stored == BIGGEST_DISCORD_ID


async def test_datetimes_come_back_as_the_same_instant_in_utc(database: Database) -> None:
    sent = datetime(2025, 3, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    learner_id = await add_learner(database, created_at=sent)

    async with database.session() as session:
        stored = await session.scalar(select(Learner.created_at).where(Learner.id == learner_id))

    assert stored is not None
    assert (stored, stored.tzinfo) == (sent, UTC)


async def test_naive_datetime_is_refused(database: Database) -> None:
    naive = datetime.now(UTC).replace(tzinfo=None)

    with pytest.raises(StatementError, match="naive datetime"):
        await add_learner(database, created_at=naive)


async def test_deleting_a_learner_deletes_everything_they_own(database: Database) -> None:
    learner_id = await add_learner(database)
    await add_learner_history(database, learner_id)

    await delete_learner(database, learner_id)

    async with database.session() as session:
        counts = {
            table.__tablename__: await session.scalar(select(func.count()).select_from(table))
            for table in OWNED_TABLES
        }
    assert counts == dict.fromkeys(counts, 0)


async def test_deleting_a_learner_keeps_their_llm_usage_for_cost_reports(
    database: Database,
) -> None:
    learner_id = await add_learner(database)
    await add_learner_history(database, learner_id)

    await delete_learner(database, learner_id)

    async with database.session() as session:
        owners = (await session.scalars(select(LlmUsage.learner_id))).all()
    assert owners == [None]
