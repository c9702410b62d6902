"""Quiz sessions: state in the database, graded in code, progress and events written."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.curriculum.models import (
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)
from tutorbot.errors import TutorError, UnknownUnitError
from tutorbot.storage import LearningEvent, QuizAttempt
from tutorbot.tutor import (
    TutorDeps,
    answer_question,
    current_question,
    progress_report,
    start_quiz,
)
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.quiz import QuizNotFoundError

BOB = type(ADA)(2002, "Bob")


def question(tutor: TutorDeps, unit_id: str, question_id: str) -> AnyQuestion:
    unit = tutor.course.unit(unit_id)
    assert unit is not None
    return next(q for q in unit.questions if q.id == question_id)


def right_answer(q: AnyQuestion) -> str:
    if isinstance(q, MultipleChoiceQuestion):
        return str(q.correct_indexes[0] + 1)
    if isinstance(q, TrueFalseQuestion):
        return "true" if q.answer else "false"
    if isinstance(q, NumericQuestion):
        return str(q.answer)
    return q.model_answer or ""


async def test_question_view_never_carries_the_answer(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor, count=20)
    q = question(tutor, "data", view.question_id)
    hidden = q.explanation or ""
    assert hidden not in repr(view)
    assert "correct" not in repr(view)


async def test_answering_every_question_right_finishes_with_full_score(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor, count=3)
    step = None
    for _ in range(3):
        q = question(tutor, "data", view.question_id)
        step = await answer_question(view.session_id, right_answer(q), learner=ADA, deps=tutor)
        if step.next_question:
            view = step.next_question
    assert step is not None
    assert (step.finished, step.answered, step.total) == (True, 3, 3)
    assert step.score is not None
    assert step.score > 0.5


async def test_a_restart_between_two_answers_loses_nothing(make_tutor: MakeTutor) -> None:
    before = await make_tutor()
    view = await start_quiz("training", learner=ADA, deps=before, count=3)
    q = question(before, "training", view.question_id)
    step = await answer_question(view.session_id, right_answer(q), learner=ADA, deps=before)
    await before.aclose()
    after = await make_tutor()
    resumed = await current_question(view.session_id, learner=ADA, deps=after)
    assert step.next_question is not None
    assert (resumed.question_id, resumed.number) == (step.next_question.question_id, 2)


async def test_the_same_question_cannot_be_answered_twice(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor, count=3)
    answer = right_answer(question(tutor, "data", view.question_id))
    # A double click: both answers are in flight for question 1 at once.
    outcomes = await asyncio.gather(
        answer_question(view.session_id, answer, learner=ADA, deps=tutor),
        answer_question(view.session_id, answer, learner=ADA, deps=tutor),
        return_exceptions=True,
    )
    refused = [o for o in outcomes if isinstance(o, TutorError)]
    async with tutor.db.session() as db:
        stored = list(await db.scalars(select(QuizAttempt.question_id)))
    again = await current_question(view.session_id, learner=ADA, deps=tutor)
    assert (len(refused), stored, again.number) == (1, [view.question_id], 2)


async def test_another_learner_cannot_answer_my_quiz(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor)
    await start_quiz("data", learner=BOB, deps=tutor)
    with pytest.raises(QuizNotFoundError):
        await answer_question(view.session_id, "1", learner=BOB, deps=tutor)


async def test_unreadable_or_oversized_answers_get_a_clear_message(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor(max_answer_chars=200)
    view = await start_quiz("data", learner=ADA, deps=tutor)
    with pytest.raises(TutorError, match="under 200 characters"):
        await answer_question(view.session_id, "x" * 201, learner=ADA, deps=tutor)
    with pytest.raises(TutorError, match="Type an answer"):
        await answer_question(view.session_id, "   ", learner=ADA, deps=tutor)


async def test_unknown_unit_names_the_real_ones(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    with pytest.raises(UnknownUnitError, match="what-is-ai"):
        await start_quiz("astrology", learner=ADA, deps=tutor)


async def test_unit_completes_at_mastery_with_three_attempts(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("prompting", learner=ADA, deps=tutor, count=3)
    for _ in range(3):
        q = question(tutor, "prompting", view.question_id)
        answer = right_answer(q)
        step = await answer_question(view.session_id, answer, learner=ADA, deps=tutor)
        view = step.next_question or view
    report = await progress_report(learner=ADA, deps=tutor)
    unit = next(u for u in report.units if u.unit_id == "prompting")
    assert unit.attempts == 3
    assert (unit.status == "completed") == (unit.mastery >= 0.85)


async def test_model_outage_mid_quiz_grades_offline_and_keeps_the_attempt(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    unit = tutor.course.unit("training")
    assert unit is not None
    short = [q.id for q in unit.questions if q.type == "short_answer"]
    view = await start_quiz("training", learner=ADA, deps=tutor, count=len(unit.questions))
    while view.question_id not in short:
        q = question(tutor, "training", view.question_id)
        step = await answer_question(view.session_id, right_answer(q), learner=ADA, deps=tutor)
        assert step.next_question is not None
        view = step.next_question
    for _ in range(2):
        fake_openai.reply("overloaded", status=500)
    q = question(tutor, "training", view.question_id)
    step = await answer_question(view.session_id, right_answer(q), learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        saved = (await db.scalars(select(QuizAttempt).where(QuizAttempt.question_id == q.id))).one()
    assert (step.grade.grader, saved.grader) == ("rubric-keywords", "rubric-keywords")
    assert saved.score == step.grade.score


async def test_quiz_steps_are_logged_as_events(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor, count=1)
    q = question(tutor, "data", view.question_id)
    await answer_question(view.session_id, right_answer(q), learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        verbs = list(await db.scalars(select(LearningEvent.verb).order_by(LearningEvent.id)))
    assert verbs[0] == "launched"
    assert verbs[1] == "answered"
    assert verbs[-1] == "completed"


async def test_a_short_answer_that_missed_points_gets_model_feedback_and_keeps_its_grade(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    unit = tutor.course.unit("data")
    assert unit is not None
    view = await start_quiz("data", learner=ADA, deps=tutor, count=len(unit.questions))
    while view.kind != "short_answer":
        q = question(tutor, "data", view.question_id)
        step = await answer_question(view.session_id, right_answer(q), learner=ADA, deps=tutor)
        assert step.next_question is not None
        view = step.next_question
    q = question(tutor, "data", view.question_id)
    assert isinstance(q, ShortAnswerQuestion)
    verdicts = [{"id": str(n), "met": n == 1, "reason": "r"} for n in range(1, len(q.rubric) + 1)]
    fake_openai.reply(json.dumps({"criteria": verdicts}))
    fake_openai.reply(f"Good start. Revisit [{q.section}] and [invented#id].")
    step = await answer_question(view.session_id, "partly right", learner=ADA, deps=tutor)
    assert step.grade.score == pytest.approx(q.rubric[0].points / q.max_points)
    assert step.grade.feedback.startswith(f"Good start. Revisit [{q.section}] and.")
