"""Write a completion report file: rows stream from the database into a writer thread.

How rows travel depends on the backend, as for the process's writes (``tutor.writer``):

- A SQLite file: the whole report runs in one worker thread on its own synchronous
  connection (WAL lets it read while the bot writes). Per row, the async route costs far
  more than the row itself (greenlet switches, aiosqlite's thread hops, decoding on the
  loop); in one thread there is none of that, and the event loop does nothing at all.
- PostgreSQL: the shared async engine streams with a server-side cursor (``yield_per``;
  the project ships no synchronous PostgreSQL driver). Each partition of rows is handed to
  a worker thread that assembles and writes it, so the loop only fetches one partition at
  a time and stays free for the bot's other users in between.

Either way memory stays flat: a partition of rows, the current learner, the summary's
counters. bench/completion_report.py measures time, peak RSS and the longest loop stall.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql import Select

from tutorbot.curriculum import Course
from tutorbot.storage import Database, sqlite
from tutorbot.tutor.reports.assembly import CompletionAssembler
from tutorbot.tutor.reports.completion import (
    LearnerCompletion,
    ProgressQuery,
    ReportScope,
    cohort_names,
    cohort_rows,
    learner_count,
    progress_rows,
    resolve_scope,
)
from tutorbot.tutor.reports.summary import CompletionSummary
from tutorbot.tutor.reports.writers import ReportFormat, ReportWriter, open_writer

# Unit rows per fetch: thread hops stay rare (a few hundred per 100,000 learners) while
# decoding one partition holds the loop for milliseconds only.
PARTITION_ROWS = 5000

Progress = Callable[[int, int], None]
"""Called on the event loop with (learners written, learners in the report)."""


class ReportCancelledError(Exception):
    """The report was abandoned (its task cancelled) while rows were still coming."""


@dataclass(frozen=True, slots=True)
class CompletionReport:
    """A written report file and the figures gathered while writing it."""

    path: Path
    format: ReportFormat
    summary: CompletionSummary

    @property
    def scope(self) -> ReportScope:
        return self.summary.scope

    @property
    def learners(self) -> int:
        return self.summary.learners

    @property
    def size(self) -> int:
        """File size in bytes."""
        return self.path.stat().st_size


class _Pipeline:
    """Rows -> learners -> summary and file, in a worker thread. ``discard`` may come from
    the loop at any time (a cancelled task); the lock keeps it from closing the file under
    a write in progress."""

    def __init__(
        self, assembler: CompletionAssembler[Any], writer: ReportWriter, out: Path
    ) -> None:
        self.assembler = assembler
        self.summary = assembler.summary
        self.writer = writer
        self.out = out
        self.done = 0
        self._lock = threading.Lock()
        self._discarded = False

    def feed(self, rows: Sequence[Any]) -> int:
        with self._lock:
            if self._discarded:
                raise ReportCancelledError
            return self._write(self.assembler.feed(rows))

    def finish(self) -> int:
        with self._lock:
            if self._discarded:
                raise ReportCancelledError
            done = self._write(self.assembler.finish())
            self.writer.close(self.summary)
            return done

    def discard(self) -> None:
        """Close and remove a half-written file (an admin never gets a partial report)."""
        with self._lock:
            if self._discarded:
                return
            self._discarded = True
            self.writer.abort()
            with contextlib.suppress(OSError):
                self.out.unlink(missing_ok=True)

    def _write(self, learners: Iterator[LearnerCompletion[Any]]) -> int:
        before = self.summary.learners
        self.writer.write(learners)
        deque(learners, maxlen=0)  # every learner is counted, whatever the writer took
        self.done = self.summary.learners
        return self.done - before


def _stream_sqlite(
    url: URL,
    scope: ReportScope,
    query: ProgressQuery,
    pipeline: _Pipeline,
    progress: Callable[[], None],
) -> None:
    """Cohort names, then every row, through one synchronous connection, in this (worker)
    thread: the event loop does no per-learner work at all.

    Statements run on the sqlite3 cursor itself: its rows are plain tuples, and
    SQLAlchemy's per-row result objects were a third of the report's time for millions of
    rows. (The columns need no decoding: ``progress_rows`` leaves timestamps raw.)
    """
    engine = create_engine(url.set(drivername="sqlite"), pool_size=1, max_overflow=0)
    sqlite.configure(engine)
    try:
        with engine.connect() as connection:
            cursor = connection.connection.cursor()
            try:
                _execute(cursor, engine, cohort_rows(scope))
                pipeline.assembler.cohorts = cohort_names(_rows(cursor))
                _execute(cursor, engine, query)
                while rows := cursor.fetchmany(PARTITION_ROWS):
                    pipeline.feed(rows)
                    progress()
            finally:
                cursor.close()
    finally:
        engine.dispose()


def _execute(
    cursor: DBAPICursor, engine: Engine, query: Select[*tuple[Any, ...]] | ProgressQuery
) -> None:
    """Run a statement compiled for SQLite straight on the driver's cursor."""
    compiled = query.compile(dialect=engine.dialect)
    cursor.execute(str(compiled), [compiled.params[name] for name in compiled.positiontup or ()])


