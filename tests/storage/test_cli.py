"""``tutorbot db``: upgrade and current, run through Typer's test runner."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.storage.conftest import sqlite_url, table_names
from tutorbot.storage import Base, create_engine
from tutorbot.storage.cli import db_app
from tutorbot.storage.migrate import head_revision


def run_db(*args: str) -> Result:
    return CliRunner().invoke(db_app, list(args))


def tables_at(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        try:
            return await table_names(engine)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_db_upgrade_with_url_creates_the_schema(empty_database_url: str) -> None:
    result = run_db("upgrade", "--url", empty_database_url)

    assert result.exit_code == 0, result.output
    assert tables_at(empty_database_url) == set(Base.metadata.tables) | {"alembic_version"}


def test_db_upgrade_without_url_uses_the_configured_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TUTORBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "state"))

    result = run_db("upgrade")

    assert result.exit_code == 0, result.output
    assert (tmp_path / "state" / "tutorbot.db").is_file()


def test_db_current_names_the_head_revision_after_upgrade(empty_database_url: str) -> None:
    run_db("upgrade", "--url", empty_database_url)

    result = run_db("current", "--url", empty_database_url)

    assert (result.exit_code, result.stdout.strip().rsplit(": ", 1)[-1]) == (
        0,
        f"{head_revision()} (head)",
    )


def test_db_current_on_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    result = run_db("current", "--url", sqlite_url(tmp_path))

    assert (result.exit_code, (tmp_path / "data").exists()) == (0, False)
    assert "no database file yet" in result.stdout


def test_db_upgrade_of_an_unreachable_server_exits_1_with_a_message() -> None:
    result = run_db("upgrade", "--url", "postgresql://tutor:secret@127.0.0.1:1/tutor")

    assert result.exit_code == 1
    assert "Cannot use the database" in result.stderr
    assert "secret" not in result.output


def test_db_upgrade_of_an_unsupported_url_exits_1_with_a_message() -> None:
    result = run_db("upgrade", "--url", "mysql://tutor@db/tutor")

    assert (result.exit_code, "Unsupported database" in result.stderr) == (1, True)
