"""The packaged migrations build exactly the models' schema, on every backend, once."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection

from tests.storage.conftest import sqlite_url, table_names
from tutorbot.storage import Base, Database, Learner, SchemaError, create_engine
from tutorbot.storage.migrate import alembic_config, current_revision, head_revision, upgrade

RUN_DB_APP = "from tutorbot.storage.cli import db_app; db_app()"
TIMEOUT = 60  # seconds; a lock bug shows up as a hang, and should fail instead


def schema_differences(connection: Connection) -> list[Any]:
    # The same comparison `alembic revision --autogenerate` makes, with env.py's options.
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    differences: list[Any] = compare_metadata(context, Base.metadata)
    return differences


def downgrade_to_base(connection: Connection) -> None:
    command.downgrade(alembic_config(connection=connection), "base")


async def test_migration_creates_exactly_the_model_tables(database: Database) -> None:
    tables = await table_names(database.engine)

    assert tables == set(Base.metadata.tables) | {"alembic_version"}


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    async with database.engine.connect() as conn:
        differences = await conn.run_sync(schema_differences)

    assert differences == []


async def test_migrated_database_is_at_the_head_revision(database: Database) -> None:
    revision = await current_revision(database.engine)

    assert revision == head_revision() is not None


async def test_upgrading_a_current_database_changes_nothing(database: Database) -> None:
    async with database.session() as session:
        session.add(Learner(discord_id=1, display_name="Ada"))
        await session.commit()

    await upgrade(database.engine)
    await upgrade(database.engine)

    async with database.session() as session:
        learners = await session.scalar(select(func.count()).select_from(Learner))
    state = (await current_revision(database.engine), await table_names(database.engine))
    assert (learners, state) == (
        1,
        (head_revision(), set(Base.metadata.tables) | {"alembic_version"}),
    )


async def test_processes_upgrading_a_new_database_at_once_all_succeed(
    empty_database_url: str,
) -> None:
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", RUN_DB_APP, "upgrade", "--url", empty_database_url
        )
        for _ in range(3)
    ]

    codes = await asyncio.wait_for(asyncio.gather(*(p.wait() for p in processes)), TIMEOUT)

    assert codes == [0, 0, 0]


async def test_upgrades_started_together_in_one_process_all_succeed(tmp_path: Path) -> None:
    urls = [sqlite_url(tmp_path / str(n)) for n in range(3)]

    connecting = asyncio.gather(*(Database.connect(url) for url in urls))
    databases = await asyncio.wait_for(connecting, TIMEOUT)

    revisions = [await current_revision(db.engine) for db in databases]
    await asyncio.gather(*(db.close() for db in databases))
    assert revisions == [head_revision()] * 3


async def test_downgrade_to_base_removes_every_model_table(database: Database) -> None:
    async with database.engine.begin() as conn:
        await conn.run_sync(downgrade_to_base)

    assert await table_names(database.engine) == {"alembic_version"}


async def test_database_from_a_newer_release_is_refused_with_a_clear_error(
    database: Database,
) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))

    with pytest.raises(SchemaError, match="f00d"):
        await upgrade(database.engine)


async def test_connect_without_upgrade_leaves_a_new_database_empty(
    empty_database_url: str,
) -> None:
    async with await Database.connect(empty_database_url, upgrade=False) as db:
        tables = await table_names(db.engine)

    assert tables == set()


async def test_upgrading_from_the_first_schema_keeps_quiz_history(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old.db")
    engine = create_engine(url)
    await upgrade(engine, "0001")
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO learners (id, discord_id, display_name, created_at)"
                " VALUES (1, 42, 'Ada', '2026-01-01 00:00:00')"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO quiz_sessions (id, learner_id, course_id, unit_id, question_ids,"
                " position, hints_used, status, created_at)"
                " VALUES (7, 1, 'c', 'u', '[\"q1\"]', 1, 0, 'finished', '2026-01-01 00:00:00')"
            )
        )

    await upgrade(engine)

    async with engine.connect() as conn:
        row = (
            await conn.execute(text("SELECT id, kind, challenge_id, position FROM quiz_sessions"))
        ).one()
    await engine.dispose()
    assert tuple(row) == (7, "unit", None, 1)
