"""Tables: who learns, what they did, what it cost. SQLAlchemy 2 typed ORM.

Discord ids are ``BigInteger`` (they exceed 32 bits) and ``int`` in code; exports write them
as strings. Times are timezone-aware UTC. ``learning_events`` is append-only: reports are
built from it, so nothing updates or deletes its rows except a learner's own data deletion.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, timezone-aware UTC (the only clock the storage layer uses by default)."""
    return datetime.now(UTC)


# Unique constraints are named after all their columns: named after the first one only,
# two constraints starting with the same column would collide.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite stores no zone and returns naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use UTC-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can diff on every backend."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: UTCDateTime(),
    }


class Learner(Base):
    """A person using the tutor: a Discord user, or the local console user."""

    __tablename__ = "learners"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    discord_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GuildSettings(Base):
    """Per-server configuration an admin can change."""

    __tablename__ = "guild_settings"
    # A Discord snowflake, never generated here (without this PostgreSQL gets BIGSERIAL).
    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    model: Mapped[str | None] = mapped_column(String(100))
    quota_max: Mapped[int | None] = mapped_column(Integer)
    quota_refill_seconds: Mapped[int | None] = mapped_column(Integer)
    daily_budget_usd: Mapped[float | None] = mapped_column(Float)
    moderator_role_ids: Mapped[list[str]] = mapped_column(default=list)
    admin_role_ids: Mapped[list[str]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UnitProgress(Base):
    """A learner's standing in one unit of one course."""

    __tablename__ = "unit_progress"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", "unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    mastery: Mapped[float] = mapped_column(Float, default=0.0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()


class QuizSession(Base):
    """An ordered set of questions a learner is working through; survives restarts."""

    __tablename__ = "quiz_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(100))
    question_ids: Mapped[list[str]] = mapped_column()
    position: Mapped[int] = mapped_column(Integer, default=0)
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="active")
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()


class QuizAttempt(Base):
    """One graded answer: what was said, the score, who graded it and with which prompt."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (Index("ix_quiz_attempts_learner_unit", "learner_id", "course_id", "unit_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_sessions.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    feedback: Mapped[str] = mapped_column(Text, default="")
    grader: Mapped[str] = mapped_column(String(30))
    prompt_hash: Mapped[str | None] = mapped_column(String(64))
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationTurn(Base):
    """One message of a tutoring conversation, kept for context within a token budget."""

    __tablename__ = "conversation_turns"
    __table_args__ = (Index("ix_conversation_turns_thread", "learner_id", "thread"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    thread: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LlmUsage(Base):
    """One model call: tokens, estimated cost, latency, and the prompt that made it."""

    __tablename__ = "llm_usage"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("learners.id", ondelete="SET NULL"), index=True
    )
    guild_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    model: Mapped[str] = mapped_column(String(100))
    template: Mapped[str] = mapped_column(String(100))
    template_hash: Mapped[str] = mapped_column(String(64))
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class LearningEvent(Base):
    """Append-only log in xAPI's shape: actor, verb, object, result, time."""

    __tablename__ = "learning_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    verb: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(300))
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class QuotaState(Base):
    """A learner's refilling allowance of LLM questions ("hearts")."""

    __tablename__ = "quota_state"
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    available: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column()
