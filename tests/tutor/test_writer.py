"""The database writer: group commit, and one failing write never takes others with it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from tutorbot.storage import Database, Learner, utcnow
from tutorbot.tutor.writer import DatabaseWriter


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    """A migrated SQLite file (the writer's fast path)."""
    return await Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")


def add_learner(discord_id: int) -> Callable[[Session], int]:
    def work(session: Session) -> int:
        session.execute(
            insert(Learner).values(discord_id=discord_id, display_name="x", created_at=utcnow())
        )
        return discord_id

    return work


async def count(db: Database) -> int:
    async with db.session() as session:
        return await session.scalar(select(func.count()).select_from(Learner)) or 0


async def test_concurrent_writes_all_commit_and_return_their_results(db: Database) -> None:
    writer = DatabaseWriter.for_database(db)
    results = await asyncio.gather(*(writer.run(add_learner(n)) for n in range(300)))
    writer.close()
    assert (sorted(results), await count(db)) == (list(range(300)), 300)
    await db.close()


async def test_a_failing_write_fails_alone(db: Database) -> None:
    writer = DatabaseWriter.for_database(db)
    writes = [add_learner(1), add_learner(2), add_learner(1), add_learner(3)]  # 1 twice
    results = await asyncio.gather(*(writer.run(w) for w in writes), return_exceptions=True)
    writer.close()
    failures = [r for r in results if isinstance(r, Exception)]
    assert (len(failures), await count(db)) == (1, 3)
    await db.close()


async def test_closing_finishes_what_was_submitted(db: Database) -> None:
    writer = DatabaseWriter.for_database(db)
    pending = [asyncio.ensure_future(writer.run(add_learner(n))) for n in range(50)]
    await asyncio.sleep(0)
    await asyncio.gather(*pending)
    await asyncio.to_thread(writer.close)
    assert await count(db) == 50
    await db.close()
