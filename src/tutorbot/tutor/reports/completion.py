"""Completion rows: every learner in scope with their standing in every unit, streamed.

The report reads one ordered stream (:func:`progress_rows`): per learner a head row (id,
name) followed by their ``unit_progress`` rows, through a server-side cursor, so one
learner's units arrive together and memory stays flat whatever the number of learners.
``assembly.CompletionAssembler`` turns those raw rows into one :class:`LearnerCompletion`
per learner; the writers never see the database.

Who is in scope:

- ``--cohort NAME``: the cohort's members (``cohort_members``), whether or not they have
  done anything yet, so a cohort report lists who has not started.
- ``--guild ID`` (and every Discord ``/report``): learners with a learning event in that
  server (``learning_events.guild_id``: every quiz launch and answer there logs one), plus
  members of any of the server's cohorts.
- neither: every learner.

Learners appear in the order they first used the tutor (their row id): sorting 100,000
learners by name would make the database sort every unit row first.

A report of 100,000 learners x 30 units is millions of unit rows, so the per-row path is
kept short on purpose (bench/completion_report.py measures it): completion times travel
as ISO 8601 text cut from SQLite's stored text (parsing a datetime per row cost more than
the query), and each unit's cells are made once, in the writer's own form (see
:class:`UnitCellFormat`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import NullType

from tutorbot.errors import TutorError
from tutorbot.storage.models import Cohort, CohortMember, Learner, LearningEvent, UnitProgress

COMPLETED = "completed"
NOT_STARTED = "not_started"
COHORT_SEPARATOR = "; "


class UnknownCohortError(TutorError):
    """The cohort named for a report does not exist (in that server)."""

    def __init__(self, name: str, known: Sequence[str]) -> None:
        listed = ", ".join(known[:10]) if known else "none yet"
        super().__init__(f"There is no cohort called '{name}'. Cohorts: {listed}.")
        self.name = name


class AmbiguousCohortError(TutorError):
    """A cohort name exists in several servers and no server was given."""

    def __init__(self, name: str, guild_ids: Sequence[int]) -> None:
        servers = ", ".join(str(g) for g in guild_ids)
        super().__init__(
            f"Cohort '{name}' exists in several servers ({servers}); say which with --guild."
        )


@dataclass(frozen=True, slots=True)
class ReportScope:
    """Which learners a report covers; build it with :func:`resolve_scope`."""

    guild_id: int | None = None
    cohort_id: int | None = None
    cohort_name: str | None = None

    @property
    def label(self) -> str:
        """How titles and messages name the scope."""
        if self.cohort_name is not None:
            return f"cohort {self.cohort_name}"
        return f"server {self.guild_id}" if self.guild_id is not None else "all learners"


class UnitResult(NamedTuple):
    """A learner's standing in one unit, its fields named.

    ``completed_at`` is ISO 8601 UTC text to the second (``2026-01-17T13:49:00+00:00``),
    as the CSV writes it: text of one fixed shape sorts in time order, and its first ten
    characters are the UTC day.
    """

    status: str
    completed_at: str | None
    mastery: float
    attempts: int


UnitCells = tuple[str, str | None, float, int]
"""A :class:`UnitResult`'s fields as a plain tuple, as the XLSX and HTML writers get them.

There are millions per report. Python's garbage collector stops tracking a plain tuple
of strings and numbers once it has seen it, but never a NamedTuple: with NamedTuples the
batches in flight kept being promoted to the oldest generation, and full collections
(scanning every object of the process) took a third of a large report's time.
"""

UNTOUCHED: UnitCells = (NOT_STARTED, None, 0.0, 0)
_LEARNER = itemgetter(0)

CellT = TypeVar("CellT")
"""How a format carries one unit of a learner's row: a plain tuple (XLSX, HTML), the
unit's four CSV cells as one text (CSV)."""
CellT_co = TypeVar("CellT_co", covariant=True)


class UnitCellFormat(Protocol[CellT_co]):
    """Makes a format's unit cells. The assembler calls ``unit`` for every unit row, so
    each format builds its cells once, straight from the row (the CSV's text in a second
    pass over every learner's units cost a fifth of a large report)."""

    @property
    def untouched(self) -> CellT_co:
        """The cells of a unit the learner never started (no row, or a row of zeros)."""
        ...

    def unit(
        self, status: str, completed_at: str | None, mastery: float, attempts: int
    ) -> CellT_co:
        """The cells of a unit row (``completed_at``: ISO 8601 UTC text)."""
        ...


