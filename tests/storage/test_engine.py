"""Engines: URL handling, SQLite connection settings, and many writers on one SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.storage.conftest import sqlite_url
from tutorbot.errors import ConfigError
from tutorbot.storage import Database, Learner, LearningEvent, QuotaState, create_engine
from tutorbot.storage.engine import database_url

WRITERS = 50


async def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(
    sqlite_database: Database,
) -> None:
    pragmas = ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
    async with sqlite_database.session() as session:
        values = {name: await session.scalar(text(f"PRAGMA {name}")) for name in pragmas}

    assert values == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 5000,
        "synchronous": 1,
    }


async def test_sqlite_engine_creates_the_missing_data_folder(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    finally:
        await engine.dispose()

    assert (tmp_path / "data" / "tutorbot.db").is_file()


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///data/tutorbot.db", "sqlite+aiosqlite"),
        ("postgresql://bot@db/tutor", "postgresql+asyncpg"),
        ("postgres://bot@db/tutor", "postgresql+asyncpg"),
        ("postgresql+asyncpg://bot@db/tutor", "postgresql+asyncpg"),
    ],
)
def test_urls_naming_only_the_backend_get_its_async_driver(given: str, driver: str) -> None:
    assert database_url(given).drivername == driver


@pytest.mark.parametrize("given", ["mysql://bot@db/tutor", "not a url"])
def test_unsupported_or_malformed_urls_are_configuration_errors(given: str) -> None:
    with pytest.raises(ConfigError):
        database_url(given)


async def test_fifty_concurrent_sessions_all_write_to_one_sqlite_file(
    sqlite_database: Database,
) -> None:
    async def learner_with_events(n: int) -> None:
        async with sqlite_database.session() as session:
            # Read first, then write: the pattern that fails with plain BEGIN.
            await session.scalar(select(func.count()).select_from(Learner))
            learner = Learner(discord_id=10_000 + n, display_name=f"learner {n}")
            session.add(learner)
            await session.flush()
            session.add_all(
                LearningEvent(learner_id=learner.id, verb="joined", object_id=str(i))
                for i in range(5)
            )
            await session.commit()

    await asyncio.gather(*(learner_with_events(n) for n in range(WRITERS)))

    async with sqlite_database.session() as session:
        events = await session.scalar(select(func.count()).select_from(LearningEvent))
    assert events == WRITERS * 5


async def test_write_lock_sessions_make_read_modify_write_atomic_on_sqlite(
    sqlite_database: Database,
) -> None:
    async with sqlite_database.session() as session:
        learner = Learner(discord_id=7, display_name="Ada")
        session.add(learner)
        await session.flush()
        session.add(QuotaState(learner_id=learner.id, available=0.0, updated_at=datetime.now(UTC)))
        await session.commit()

    async def increment() -> None:
        async with sqlite_database.session(write_lock=True) as session:
            state = await session.get(QuotaState, learner.id)
            assert state is not None
            await asyncio.sleep(0.001)  # give every other task the chance to interleave
            state.available += 1
            await session.commit()

    await asyncio.gather(*(increment() for _ in range(WRITERS)))

    async with sqlite_database.session() as session:
        available = await session.scalar(select(QuotaState.available))
    assert available == WRITERS
