"""The database handle built once at start-up: an async engine plus a session factory.

SQLite through aiosqlite by default (see :mod:`tutorbot.storage.sqlite` for how it copes
with concurrent sessions), PostgreSQL through asyncpg at scale; the URL picks.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import TracebackType

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from tutorbot.errors import ConfigError
from tutorbot.storage import sqlite
from tutorbot.storage.migrate import upgrade as upgrade_schema

# Backend names people write in URLs, mapped to the async driver this package ships with.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}

# Per process. Ten steady connections plus a burst of ten stays well under PostgreSQL's
# default max_connections=100 with a few shards and the CLI running.
PG_POOL_SIZE = 10
PG_MAX_OVERFLOW = 10
PG_RECYCLE_SECONDS = 1800


def database_url(url: str | URL) -> URL:
    """Parse ``url`` and choose the async driver when only the backend is named.

    ``postgresql://`` and ``sqlite:///`` (as hosting providers and other tools write them)
    work as they are; any other backend is a configuration error.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("The database URL cannot be parsed; see TUTORBOT_DATABASE_URL.") from None
    driver = ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise ConfigError(
            f"Unsupported database {parsed.drivername!r}: use sqlite+aiosqlite:///path "
            "or postgresql+asyncpg://user@host/db."
        )
    return parsed.set(drivername=driver)


def create_engine(url: str | URL) -> AsyncEngine:
    """An async engine for ``url``, tuned for its backend; connects lazily.

    For a SQLite file the parent folder is created, so a fresh checkout starts with no
    set-up step. Nothing is connected until the first session or migration.
    """
    parsed = database_url(url)
    if parsed.get_backend_name() == "postgresql":
        return _create_async_engine(
            parsed,
            pool_size=PG_POOL_SIZE,
            max_overflow=PG_MAX_OVERFLOW,
            # A bot idles for hours; stale connections are replaced, not surfaced as errors.
            pool_pre_ping=True,
            pool_recycle=PG_RECYCLE_SECONDS,
        )
    path = sqlite.sqlite_file(parsed)
    if path is None:
        engine = _create_async_engine(parsed)  # in-memory: the dialect's single shared connection
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = _create_async_engine(
            parsed, pool_size=sqlite.POOL_SIZE, max_overflow=sqlite.MAX_OVERFLOW
        )
    sqlite.configure(engine.sync_engine)
    return engine


class Database:
    """The engine and its session factory, shared by every service for the process lifetime.

    Sessions keep loaded attributes after commit (``expire_on_commit=False``) so results
    can be rendered after the session closes without lazy loads, which async cannot do.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        self._locked_sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine.execution_options(**{sqlite.WRITE_LOCK: True}), expire_on_commit=False
        )

    @classmethod
    async def connect(cls, url: str, *, upgrade: bool = True) -> Database:
        """Build the engine for ``url`` and, unless told not to, migrate the schema to head."""
        engine = create_engine(url)
        try:
            if upgrade:
                await upgrade_schema(engine)
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine)

    def session(self, *, write_lock: bool = False) -> AsyncSession:
        """A new session; use it as ``async with db.session() as session:``.

        ``write_lock=True`` is for read-then-write work on SQLite: the transaction starts
        with ``BEGIN IMMEDIATE``, so no other writer can commit between its reads and its
        writes. PostgreSQL ignores it; lock rows there with ``select(...).with_for_update()``
        (which SQLite ignores), so portable code uses both.
        """
        return (self._locked_sessions if write_lock else self.sessions)()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite), committed on exit, rolled
        back on error. The tutor's writes go through ``tutor.writer``, which uses this on
        backends other than a SQLite file."""
        async with self.session(write_lock=True) as session, session.begin():
            yield session

    async def close(self) -> None:
        """Close every pooled connection (call once, at shutdown)."""
        await self.engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
