"""Everything a service needs, built once at start-up and passed in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tutorbot.curriculum import Course
from tutorbot.llm import LlmGateway
from tutorbot.retrieval import Retriever
from tutorbot.settings import Settings
from tutorbot.storage import Database, QuizSession
from tutorbot.tokens import TokenCounter
from tutorbot.tutor.guild_rules import GuildRules
from tutorbot.tutor.recorder import AnswerRecorder
from tutorbot.tutor.review_sql import review_scheduler
from tutorbot.tutor.writer import DatabaseWriter


def utc_now() -> datetime:
    """The real clock; tests pass their own to move time without sleeping."""
    return datetime.now(UTC)


@dataclass(slots=True)
class TutorDeps:
    """Shared resources: the course and its index, the database, the model (or None)."""

    settings: Settings
    course: Course
    retriever: Retriever
    db: Database
    writer: DatabaseWriter
    llm: LlmGateway | None
    counter: TokenCounter
    clock: Callable[[], datetime] = field(default=utc_now)
    recorder: AnswerRecorder = field(init=False)
    learner_ids: dict[int, tuple[int, str]] = field(default_factory=dict, init=False)
    quizzes: dict[int, tuple[int, QuizSession]] = field(default_factory=dict, init=False)
    # Per-server model and daily budget; the gateway consults it before every call.
    rules: GuildRules = field(init=False)

    def __post_init__(self) -> None:
        self.rules = GuildRules(self)
        if self.llm is not None:
            self.llm.router = self.rules
        self.recorder = AnswerRecorder(
            self.writer,
            review_scheduler(self.settings.review_retention, self.settings.review_fuzz),
        )

    async def aclose(self) -> None:
        """Flush queued writes and close the model client and the database."""
        await self.recorder.close()
        await asyncio.to_thread(self.writer.close)
        if self.llm is not None:
            await self.llm.aclose()
        await self.db.close()


@dataclass(frozen=True, slots=True)
class LearnerRef:
    """Who is asking: a Discord user id (or the console's local id), a name, a server."""

    discord_id: int
    display_name: str
    guild_id: int | None = None
