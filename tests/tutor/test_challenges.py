"""Cohort challenges: deadlines in any zone, one graded attempt each, a leaderboard, and a
reminder and a closing that are driven by the database clock (so they survive restarts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tests.tutor.test_quiz import question, right_answer
from tutorbot.curriculum.models import MultipleChoiceQuestion, TrueFalseQuestion
from tutorbot.storage import QuizAttempt, QuizSession
from tutorbot.tutor import LearnerRef, QuestionView, TutorDeps, answer_question
from tutorbot.tutor.challenges import (
    ChallengeClosedError,
    ChallengeError,
    ChallengeInfo,
    Deadline,
    claim_reminder,
    close_challenge,
    create_challenge,
    due_work,
    find_challenge,
    leaderboard,
    parse_deadline,
    start_attempt,
    zone_choices,
)
from tutorbot.tutor.cohorts import create_cohort, link_role
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.quiz import QuizNotFoundError

GUILD = ADA.guild_id or 42
BOB = LearnerRef(2002, "Bob", GUILD)
CLEO = LearnerRef(3003, "Cleo", GUILD)
DAN = LearnerRef(4004, "Dan", GUILD)
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
UNIT = "training"


def wrong_answer(q: AnyQuestion) -> str:
    if isinstance(q, MultipleChoiceQuestion):
        return str(next(i for i in range(len(q.choices)) if i not in q.correct_indexes) + 1)
    if isinstance(q, TrueFalseQuestion):
        return "false" if q.answer else "true"
    return "I have no idea."


async def post(
    tutor: TutorDeps, *, hours: float = 48, cohort: str | None = None, count: int = 3
) -> ChallengeInfo:
    now = tutor.clock()
    return await create_challenge(
        tutor,
        guild_id=GUILD,
        unit_id=UNIT,
        title="Training sprint",
        instructions="Three questions on training.",
        deadline=Deadline(now + timedelta(hours=hours), "Europe/Paris"),
        channel_id=7,
        created_by=99,
        cohort=cohort,
        count=count,
    )


async def finish(
    tutor: TutorDeps, view: QuestionView | None, who: LearnerRef, *, right: bool = True
) -> float | None:
    score = None
    while view is not None:
        q = question(tutor, UNIT, view.question_id)
        step = await answer_question(
            view.session_id, right_answer(q) if right else wrong_answer(q), learner=who, deps=tutor
        )
        view, score = step.next_question, step.score
    return score


def test_a_deadline_in_a_zone_becomes_utc() -> None:
    deadline = parse_deadline("2026-03-03", "18:00", "Europe/Paris", START)
    assert deadline.due_at == datetime(2026, 3, 3, 17, 0, tzinfo=UTC)
    assert deadline.time_zone == "Europe/Paris"


@pytest.mark.parametrize(
    ("day", "at", "zone", "message"),
    [
        ("2026-02-28", "18:00", "UTC", "already passed"),
        ("2026-03-03", "18:00", "Mars/Olympus", "not a time zone I know"),
        ("03/03/2026", "18:00", "UTC", "not a date like"),
        ("2026-03-03", "6pm", "UTC", "not a time like"),
        ("2026-02-30", "18:00", "UTC", "not a real date"),
        ("2026-03-29", "02:30", "Europe/Paris", "does not exist in Europe/Paris"),
    ],
)
def test_a_bad_deadline_gets_a_clear_message(day: str, at: str, zone: str, message: str) -> None:
    with pytest.raises(ChallengeError, match=message):
        parse_deadline(day, at, zone, START)


def test_time_zone_choices_put_common_zones_first() -> None:
    assert zone_choices("")[0] == "UTC"
    assert zone_choices("paris") == ["Europe/Paris"]
    assert "America/New_York" in zone_choices("new york")


async def test_an_attempt_is_graded_and_recorded_as_a_challenge_session(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    challenge = await post(tutor)
    first = await start_attempt(tutor, challenge.id, learner=ADA)
    score = await finish(tutor, first, ADA)
    async with tutor.db.session() as db:
        session = await db.scalar(select(QuizSession).where(QuizSession.id == first.session_id))
        answered = list(await db.scalars(select(QuizAttempt.question_id)))
    assert session is not None
    assert (session.kind, session.challenge_id, session.status) == (
        "challenge",
        challenge.id,
        "finished",
    )
    assert session.question_ids == answered
    assert score == session.score


async def test_everyone_gets_the_same_questions_in_the_same_order(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    challenge = await post(tutor, count=5)
    ada = await start_attempt(tutor, challenge.id, learner=ADA)
    bob = await start_attempt(tutor, challenge.id, learner=BOB)
    async with tutor.db.session() as db:
        orders = list(await db.scalars(select(QuizSession.question_ids)))
    assert orders[0] == orders[1]
    assert len(orders[0]) == 5
    assert ada.question_id == bob.question_id


async def test_starting_again_resumes_and_a_finished_attempt_is_the_only_one(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    challenge = await post(tutor)
    first = await start_attempt(tutor, challenge.id, learner=ADA)
    resumed = await start_attempt(tutor, challenge.id, learner=ADA)
    await finish(tutor, resumed, ADA)
    with pytest.raises(ChallengeError, match="already finished 'Training sprint'"):
        await start_attempt(tutor, challenge.id, learner=ADA)
    assert resumed.session_id == first.session_id


async def test_only_cohort_members_may_attempt_a_cohort_challenge(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Evening", created_by=99)
    await link_role(tutor, GUILD, "Evening", 555, [])
    challenge = await post(tutor, cohort="evening")
    with pytest.raises(ChallengeError, match="for the cohort 'Evening'"):
        await start_attempt(tutor, challenge.id, learner=ADA)
    by_role = await start_attempt(tutor, challenge.id, learner=BOB, role_ids={555})
    assert by_role.number == 1
    assert challenge.cohort_name == "Evening"


async def test_the_leaderboard_ranks_by_score_then_earliest_finish(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock(START)
    tutor = await make_tutor(clock=clock)
    challenge = await post(tutor)
    for who, right in ((BOB, False), (ADA, True), (CLEO, True)):
        await finish(tutor, await start_attempt(tutor, challenge.id, learner=who), who, right=right)
        clock.advance(minutes=5)
    await start_attempt(tutor, challenge.id, learner=DAN)  # started, never finished
    board = await leaderboard(tutor, challenge)
    assert [(s.rank, s.display_name) for s in board.standings] == [
        (1, "Ada"),
        (2, "Cleo"),
        (3, "Bob"),
    ]
    assert board.unfinished == 1
    assert board.standings[0].finished_at < board.standings[1].finished_at


async def test_no_attempt_or_answer_is_taken_after_the_deadline(make_tutor: MakeTutor) -> None:
    clock = FakeClock(START)
    tutor = await make_tutor(clock=clock)
    challenge = await post(tutor, hours=2)
    started = await start_attempt(tutor, challenge.id, learner=ADA)
    clock.advance(hours=2)  # past the deadline; no tick has closed it yet
    with pytest.raises(ChallengeClosedError, match="is closed"):
        await start_attempt(tutor, challenge.id, learner=BOB)
    q = question(tutor, UNIT, started.question_id)
    with pytest.raises(ChallengeClosedError, match="no longer accepted"):
        await answer_question(started.session_id, right_answer(q), learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        assert list(await db.scalars(select(QuizAttempt.id))) == []


async def test_closing_happens_once_and_expires_unfinished_attempts(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    challenge = await post(tutor)
    started = await start_attempt(tutor, challenge.id, learner=ADA)
    closed = await close_challenge(tutor, challenge.id, tutor.clock())
    again = await close_challenge(tutor, challenge.id, tutor.clock())
    assert closed is not None
    assert (closed.status, closed.closed_at) == ("closed", tutor.clock())
    assert again is None
    with pytest.raises(QuizNotFoundError):
        await answer_question(started.session_id, "1", learner=ADA, deps=tutor)
    with pytest.raises(ChallengeClosedError):
        await start_attempt(tutor, challenge.id, learner=BOB)


async def test_the_reminder_is_due_ahead_of_the_deadline_and_claimed_once(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock(START)
    tutor = await make_tutor(clock=clock)
    challenge = await post(tutor, hours=48)  # reminder 24 h before: START + 24 h
    clock.advance(hours=23, minutes=59)
    early = await due_work(tutor, clock())
    clock.advance(minutes=1)
    due = await due_work(tutor, clock())
    claims = [await claim_reminder(tutor, challenge.id, clock()) for _ in range(2)]
    after = await due_work(tutor, clock())
    assert early.to_remind == []
    assert [c.id for c in due.to_remind] == [challenge.id]
    assert claims == [True, False]
    assert after.to_remind == []


async def test_a_short_challenge_is_reminded_at_half_time(make_tutor: MakeTutor) -> None:
    clock = FakeClock(START)
    tutor = await make_tutor(clock=clock, challenge_reminder_hours=24)
    await post(tutor, hours=6)
    clock.advance(hours=2, minutes=59)
    assert (await due_work(tutor, clock())).to_remind == []
    clock.advance(minutes=1)
    assert len((await due_work(tutor, clock())).to_remind) == 1


async def test_a_deadline_that_passed_during_a_restart_is_closed_not_reminded(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock(START)
    before = await make_tutor(clock=clock)
    challenge = await post(before, hours=3)
    clock.advance(hours=5)  # the bot was down through the reminder and the deadline
    after = await make_tutor(clock=clock)
    work = await due_work(after, clock())
    assert [c.id for c in work.to_close] == [challenge.id]
    assert work.to_remind == []


async def test_a_challenge_is_found_by_number_or_title_in_its_own_server(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    challenge = await post(tutor)
    assert (await find_challenge(tutor, GUILD, f"#{challenge.id}")).id == challenge.id
    assert (await find_challenge(tutor, GUILD, "training SPRINT")).id == challenge.id
    with pytest.raises(ChallengeError, match="no challenge"):
        await find_challenge(tutor, GUILD + 1, str(challenge.id))
