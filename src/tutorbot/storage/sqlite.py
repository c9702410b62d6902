"""How the tutor uses one SQLite file from many concurrent async sessions.

SQLite allows one writer at a time; WAL lets readers run alongside it. The choices below
keep "database is locked" away without giving up concurrent reads:

* Every connection sets ``busy_timeout=5000``: a writer that finds the write lock taken
  waits (in aiosqlite's per-connection thread, so the event loop keeps running) instead of
  failing at once. ``journal_mode=WAL`` lets readers proceed while a write is in progress,
  ``synchronous=NORMAL`` is durable enough for WAL and skips an fsync per commit, and
  ``foreign_keys=ON`` makes ``ON DELETE CASCADE`` work (SQLite ignores FKs by default).
* Transactions keep the sqlite3 driver's default: ``BEGIN`` is emitted just before the
  first INSERT/UPDATE/DELETE, not at the first SELECT. A transaction therefore starts
  as a writer, and SQLite retries that under ``busy_timeout``. The alternatives fail:
  a plain ``BEGIN`` at the first statement opens a read snapshot, and when the transaction
  later writes after another connection has committed, SQLite returns SQLITE_BUSY at once
  (busy_timeout cannot help: the snapshot is stale). ``BEGIN IMMEDIATE`` everywhere would
  hold the write lock across every read-only session, and across any await inside one,
  so reads would queue behind each other and slow sessions would lock everyone else out.
* The price of the default is that SELECTs before the first write are not isolated. Work
  that reads, decides and writes (a quota, a counter) asks for :data:`WRITE_LOCK`: its
  transaction starts with ``BEGIN IMMEDIATE``. That takes the write lock up front,
  waiting for it under busy_timeout, so nobody can commit between its read and its write.
  Keep such transactions short, and never hold one across an LLM call.

(Python 3.16 plans to stop emitting BEGIN before DML by default. If we move to that
version, this module has to emit BEGIN itself, in a ``before_cursor_execute`` hook.)
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

PRAGMAS = (
    # First, so that switching a fresh file to WAL also waits for other connections.
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    # 32 MiB of page cache (the default is 2 MiB): once the file outgrows the cache, every
    # index walk goes back to the OS, and bench/quiz_load.py's tail latency doubled.
    # Memory is taken only as pages are used.
    "PRAGMA cache_size=-32768",
)

WRITE_LOCK = "tutorbot_write_lock"
"""Execution option: on SQLite, begin the transaction with ``BEGIN IMMEDIATE``."""

# Ten connections: WAL readers run in parallel, but writers take turns, so more
# connections would only add threads polling one lock. Sessions beyond ten wait in the
# pool's FIFO queue (30 s), which is fairer than SQLite's busy-handler polling.
POOL_SIZE = 5
MAX_OVERFLOW = 5


def sqlite_file(url: URL) -> Path | None:
    """The file a SQLite URL points at; None for other backends and in-memory databases."""
    if url.get_backend_name() != "sqlite":
        return None
    name = url.database
    if not name or name == ":memory:" or url.query.get("uri") or url.query.get("mode"):
        return None
    return Path(name)


def configure(engine: Engine) -> None:
    """Install the pragma and ``BEGIN IMMEDIATE`` hooks on a SQLite engine's sync core."""
    event.listen(engine, "connect", _set_pragmas)
    event.listen(engine, "begin", _begin)


def _set_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _begin(connection: Connection) -> None:
    # Without the option nothing is emitted here and the driver begins lazily (see above).
    if connection.get_execution_options().get(WRITE_LOCK):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
