"""Quiz sessions over authored questions: start, show, answer, finish.

All state is in the database (``quiz_sessions``): a restart between two answers loses
nothing, and any process can continue a session by its id. Grading happens before the
write transaction, so a slow model never holds a database lock; the write then advances the
session only if nobody else answered the same question meanwhile (a double click).
"""

from __future__ import annotations

import random
from dataclasses import replace

from sqlalchemy import select

from tutorbot.curriculum.models import (
    MultipleChoiceQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
    Unit,
)
from tutorbot.errors import TutorError, UnknownUnitError
from tutorbot.llm import LlmError
from tutorbot.storage.models import (
    Learner,
    QuizSession,
    UnitProgress,
)
from tutorbot.tutor.certificates import conclude_final
from tutorbot.tutor.citations import checked_citations
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.grading import AnyQuestion, BadAnswerError, Graded, grade
from tutorbot.tutor.quiz_sql import AnswerWrite, StartWrite
from tutorbot.tutor.records import learner_id
from tutorbot.tutor.results import Citation, Grade, QuestionView, QuizStep

DEFAULT_COUNT = 5


class QuizNotFoundError(TutorError):
    """No active quiz with that id belongs to this learner."""


def find_unit(deps: TutorDeps, unit_id: str) -> Unit:
    """The unit, or a clear error naming the units there are."""
    unit = deps.course.unit(unit_id)
    if unit is None:
        raise UnknownUnitError(unit_id, [u.id for u in deps.course.units])
    return unit


def question_bank(deps: TutorDeps, session: QuizSession) -> tuple[AnyQuestion, ...]:
    """Where a session's questions come from: the final bank, every unit's bank (a review
    spans units; question ids are unique in a course), or its unit's bank."""
    if session.kind == "final":
        return deps.course.final_questions
    if session.kind == "review":
        return tuple(q for u in deps.course.units for q in u.questions)
    unit = deps.course.unit(session.unit_id)
    return unit.questions if unit else ()


def question_at(deps: TutorDeps, session: QuizSession, position: int) -> AnyQuestion | None:
    wanted = session.question_ids[position] if position < len(session.question_ids) else None
    return next((q for q in question_bank(deps, session) if q.id == wanted), None)


def view(deps: TutorDeps, session: QuizSession) -> QuestionView:
    """The current question without its answer."""
    question = question_at(deps, session, session.position)
    if question is None:
        raise QuizNotFoundError("This quiz's questions are no longer in the course.")
    choices: list[str] = []
    if isinstance(question, MultipleChoiceQuestion):
        choices = [c.text for c in question.choices]
    elif isinstance(question, TrueFalseQuestion):
        choices = ["True", "False"]
    return QuestionView(
        session.id,
        question.id,
        session.position + 1,
        len(session.question_ids),
        question.type,
        question.prompt,
        choices,
        session.hints_used,
    )


async def start_quiz(
    unit_id: str | None, *, learner: LearnerRef, deps: TutorDeps, count: int = DEFAULT_COUNT
) -> QuestionView:
    """Open a quiz on a unit (default: the first unit not yet completed)."""
    lid = await learner_id(deps, learner)
    unit = find_unit(deps, unit_id) if unit_id is not None else None
    if unit is None:
        async with deps.db.session() as db:
            done = set(
                await db.scalars(
                    select(UnitProgress.unit_id).where(
                        UnitProgress.learner_id == lid,
                        UnitProgress.course_id == deps.course.id,
                        UnitProgress.status == "completed",
                    )
                )
            )
        unit = next(
            (u for u in deps.course.units if u.id not in done and u.questions), deps.course.units[0]
        )
    if not unit.questions:
        raise TutorError(f"Unit '{unit.id}' has no quiz questions yet.")
    candidates = [q.id for q in unit.questions]
    random.shuffle(candidates)
    return await open_session(
        deps, learner, lid, unit_id=unit.id, candidates=candidates, count=count
    )


async def open_session(
    deps: TutorDeps,
    learner: LearnerRef,
    lid: int,
    *,
    unit_id: str,
    candidates: list[str],
    count: int,
    kind: str = "unit",
    challenge_id: int | None = None,
    ordered: bool = False,
) -> QuestionView:
    """Start any kind of quiz session (unit quiz, challenge, final assessment, review) and
    show its first question; answering goes through ``answer_question`` for all of them."""
    now = deps.clock()
    started = await deps.recorder.start(
        StartWrite(
            lid,
            learner.guild_id,
            deps.course.id,
            unit_id,
            candidates,
            count,
            now,
            kind=kind,
            challenge_id=challenge_id,
            ordered=ordered,
        )
    )
    session = QuizSession(
        id=started.session_id,
        learner_id=lid,
        course_id=deps.course.id,
        unit_id=unit_id,
        question_ids=started.question_ids,
        position=0,
        hints_used=0,
        status="active",
        created_at=now,
        kind=kind,
        challenge_id=challenge_id,
        question_shown_at=now,
    )
    deps.quizzes[session.id] = (learner.discord_id, session)
    return view(deps, session)


