"""``tutorbot db``: create, upgrade and inspect the database schema from the command line.

An adapter: it resolves the URL (``--url`` or the settings), calls :mod:`.migrate` and
prints one line. Expected failures (bad URL, unreachable server, unknown revision) print a
short message and exit 1; URLs are shown without their password.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from tutorbot.errors import TutorError
from tutorbot.settings import load_settings
from tutorbot.storage import migrate, sqlite
from tutorbot.storage.engine import create_engine, database_url

db_app = typer.Typer(no_args_is_help=True, help="Create, upgrade and inspect the database.")
err = Console(stderr=True)

UrlOption = Annotated[
    str | None,
    typer.Option("--url", help="SQLAlchemy URL (default: TUTORBOT_DATABASE_URL or data/)."),
]

T = TypeVar("T")


@db_app.command("upgrade")
def upgrade_command(url: UrlOption = None) -> None:
    """Create the tables or migrate them to the newest version (safe to repeat)."""
    target = _target(url)
    revision = _run(target, _upgrade)
    print(f"{_shown(target)} is at revision {revision} (head)")


@db_app.command("current")
def current_command(url: UrlOption = None) -> None:
    """Print the revision the database is at, and whether it is the newest."""
    target = _target(url)
    path = sqlite.sqlite_file(target)
    if path is not None and not path.exists():
        # Connecting would create an empty file; a read-only command should not.
        print(f"{_shown(target)}: no database file yet (run `tutorbot db upgrade`)")
        return
    revision = _run(target, migrate.current_revision)
    head = migrate.head_revision()
    if revision is None:
        state = "no schema yet (run `tutorbot db upgrade`)"
    elif revision == head:
        state = f"{revision} (head)"
    else:
        state = f"{revision} (head is {head}; run `tutorbot db upgrade`)"
    print(f"{_shown(target)}: {state}")


async def _upgrade(engine: AsyncEngine) -> str | None:
    await migrate.upgrade(engine)
    return await migrate.current_revision(engine)


def _target(url: str | None) -> URL:
    """The URL to work on: ``--url`` or the settings, checked before anything connects."""
    try:
        return database_url(url or load_settings().effective_database_url)
    except TutorError as exc:
        _fail(exc.user_message)


def _run(url: URL, work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """Run ``work`` on a fresh engine for ``url``; expected failures exit 1 with a message."""

    async def main() -> T:
        engine = create_engine(url)
        try:
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except TutorError as exc:
        _fail(exc.user_message)
    except (SQLAlchemyError, OSError) as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        _fail(f"Cannot use the database {_shown(url)}: {reason}")


def _fail(message: str) -> NoReturn:
    err.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(1)


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)
