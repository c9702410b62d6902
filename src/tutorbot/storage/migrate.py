"""Schema migrations: Alembic run from code against the application's own engine.

The migration scripts ship inside the package (``storage/migrations``), so an installed
bot can upgrade its database on start-up with no ``alembic.ini`` and no working directory
assumptions. Upgrading is idempotent and safe when several processes start at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from weakref import WeakKeyDictionary

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from tutorbot.errors import TutorError
from tutorbot.storage import sqlite

MIGRATIONS = Path(__file__).resolve().with_name("migrations")

# Any constant works, as long as every tutorbot process uses the same one.
PG_MIGRATION_LOCK = 0x7475746F72626F74  # b"tutorbot" as a 64-bit integer


# Alembic keeps the running migration's context in module globals (``alembic.context``,
# ``alembic.op``). Two upgrades interleaving in one event loop, through SQLAlchemy's
# greenlets, would run each other's operations, even on different databases, so a
# process runs one upgrade at a time (per event loop, since asyncio locks are loop-bound).
_upgrade_locks: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()


class SchemaError(TutorError):
    """The database schema cannot be brought to the version this code expects."""


def alembic_config(*, url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged scripts, targeting a connection or a URL.

    ``migrate.py`` passes a connection; a URL is for developer commands such as
    ``command.revision(alembic_config(url=...), autogenerate=True, message=...)``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision the packaged scripts know."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the schema to ``revision`` (default: the newest); a no-op when already there.

    The whole upgrade is one transaction, so a failed migration leaves the previous
    schema in place. Concurrent starts queue: PostgreSQL takes a transaction-level
    advisory lock, SQLite takes its write lock with ``BEGIN IMMEDIATE``; the second
    process then finds the schema current and does nothing. Within one process,
    upgrades run one at a time.
    """
    try:
        async with _upgrade_lock():
            if engine.dialect.name == "sqlite":
                await _upgrade_sqlite(engine, revision)
                return
            async with engine.begin() as conn:
                if engine.dialect.name == "postgresql":
                    await conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK}
                    )
                await conn.run_sync(_run_upgrade, revision)
    except CommandError as exc:
        # Typically a database migrated by a newer tutorbot than this one.
        raise SchemaError(f"Cannot migrate the database: {exc}") from exc


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at; None for a database never migrated."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current_revision)


def _upgrade_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _upgrade_locks.get(loop)
    if lock is None:
        lock = _upgrade_locks[loop] = asyncio.Lock()
    return lock


async def _upgrade_sqlite(engine: AsyncEngine, revision: str) -> None:
    async with engine.connect() as conn:
        # Batch migrations rebuild a table by copy, drop and rename; with foreign keys on,
        # dropping a parent table would cascade-delete its children's rows. The pragma is a
        # no-op inside a transaction, so it is switched off before BEGIN, and the result is
        # checked with foreign_key_check instead.
        await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await conn.commit()
        try:
            await conn.execution_options(**{sqlite.WRITE_LOCK: True})
            async with conn.begin():
                await conn.run_sync(_run_upgrade, revision)
                broken = (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise SchemaError(
                        f"Migration left {len(broken)} row(s) pointing at missing rows; "
                        f"rolled back (first: {tuple(broken[0])})."
                    )
        finally:
            # Never hand a connection with foreign keys off back to the pool.
            await conn.invalidate()


def _run_upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(alembic_config(connection=connection), revision)


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()
