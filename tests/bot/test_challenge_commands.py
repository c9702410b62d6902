"""/challenge on real interaction payloads: posting with a deadline, attempting through the
Attempt button and the quiz's buttons, the leaderboard, and the scheduler's reminder and
closing, across a deadline and across a restart (time moves by the injected clock)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness, HarnessError
from tests.bot.interaction_data import walk
from tests.bot.test_learner_journey import answer_current, buttons
from tests.tutor.conftest import FakeClock, MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.bot.cogs.challenge import ChallengeCog
from tutorbot.storage import Challenge
from tutorbot.tutor import TutorDeps

DUE = {"due_date": "2026-03-03", "due_time": "18:00", "time_zone": "Europe/Paris"}
DUE_UNIX = 1772557200  # 2026-03-03 17:00 UTC


async def start(start_harness: StartHarness, deps: TutorDeps, **options: Any) -> Harness:
    return await start_harness(create_bot(deps.settings, deps=deps), **options)


def challenge_message(harness: Harness) -> dict[str, Any]:
    return next(
        m for m in reversed(harness.messages) if any(i.startswith("tc:") for i in buttons(m))
    )


def attempt_id(harness: Harness) -> str:
    return next(i for i in buttons(challenge_message(harness)) if i.startswith("tc:"))


async def post(harness: Harness, **options: Any) -> Any:
    given = {"unit": "training", "title": "Training sprint", "questions": 3, **DUE, **options}
    return await harness.slash("challenge post", actor=harness.moderator, **given)


async def tick(harness: Harness) -> Any:
    cog = harness.bot.get_cog("ChallengeCog")
    assert isinstance(cog, ChallengeCog)
    return await cog.scheduler.tick()


async def attempt_all(harness: Harness, actor: Any = None) -> None:
    await harness.click(attempt_id(harness), actor=actor)
    for _ in range(3):
        first_tq = next(
            m for m in reversed(harness.messages) if any(i.startswith("tq:") for i in buttons(m))
        )
        if "Challenge attempt finished" in str(first_tq.get("embeds")):
            break
        await answer_current_as(harness, actor)


async def answer_current_as(harness: Harness, actor: Any) -> None:
    if actor is None:
        await answer_current(harness)
        return
    message = next(
        m for m in reversed(harness.messages) if any(i.startswith("tq:") for i in buttons(m))
    )
    ids = buttons(message)
    choice = next((i for i in ids if re.search(r":c\d+$", i)), None)
    if choice is not None:
        await harness.click(choice, actor=actor)
        return
    write = next(i for i in ids if i.endswith(":write"))
    await harness.click(write, actor=actor)
    await harness.submit_modal(
        write.replace(":write", ":modal"), {"answer": "The loss goes down."}, actor=actor
    )


async def challenges(deps: TutorDeps) -> int:
    async with deps.db.session() as db:
        return await db.scalar(select(func.count(Challenge.id))) or 0


async def test_a_posted_challenge_shows_its_deadline_and_an_attempt_button(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor(clock=FakeClock()))
    turn = await post(harness, channel=harness.world.other_channel_id, instructions="Go!")
    message = challenge_message(harness)
    shown = str(message["embeds"])
    assert int(message["channel_id"]) == harness.world.other_channel_id
    assert f"<t:{DUE_UNIX}:F>" in shown
    assert f"<t:{DUE_UNIX}:R>" in shown
    assert "set as 2026-03-03 18:00 Europe/Paris" in shown
    assert "Posted challenge #" in (turn.last_content or "")
    assert turn.acknowledged_after is not None


async def test_an_unknown_zone_or_a_past_deadline_is_refused_and_nothing_is_posted(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor(clock=FakeClock())
    harness = await start(start_harness, deps)
    zone = await post(harness, time_zone="Mars/Olympus")
    past = await post(harness, due_date="2026-02-01")
    assert "'Mars/Olympus' is not a time zone I know" in (zone.last_content or "")
    assert "has already passed" in (past.last_content or "")
    assert len(harness.sent.sends) == 0
    assert await challenges(deps) == 0


async def test_a_learner_attempts_once_and_appears_on_the_leaderboard_by_name(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor(clock=FakeClock()))
    await post(harness)
    await attempt_all(harness)
    again = await harness.click(attempt_id(harness))
    board = await harness.slash("challenge leaderboard", challenge="Training sprint")
    embeds = str(board.sent.with_message[-1].message)
    assert "already finished 'Training sprint'" in (again.last_content or "")
    assert "**Ada**" in embeds
    assert "1 finished" in embeds
    assert all(
        s.message.get("allowed_mentions") == {"parse": []}
        for s in harness.sent.with_message
        if s.message and s.kind != "response"
    )


async def test_a_cohort_challenge_refuses_learners_outside_the_cohort(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor(clock=FakeClock()))
    mod = harness.moderator
    await harness.slash("cohort create", actor=mod, name="Evening")
    await harness.slash("cohort add", actor=mod, cohort="Evening", member=harness.learner)
    await post(harness, cohort="Evening")
    outsider = await harness.click(attempt_id(harness), actor=harness.world.other_learner)
    member = await harness.click(attempt_id(harness))
    assert "This challenge is for the cohort 'Evening'" in (outsider.last_content or "")
    assert "Question 1 of 3" in str(member.sent.with_message[-1].message)


async def test_the_scheduler_reminds_once_then_closes_at_the_deadline(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock()
    harness = await start(start_harness, await make_tutor(clock=clock))
    await post(harness)
    await attempt_all(harness)
    clock.advance(hours=32)  # 2026-03-02 17:00 UTC: 24 hours before the deadline
    reminded = [await tick(harness), await tick(harness)]
    clock.advance(hours=24)
    closed = [await tick(harness), await tick(harness)]
    sends = harness.sent.sends
    message = challenge_message(harness)
    attempt = next(
        c for c in walk(message["components"]) if c.get("custom_id", "").startswith("tc:")
    )
    assert [len(r.reminded) for r in reminded] == [1, 0]
    assert [len(r.closed) for r in closed] == [1, 0]
    assert "⏰ **Training sprint** closes" in (sends[-2].content or "")
    assert "Final results" in str(sends[-1].json["embeds"])
    assert "**Ada**" in str(sends[-1].json["embeds"])
    assert attempt["disabled"] is True
    assert "Closed" in str(message["embeds"])


async def test_an_attempt_after_the_deadline_is_refused_before_any_tick(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock()
    harness = await start(start_harness, await make_tutor(clock=clock))
    await post(harness)
    clock.advance(days=3)
    late = await harness.click(attempt_id(harness))
    assert "is closed (deadline 2026-03-03 18:00 Europe/Paris)" in (late.last_content or "")


async def test_a_deadline_passed_during_a_restart_closes_on_the_first_tick(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock()
    first = await start(start_harness, await make_tutor(clock=clock))
    await post(first)
    await first.click(attempt_id(first))  # started, never finished
    await first.close()
    clock.advance(days=3)
    second = await start(
        start_harness,
        await make_tutor(clock=clock),
        world=first.world,
        messages=first.api.messages,
    )
    await tick(second)  # the scheduler's own first tick may have done it already
    await tick(second)
    message = challenge_message(second)
    assert len(second.sent.sends) == 1
    assert "Final results" in str(second.sent.sends[-1].json["embeds"])
    assert "1 did not finish" in str(second.sent.sends[-1].json["embeds"])
    with pytest.raises(HarnessError, match="disabled"):
        await second.click(attempt_id(second))
    assert "Closed" in str(message["embeds"])


async def test_the_attempt_button_works_after_a_restart(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock()
    first = await start(start_harness, await make_tutor(clock=clock))
    await post(first)
    await first.close()
    second = await start(
        start_harness,
        await make_tutor(clock=clock),
        world=first.world,
        messages=first.api.messages,
    )
    turn = await second.click(attempt_id(second))
    assert "Question 1 of 3" in str(turn.sent.with_message[-1].message)


async def test_a_moderator_closes_a_challenge_once(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor(clock=FakeClock()))
    await post(harness)
    number = attempt_id(harness).split(":")[1]
    closed = await harness.slash("challenge close", actor=harness.moderator, challenge=number)
    again = await harness.slash("challenge close", actor=harness.moderator, challenge=number)
    assert f"Closed challenge #{number}" in (closed.last_content or "")
    assert "already closed" in (again.last_content or "")
    assert "Final results" in str(harness.sent.sends[-1].json["embeds"])


async def test_time_zone_cohort_and_challenge_autocomplete(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor(clock=FakeClock()))
    await harness.slash("cohort create", actor=harness.moderator, name="Evening")
    await post(harness)
    zones = await harness.autocomplete(
        "challenge post", focused="time_zone", value="new_y", actor=harness.moderator
    )
    cohorts = await harness.autocomplete(
        "challenge post", focused="cohort", value="eve", actor=harness.moderator
    )
    found = await harness.autocomplete("challenge leaderboard", focused="challenge", value="sprint")
    assert [c["value"] for c in zones.choices] == ["America/New_York"]
    assert [c["value"] for c in cohorts.choices] == ["Evening"]
    assert [c["name"] for c in found.choices] == [
        f"#{attempt_id(harness).split(':')[1]} Training sprint (open)"
    ]
