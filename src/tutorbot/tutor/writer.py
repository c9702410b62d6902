"""The process's database writer: every write goes through it, committed in groups.

Writes are plain synchronous functions of an ORM ``Session``. On a SQLite file they run
on one dedicated thread with a synchronous connection: no event-loop hops or driver-thread
round trips per statement (each costs far more than the statement itself), and since
SQLite has a single writer anyway, nothing is lost by having one. Everything submitted
while a transaction runs is committed together in the next one (group commit): one lock
and one commit for many small writes. If any piece fails, the group is rolled back and each
piece is retried alone, so one bad write never takes the others with it. On other
backends (PostgreSQL) the same functions run on the async session via ``run_sync``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.orm import Session, sessionmaker

from tutorbot.storage import Database, sqlite

T = TypeVar("T")
Work = Callable[[Session], T]
MAX_GROUP = 256
_Item = tuple[Work[Any], concurrent.futures.Future[Any]]


class DatabaseWriter:
    """Runs write work in committed transactions; build with ``for_database``."""

    def __init__(self, db: Database, sync_engine: Engine | None = None) -> None:
        self._db = db
        self._engine = sync_engine
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._checkpointer: WalCheckpointer | None = None

    @classmethod
    def for_database(cls, db: Database) -> DatabaseWriter:
        """A thread writer for a SQLite file, the async session for anything else."""
        url = db.engine.url
        if sqlite.sqlite_file(url) is None:
            return cls(db)
        engine = create_sync_engine(url.set(drivername="sqlite"), pool_size=1, max_overflow=0)
        sqlite.configure(engine)
        # Checkpoints (copying the WAL back into the file, with an fsync) would otherwise run
        # inside whichever commit crosses the threshold, stalling every answer waiting on
        # it; the checkpoint thread does them instead.
        event.listen(engine, "connect", _no_autocheckpoint)
        writer = cls(db, engine.execution_options(**{sqlite.WRITE_LOCK: True}))
        writer._checkpointer = WalCheckpointer(sqlite.sqlite_file(url))
        return writer

    async def run(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction that has committed when this returns."""
        if self._engine is None:
            async with self._db.write() as session:
                return await session.run_sync(work)
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="db-writer", daemon=True)
                self._thread.start()
        self._queue.put((work, future))
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Finish the work already submitted, then stop the thread (call at shutdown)."""
        with self._lock:
            if self._thread is not None:
                self._queue.put(None)
                self._thread.join(timeout=30)
                self._thread = None
        if self._checkpointer is not None:
            self._checkpointer.stop()
        if self._engine is not None:
            self._engine.dispose()

    def _serve(self) -> None:
        assert self._engine is not None
        sessions = sessionmaker(self._engine, expire_on_commit=False)
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = [first]
            stop = False
            while len(items) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                items.append(item)
            self._commit_group(sessions, items)
            if stop:
                return

    def _commit_group(self, sessions: sessionmaker[Session], items: list[_Item]) -> None:
        try:
            with sessions.begin() as session:
                results = [work(session) for work, _ in items]
        except Exception as exc:
            if len(items) == 1:
                items[0][1].set_exception(exc)
                return
            for item in items:  # find the bad one: each alone in its own transaction
                self._commit_group(sessions, [item])
            return
        for (_, future), result in zip(items, results, strict=True):
            with contextlib.suppress(concurrent.futures.InvalidStateError):
                future.set_result(result)


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    finally:
        cursor.close()


class WalCheckpointer:
    """Copies the SQLite WAL back into the database file every second, off the write path.

    PASSIVE checkpoints never wait for readers or writers; once every reader has moved on,
    the WAL starts over from its beginning, so it stays small.
    """

    def __init__(self, path: Path | None, interval: float = 1.0) -> None:
        self._path = path
        self._interval = interval
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin checkpointing in a daemon thread."""
        if self._path is not None and self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="db-checkpoint", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Checkpoint once more and stop."""
        if self._thread is not None:
            self._stopping.set()
            self._thread.join(timeout=30)
            self._thread = None

    def _run(self) -> None:
        assert self._path is not None
        connection = sqlite3.connect(self._path, timeout=5)
        try:
            while not self._stopping.wait(self._interval):
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            connection.close()
