"""The moderators' review queue of generated questions, and how approved ones join the course.

A pending question is approved as it is, edited (and so approved), or rejected; the checks
run again before any approval, so an edit that breaks one is refused with the reasons and
changes nothing. A status changes only from ``pending``, in one conditional UPDATE, so two
moderators clicking at once cannot both act on the same question.

Approved questions join their unit's bank in memory: ``merge_approved_questions`` builds a
new ``Course`` (units are frozen) with them appended and swaps ``deps.course``. It runs at
start-up and after every approval; anything else that replaces ``deps.course`` (a
curriculum reload) should build its new course with ``course_with_approved``. Quiz
sessions look questions up by id in the unit's bank, so /quiz can serve an approved
question at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, func, select, update

from tutorbot.curriculum.models import (
    Course,
    MultipleChoiceQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)
from tutorbot.errors import TutorError
from tutorbot.storage import GeneratedQuestion
from tutorbot.tutor.deps import TutorDeps
from tutorbot.tutor.generate import known_questions
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.question_checks import CheckReport, QuestionChecker, parse_bank_entry
from tutorbot.tutor.quiz import find_unit

log = logging.getLogger(__name__)
Status = Literal["pending", "approved", "rejected"]
STATUSES: tuple[Status, ...] = ("pending", "approved", "rejected")


class QuestionNotFoundError(TutorError):
    """No generated question has that id in this course."""


class QuestionRefusedError(TutorError):
    """An approval or edit failed a check (or came too late); nothing was changed."""

    def __init__(self, user_message: str, reasons: list[str] | None = None) -> None:
        super().__init__(user_message)
        self.reasons = reasons or []


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """A generated question as a moderator sees it, with its checks run now."""

    row_id: int
    unit_id: str
    status: str
    question: AnyQuestion
    model: str
    created_by: int | None
    created_at: datetime
    reviewed_by: int | None
    report: CheckReport | None

    @property
    def answer_text(self) -> str:
        """The answer in words (see ``answer_text``)."""
        return answer_text(self.question)


@dataclass(frozen=True, slots=True)
class QuestionEdit:
    """What a moderator can change: the prompt, the answer, the explanation, the level.

    ``answer`` is the choices for a multiple-choice question (one per line, ``*`` before
    the correct one), ``true`` or ``false``, or the model answer of a short answer.
    """

    prompt: str
    answer: str
    explanation: str
    bloom: str


def parse_row_id(text: str) -> int:
    """``12`` or ``gen-12`` as a row id, or a clear error."""
    digits = text.strip().casefold().removeprefix("gen-")
    if not digits.isdigit():
        raise QuestionNotFoundError(f"'{text}' is not a generated question id (like gen-12).")
    return int(digits)


def answer_text(question: AnyQuestion) -> str:
    """The answer in words: the correct choice, true or false, or the model answer."""
    if isinstance(question, MultipleChoiceQuestion):
        picked = [question.choices[i].text for i in question.correct_indexes]
        return "; ".join(picked) or "(no choice marked correct)"
    if isinstance(question, TrueFalseQuestion):
        return "true" if question.answer else "false"
    if isinstance(question, ShortAnswerQuestion):
        return question.model_answer or "; ".join(question.accepted_answers)
    return str(question.answer)


def answer_field(question: AnyQuestion) -> str:
    """The editable form of the answer (see ``QuestionEdit``)."""
    if isinstance(question, MultipleChoiceQuestion):
        return "\n".join(("* " if c.correct else "") + c.text for c in question.choices)
    return answer_text(question)


def apply_edit(entry: dict[str, Any], edit: QuestionEdit) -> dict[str, Any]:
    """The bank entry with the edit applied (validated later, with the checks)."""
    new = {
        **entry,
        "prompt": edit.prompt.strip(),
        "explanation": edit.explanation.strip(),
        "bloom": edit.bloom.strip().casefold(),
    }
    if entry["type"] == "multiple_choice":
        lines = [line.strip() for line in edit.answer.splitlines() if line.strip()]
        new["choices"] = [
            {"text": line.lstrip("*").strip(), "correct": line.startswith("*")} for line in lines
        ]
    elif entry["type"] == "true_false":
        new["answer"] = edit.answer.strip().casefold()
    else:
        new["model_answer"] = edit.answer.strip()
    return new


async def _row(deps: TutorDeps, row_id: int) -> GeneratedQuestion:
    async with deps.db.session() as db:
        row = await db.get(GeneratedQuestion, row_id)
    if row is None or row.course_id != deps.course.id:
        raise QuestionNotFoundError(f"There is no generated question gen-{row_id}.")
    return row


async def _checked(deps: TutorDeps, question: AnyQuestion, unit_id: str) -> CheckReport:
    """Every check on ``question``, against the course and generated questions as now."""
    unit = find_unit(deps, unit_id)
    return QuestionChecker(deps.course).check(question, unit, await known_questions(deps))


async def _item(deps: TutorDeps, row: GeneratedQuestion, *, check: bool) -> ReviewItem:
    question = parse_bank_entry(row.question)
    report = await _checked(deps, question, row.unit_id) if check else None
    return ReviewItem(
        row.id,
        row.unit_id,
        row.status,
        question,
        row.model,
        row.created_by,
        row.created_at,
        row.reviewed_by,
        report,
    )


async def review_item(deps: TutorDeps, row_id: int) -> ReviewItem:
    """One generated question as stored (checks not run: the editor opens it within
    Discord's deadline, and the edit is checked on submit)."""
    return await _item(deps, await _row(deps, row_id), check=False)


async def next_pending(deps: TutorDeps, unit_id: str | None = None) -> ReviewItem | None:
    """The oldest pending question (of one unit, if given), or ``None`` when none wait."""
    if unit_id is not None:
        find_unit(deps, unit_id)
    query = select(GeneratedQuestion).where(
        GeneratedQuestion.course_id == deps.course.id, GeneratedQuestion.status == "pending"
    )
    if unit_id is not None:
        query = query.where(GeneratedQuestion.unit_id == unit_id)
    async with deps.db.session() as db:
        row = await db.scalar(
            query.order_by(GeneratedQuestion.created_at, GeneratedQuestion.id).limit(1)
        )
    return None if row is None else await _item(deps, row, check=True)


async def pending_count(deps: TutorDeps, unit_id: str | None = None) -> int:
    """How many questions wait for review (in one unit, if given)."""
    query = select(func.count(GeneratedQuestion.id)).where(
        GeneratedQuestion.course_id == deps.course.id, GeneratedQuestion.status == "pending"
    )
    if unit_id is not None:
        query = query.where(GeneratedQuestion.unit_id == unit_id)
    async with deps.db.session() as db:
        return int(await db.scalar(query) or 0)


async def list_generated(
    deps: TutorDeps, *, status: str | None = None, unit_id: str | None = None
) -> list[ReviewItem]:
    """Generated questions of the course, oldest first (checks not run: a listing)."""
    if status is not None and status not in STATUSES:
        raise TutorError(f"Status must be one of {', '.join(STATUSES)} (not '{status}').")
    query = select(GeneratedQuestion).where(GeneratedQuestion.course_id == deps.course.id)
    if status is not None:
        query = query.where(GeneratedQuestion.status == status)
    if unit_id is not None:
        query = query.where(GeneratedQuestion.unit_id == unit_id)
    async with deps.db.session() as db:
        rows = list(await db.scalars(query.order_by(GeneratedQuestion.id)))
    return [await _item(deps, row, check=False) for row in rows]


async def _decide(
    deps: TutorDeps,
    row_id: int,
    status: Status,
    reviewer: int | None,
    question: dict[str, Any] | None = None,
) -> None:
    """Move a pending row to ``status`` (with new question text, for an edit) atomically."""
    values: dict[str, Any] = {
        "status": status,
        "reviewed_by": reviewer,
        "reviewed_at": deps.clock(),
    }
    if question is not None:
        values["question"] = question
    statement = (
        update(GeneratedQuestion)
        .where(GeneratedQuestion.id == row_id, GeneratedQuestion.status == "pending")
        .values(**values)
    )
    changed = await deps.writer.run(
        lambda session: cast(CursorResult[Any], session.execute(statement)).rowcount
    )
    if not changed:
        row = await _row(deps, row_id)
        raise QuestionRefusedError(f"gen-{row_id} was already {row.status}; nothing was changed.")


async def _approve(
    deps: TutorDeps, row: GeneratedQuestion, entry: dict[str, Any], reviewer: int | None
) -> ReviewItem:
    try:
        question = parse_bank_entry(entry)
    except ValueError as exc:
        raise QuestionRefusedError(
            f"gen-{row.id} is not a valid question: {exc}. Nothing was changed.", [str(exc)]
        ) from None
    report = await _checked(deps, question, row.unit_id)
    if not report.passed:
        raise QuestionRefusedError(
            f"gen-{row.id} fails the checks, so it was not approved; nothing was changed.\n- "
            + "\n- ".join(report.reasons),
            report.reasons,
        )
    await _decide(deps, row.id, "approved", reviewer, entry if entry != row.question else None)
    await merge_approved_questions(deps)
    return await _item(deps, await _row(deps, row.id), check=False)


async def approve_question(deps: TutorDeps, row_id: int, *, reviewer: int | None) -> ReviewItem:
    """Approve a pending question as it is (after checking it again); it joins the bank."""
    row = await _row(deps, row_id)
    _require_pending(row)
    return await _approve(deps, row, row.question, reviewer)


async def edit_question(
    deps: TutorDeps, row_id: int, edit: QuestionEdit, *, reviewer: int | None
) -> ReviewItem:
    """Apply a moderator's edit and approve the result if it passes every check."""
    row = await _row(deps, row_id)
    _require_pending(row)
    return await _approve(deps, row, apply_edit(row.question, edit), reviewer)


async def reject_question(deps: TutorDeps, row_id: int, *, reviewer: int | None) -> ReviewItem:
    """Reject a pending question; it stays in the table (status ``rejected``) for the record."""
    row = await _row(deps, row_id)
    _require_pending(row)
    await _decide(deps, row_id, "rejected", reviewer)
    return await _item(deps, await _row(deps, row_id), check=False)


def _require_pending(row: GeneratedQuestion) -> None:
    if row.status != "pending":
        raise QuestionRefusedError(f"gen-{row.id} was already {row.status}; nothing was changed.")


def merged_course(
    course: Course, approved: list[tuple[str, AnyQuestion]], generated_ids: set[str]
) -> Course:
    """``course`` with each unit's bank made of its own questions (any generated ones
    dropped first, so merging twice changes nothing) followed by its approved ones.

    Questions are told apart by id alone, so an authored question with the id of a generated
    one (``gen-<n>``) would be taken for it and replaced.
    """
    by_unit: dict[str, list[AnyQuestion]] = {}
    for unit_id, question in approved:
        by_unit.setdefault(unit_id, []).append(question)
    units = [
        replace(
            unit,
            questions=(
                *(q for q in unit.questions if q.id not in generated_ids),
                *by_unit.get(unit.id, []),
            ),
        )
        for unit in course.units
    ]
    return replace(course, units=tuple(units))


async def course_with_approved(deps: TutorDeps, course: Course) -> tuple[Course, int]:
    """``course`` with the approved questions of its id in their units, and how many.

    A curriculum reload can build the new course with this before swapping it in, so no
    request ever sees the new course without its approved questions.
    """
    async with deps.db.session() as db:
        rows = list(
            await db.scalars(
                select(GeneratedQuestion)
                .where(
                    GeneratedQuestion.course_id == course.id,
                    GeneratedQuestion.status == "approved",
                )
                .order_by(GeneratedQuestion.id)
            )
        )
    approved: list[tuple[str, AnyQuestion]] = []
    for row in rows:
        try:
            approved.append((row.unit_id, parse_bank_entry(row.question)))
        except ValueError as exc:  # a bank format change since approval: skip, say so
            log.warning("approved gen-%s no longer parses (%s); not added", row.id, exc)
    generated_ids = {str(row.question.get("id")) for row in rows}
    return merged_course(course, approved, generated_ids), len(approved)


async def merge_approved_questions(deps: TutorDeps) -> int:
    """Put every approved question of the course into its unit's bank (swapping
    ``deps.course``); returns how many there are."""
    deps.course, count = await course_with_approved(deps, deps.course)
    return count
