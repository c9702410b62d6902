"""Spaced review: FSRS cards from answers, served when due, over simulated days."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from fsrs import Card, Rating, Scheduler
from sqlalchemy import func, select

from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.curriculum.models import MultipleChoiceQuestion, TrueFalseQuestion
from tutorbot.errors import TutorError
from tutorbot.storage import QuizAttempt, ReviewCard, ReviewLog, ReviewNudge
from tutorbot.tutor import TutorDeps, answer_question, hint, progress_report
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.mydata import delete_data, export_data
from tutorbot.tutor.quiz import open_session
from tutorbot.tutor.quiz_sql import AnswerWrite
from tutorbot.tutor.records import learner_id
from tutorbot.tutor.review import (
    mark_nudged,
    pending_nudges,
    set_nudges,
    start_review,
)
from tutorbot.tutor.review_sql import rating_for

EXACT = Scheduler(enable_fuzzing=False)  # what fsrs gives, with the tutor's defaults


def choice_questions(tutor: TutorDeps, count: int, *, spread: bool = False) -> list[AnyQuestion]:
    """Questions graded in code; ``spread``: each from another unit."""
    found: list[AnyQuestion] = []
    for unit in tutor.course.units:
        for q in unit.questions:
            if isinstance(q, MultipleChoiceQuestion | TrueFalseQuestion):
                found.append(q)
                if spread:
                    break
    return found[:count]


def reply(q: AnyQuestion, *, right: bool) -> str:
    if isinstance(q, MultipleChoiceQuestion):
        wanted = [i for i, c in enumerate(q.choices) if c.correct == right]
        return str(wanted[0] + 1)
    assert isinstance(q, TrueFalseQuestion)
    return "true" if q.answer == right else "false"


async def answer(
    tutor: TutorDeps,
    clock: FakeClock,
    q: AnyQuestion,
    *,
    right: bool,
    seconds: float = 30,
    hints: int = 0,
    kind: str = "unit",
) -> None:
    """Open a one-question session on ``q``, take ``seconds`` (and hints), answer it."""
    lid = await learner_id(tutor, ADA)
    view = await open_session(
        tutor, ADA, lid, unit_id=q.unit or "", candidates=[q.id], count=1, kind=kind, ordered=True
    )
    for _ in range(hints):
        await hint(view.session_id, learner=ADA, deps=tutor)
    clock.advance(seconds=seconds)
    await answer_question(view.session_id, reply(q, right=right), learner=ADA, deps=tutor)


async def review_due(tutor: TutorDeps, clock: FakeClock, right: dict[str, bool]) -> list[str]:
    """Run /review once and answer every card served (after 30 s each); the ids served."""
    started = await start_review(learner=ADA, deps=tutor, count=50)
    view, served = started.first, []
    bank = {q.id: q for u in tutor.course.units for q in u.questions}
    while view is not None:
        served.append(view.question_id)
        clock.advance(seconds=30)
        q = bank[view.question_id]
        step = await answer_question(
            view.session_id, reply(q, right=right[q.id]), learner=ADA, deps=tutor
        )
        view = step.next_question
    return served


async def stored(tutor: TutorDeps, question_id: str) -> ReviewCard:
    async with tutor.db.session() as db:
        card = await db.scalar(select(ReviewCard).where(ReviewCard.question_id == question_id))
    assert card is not None
    return card


async def test_each_outcome_schedules_the_card_as_fsrs_does_for_its_rating(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock, review_fuzz=False)
    wrong, hinted, slow, fast = choice_questions(tutor, 4)
    outcomes = [
        (wrong, Rating.Again, {"right": False}),
        (hinted, Rating.Hard, {"right": True, "hints": 1}),
        (slow, Rating.Good, {"right": True, "seconds": 30}),
        (fast, Rating.Easy, {"right": True, "seconds": 2}),
    ]
    for q, _, how in outcomes:
        await answer(tutor, clock, q, **how)  # type: ignore[arg-type]
    for q, rating, _ in outcomes:
        row = await stored(tutor, q.id)
        at = row.last_review
        assert at is not None
        expected, _ = EXACT.review_card(Card(card_id=1, due=at), rating, at)
        assert (row.due, row.card["stability"]) == (expected.due, expected.stability), rating


async def test_a_card_answered_right_whenever_due_follows_fsrs_for_months(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock, review_fuzz=False)
    (q,) = choice_questions(tutor, 1)
    await answer(tutor, clock, q, right=True)
    expected, _ = EXACT.review_card(Card(card_id=1, due=clock.now), Rating.Good, clock.now)
    intervals = []
    for _ in range(8):
        clock.now = (await stored(tutor, q.id)).due
        assert await review_due(tutor, clock, {q.id: True}) == [q.id]
        expected, _ = EXACT.review_card(expected, Rating.Good, clock.now)
        row = await stored(tutor, q.id)
        assert row.due == expected.due
        intervals.append(row.due - clock.now)
    assert intervals == sorted(intervals)
    assert intervals[-1] > timedelta(days=60)


async def test_wrong_answers_come_back_sooner_than_right_ones(make_tutor: MakeTutor) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    known, forgotten = choice_questions(tutor, 2)
    right = {known.id: True, forgotten.id: False}
    for q in (known, forgotten):
        await answer(tutor, clock, q, right=right[q.id])
    seen = {known.id: 0, forgotten.id: 0}
    for _day in range(30):
        clock.advance(days=1)
        for qid in await review_due(tutor, clock, right):
            seen[qid] += 1
    assert seen[forgotten.id] > 2 * seen[known.id]
    assert (await stored(tutor, forgotten.id)).due < (await stored(tutor, known.id)).due


async def test_due_cards_are_served_oldest_first_across_units(make_tutor: MakeTutor) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    questions = choice_questions(tutor, 3, spread=True)
    for q in reversed(questions):  # the last unit's question is answered (and due) first
        await answer(tutor, clock, q, right=False)
        clock.advance(hours=1)
    clock.advance(days=1)
    served = await review_due(tutor, clock, {q.id: True for q in questions})
    assert served == [q.id for q in reversed(questions)]


async def test_a_review_answer_counts_in_its_questions_own_unit(make_tutor: MakeTutor) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    questions = choice_questions(tutor, 3, spread=True)
    for q in questions:
        await answer(tutor, clock, q, right=False)
    clock.advance(days=1)
    await review_due(tutor, clock, {q.id: True for q in questions})
    async with tutor.db.session() as db:
        rows = (await db.execute(select(QuizAttempt.question_id, QuizAttempt.unit_id))).all()
    assert {(qid, unit) for qid, unit in rows} == {(q.id, q.unit) for q in questions}


async def test_final_assessment_answers_make_no_card_but_challenges_do(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    exam = [
        q
        for q in tutor.course.final_questions
        if isinstance(q, MultipleChoiceQuestion | TrueFalseQuestion)
    ]
    (practice,) = choice_questions(tutor, 1)
    lid = await learner_id(tutor, ADA)
    candidates = [q.id for q in exam[:2]]  # one of two answered: the exam goes on
    view = await open_session(
        tutor, ADA, lid, unit_id="final", candidates=candidates, count=2, kind="final"
    )
    clock.advance(seconds=30)
    await answer_question(view.session_id, reply(exam[0], right=True), learner=ADA, deps=tutor)
    await answer(tutor, clock, practice, right=True, kind="challenge")
    async with tutor.db.session() as db:
        cards = list(await db.scalars(select(ReviewCard.question_id)))
        logs = list(await db.scalars(select(ReviewLog.rating)))
    assert (cards, logs) == ([practice.id], [int(Rating.Good)])


async def test_with_nothing_due_the_review_says_when_the_next_card_is(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    empty = await start_review(learner=ADA, deps=tutor)
    (q,) = choice_questions(tutor, 1)
    await answer(tutor, clock, q, right=True)
    await review_due(tutor, clock, {q.id: True})  # the 10-minute learning step is not due yet
    later = await start_review(learner=ADA, deps=tutor)
    assert (empty.first, empty.next_due) == (None, None)
    assert later.first is None
    assert later.next_due == (await stored(tutor, q.id)).due


async def test_progress_counts_due_cards_and_predicts_retention(make_tutor: MakeTutor) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    questions = choice_questions(tutor, 3)
    for q in questions:
        await answer(tutor, clock, q, right=True, seconds=2)  # Easy: due in about a week
    fresh = await progress_report(learner=ADA, deps=tutor)
    clock.advance(days=30)
    month_later = await progress_report(learner=ADA, deps=tutor)
    assert (fresh.reviews_due, month_later.reviews_due) == (0, 3)
    assert fresh.retention == 1.0
    assert month_later.retention is not None
    assert 0.3 < month_later.retention < 0.9


async def test_a_learner_who_opted_in_is_nudged_once_a_day_while_cards_are_due(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    tutor = await make_tutor(clock=clock)
    await set_nudges(ADA, tutor, "dm")
    (q,) = choice_questions(tutor, 1)
    await answer(tutor, clock, q, right=False)
    clock.advance(hours=1)
    before_the_hour = await pending_nudges(tutor, clock.now)  # opting in was today's
    clock.now = datetime(2026, 3, 1, 17, 5, tzinfo=UTC)
    first = await pending_nudges(tutor, clock.now)
    await mark_nudged(tutor, [n.learner_id for n in first], clock.now)
    clock.advance(hours=3)
    again_today = await pending_nudges(tutor, clock.now)
    clock.advance(days=1)
    tomorrow = await pending_nudges(tutor, clock.now)
    assert before_the_hour == again_today == []
    assert [(n.mode, n.due) for n in first] == [("dm", 1)]
    assert len(tomorrow) == 1


async def test_channel_nudges_need_a_configured_channel(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    with pytest.raises(TutorError, match="no review-nudge channel"):
        await set_nudges(ADA, tutor, "channel")


def write(**changes: object) -> AnswerWrite:
    at = datetime(2026, 3, 1, 9, 0, 30, tzinfo=UTC)
    base: dict[str, object] = {
        "session_id": 1,
        "position": 0,
        "total": 1,
        "learner_id": 1,
        "guild_id": None,
        "course_id": "c",
        "unit_id": "u",
        "question_id": "q",
        "answer": "1",
        "score": 1.0,
        "correct": True,
        "feedback": "",
        "grader": "code",
        "prompt_hash": None,
        "hints_used": 0,
        "at": at,
        "shown_at": at - timedelta(seconds=20),
        "question_type": "multiple_choice",
    }
    return AnswerWrite(**{**base, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "rating"),
    [
        ({"correct": False, "score": 0.0}, Rating.Again),
        ({"correct": False, "score": 0.0, "hints_used": 2}, Rating.Again),
        ({"hints_used": 1}, Rating.Hard),
        ({}, Rating.Good),  # 20 s on a multiple choice question
        ({"question_type": "short_answer"}, Rating.Easy),  # 20 s to write an answer
        ({"shown_at": datetime(2026, 3, 1, 9, 0, 25, tzinfo=UTC)}, Rating.Easy),
        ({"shown_at": datetime(2026, 3, 1, 9, 0, 25, tzinfo=UTC), "score": 0.8}, Rating.Good),
        ({"shown_at": None}, Rating.Good),  # no timing, no Easy
    ],
)
def test_outcomes_map_to_fsrs_ratings(changes: dict[str, object], rating: Rating) -> None:
    assert rating_for(write(**changes)) is rating


async def test_one_question_answered_in_two_sessions_at_once_is_one_card_reviewed_twice(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    (q,) = choice_questions(tutor, 1)
    lid = await learner_id(tutor, ADA)
    views = [
        await open_session(
            tutor, ADA, lid, unit_id=q.unit or "", candidates=[q.id], count=1, ordered=True
        )
        for _ in range(2)
    ]
    clock.advance(seconds=30)
    right = reply(q, right=True)
    await asyncio.gather(
        *(answer_question(v.session_id, right, learner=ADA, deps=tutor) for v in views)
    )
    async with tutor.db.session() as db:
        cards = (await db.execute(select(ReviewCard.id))).all()
        logs = list(await db.scalars(select(ReviewLog.card_id)))
    assert len(cards) == 1
    assert logs == [cards[0][0]] * 2


async def test_a_learners_review_data_is_exported_and_deleted_with_the_rest(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(clock=clock)
    (q,) = choice_questions(tutor, 1)
    await set_nudges(ADA, tutor, "dm")
    await answer(tutor, clock, q, right=True)
    exported = await export_data(learner=ADA, deps=tutor)
    await delete_data(learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        left = [
            await db.scalar(select(func.count()).select_from(model))
            for model in (ReviewCard, ReviewLog, ReviewNudge)
        ]
    assert [len(exported[t]) for t in ("review_cards", "review_logs", "review_nudges")] == [1, 1, 1]
    assert left == [0, 0, 0]