async def active_session(deps: TutorDeps, learner: LearnerRef, session_id: int) -> QuizSession:
    """The learner's own active quiz session, or a clear error.

    Sessions this process opened or answered are served from memory; the database stays
    the truth (a restart reads it again, and a stale copy is refused at write time).
    """
    cached = deps.quizzes.get(session_id)
    if cached is None:
        async with deps.db.session() as db:
            row = (
                await db.execute(
                    select(QuizSession, Learner.discord_id)
                    .join(Learner)
                    .where(QuizSession.id == session_id)
                )
            ).first()
        cached = (row[1], row[0]) if row is not None else None
        if cached is not None:
            deps.quizzes[session_id] = cached
    if cached is None or cached[0] != learner.discord_id:
        raise QuizNotFoundError("That quiz does not exist or is not yours. Start one with /quiz.")
    session = cached[1]
    if session.status != "active":
        raise QuizNotFoundError("That quiz is finished. Start a new one with /quiz.")
    return session


async def current_question(
    session_id: int, *, learner: LearnerRef, deps: TutorDeps
) -> QuestionView:
    """The question a session is waiting on (after a restart, say)."""
    return view(deps, await active_session(deps, learner, session_id))


async def _with_model_feedback(
    deps: TutorDeps,
    question: AnyQuestion,
    answer: str,
    graded: Graded,
    learner_id: int,
    guild_id: int | None,
) -> Graded:
    """Add the model's feedback (what was right, what to revisit) to a short answer that
    missed points; the grade itself stays as computed. Any model failure keeps the rubric
    lines alone."""
    if deps.llm is None or not isinstance(question, ShortAnswerQuestion):
        return graded
    hits = deps.retriever.search(
        question.prompt, 2, unit=question.section.partition("#")[0] if question.section else None
    ).hits
    try:
        completion = await deps.llm.complete(
            "quiz_feedback",
            learner_id=learner_id,
            guild_id=guild_id,
            question=question.prompt,
            learner_answer=answer,
            score=round(graded.score * question.max_points, 2),
            max_score=question.max_points,
            model_answer=question.model_answer,
            explanation=question.explanation,
            section=question.section,
            passages=hits,
        )
    except LlmError:
        return graded
    text, _ = checked_citations(completion.text, hits)
    return replace(graded, feedback=f"{text}\n\n{graded.feedback}")


def _citations(deps: TutorDeps, question: AnyQuestion) -> list[Citation]:
    if not question.section:
        return []
    unit_id, _, slug = question.section.partition("#")
    unit = deps.course.unit(unit_id)
    section = unit.section(slug) if unit else None
    return [Citation(question.section, unit_id, section.title)] if section else []


async def answer_question(
    session_id: int, answer: str, *, learner: LearnerRef, deps: TutorDeps
) -> QuizStep:
    """Grade the answer to the current question, record it, and move on."""
    answer = answer.strip()
    if not answer:
        raise BadAnswerError("Type an answer first.")
    if len(answer) > deps.settings.max_answer_chars:
        raise BadAnswerError(
            f"Please keep answers under {deps.settings.max_answer_chars} "
            f"characters (yours has {len(answer)})."
        )
    session = await active_session(deps, learner, session_id)
    if session.challenge_id is not None:  # no answers once the challenge has closed
        from tutorbot.tutor.challenges import ensure_open_for_answers  # it imports this module

        await ensure_open_for_answers(deps, session.challenge_id)
    position = session.position
    question = question_at(deps, session, position)
    if question is None:
        raise QuizNotFoundError("This quiz's questions are no longer in the course.")
    graded = await grade(
        question, answer, deps.llm, learner_id=session.learner_id, guild_id=learner.guild_id
    )
    if graded.grader == "llm-rubric" and graded.score < 1:
        graded = await _with_model_feedback(
            deps, question, answer, graded, session.learner_id, learner.guild_id
        )
    recorded = await deps.recorder.record(
        AnswerWrite(
            session_id=session.id,
            position=position,
            total=len(session.question_ids),
            learner_id=session.learner_id,
            guild_id=learner.guild_id,
            course_id=session.course_id,
            # A review's questions come from several units; each counts in its own.
            unit_id=(question.unit or session.unit_id)
            if session.kind == "review"
            else session.unit_id,
            question_id=question.id,
            answer=answer,
            score=graded.score,
            correct=graded.correct,
            feedback=graded.feedback,
            grader=graded.grader,
            prompt_hash=graded.prompt_hash,
            hints_used=session.hints_used,
            at=(at := deps.clock()),
            kind=session.kind,
            shown_at=session.question_shown_at,
            question_type=question.type,
        )
    )
    if not recorded.accepted:
        deps.quizzes.pop(session.id, None)  # another process moved it on: re-read next time
        raise TutorError("That question was already answered; use /quiz to see where you are.")
    result = Grade(
        question.id,
        graded.score,
        graded.correct,
        graded.feedback,
        question.explanation or "",
        graded.grader,
        _citations(deps, question),
        "llm" if graded.grader.startswith("llm") else "offline",
    )
    total = len(session.question_ids)
    next_view = None
    session.position, session.hints_used, session.question_shown_at = position + 1, 0, at
    if recorded.finished:
        session.status, session.score = "finished", recorded.quiz_score
        deps.quizzes.pop(session.id, None)
    else:
        next_view = view(deps, session)
    final = None
    if recorded.finished and session.kind == "final":  # certification judges the attempt
        final = await conclude_final(deps, learner, session, recorded.quiz_score or 0.0)
    return QuizStep(
        result,
        next_view,
        recorded.finished,
        recorded.quiz_score,
        position + 1,
        total,
        final,
        session.kind,
    )