class UnitTuples:
    """Units as :data:`UnitCells` tuples, for formats that want the values."""

    untouched: UnitCells = UNTOUCHED

    def unit(
        self, status: str, completed_at: str | None, mastery: float, attempts: int
    ) -> UnitCells:
        return (status, completed_at, mastery, attempts)


@dataclass(frozen=True, slots=True)
class LearnerCompletion(Generic[CellT]):
    """One report row: a learner, their standing in every unit in course order (in the
    writer's :class:`UnitCellFormat`), and the course-level figures.

    The assembler computes the figures as the rows pass; :meth:`of` computes them from
    unit tuples, for rows built by hand.
    """

    learner_id: str  # the Discord user id, a string in every export
    display_name: str
    cohorts: str
    units: tuple[CellT, ...]
    overall_score: float  # mean mastery over every unit, a unit not started counting 0
    course_completed: bool  # every unit completed
    completed_at: str | None  # when the course was completed: the last unit's completion

    @classmethod
    def of(
        cls, learner_id: str, display_name: str, cohorts: str, units: tuple[UnitCells, ...]
    ) -> LearnerCompletion[UnitCells]:
        """A row of unit tuples with its figures worked out from them."""
        completed = all(u[0] == COMPLETED for u in units)
        return LearnerCompletion(
            learner_id,
            display_name,
            cohorts,
            units,
            sum(u[2] for u in units) / len(units) if units else 0.0,
            completed,
            max((u[1] for u in units if u[1]), default=None) if completed else None,
        )


def iso_utc(stored: datetime | str) -> str:
    """A completion time as the driver returns it (SQLite's stored text, PostgreSQL's
    aware datetime) as ISO 8601 UTC text to the second, like
    ``datetime.isoformat(timespec="seconds")`` of the aware UTC datetime.

    SQLAlchemy stores SQLite datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC, as
    ``UTCDateTime`` binds them): that shape is cut as text, several times faster than
    parsing it, for the million-odd completion times of a large report. Anything else is
    parsed.
    """
    if type(stored) is str and len(stored) == 26 and stored[10] == " ":
        return stored[:10] + "T" + stored[11:19] + "+00:00"
    if isinstance(stored, str):
        stored = datetime.fromisoformat(stored)
    moment = stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)
    return moment.isoformat(timespec="seconds")


async def resolve_scope(
    session: AsyncSession, *, guild_id: int | None, cohort: str | None
) -> ReportScope:
    """The scope for a server and/or cohort name; unknown or ambiguous cohorts raise.

    Names match exactly first, then ignoring case (as ``/cohort`` commands do).
    """
    if cohort is None:
        return ReportScope(guild_id)
    cohort = " ".join(cohort.split())  # as cohort names are stored: spaces tidied
    query = select(Cohort.id, Cohort.guild_id, Cohort.name)
    if guild_id is not None:
        query = query.where(Cohort.guild_id == guild_id)
    found = (await session.execute(query.where(Cohort.name == cohort))).all()
    if not found:
        loose = query.where(func.lower(Cohort.name) == cohort.lower())
        found = (await session.execute(loose)).all()
    if not found:
        names = await session.scalars(
            select(Cohort.name).where(Cohort.guild_id == guild_id).order_by(Cohort.name)
            if guild_id is not None
            else select(Cohort.name).distinct().order_by(Cohort.name)
        )
        raise UnknownCohortError(cohort, list(names))
    if len(found) > 1:
        raise AmbiguousCohortError(cohort, sorted(row.guild_id for row in found))
    row = found[0]
    return ReportScope(row.guild_id, row.id, row.name)


def in_scope(scope: ReportScope) -> ColumnElement[bool] | None:
    """The condition on ``learners`` for a scope (None: everyone)."""
    if scope.cohort_id is not None:
        members = select(CohortMember.learner_id).where(CohortMember.cohort_id == scope.cohort_id)
        return Learner.id.in_(members)
    if scope.guild_id is not None:
        # Selecting the id (not ``*``) lets SQLite answer from the (guild_id, learner_id)
        # index alone, one probe per learner.
        active = (
            select(LearningEvent.learner_id)
            .where(LearningEvent.guild_id == scope.guild_id, LearningEvent.learner_id == Learner.id)
            .exists()
        )
        in_cohorts = select(CohortMember.learner_id).join(
            Cohort, Cohort.id == CohortMember.cohort_id
        )
        return or_(active, Learner.id.in_(in_cohorts.where(Cohort.guild_id == scope.guild_id)))
    return None


