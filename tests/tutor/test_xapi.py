"""The event log as xAPI 1.0.3 statements, and sending them to an LRS."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

import pytest

from tests.fakes.lrs_server import FakeLrs
from tests.fakes.xapi_rules import problems
from tests.tutor.certify_helpers import answer_final, right_answer, set_mastery
from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.tutor import LearnerRef, TutorDeps, answer_question, ask, start_quiz
from tutorbot.tutor.certify import FinalStarted, certify
from tutorbot.tutor.lrs import LrsError, LrsTarget, post_statements
from tutorbot.tutor.xapi import statements

GRACE = LearnerRef(2002, "Grace", guild_id=42)
ADL = "http://adlnet.gov/expapi/verbs/"


async def exported(deps: TutorDeps, **options: Any) -> list[dict[str, Any]]:
    return [s async for s in statements(deps, **options)]


async def take_unit_quiz(deps: TutorDeps, learner: LearnerRef, unit_id: str) -> None:
    view = await start_quiz(unit_id, learner=learner, deps=deps, count=2)
    unit = deps.course.unit(unit_id)
    assert unit is not None
    while True:
        question = next(q for q in unit.questions if q.id == view.question_id)
        step = await answer_question(
            view.session_id, right_answer(question), learner=learner, deps=deps
        )
        if step.next_question is None:
            return
        view = step.next_question


async def take_final(deps: TutorDeps, learner: LearnerRef, *, passing: bool) -> None:
    await set_mastery(deps, learner, 0.9)
    started = await certify(learner, deps)
    assert isinstance(started, FinalStarted)
    q = started.question
    await answer_final(deps, learner, q.session_id, q.question_id, right=q.total if passing else 0)


async def a_day_of_learning(deps: TutorDeps) -> None:
    await ask("What is overfitting?", learner=ADA, deps=deps)
    await take_unit_quiz(deps, ADA, "data")
    await take_final(deps, ADA, passing=True)
    await take_final(deps, GRACE, passing=False)


async def from_list(items: Iterable[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    for item in items:
        yield item


def by_verb(found: list[dict[str, Any]], verb: str) -> list[dict[str, Any]]:
    return [s for s in found if s["verb"]["display"]["en-US"] == verb]


async def test_every_event_becomes_a_statement_that_meets_the_specs_rules(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await a_day_of_learning(deps)

    found = await exported(deps)

    assert found
    assert {i: problems(s) for i, s in enumerate(found) if problems(s)} == {}
    assert {s["verb"]["id"] for s in found} >= {
        ADL + v for v in ("answered", "completed", "passed", "failed", "launched", "asked")
    }


async def test_the_actor_is_the_learners_discord_account(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()
    await take_unit_quiz(deps, ADA, "data")

    actors = {str(s["actor"]) for s in await exported(deps)}

    assert actors == {
        str(
            {
                "objectType": "Agent",
                "name": "Ada",
                "account": {"homePage": "https://discord.com", "name": "1001"},
            }
        )
    }


async def test_an_answer_is_a_scored_statement_about_the_courses_question(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await take_unit_quiz(deps, ADA, "data")

    answered = by_verb(await exported(deps), "answered")[0]

    question_id = answered["object"]["id"].rsplit("/", 1)[1]
    assert answered["object"]["id"] == (
        f"https://tutorbot.invalid/xapi/activities/ai-foundations/data/{question_id}"
    )
    assert (
        answered["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/question"
    )
    assert answered["result"]["score"] == {"scaled": 1.0, "raw": 1.0, "min": 0, "max": 1}
    assert answered["result"]["success"] is True
    assert answered["timestamp"] == "2026-03-01T09:00:00.000Z"


async def test_the_final_assessment_is_passed_or_failed_with_its_score(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await take_final(deps, ADA, passing=True)
    await take_final(deps, GRACE, passing=False)
    found = await exported(deps)

    passed, failed = by_verb(found, "passed")[0], by_verb(found, "failed")[0]

    assert (passed["actor"]["name"], passed["result"]["success"]) == ("Ada", True)
    assert passed["result"]["score"]["scaled"] == 1.0
    assert passed["result"]["completion"]
    assert (failed["actor"]["name"], failed["result"]["success"]) == ("Grace", False)
    assert (
        failed["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/assessment"
    )
    assert by_verb(found, "earned")[0]["verb"]["id"] == "http://id.tincanapi.com/verb/earned"


async def test_exporting_twice_gives_the_same_statement_ids(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()
    await take_unit_quiz(deps, ADA, "data")

    first, second = await exported(deps), await exported(deps)

    assert [s["id"] for s in first] == [s["id"] for s in second]
    assert len({s["id"] for s in first}) == len(first)


async def test_since_leaves_out_earlier_events(make_tutor: MakeTutor) -> None:
    clock = FakeClock()
    deps = await make_tutor(clock=clock)
    await take_unit_quiz(deps, ADA, "data")
    clock.advance(days=2)
    cut = clock.now
    await take_unit_quiz(deps, ADA, "training")

    later = await exported(deps, since=cut)

    assert later
    assert all("/training/" in s["object"]["id"] for s in later)


async def test_statements_reach_the_lrs_in_batches_with_the_version_header_and_auth(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await a_day_of_learning(deps)
    found = await exported(deps)
    with FakeLrs() as lrs:
        target = LrsTarget(lrs.endpoint, lrs.username, lrs.password)

        report = await post_statements(statements(deps), target, batch=10)
        again = await post_statements(statements(deps), target, batch=10)

    assert set(lrs.statements) == {s["id"] for s in found}
    assert (report.sent, report.batches) == (len(found), -(-len(found) // 10))
    assert again.conflicts == []
    assert {r.status for r in lrs.requests} == {200}
    assert all(r.headers["X-Experience-API-Version"] == "1.0.3" for r in lrs.requests)


async def test_a_statement_stored_differently_is_a_conflict_and_the_rest_are_stored(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await take_unit_quiz(deps, ADA, "data")
    first, *rest = await exported(deps)
    renamed = {**first, "actor": {**first["actor"], "name": "Ada L."}}
    with FakeLrs() as lrs:
        target = LrsTarget(lrs.endpoint, lrs.username, lrs.password)
        await post_statements(from_list([first]), target)

        report = await post_statements(from_list([renamed, *rest]), target)

    assert report.conflicts == [first["id"]]
    assert lrs.statements[first["id"]] == first
    assert all(s["id"] in lrs.statements for s in rest)


async def test_wrong_lrs_credentials_are_a_clear_error(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()
    await take_unit_quiz(deps, ADA, "data")
    with FakeLrs() as lrs:
        target = LrsTarget(lrs.endpoint, lrs.username, "wrong")

        with pytest.raises(LrsError, match="refused the credentials"):
            await post_statements(statements(deps), target)

    assert lrs.statements == {}


async def test_an_unreachable_lrs_is_a_clear_error() -> None:
    with FakeLrs() as lrs:
        endpoint = lrs.endpoint  # closed when the block ends: nothing listens there any more

    with pytest.raises(LrsError, match="could not be reached"):
        await post_statements(from_list([{"id": "x"}]), LrsTarget(endpoint))