def _rows(cursor: DBAPICursor) -> Iterator[Sequence[Any]]:
    while rows := cursor.fetchmany(PARTITION_ROWS):
        yield from rows


async def _stream_async(
    db: Database,
    scope: ReportScope,
    query: ProgressQuery,
    pipeline: _Pipeline,
    progress: Callable[[], None],
) -> None:
    """Rows through the shared async engine's server-side cursor, written in a thread."""
    async with db.engine.connect() as connection:
        members = (await connection.execute(cohort_rows(scope))).all()
        pipeline.assembler.cohorts = await asyncio.to_thread(cohort_names, members)
        result = await connection.stream(query.execution_options(yield_per=PARTITION_ROWS))
        async for rows in result.partitions():
            await asyncio.to_thread(pipeline.feed, rows)
            progress()


async def write_completion_report(
    db: Database,
    course: Course,
    *,
    out: Path,
    fmt: ReportFormat,
    now: datetime,
    guild_id: int | None = None,
    cohort: str | None = None,
    on_progress: Progress | None = None,
) -> CompletionReport:
    """Write the completion report of ``course`` for a server and/or cohort to ``out``.

    Raises ``UnknownCohortError`` / ``AmbiguousCohortError`` before creating any file. On
    any failure or cancellation the partial file is removed.
    """
    async with db.session() as session:
        scope = await resolve_scope(session, guild_id=guild_id, cohort=cohort)
        total = await session.scalar(learner_count(scope)) or 0
    summary = CompletionSummary.for_course(course, scope, now)
    writer = await asyncio.to_thread(open_writer, fmt, out, course)
    pipeline = _Pipeline(CompletionAssembler(course, summary, writer), writer, out)
    loop = asyncio.get_running_loop()

    def report_progress() -> None:
        if on_progress is not None:
            on_progress(pipeline.done, total)

    query = progress_rows(course.id, scope)
    try:
        if sqlite.sqlite_file(db.engine.url) is not None:

            def from_thread() -> None:
                loop.call_soon_threadsafe(report_progress)

            await asyncio.to_thread(
                _stream_sqlite, db.engine.url, scope, query, pipeline, from_thread
            )
        else:
            await _stream_async(db, scope, query, pipeline, report_progress)
        await asyncio.to_thread(pipeline.finish)
    except BaseException:
        # Synchronous on purpose: it must happen even while the task is being cancelled.
        pipeline.discard()
        raise
    report_progress()
    return CompletionReport(out, fmt, summary)


def zipped(path: Path) -> Path:
    """``path`` deflated into ``<name>.zip`` next to it (CSV and HTML shrink several-fold;
    for uploads with a size limit). Synchronous: run it in a thread."""
    target = path.with_name(path.name + ".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.write(path, arcname=path.name)
    return target
