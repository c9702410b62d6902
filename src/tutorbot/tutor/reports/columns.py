"""The completion report's columns, named and explained once for every format.

The shape follows what LMS admins know from Moodle's course completion report and Open
edX's grade report: one row per learner, then per unit its status, completion date,
mastery and attempts, then the course-level figures.
"""

from __future__ import annotations

from tutorbot.curriculum import Course

LEARNER_COLUMNS = ("learner_id", "display_name", "cohort")
UNIT_FIELDS = ("status", "completed_at", "mastery", "attempts")
COURSE_COLUMNS = ("overall_score", "course_completed", "completed_at")

COLUMN_DOCS: tuple[tuple[str, str], ...] = (
    ("learner_id", "The learner's Discord user id, as text (18-digit ids do not fit a float)."),
    ("display_name", "The learner's name as last seen by the tutor."),
    (
        "cohort",
        "The learner's cohorts in the server, joined by \"; \" (every server's cohorts in a "
        "report without a server).",
    ),
    ("<unit> status", "not_started, in_progress or completed."),
    (
        "<unit> completed_at",
        "When the unit was completed: UTC, ISO 8601 (in XLSX a date cell in UTC); empty if not.",
    ),
    (
        "<unit> mastery",
        "0 to 1: the mean of the latest score on each question answered in the unit. A unit "
        "is completed at mastery 0.85 or more with at least 3 answers, and stays completed.",
    ),
    ("<unit> attempts", "Answers graded in the unit (the count /progress shows)."),
    (
        "overall_score",
        "0 to 1: the mean mastery over every unit of the course, a unit not started counting 0.",
    ),
    ("course_completed", "yes when every unit of the course is completed (TRUE/FALSE in XLSX)."),
    ("completed_at", "When the course was completed: the last unit's completion time (UTC)."),
)


def header(course: Course) -> list[str]:
    """Column names in order: ``<unit id> <field>`` for each unit, ids being stable."""
    units = [f"{unit.id} {name}" for unit in course.units for name in UNIT_FIELDS]
    return [*LEARNER_COLUMNS, *units, *COURSE_COLUMNS]
