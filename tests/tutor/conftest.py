"""A real tutor for service tests: bundled course, SQLite file, and a model or none."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openai
import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.storage.conftest import BACKENDS, PG_URL_VAR, fresh_postgres_database
from tutorbot.curriculum import Course
from tutorbot.llm import LlmGateway, PromptLibrary, default_prompts_dir
from tutorbot.retrieval import Retriever, build_index
from tutorbot.settings import Settings, load_settings
from tutorbot.storage import Database
from tutorbot.tokens import token_counter
from tutorbot.tutor import LearnerRef, TutorDeps
from tutorbot.tutor.ledger import DatabaseUsageSink
from tutorbot.tutor.writer import DatabaseWriter

ADA = LearnerRef(1001, "Ada", guild_id=42)


@dataclass
class FakeClock:
    """Time that moves only when a test says so."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 1, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def retriever(bundled_course: Course) -> Retriever:
    return Retriever(build_index(bundled_course, token_counter(), 350))


MakeTutor = Callable[..., Awaitable[TutorDeps]]


@pytest.fixture(params=BACKENDS)
async def tutor_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A SQLite file, and a fresh PostgreSQL database when TUTORBOT_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutorbot.db'}"
        return
    async with fresh_postgres_database(os.environ[PG_URL_VAR]) as url:
        yield url


@pytest.fixture
async def make_tutor(
    tmp_path: Path, bundled_course: Course, retriever: Retriever, tutor_database_url: str
) -> AsyncIterator[MakeTutor]:
    """Build tutors on one database; calling it twice is a restart on the same data."""
    opened: list[TutorDeps] = []

    async def make(
        server: FakeOpenAI | None = None, clock: FakeClock | None = None, **overrides: object
    ) -> TutorDeps:
        settings: Settings = load_settings(
            data_dir=tmp_path / "data", database_url=tutor_database_url, **overrides
        )
        db = await Database.connect(settings.effective_database_url)
        writer = DatabaseWriter.for_database(db)
        clock = clock or FakeClock()
        llm = None
        if server is not None:
            client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
            llm = LlmGateway(
                client,
                model="gpt-4o-mini",
                prompts=PromptLibrary(default_prompts_dir()),
                counter=token_counter(),
                sink=DatabaseUsageSink(writer, clock),
                timeout=2.0,
                context_window=settings.context_window,
                reply_reserve=settings.max_reply_tokens,
                retries=1,
                retry_base_delay=0.001,
                retry_max_delay=0.002,
            )
        deps = TutorDeps(
            settings,
            bundled_course,
            retriever,
            db,
            writer,
            llm,
            token_counter(),
            clock,
        )
        opened.append(deps)
        return deps

    yield make
    for deps in reversed(opened):
        await deps.aclose()
