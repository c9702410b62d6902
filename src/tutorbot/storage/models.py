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
    # Where the daily review nudge is posted for learners who chose "channel".
    nudge_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # The role granted to a learner who earns the course certificate here.
    certificate_role_id: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class UnitProgress(Base):
    """A learner's standing in one unit of one course."""

    __tablename__ = "unit_progress"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_id", "unit_id"),
        # Covering: the completion report reads every column it needs from the index, in
        # learner order, and never the table (whose rows interleave as learners answer).
        Index(
            "ix_unit_progress_report",
            "learner_id",
            "course_id",
            "unit_id",
            "status",
            "mastery",
            "attempts",
            "completed_at",
        ),
    )
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
    # "unit" (a /quiz), "challenge" (a cohort challenge attempt), "final" (certification)
    # or "review" (spaced review); reports and eligibility rules filter on it.
    kind: Mapped[str] = mapped_column(String(20), default="unit", server_default="unit")
    challenge_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), index=True
    )
    # When the current question was shown: a fast right answer rates Easy in review.
    question_shown_at: Mapped[datetime | None] = mapped_column()


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
    duration_ms: Mapped[int | None] = mapped_column(Integer)
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
    # "Was this learner active in this server?" in one index probe (reports by server).
    __table_args__ = (Index("ix_learning_events_guild_learner", "guild_id", "learner_id"),)
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


class Cohort(Base):
    """A named group of learners in one server, run by its moderators."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("guild_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(100))
    # Learners may /cohort join an open cohort by themselves.
    open: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortMember(Base):
    """A learner in a cohort; a learner can be in several."""

    __tablename__ = "cohort_members"
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortRole(Base):
    """A Discord role whose members belong to the cohort (resolved when they show up)."""

    __tablename__ = "cohort_roles"
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True
    )
    role_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)


class Challenge(Base):
    """A cohort challenge: a posted set of questions with a deadline and a leaderboard.

    Attempts are quiz sessions with ``kind="challenge"``; the reminder and the closing are
    driven from ``due_at``/``reminded_at``/``status`` so they survive a restart.
    """

    __tablename__ = "challenges"
    __table_args__ = (Index("ix_challenges_status_due", "status", "due_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    course_id: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    instructions: Mapped[str] = mapped_column(Text, default="")
    question_ids: Mapped[list[str]] = mapped_column()
    channel_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    due_at: Mapped[datetime] = mapped_column()
    # The zone the moderator gave, to show the deadline the way it was written.
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    reminded_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class ReviewCard(Base):
    """One question's spaced-review schedule for one learner (an fsrs ``Card``)."""

    __tablename__ = "review_cards"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_id", "question_id"),
        Index("ix_review_cards_due", "learner_id", "due"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(100))
    question_id: Mapped[str] = mapped_column(String(200))
    # ``fsrs.Card.to_dict()``: state, step, stability, difficulty, due, last_review.
    card: Mapped[dict[str, Any]] = mapped_column()
    due: Mapped[datetime] = mapped_column()
    last_review: Mapped[datetime | None] = mapped_column()


class ReviewLog(Base):
    """One review outcome (an fsrs ``ReviewLog``), kept for retention figures and tuning."""

    __tablename__ = "review_logs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(
        ForeignKey("review_cards.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column()


class ReviewNudge(Base):
    """A learner's opt-in to the daily "cards are due" nudge, and when it last went out."""

    __tablename__ = "review_nudges"
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    # "dm" or "channel" (the server's configured nudge channel).
    mode: Mapped[str] = mapped_column(String(10))
    last_sent_at: Mapped[datetime | None] = mapped_column()


class GeneratedQuestion(Base):
    """A model-written question waiting for (or past) a moderator's review."""

    __tablename__ = "generated_questions"
    __table_args__ = (Index("ix_generated_questions_status", "course_id", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[str] = mapped_column(String(100))
    # The question as a bank entry (the same fields as a unit's YAML question).
    question: Mapped[dict[str, Any]] = mapped_column()
    source_section: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    model: Mapped[str] = mapped_column(String(100), default="")
    prompt_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewed_by: Mapped[int | None] = mapped_column(BigInteger)
    reviewed_at: Mapped[datetime | None] = mapped_column()


class Certificate(Base):
    """A course certificate: signed so it cannot be forged, revocable by admins."""

    __tablename__ = "certificates"
    # A short random id people can type into /verify.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    discord_id: Mapped[int] = mapped_column(BigInteger)
    learner_name: Mapped[str] = mapped_column(String(100))
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    course_id: Mapped[str] = mapped_column(String(100))
    course_version: Mapped[str] = mapped_column(String(50))
    score: Mapped[float] = mapped_column(Float)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("quiz_sessions.id", ondelete="SET NULL")
    )
    issued_at: Mapped[datetime] = mapped_column()
    signature: Mapped[str] = mapped_column(String(128))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[int | None] = mapped_column(BigInteger)
    revoke_reason: Mapped[str | None] = mapped_column(String(300))
