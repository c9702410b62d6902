"""Alembic environment for tutorbot's packaged migrations.

Run through :mod:`tutorbot.storage.migrate`, which hands over an open connection in
``config.attributes["connection"]`` (inside its own locked transaction). A config that
carries only ``sqlalchemy.url`` also works, for developer commands such as autogenerate,
and offline ``--sql`` mode renders the SQL for that URL's dialect.
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator

from tutorbot.storage.engine import create_engine, database_url
from tutorbot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our TypeDecorators as their plain SQLAlchemy type.

    Migrations must not import application types: a script has to keep working after the
    model code it was generated from changes.
    """
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def configure(connection: Connection) -> None:
    """Options shared by upgrades and autogenerate comparisons."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
    )


def run_on(connection: Connection) -> None:
    configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_on_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    context.configure(
        url=database_url(url),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=database_url(url).get_backend_name() == "sqlite",
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    connection = config.attributes.get("connection")
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        if url is None:
            raise RuntimeError("offline migrations need sqlalchemy.url")
        run_offline(url)
    elif connection is not None:
        run_on(connection)
    elif url is not None:
        asyncio.run(run_on_url(url))
    else:
        raise RuntimeError("give the Alembic config a connection or sqlalchemy.url")


main()
