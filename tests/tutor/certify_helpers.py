"""Arranging certification: units mastered, right or wrong answers to any question, and a
passed final with its certificate."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tutorbot.curriculum.models import (
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)
from tutorbot.storage import UnitProgress
from tutorbot.tutor import LearnerRef, QuizStep, TutorDeps, answer_question
from tutorbot.tutor.certificates import IssuedCertificate, certificate
from tutorbot.tutor.certify import FinalStarted, certify
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.records import learner_id


async def set_mastery(
    deps: TutorDeps, learner: LearnerRef, levels: dict[str, float] | float
) -> None:
    """Give the learner these mastery levels (one level for every unit with questions)."""
    lid = await learner_id(deps, learner)
    if isinstance(levels, float):
        levels = {u.id: levels for u in deps.course.units if u.questions}
    now = deps.clock()
    chosen = dict(levels)

    def write(db: Session) -> None:
        db.execute(delete(UnitProgress).where(UnitProgress.learner_id == lid))
        for unit_id, level in chosen.items():
            db.add(
                UnitProgress(
                    learner_id=lid,
                    course_id=deps.course.id,
                    unit_id=unit_id,
                    status="completed" if level >= 0.85 else "in_progress",
                    mastery=level,
                    attempts=5,
                    started_at=now,
                )
            )

    await deps.writer.run(write)


def final_question(deps: TutorDeps, question_id: str) -> AnyQuestion:
    return next(q for q in deps.course.final_questions if q.id == question_id)


def right_answer(question: AnyQuestion) -> str:
    """An answer that earns full marks (offline grading)."""
    if isinstance(question, MultipleChoiceQuestion):
        return str(question.correct_indexes[0] + 1)
    if isinstance(question, TrueFalseQuestion):
        return "true" if question.answer else "false"
    if isinstance(question, NumericQuestion):
        return f"{question.answer}"
    assert isinstance(question, ShortAnswerQuestion)
    if question.accepted_answers:
        return question.accepted_answers[0]
    return " ".join(k for c in question.rubric for k in c.keywords)


def wrong_answer(question: AnyQuestion) -> str:
    """An answer that earns nothing."""
    if isinstance(question, MultipleChoiceQuestion):
        return str(next(i for i, c in enumerate(question.choices) if not c.correct) + 1)
    if isinstance(question, TrueFalseQuestion):
        return "false" if question.answer else "true"
    if isinstance(question, NumericQuestion):
        return f"{question.answer + question.tolerance + 1000}"
    return "I really have no idea"


async def answer_final(
    deps: TutorDeps, learner: LearnerRef, session_id: int, first_question: str, *, right: int
) -> QuizStep:
    """Answer the whole final: the first ``right`` questions correctly, the rest wrongly."""
    question_id, number = first_question, 0
    while True:
        question = final_question(deps, question_id)
        text = right_answer(question) if number < right else wrong_answer(question)
        step = await answer_question(session_id, text, learner=learner, deps=deps)
        number += 1
        if step.next_question is None:
            return step
        question_id = step.next_question.question_id


async def pass_final(deps: TutorDeps, learner: LearnerRef) -> IssuedCertificate:
    """Master every unit, answer the whole final correctly; the certificate it earned."""
    await set_mastery(deps, learner, 0.9)
    started = await certify(learner, deps)
    assert isinstance(started, FinalStarted)
    q = started.question
    step = await answer_final(deps, learner, q.session_id, q.question_id, right=q.total)
    assert step.final is not None
    assert step.final.certificate_id is not None
    issued = await certificate(step.final.certificate_id, deps)
    assert issued is not None
    return issued
