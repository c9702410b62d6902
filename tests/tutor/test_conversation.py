"""Tutoring conversations: remembered across messages and restarts, within the budget."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.errors import BadQueryError, UnknownUnitError
from tutorbot.storage import ConversationTurn
from tutorbot.tutor import LearnerRef
from tutorbot.tutor.conversation import (
    NotYourConversationError,
    converse,
    find_conversation,
    open_conversation,
)

ALAN = LearnerRef(1002, "Alan", guild_id=42)


def _prompt(server: FakeOpenAI, n: int) -> str:
    return str(server.requests[n]["messages"][-1]["content"])


async def test_second_message_sees_the_first_exchange(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    talk = await open_conversation("t1", "model-evaluation", learner=ADA, deps=tutor)
    fake_openai.reply("Overfitting means the model memorised its training data.")
    await converse("what is overfitting?", conversation=talk, learner=ADA, deps=tutor)

    await converse("how do I detect it?", conversation=talk, learner=ADA, deps=tutor)

    second = _prompt(fake_openai, 1)
    assert "what is overfitting?" in second
    assert "memorised its training data" in second
    assert "how do I detect it?" in second.split("<learner_question>")[1]
    assert "how do I detect it?" not in _prompt(fake_openai, 0)


async def test_memory_survives_a_restart(make_tutor: MakeTutor, fake_openai: FakeOpenAI) -> None:
    tutor = await make_tutor(fake_openai)
    await open_conversation("t2", None, learner=ADA, deps=tutor)
    talk = await find_conversation("t2", tutor)
    assert talk is not None
    await converse("what is a neural network?", conversation=talk, learner=ADA, deps=tutor)

    restarted = await make_tutor(fake_openai)
    found = await find_conversation("t2", restarted)
    assert found is not None
    assert (found.owner_discord_id, found.unit_id) == (ADA.discord_id, None)
    await converse("what are its layers?", conversation=found, learner=ADA, deps=restarted)

    assert "what is a neural network?" in _prompt(fake_openai, 1)


async def test_old_turns_are_dropped_to_fit_the_budget_newest_kept(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    # A small window: passages and a few turns fit, forty long turns do not.
    tutor = await make_tutor(fake_openai, context_window=3000, max_reply_tokens=500, quota_max=20)
    talk = await open_conversation("t3", None, learner=ADA, deps=tutor)
    for n in range(12):
        fake_openai.reply(f"Reply number {n}. " + "Gradient descent takes small steps. " * 60)
        await converse(
            f"question {n} about gradient descent", conversation=talk, learner=ADA, deps=tutor
        )

    last = _prompt(fake_openai, 11)
    assert "question 10 about gradient descent" in last
    assert "question 0 about gradient descent" not in last
    kept = [n for n in range(11) if f"question {n} about" in last]
    assert kept == list(range(kept[0], 11))  # the newest turns, without gaps
    assert all(f"Reply number {n}." in last for n in kept)


async def test_a_follow_up_is_searched_with_the_previous_question(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    talk = await open_conversation("t4", None, learner=ADA, deps=tutor)
    await converse("what is backpropagation?", conversation=talk, learner=ADA, deps=tutor)
    alone = tutor.retriever.search("why?", tutor.settings.search_k)

    answer = await converse("why?", conversation=talk, learner=ADA, deps=tutor)

    assert not alone.covers_question  # on its own the course does not cover it
    assert answer.in_course
    assert answer.mode == "llm"
    assert len(fake_openai.requests) == 2
    passages = _prompt(fake_openai, 1).split("Earlier conversation:")[0]
    assert "backpropagation" in passages.lower()


async def test_turns_are_stored_in_order_and_others_are_refused(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    talk = await open_conversation("t5", "training", learner=ADA, deps=tutor)
    fake_openai.reply("A learning rate sets the step size.")
    await converse("what is a learning rate?", conversation=talk, learner=ADA, deps=tutor)

    with pytest.raises(NotYourConversationError):
        await converse("hello", conversation=talk, learner=ALAN, deps=tutor)
    with pytest.raises(BadQueryError):
        await converse("   ", conversation=talk, learner=ADA, deps=tutor)
    with pytest.raises(UnknownUnitError):
        await open_conversation("t6", "no-such-unit", learner=ADA, deps=tutor)

    async with tutor.db.session() as db:
        rows = (
            await db.execute(
                select(ConversationTurn.role, ConversationTurn.content)
                .where(ConversationTurn.thread == "t5")
                .order_by(ConversationTurn.id)
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("opened", "training"),
        ("user", "what is a learning rate?"),
        ("assistant", "A learning rate sets the step size."),
    ]