ProgressQuery = CompoundSelect[*tuple[Any, ...]]
HEAD, UNIT = 0, 1  # the ``kind`` column of progress rows


def progress_rows(course_id: str, scope: ReportScope) -> ProgressQuery:
    """Every learner in scope as a head row, each followed by their unit rows.

    Rows are ``(learner row id, kind, discord_id, display_name, unit_id, status,
    completed_at, mastery, attempts)``: a head row (``kind`` 0) fills the first four, a
    unit row (``kind`` 1) the id, the kind and the last five. Two ordered halves of one
    UNION ALL, which SQLite merges without sorting (both walk learners by row id): a
    single join repeated the learner's Discord id and name on all 30 unit rows, and the
    driver made new Python objects for each. Unit rows that say nothing (not started, no
    mastery, no attempts: what a missing row means too) stay in the database.

    The unit half reads only the covering index ``ix_unit_progress_report``. It is a
    LEFT JOIN with every condition on ``unit_progress`` in its ON clause, although a
    learner without unit rows then adds a row of NULLs (which the assembler skips): that
    keeps ``learners`` the outer loop. An inner join, or a WHERE on ``unit_progress``,
    let SQLite (without ANALYZE statistics) scan all of ``unit_progress`` instead, test
    the scope once per unit row rather than per learner, and sort millions of rows by
    learner in a temporary B-tree.

    ``completed_at`` comes as the driver returns it, for :func:`iso_utc` in the writer
    thread: the column type's own decoding would run for millions of values, on the event
    loop when streaming through the async engine.
    """
    up = UnitProgress
    heads: Select[*tuple[Any, ...]] = select(
        Learner.id.label("learner"),
        literal_column(str(HEAD)).label("kind"),
        Learner.discord_id,
        Learner.display_name,
        null().label("unit_id"),
        null().label("status"),
        null().label("completed_at"),
        null().label("mastery"),
        null().label("attempts"),
    )
    units: Select[*tuple[Any, ...]] = (
        select(
            Learner.id,
            literal_column(str(UNIT)),
            null(),
            null(),
            up.unit_id,
            up.status,
            type_coerce(up.completed_at, NullType()),
            up.mastery,
            up.attempts,
        )
        .select_from(Learner)
        .outerjoin(
            up,
            and_(
                up.learner_id == Learner.id,
                up.course_id == course_id,
                or_(
                    up.status != NOT_STARTED,
                    up.mastery != 0.0,
                    up.attempts != 0,
                    up.completed_at.is_not(None),
                ),
            ),
        )
    )
    condition = in_scope(scope)
    if condition is not None:
        heads, units = heads.where(condition), units.where(condition)
    return union_all(heads, units).order_by(literal_column("learner"), literal_column("kind"))


def learner_count(scope: ReportScope) -> Select[int]:
    """How many learners a report will have (for progress bars)."""
    query = select(func.count()).select_from(Learner)
    condition = in_scope(scope)
    return query if condition is None else query.where(condition)


def cohort_rows(scope: ReportScope) -> Select[int, str]:
    """(learner row id, cohort name) for every cohort membership in the scope's server (in
    every server without one), ordered by learner then name, for :func:`cohort_names`."""
    query = (
        select(CohortMember.learner_id, Cohort.name)
        .join(Cohort, Cohort.id == CohortMember.cohort_id)
        .order_by(CohortMember.learner_id, Cohort.name)
    )
    return query if scope.guild_id is None else query.where(Cohort.guild_id == scope.guild_id)


def cohort_names(rows: Iterable[Sequence[Any]]) -> dict[int, str]:
    """Learner row id -> their cohorts joined by "; ", from :func:`cohort_rows`' rows.

    Held in memory: one short string per learner in a cohort (joined strings are shared),
    nothing per unit. Grouped with ``groupby`` over the ordered rows rather than a list
    per learner: 100,000 lists alive at once pushed the garbage collector into a full
    collection of the whole process. Synchronous and CPU-bound (100,000 members take a
    few hundred ms): the report runs it in its worker thread, off the event loop.
    """
    shared: dict[tuple[str, ...], str] = {}
    cohorts: dict[int, str] = {}
    for learner, group in groupby(rows, key=_LEARNER):
        names = tuple(name for _, name in group)
        cohorts[learner] = shared.setdefault(names, COHORT_SEPARATOR.join(names))
    return cohorts
