"""Figures of a whole report, gathered while its rows stream past: charts and totals.

Counts per unit and per day only, so a summary of 100,000 learners is a few kilobytes.
Days are counted by the first ten characters of the ISO completion times (the UTC day),
and only turned into dates when a chart asks: one date per unit completion would be
millions of objects per large report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from tutorbot.curriculum import Course
from tutorbot.tutor.reports.completion import ReportScope


@dataclass(frozen=True, slots=True)
class UnitFigures:
    """How one unit stands across the report's learners."""

    unit_id: str
    title: str
    started: int
    completed: int
    mean_mastery: float


@dataclass
class CompletionSummary:
    """Totals per unit and completions per day (UTC), counted by the report's
    ``CompletionAssembler`` as each unit row passes."""

    course_id: str
    course_title: str
    unit_ids: tuple[str, ...]
    unit_titles: tuple[str, ...]
    scope: ReportScope
    generated_at: datetime
    learners: int = 0
    course_completions: int = 0
    started: list[int] = field(default_factory=list)
    completed: list[int] = field(default_factory=list)
    mastery_sums: list[float] = field(default_factory=list)
    # By UTC day as ISO text (YYYY-MM-DD); see the properties for dates.
    unit_completion_days: Counter[str] = field(default_factory=Counter)
    course_completion_days: Counter[str] = field(default_factory=Counter)

    @classmethod
    def for_course(
        cls, course: Course, scope: ReportScope, generated_at: datetime
    ) -> CompletionSummary:
        """An empty summary with one slot per unit."""
        n = len(course.units)
        return cls(
            course.id,
            course.title,
            tuple(u.id for u in course.units),
            tuple(u.title for u in course.units),
            scope,
            generated_at,
            started=[0] * n,
            completed=[0] * n,
            mastery_sums=[0.0] * n,
        )

    @property
    def unit_completions_by_day(self) -> Counter[date]:
        """Unit completions per UTC day."""
        return _by_date(self.unit_completion_days)

    @property
    def course_completions_by_day(self) -> Counter[date]:
        """Course completions per UTC day (the day of the last unit's completion)."""
        return _by_date(self.course_completion_days)

    @property
    def units(self) -> list[UnitFigures]:
        """Per-unit figures in course order (mean mastery over every learner in scope)."""
        return [
            UnitFigures(
                unit_id,
                title,
                self.started[n],
                self.completed[n],
                self.mastery_sums[n] / self.learners if self.learners else 0.0,
            )
            for n, (unit_id, title) in enumerate(zip(self.unit_ids, self.unit_titles, strict=True))
        ]

    @property
    def completion_rate(self) -> float:
        """Share of learners who completed the course."""
        return self.course_completions / self.learners if self.learners else 0.0

    def cumulative(self, counts: Counter[date]) -> tuple[list[date], list[int]]:
        """Days with completions and the running total up to each (for the line chart)."""
        days = sorted(counts)
        totals, running = [], 0
        for day in days:
            running += counts[day]
            totals.append(running)
        return days, totals


def _by_date(days: Counter[str]) -> Counter[date]:
    return Counter({date.fromisoformat(day): count for day, count in days.items()})
