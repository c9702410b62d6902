"""The per-learner question allowance: refused clearly, refills, survives restarts."""

from __future__ import annotations

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.tutor import ask
from tutorbot.tutor.quota import QuotaExceededError


async def test_questions_beyond_the_allowance_are_refused_with_the_wait(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai, quota_max=2, quota_refill_seconds=180)
    for _ in range(2):
        await ask("what is overfitting", learner=ADA, deps=tutor)
    with pytest.raises(QuotaExceededError, match="3 min"):
        await ask("what is overfitting", learner=ADA, deps=tutor)


async def test_one_question_comes_back_after_the_refill_time(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    tutor = await make_tutor(fake_openai, clock=clock, quota_max=1, quota_refill_seconds=60)
    await ask("what is overfitting", learner=ADA, deps=tutor)
    clock.advance(seconds=61)
    answer = await ask("what is overfitting", learner=ADA, deps=tutor)
    assert answer.mode == "llm"


async def test_the_allowance_holds_across_a_restart(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    clock = FakeClock()
    first = await make_tutor(fake_openai, clock=clock, quota_max=1)
    await ask("what is overfitting", learner=ADA, deps=first)
    second = await make_tutor(fake_openai, clock=clock, quota_max=1)
    with pytest.raises(QuotaExceededError):
        await ask("what is overfitting", learner=ADA, deps=second)


async def test_offline_answers_cost_nothing(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor(quota_max=1)
    for _ in range(3):
        assert (await ask("what is overfitting", learner=ADA, deps=tutor)).mode == "offline"
