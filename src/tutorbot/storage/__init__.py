"""Storage: the ORM tables, the async engine and session factory, and schema migrations."""

from __future__ import annotations

from tutorbot.storage.engine import Database, create_engine
from tutorbot.storage.migrate import SchemaError, current_revision, upgrade
from tutorbot.storage.models import (
    Base,
    Certificate,
    Challenge,
    Cohort,
    CohortMember,
    CohortRole,
    ConversationTurn,
    GeneratedQuestion,
    GuildSettings,
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
    UTCDateTime,
    utcnow,
)

__all__ = [
    "Base",
    "Certificate",
    "Challenge",
    "Cohort",
    "CohortMember",
    "CohortRole",
    "ConversationTurn",
    "Database",
    "GeneratedQuestion",
    "GuildSettings",
    "Learner",
    "LearningEvent",
    "LlmUsage",
    "QuizAttempt",
    "QuizSession",
    "QuotaState",
    "ReviewCard",
    "ReviewLog",
    "ReviewNudge",
    "SchemaError",
    "UTCDateTime",
    "UnitProgress",
    "create_engine",
    "current_revision",
    "upgrade",
    "utcnow",
]
