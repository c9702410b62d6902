"""Report writers: CSV, XLSX and HTML files written one batch of learners at a time.

Every writer takes batches as they stream from the database and keeps nothing per learner
beyond what its format needs (the HTML page keeps its capped table), so a report of
100,000 learners costs the memory of one batch. They are synchronous and CPU-bound: the
service runs them in a worker thread, never on the event loop.

- CSV: UTF-8 with a BOM (Excel then reads names in any script), the csv module's quoting.
  Text learners control (names, cohorts) that starts like a formula gets a leading ``'``,
  as OWASP advises against CSV injection.
- XLSX: openpyxl's write-only workbook, which streams rows to disk. Dates are date cells in
  UTC (Excel has no time zones), ids and names always text cells, never formulas. Sheets
  "Units" (per-unit figures) and "Columns" (what each column means) follow the data.
- HTML: one self-contained page (inline CSS, charts as base64 PNG, no scripts, no external
  URLs): totals, both charts, per-unit figures, then the first ``HTML_ROW_CAP`` learners.
  A 100,000-row table would stall any browser; the page says how many it shows and points
  to the CSV/XLSX for everyone.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from tutorbot.curriculum import Course
from tutorbot.tutor.reports import charts
from tutorbot.tutor.reports.columns import COLUMN_DOCS, header
from tutorbot.tutor.reports.completion import (
    NOT_STARTED,
    LearnerCompletion,
    UnitCellFormat,
    UnitCells,
    UnitResult,
    UnitTuples,
)
from tutorbot.tutor.reports.summary import CompletionSummary

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

HTML_ROW_CAP = 1000
TEMPLATES = Path(__file__).parent / "templates"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What makes csv.writer (excel dialect, QUOTE_MINIMAL) quote a field: the delimiter, the
# quote character, a line-end character.
_NEEDS_QUOTES = re.compile(r'[,"\r\n]').search
UNTOUCHED_CELLS = f"{NOT_STARTED},,{0.0!r},0"
_TEN_THOUSANDTHS = tuple(repr(k / 10_000) for k in range(10_001))


def number_text(value: float) -> str:
    """``repr(round(value, 4))``, as ``csv.writer`` writes ``round(value, 4)``, in about
    half the time for a number in (0, 1], where masteries and scores live.

    ``round`` converts through decimal text, which dominated the unit cells' cost. Here
    ``scaled`` is ``value * 10**4`` to within about 1e-12 (one rounding of a number below
    10**4), so when it is more than 0.0001 away from a half-way point between integers,
    ``k`` is the integer ``round`` would choose, ``round(value, 4)`` is the float nearest
    to ``k / 10**4``, and ``k / 10_000`` is that same float (Python divides integers
    correctly rounded). Near a tie, for zero (``-0.0`` prints apart) and outside the
    range: ``round`` itself.
    """
    scaled = value * 10_000.0
    if 0.0 < scaled <= 10_000.0:
        k = int(scaled + 0.5)
        if -0.4999 < scaled - k < 0.4999:
            return _TEN_THOUSANDTHS[k]
    return repr(round(value, 4))


class ReportFormat(StrEnum):
    """The file formats a report can be written in."""

    CSV = "csv"
    XLSX = "xlsx"
    HTML = "html"


class ReportWriter(UnitCellFormat[Any], Protocol):
    """Makes its format's unit cells, takes learners in report order, then the summary
    once they have all passed.

    ``write`` gets an iterator straight from the assembler and must exhaust it: each
    learner is then garbage as soon as it is written, so none live long enough for the
    garbage collector to promote them (and run full collections over the process).
    """

    def write(self, learners: Iterable[LearnerCompletion[Any]]) -> None: ...

    def close(self, summary: CompletionSummary) -> None: ...

    def abort(self) -> None: ...


def open_writer(fmt: ReportFormat, path: Path, course: Course) -> ReportWriter:
    """A writer of ``fmt`` that creates ``path``."""
    writers: dict[ReportFormat, type[CsvReportWriter | XlsxReportWriter | HtmlReportWriter]] = {
        ReportFormat.CSV: CsvReportWriter,
        ReportFormat.XLSX: XlsxReportWriter,
        ReportFormat.HTML: HtmlReportWriter,
    }
    return writers[fmt](path, course)


def _iso(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    return moment if isinstance(moment, str) else moment.isoformat(timespec="seconds")


def _inert(text: str) -> str:
    """Text a spreadsheet will not run as a formula when it opens the CSV."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class CsvReportWriter:
    """UTF-8 (with BOM) CSV, one line per learner, exactly as ``csv.writer`` writes it.

    A report has 30 unit cells x 4 per learner, millions in all, and ``csv.writer`` paid
    per cell (a quoting scan, ``repr`` of every float). Unit cells are text the writer
    makes itself (a status, ISO time, number or count: nothing to quote), so each unit
    is one string, made by :meth:`unit` as its row passes: a constant for an untouched
    unit, an f-string otherwise, with mastery's text from :func:`number_text`. Only
    learner-controlled text (names, cohorts) and statuses go through the csv module, and
    only when they hold a character it would quote.
    """

    untouched = UNTOUCHED_CELLS

    def __init__(self, path: Path, course: Course) -> None:
        # A large buffer: the file gets one write per batch of learners, not per line.
        self._file = path.open("w", encoding="utf-8-sig", newline="", buffering=1 << 20)
        self._line = io.StringIO()
        self._csv = csv.writer(self._line)
        self._status: dict[str, str] = {}
        self._file.write(self._cells(header(course)) + "\r\n")

    def _cells(self, fields: Sequence[str]) -> str:
        """Fields joined as ``csv.writer`` would join them (quoted where it would)."""
        if not any(map(_NEEDS_QUOTES, fields)):
            return ",".join(fields)
        self._line.seek(0)
        self._line.truncate()
        self._csv.writerow(fields)
        return self._line.getvalue()[:-2]  # without the \r\n line end

    def unit(self, status: str, completed_at: str | None, mastery: float, attempts: int) -> str:
        """The unit's four cells as CSV text (3 million times per report)."""
        state = self._status.get(status)
        if state is None:
            state = self._status[status] = self._cells((status,))
        return f"{state},{completed_at or ''},{number_text(mastery)},{attempts}"

    def write(self, learners: Iterable[LearnerCompletion[str]]) -> None:
        cells = self._cells
        lines = []
        for learner in learners:
            head = (learner.learner_id, _inert(learner.display_name), _inert(learner.cohorts))
            lines.append(
                f"{cells(head)},{','.join(learner.units)},{number_text(learner.overall_score)},"
                f"{'yes' if learner.course_completed else 'no'},{learner.completed_at or ''}\r\n"
            )
        self._file.write("".join(lines))

    def close(self, summary: CompletionSummary) -> None:
        self._file.close()

    def abort(self) -> None:
        self._file.close()


