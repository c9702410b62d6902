"""Real databases for storage tests: a fresh SQLite file, and PostgreSQL when configured.

PostgreSQL runs when TUTORBOT_TEST_DATABASE_URL is set (for example
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``). Each test gets its own database,
created from ``template0`` and dropped afterwards with ``WITH (FORCE)``, so tests see the
same plain URLs production does and leave nothing behind. The user needs CREATEDB.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tutorbot.storage import Database
from tutorbot.storage.engine import database_url

PG_URL_VAR = "TUTORBOT_TEST_DATABASE_URL"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not os.environ.get(PG_URL_VAR), reason=f"{PG_URL_VAR} unset"),
    ),
]


@asynccontextmanager
async def fresh_postgres_database(server_url: str) -> AsyncIterator[str]:
    """Create a uniquely named empty database on the server; drop it on exit."""
    url = database_url(server_url)
    name = f"tutorbot_test_{uuid.uuid4().hex[:16]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE template0')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


def sqlite_url(folder: Path) -> str:
    """A SQLite URL in a folder that does not exist yet (the engine must create it)."""
    return f"sqlite+aiosqlite:///{folder / 'data' / 'tutorbot.db'}"


@pytest.fixture(params=BACKENDS)
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database on each backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    async with fresh_postgres_database(os.environ[PG_URL_VAR]) as url:
        yield url


@pytest.fixture
async def database(empty_database_url: str) -> AsyncIterator[Database]:
    """A migrated database on each backend, closed after the test."""
    async with await Database.connect(empty_database_url) as db:
        yield db


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite file, for behaviour specific to SQLite."""
    async with await Database.connect(sqlite_url(tmp_path)) as db:
        yield db


async def table_names(engine: AsyncEngine) -> set[str]:
    """Tables in the database's default schema."""

    def names(connection: Connection) -> set[str]:
        return set(inspect(connection).get_table_names())

    async with engine.connect() as conn:
        return await conn.run_sync(names)
