"""Progress rows -> learner rows, counted into the report's summary on the way.

This loop runs once per unit row, millions of times for a large server, so it does in
one pass what used to be three: make the unit's cells in the writer's format, count it in
the :class:`CompletionSummary`, note the learner's course figures. (Second passes over
every learner's 30 unit slots, for the summary and for the CSV text, cost more than the
work they did.)
Everything it touches per row is a local, and it calls nothing per row but
:func:`iso_utc` for a completion time of an unusual shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic

from tutorbot.curriculum import Course
from tutorbot.tutor.reports.completion import (
    COMPLETED,
    HEAD,
    NOT_STARTED,
    CellT,
    LearnerCompletion,
    UnitCellFormat,
    iso_utc,
)
from tutorbot.tutor.reports.summary import CompletionSummary


class CompletionAssembler(Generic[CellT]):
    """Groups streamed progress rows into learner rows; a learner may span two batches."""

    def __init__(
        self, course: Course, summary: CompletionSummary, cells: UnitCellFormat[CellT]
    ) -> None:
        self._index = {unit.id: n for n, unit in enumerate(course.units)}
        self._width = len(course.units)
        self.summary = summary
        self._cells = cells
        # Learner row id -> cohort names (``cohort_names``); set before rows arrive.
        self.cohorts: Mapping[int, str] = {}
        # The learner whose unit rows are arriving (see ``_Learner``).
        self._learner: _Learner[CellT] | None = None

    def feed(self, rows: Iterable[Sequence[Any]]) -> Iterator[LearnerCompletion[CellT]]:
        """Take rows (in ``progress_rows`` order); yield the learners they finish.

        A generator, so each learner goes to the writer as soon as it is complete (see
        ``ReportWriter``); the learner in progress is kept between calls.
        """
        index, width, cohorts = self._index, self._width, self.cohorts
        untouched, unit = self._cells.untouched, self._cells.unit
        summary = self.summary
        started, completed, sums = summary.started, summary.completed, summary.mastery_sums
        # Counted in C by Counter.update at the end: a dict update per completion cost a
        # quarter of this loop.
        days: list[str] = []
        completion_days = days.append
        head: tuple[str, str, str] | None = None
        units: list[CellT] = []
        masteries: list[float] = []
        done, last = 0, ""
        if self._learner is not None:
            head, units, masteries, done, last = self._learner
        for row_id, kind, discord_id, name, unit_id, status, at, mastery, attempts in rows:
            if kind == HEAD:
                if head is not None:
                    yield self._close(head, units, masteries, done, last)
                head = (str(discord_id), name, cohorts.get(row_id, ""))
                units = [untouched] * width
                masteries = [0.0] * width
                done, last = 0, ""
                continue
            n = index.get(unit_id)
            if n is None:  # a unit no longer in the course (or no unit row): not reported
                continue
            if at is not None:
                # iso_utc's fast path, inline: a call per completed unit was measurable.
                if type(at) is str and len(at) == 26 and at[10] == " ":
                    day = at[:10]
                    at = day + "T" + at[11:19] + "+00:00"
                else:
                    at = iso_utc(at)
                    day = at[:10]
            units[n] = unit(status, at, mastery, attempts)
            masteries[n] = mastery
            if status != NOT_STARTED:
                started[n] += 1
                sums[n] += mastery
                if status == COMPLETED:
                    completed[n] += 1
                    done += 1
                    if at is not None:
                        completion_days(day)
                        if at > last:  # ISO text of one shape sorts in time order
                            last = at
        self._learner = None if head is None else (head, units, masteries, done, last)
        summary.unit_completion_days.update(days)

    def finish(self) -> Iterator[LearnerCompletion[CellT]]:
        """The last learner, once the rows have run out."""
        if self._learner is not None:
            learner, self._learner = self._learner, None
            yield self._close(*learner)

    def _close(
        self,
        head: tuple[str, str, str],
        units: list[CellT],
        masteries: list[float],
        done: int,
        last: str,
    ) -> LearnerCompletion[CellT]:
        """The finished learner with their course figures, counted in the summary."""
        summary = self.summary
        summary.learners += 1
        finished = done == self._width
        if finished and done:
            summary.course_completions += 1
            if last:
                summary.course_completion_days[last[:10]] += 1
        # Summed in course order, unit by unit, as the score has always been computed.
        score = sum(masteries) / self._width if self._width else 0.0
        return LearnerCompletion(
            *head, tuple(units), score, finished, (last or None) if finished else None
        )


_Learner = tuple[tuple[str, str, str], list[CellT], list[float], int, str]
"""Head cells, units so far, masteries in course order, units completed, latest
completion time."""