def _naive_utc(moment: datetime | str | None) -> datetime | None:
    """Excel cannot store a time zone: the UTC wall time, which the header says it is."""
    if moment is None:
        return None
    if isinstance(moment, str):  # ISO 8601 UTC text, as units carry their times
        return datetime.fromisoformat(moment).replace(tzinfo=None)
    return moment.astimezone(UTC).replace(tzinfo=None)


class XlsxReportWriter(UnitTuples):
    """A write-only (streaming) openpyxl workbook: data sheet, then Units and Columns.

    openpyxl is imported here, when an XLSX report is asked for: imported with the module
    it added about 0.16 s to the start-up of the bot and of every CLI command.
    """

    def __init__(self, path: Path, course: Course) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font

        self._new_cell = WriteOnlyCell
        self._illegal = ILLEGAL_CHARACTERS_RE
        self._error_codes = ERROR_CODES
        self._path = path
        self._book = Workbook(write_only=True)
        self._sheet: WriteOnlyWorksheet = self._book.create_sheet("Completion")
        self._sheet.freeze_panes = "D2"
        self._bold = Font(bold=True)
        self._sheet.append([self._cell(name, bold=True) for name in header(course)])

    def _cell(self, value: str, *, bold: bool = False) -> Cell | str:
        """Text as a text cell: never a formula or an error code, whatever its first
        character; characters XML cannot hold are dropped."""
        text = self._illegal.sub("", value)
        if not bold and not text.startswith("=") and text not in self._error_codes:
            return text
        cell = self._new_cell(self._sheet, value=text)
        cell.data_type = "s"
        if bold:
            cell.font = self._bold
        return cell

    def write(self, learners: Iterable[LearnerCompletion[UnitCells]]) -> None:
        append = self._sheet.append
        for learner in learners:
            row: list[Any] = [
                learner.learner_id,
                self._cell(learner.display_name),
                self._cell(learner.cohorts),
            ]
            for status, completed_at, mastery, attempts in learner.units:
                row += (status, _naive_utc(completed_at), round(mastery, 4), attempts)
            row += (
                round(learner.overall_score, 4),
                learner.course_completed,
                _naive_utc(learner.completed_at),
            )
            append(row)

    def close(self, summary: CompletionSummary) -> None:
        units = self._book.create_sheet("Units")
        units.append(
            [
                self._cell(h, bold=True)
                for h in ("unit", "title", "started", "completed", "completion_rate", "mastery")
            ]
        )
        total = max(summary.learners, 1)
        for u in summary.units:
            units.append(
                [
                    u.unit_id,
                    self._cell(u.title),
                    u.started,
                    u.completed,
                    round(u.completed / total, 4),
                    round(u.mean_mastery, 4),
                ]
            )
        about = self._book.create_sheet("Columns")
        about.append([self._cell("column", bold=True), self._cell("meaning", bold=True)])
        for name, meaning in COLUMN_DOCS:
            about.append([name, meaning])
        about.append([])
        about.append(["scope", self._cell(summary.scope.label)])
        about.append(["generated_at (UTC)", _naive_utc(summary.generated_at)])
        self._book.save(self._path)

    def abort(self) -> None:
        self._book.close()


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class HtmlReportWriter(UnitTuples):
    """One self-contained page: totals, charts, unit figures and the first learners."""

    def __init__(self, path: Path, course: Course, row_cap: int = HTML_ROW_CAP) -> None:
        self._path = path
        self._course = course
        self._cap = row_cap
        # Units with named fields for the template (unit.status, ...).
        self._rows: list[LearnerCompletion[UnitResult]] = []
        path.touch()  # fail now, not after the whole stream, if the file cannot be made

    def write(self, learners: Iterable[LearnerCompletion[UnitCells]]) -> None:
        rows, cap = self._rows, self._cap
        for learner in learners:
            if len(rows) < cap:
                rows.append(
                    LearnerCompletion(
                        learner.learner_id,
                        learner.display_name,
                        learner.cohorts,
                        tuple(map(UnitResult._make, learner.units)),
                        learner.overall_score,
                        learner.course_completed,
                        learner.completed_at,
                    )
                )

    def close(self, summary: CompletionSummary) -> None:
        environment = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        page = environment.get_template("completion.html.j2").stream(
            summary=summary,
            course=self._course,
            learners=self._rows,
            row_cap=self._cap,
            columns=COLUMN_DOCS,
            iso=_iso,
            unit_chart=_data_uri(charts.completion_by_unit_png(summary)),
            time_chart=_data_uri(charts.progress_over_time_png(summary)),
        )
        page.dump(str(self._path), encoding="utf-8")

    def abort(self) -> None:
        self._rows.clear()
