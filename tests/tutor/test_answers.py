"""Ask and explain: grounded, cited, honest about what the course covers, and robust."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.errors import TutorError
from tutorbot.retrieval import Hit
from tutorbot.storage import LearningEvent, LlmUsage
from tutorbot.tutor import Answer, ask, ask_stream, explain
from tutorbot.tutor.citations import checked_citations


async def test_offline_answer_quotes_the_course_with_citations(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    answer = await ask("what is overfitting", learner=ADA, deps=tutor)
    assert (answer.mode, answer.in_course) == ("offline", True)
    assert answer.citations
    assert all(f"[{c.id}]" in answer.text for c in answer.citations)


async def test_question_outside_the_course_is_declined_without_a_model_call(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    answer = await ask("how do I bake sourdough bread at home", learner=ADA, deps=tutor)
    assert (answer.in_course, answer.citations) == (False, [])
    assert "does not cover" in answer.text
    assert fake_openai.requests == []


async def test_model_answer_keeps_only_citations_of_passages_it_was_given(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    given = tutor.retriever.search("what is overfitting", 5).hits[0].id
    fake_openai.reply(f"Overfitting is memorising noise [{given}], see also [made-up#section].")
    answer = await ask("what is overfitting", learner=ADA, deps=tutor)
    assert [c.id for c in answer.citations] == [given]
    assert "made-up#section" not in answer.text
    assert answer.mode == "llm"


async def test_learner_question_reaches_the_model_only_as_delimited_data(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    await ask("what is gradient descent", learner=ADA, deps=tutor)
    user_message = fake_openai.requests[0]["messages"][-1]["content"]
    assert "<learner_question>" in user_message
    assert "what is gradient descent" in user_message.split("<learner_question>")[1]


async def test_model_outage_falls_back_to_the_course_and_refunds_the_question(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai, quota_max=1)
    for _ in range(2):  # the first try and its one retry
        fake_openai.reply("down", status=503)
    answer = await ask("what is backpropagation", learner=ADA, deps=tutor)
    fake_openai.reply("Backpropagation applies the chain rule.")
    again = await ask("what is backpropagation", learner=ADA, deps=tutor)
    assert (answer.mode, again.mode) == ("offline", "llm")
    assert answer.note is not None
    assert "unavailable" in answer.note


async def test_every_model_call_records_usage_with_the_prompt_hash(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    await ask("what is a loss function", learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        usage = (await db.scalars(select(LlmUsage))).one()
    assert tutor.llm is not None
    assert (usage.template, usage.template_hash, usage.ok) == (
        "ask",
        tutor.llm.prompts.template_hash("ask"),
        True,
    )
    assert usage.prompt_tokens > 0


async def test_explain_is_limited_to_the_named_unit(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    answer = await explain(
        "learning rate", unit_id="training", level="beginner", learner=ADA, deps=tutor
    )
    assert answer.citations
    assert {c.unit for c in answer.citations} == {"training"}


async def test_explain_refuses_an_unknown_level_or_unit(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    with pytest.raises(TutorError, match="Level must be"):
        await explain("loss", unit_id=None, level="expert", learner=ADA, deps=tutor)
    with pytest.raises(TutorError, match="no unit called 'nope'"):
        await explain("loss", unit_id="nope", level="beginner", learner=ADA, deps=tutor)


async def test_each_question_is_logged_as_a_learning_event(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await ask("what is overfitting", learner=ADA, deps=tutor)
    await ask("who won the 1966 world cup final", learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        verbs = list(await db.scalars(select(LearningEvent.verb)))
        count = await db.scalar(select(func.count()).select_from(LearningEvent))
    assert (verbs, count) == (["asked", "asked"], 2)


def test_citation_check_drops_ids_that_were_not_given() -> None:
    hit = Hit("u#a", "u", "Unit", "A", 1.0, "text", 1.0)
    text, cited = checked_citations("Yes [u#a] and [u#b].", [hit])
    assert (text, [c.id for c in cited]) == ("Yes [u#a] and.", ["u#a"])


async def test_streamed_answer_arrives_in_pieces_and_ends_with_the_checked_answer(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    given = tutor.retriever.search("what is overfitting", 5).hits[0].id
    fake_openai.reply(
        f"Overfitting means memorising noise instead of patterns [{given}].", chunk_size=5
    )
    items = [i async for i in ask_stream("what is overfitting", learner=ADA, deps=tutor)]
    deltas, final = items[:-1], items[-1]
    assert len(deltas) > 3
    assert isinstance(final, Answer)
    assert final.text == "".join(str(d) for d in deltas)
    assert [c.id for c in final.citations] == [given]
