"""Model-written questions: drafted from a unit's text, checked in code, queued for review.

The model gets the unit's sections and writes drafts through structured output. Each draft
becomes a bank entry (the same shape as an authored YAML question) and must pass every
check in ``question_checks``; the ones that pass wait in ``generated_questions`` as
``pending`` until a moderator approves, edits or rejects them (``question_review``). Drafts
that fail are not stored: the result lists them with the reasons, for the person who asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorbot.curriculum.models import Bloom, MultipleChoiceQuestion
from tutorbot.errors import TutorError
from tutorbot.llm import ContextFit
from tutorbot.storage import GeneratedQuestion
from tutorbot.tutor.deps import TutorDeps
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.question_checks import (
    ONE_CORRECT,
    SCHEMA,
    CheckReport,
    CheckResult,
    KnownQuestion,
    QuestionChecker,
    course_questions,
    parse_bank_entry,
)
from tutorbot.tutor.quiz import find_unit

TEMPLATE = "generate_questions"
MAX_COUNT = 10
# Reply room per drafted question (a five-choice question with explanation is ~250 tokens).
REPLY_TOKENS_PER_QUESTION = 400
# Existing prompts shown to the model so it steers away from them (the check still runs).
MAX_EXISTING_SHOWN = 40
NEW_ID = "gen-new"  # the id a draft is checked under; the stored one is gen-<row id>


class NoModelError(TutorError):
    """Generating questions needs a model endpoint and none is configured."""

    def __init__(self) -> None:
        super().__init__(
            "Generating questions needs a model endpoint: set OPENAI_BASE_URL and/or "
            "OPENAI_API_KEY (and TUTORBOT_MODEL), then try again."
        )


class DraftChoice(BaseModel):
    """One option of a drafted multiple-choice question."""

    text: str
    correct: bool


class DraftCriterion(BaseModel):
    """One rubric criterion of a drafted short answer."""

    criterion: str
    points: int = Field(description="1 to 3")
    keywords: list[str] = Field(description="words or short phrases copied from the section")


class DraftQuestion(BaseModel):
    """A question as the model drafts it; fields not used by its type are empty."""

    type: Literal["multiple_choice", "true_false", "short_answer"]
    section: str = Field(description="slug of the one section the question comes from")
    bloom: Bloom
    prompt: str
    choices: list[DraftChoice] = Field(description="multiple_choice only, else empty")
    answer: str = Field(
        description="multiple_choice: the correct choice's text; true_false: 'true' or "
        "'false'; short_answer: a model answer"
    )
    explanation: str
    rubric: list[DraftCriterion] = Field(description="short_answer only, else empty")


class DraftBatch(BaseModel):
    """The model's whole reply."""

    questions: list[DraftQuestion]


@dataclass(frozen=True, slots=True)
class QueuedQuestion:
    """A draft that passed every check and now waits for review."""

    row_id: int
    question_id: str
    prompt: str
    section: str
    report: CheckReport


@dataclass(frozen=True, slots=True)
class RejectedDraft:
    """A draft that failed a check, with why (nothing was stored)."""

    number: int
    prompt: str
    reasons: list[str]


@dataclass(frozen=True, slots=True)
class GenerationResult:
    """What one request produced: queued questions and discarded drafts."""

    unit_id: str
    requested: int
    model: str
    prompt_hash: str
    queued: list[QueuedQuestion] = field(default_factory=list)
    rejected: list[RejectedDraft] = field(default_factory=list)


def bank_entry(draft: DraftQuestion, unit_id: str, question_id: str) -> dict[str, Any]:
    """The draft in the question-bank shape (what a unit's YAML file holds)."""
    section = draft.section.strip()
    if "#" not in section:
        section = f"{unit_id}#{section}"
    entry: dict[str, Any] = {
        "id": question_id,
        "type": draft.type,
        "unit": unit_id,
        "section": section,
        "bloom": draft.bloom.value,
        "prompt": draft.prompt,
        "explanation": draft.explanation,
    }
    if draft.type == "multiple_choice":
        entry["choices"] = [{"text": c.text, "correct": c.correct} for c in draft.choices]
    elif draft.type == "true_false":
        entry["answer"] = draft.answer.strip().casefold()  # pydantic reads true/false/yes/no
    else:
        entry["model_answer"] = draft.answer
        entry["rubric"] = [
            {"criterion": c.criterion, "points": c.points, "keywords": c.keywords}
            for c in draft.rubric
        ]
    return entry


