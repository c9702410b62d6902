"""Reports for admins: completion (CSV, XLSX, HTML and a PNG chart), streamed from the DB."""

from tutorbot.tutor.reports.charts import overview_png
from tutorbot.tutor.reports.completion import (
    AmbiguousCohortError,
    LearnerCompletion,
    ReportScope,
    UnitResult,
    UnknownCohortError,
)
from tutorbot.tutor.reports.export import CompletionReport, write_completion_report, zipped
from tutorbot.tutor.reports.summary import CompletionSummary
from tutorbot.tutor.reports.writers import HTML_ROW_CAP, ReportFormat

__all__ = [
    "HTML_ROW_CAP",
    "AmbiguousCohortError",
    "CompletionReport",
    "CompletionSummary",
    "LearnerCompletion",
    "ReportFormat",
    "ReportScope",
    "UnitResult",
    "UnknownCohortError",
    "overview_png",
    "write_completion_report",
    "zipped",
]
