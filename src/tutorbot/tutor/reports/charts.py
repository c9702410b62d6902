"""Report charts drawn with matplotlib's Agg canvas into PNG bytes (no display, no pyplot).

Two pictures tell an admin most of what a completion report says: how far learners got in
each unit, and how completions grew over time. Both are drawn from a ``CompletionSummary``,
so their cost does not depend on the number of learners. matplotlib is imported when a
chart is drawn, not at start-up.
"""

from __future__ import annotations

import io
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from tutorbot.tutor.reports.summary import CompletionSummary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COMPLETED_COLOUR = "#3ba55d"
STARTED_COLOUR = "#faa61a"
COURSE_COLOUR = "#5865f2"
DPI = 100


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _png(figure: Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _days(days: list[date]) -> NDArray[np.datetime64]:
    """Days as numpy dates, which matplotlib's date axis takes as they are."""
    return np.array(days, dtype="datetime64[D]")


def draw_completion_by_unit(axes: Axes, summary: CompletionSummary) -> None:
    """Per unit, the share of learners who completed it and who started without completing."""
    units = list(reversed(summary.units))  # barh draws bottom-up; the first unit goes on top
    total = max(summary.learners, 1)
    rows = range(len(units))
    done = [100 * u.completed / total for u in units]
    going = [100 * (u.started - u.completed) / total for u in units]
    axes.barh(rows, done, color=COMPLETED_COLOUR, label="completed")
    axes.barh(rows, going, left=done, color=STARTED_COLOUR, label="in progress")
    axes.set_yticks(rows, [_clip(u.title, 32) for u in units], fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel(f"% of {summary.learners:,} learners")
    axes.set_title("Completion by unit")
    axes.legend(loc="lower right", fontsize=8)


def draw_progress_over_time(axes: Axes, summary: CompletionSummary) -> None:
    """Cumulative unit completions (left axis) and course completions (right axis) by day."""
    days, units = summary.cumulative(summary.unit_completions_by_day)
    axes.set_title("Progress over time (UTC days)")
    if not days:
        axes.text(0.5, 0.5, "No unit completed yet", ha="center", va="center")
        axes.set_axis_off()
        return
    axes.step(_days(days), units, where="post", color=COMPLETED_COLOUR, label="unit completions")
    axes.set_ylabel("unit completions (cumulative)")
    course_days, courses = summary.cumulative(summary.course_completions_by_day)
    right = axes.twinx()
    if course_days:
        # Start the course line at the first day shown so both lines share the time axis.
        right.step(
            _days([days[0], *course_days, days[-1]]),
            [0, *courses, courses[-1]],
            where="post",
            color=COURSE_COLOUR,
            label="course completions",
        )
    right.set_ylabel("course completions (cumulative)")
    right.set_ylim(bottom=0)
    axes.set_ylim(bottom=0)
    lines = axes.get_legend_handles_labels()
    more = right.get_legend_handles_labels()
    axes.legend(lines[0] + more[0], lines[1] + more[1], loc="upper left", fontsize=8)
    axes.figure.autofmt_xdate()


def completion_by_unit_png(summary: CompletionSummary) -> bytes:
    """The completion-by-unit bar chart alone (the HTML page shows it full width)."""
    figure = _figure(8.0, 1.4 + 0.32 * max(len(summary.unit_ids), 1))
    draw_completion_by_unit(figure.add_subplot(), summary)
    return _png(figure)


def progress_over_time_png(summary: CompletionSummary) -> bytes:
    """The progress-over-time line chart alone."""
    figure = _figure(8.0, 4.0)
    draw_progress_over_time(figure.add_subplot(), summary)
    return _png(figure)


def overview_png(summary: CompletionSummary) -> bytes:
    """Both charts in one picture, for the Discord message the report file goes with."""
    unit_height = 1.4 + 0.3 * max(len(summary.unit_ids), 1)
    figure = _figure(8.0, unit_height + 4.0)
    top, bottom = figure.subplots(2, 1, height_ratios=[unit_height, 4.0])
    draw_completion_by_unit(top, summary)
    draw_progress_over_time(bottom, summary)
    figure.suptitle(_clip(f"{summary.course_title}: {summary.scope.label}", 80))
    return _png(figure)