def _answer_names_the_choice(draft: DraftQuestion, question: AnyQuestion) -> CheckResult | None:
    """A multiple-choice draft whose ``answer`` is not the choice it marked correct is
    confused about its own key; that is a failure of the one-correct-choice check."""
    if not isinstance(question, MultipleChoiceQuestion) or len(question.correct_indexes) != 1:
        return None
    marked = question.choices[question.correct_indexes[0]].text
    if " ".join(draft.answer.split()).casefold() == " ".join(marked.split()).casefold():
        return None
    return CheckResult(
        ONE_CORRECT, False, f"the answer '{draft.answer}' is not the choice marked correct"
    )


async def known_questions(deps: TutorDeps) -> list[KnownQuestion]:
    """The course's questions plus every pending or approved generated one."""
    async with deps.db.session() as db:
        rows = await db.scalars(
            select(GeneratedQuestion).where(
                GeneratedQuestion.course_id == deps.course.id,
                GeneratedQuestion.status.in_(("pending", "approved")),
            )
        )
        generated = [KnownQuestion(str(r.question["id"]), str(r.question["prompt"])) for r in rows]
    return [*course_questions(deps.course), *generated]


async def generate_questions(
    unit_id: str,
    count: int,
    *,
    deps: TutorDeps,
    created_by: int | None,
    guild_id: int | None = None,
) -> GenerationResult:
    """Ask the model for ``count`` questions on the unit and queue those that pass the checks.

    ``guild_id`` is the server asking: its model and daily budget apply to the call.
    """
    if deps.llm is None:
        raise NoModelError()
    if not 1 <= count <= MAX_COUNT:
        raise TutorError(f"Ask for 1 to {MAX_COUNT} questions at a time (not {count}).")
    unit = find_unit(deps, unit_id)
    sections = [{"id": s.slug, "title": s.title, "text": s.text} for s in unit.sections]
    existing = [q.prompt for q in unit.questions][:MAX_EXISTING_SHOWN]
    reply_tokens = REPLY_TOKENS_PER_QUESTION * count + 200
    fitted: ContextFit[dict[str, str], object] = deps.llm.fit_context(
        TEMPLATE,
        passages=sections,
        max_tokens=reply_tokens,
        unit_id=unit.id,
        unit_title=unit.title,
        count=count,
        existing=existing,
    )
    # Asked first: a server whose budget is spent is refused before any call is made.
    router = deps.llm.router
    model = await router.model_for(guild_id) if router is not None else deps.llm.model
    batch = await deps.llm.structured(
        TEMPLATE,
        DraftBatch,
        guild_id=guild_id,
        max_tokens=reply_tokens,
        passages=fitted.passages,
        unit_id=unit.id,
        unit_title=unit.title,
        count=count,
        existing=existing,
    )
    result = GenerationResult(unit.id, count, model, deps.llm.prompts.template_hash(TEMPLATE))
    checker = QuestionChecker(deps.course)
    known = await known_questions(deps)
    passed: list[tuple[int, dict[str, Any], CheckReport]] = []
    for number, draft in enumerate(batch.questions[:count], start=1):
        entry = bank_entry(draft, unit.id, NEW_ID)
        try:
            question = parse_bank_entry(entry)
        except ValueError as exc:
            result.rejected.append(RejectedDraft(number, draft.prompt, [f"{SCHEMA}: {exc}"]))
            continue
        report = checker.check(question, unit, known)
        mismatch = _answer_names_the_choice(draft, question)
        if mismatch is not None:
            report = CheckReport((*report.results, mismatch))
        if not report.passed:
            result.rejected.append(RejectedDraft(number, draft.prompt, report.reasons))
            continue
        passed.append((number, entry, report))
        known.append(KnownQuestion(f"draft {number}", question.prompt))  # no twins in one batch
    if passed:
        stored = await deps.writer.run(
            lambda session: _queue(session, deps, result, created_by, [e for _, e, _ in passed])
        )
        for (_, entry, report), (row_id, question_id) in zip(passed, stored, strict=True):
            result.queued.append(
                QueuedQuestion(row_id, question_id, entry["prompt"], entry["section"], report)
            )
    return result


def _queue(
    session: Session,
    deps: TutorDeps,
    result: GenerationResult,
    created_by: int | None,
    entries: list[dict[str, Any]],
) -> list[tuple[int, str]]:
    """Insert the drafts as pending rows; each gets the id ``gen-<row id>``, unique in
    the course (so in its unit) without a read-then-write race between two generators."""
    now = deps.clock()
    stored = []
    for entry in entries:
        row = GeneratedQuestion(
            course_id=deps.course.id,
            unit_id=result.unit_id,
            question=entry,
            source_section=entry["section"],
            status="pending",
            model=result.model,
            prompt_hash=result.prompt_hash,
            created_by=created_by,
            created_at=now,
        )
        session.add(row)
        session.flush()
        question_id = f"gen-{row.id}"
        row.question = {**entry, "id": question_id}
        stored.append((row.id, question_id))
    return stored
