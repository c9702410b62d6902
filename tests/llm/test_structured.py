"""Structured output: valid JSON is accepted, broken JSON gets one repair, then an error."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel

from tests.fakes.openai_server import FakeOpenAI
from tutorbot.llm import LlmGateway, LlmOutputError, MemoryUsageSink
from tutorbot.llm.structured import strict_json_schema


class CriterionJudgement(BaseModel):
    id: str
    met: bool
    reason: str


class RubricJudgement(BaseModel):
    criteria: list[CriterionJudgement]
    note: str | None = None


VALID = {"criteria": [{"id": "c1", "met": True, "reason": "Names the running average."}]}


async def grade(gateway: LlmGateway) -> RubricJudgement:
    return await gateway.structured(
        "grade_short_answer",
        RubricJudgement,
        question="Why does momentum help on a bumpy loss surface?",
        model_answer="It averages past gradients.",
        criteria=[{"id": "c1", "text": "Mentions averaging past gradients"}],
        learner_answer="It keeps a running average of past gradients.",
    )


async def test_valid_json_is_returned_as_the_model(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(json.dumps(VALID))

    judgement = await grade(gateway)

    assert judgement == RubricJudgement.model_validate(VALID)


async def test_request_asks_for_the_strict_json_schema(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(json.dumps(VALID))

    await grade(gateway)

    fmt = fake_openai.requests[0]["response_format"]
    assert (fmt["type"], fmt["json_schema"]["strict"]) == ("json_schema", True)
    assert fmt["json_schema"]["schema"] == strict_json_schema(RubricJudgement)


async def test_broken_json_is_repaired_by_one_more_request(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply('{"criteria": [{"id": "c1", "met": tru')
    fake_openai.reply(json.dumps(VALID))

    judgement = await grade(gateway)

    assert judgement.criteria[0].met is True
    repair = fake_openai.requests[1]["messages"]
    assert [m["role"] for m in repair[-2:]] == ["assistant", "user"]
    assert "Invalid JSON" in repair[-1]["content"]


async def test_json_of_the_wrong_shape_is_repaired_too(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(json.dumps({"criteria": [{"id": "c1", "met": "perhaps"}]}))
    fake_openai.reply(json.dumps(VALID))

    await grade(gateway)

    assert "criteria.0.reason" in fake_openai.requests[1]["messages"][-1]["content"]


async def test_reply_still_broken_after_the_repair_raises_output_error(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply("Full marks!")
    fake_openai.reply("I said full marks.")

    with pytest.raises(LlmOutputError) as caught:
        await grade(gateway)

    assert len(fake_openai.requests) == 2
    assert "Full marks" not in caught.value.user_message


async def test_repaired_call_records_one_row_with_both_exchanges(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply("not json at all")
    fake_openai.reply(json.dumps(VALID))

    await grade(gateway)

    [usage] = sink.records
    first_prompt = sum(len(m["content"].split()) for m in fake_openai.requests[0]["messages"])
    assert usage.prompt_tokens > first_prompt


async def test_json_in_a_code_fence_is_accepted(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(f"```json\n{json.dumps(VALID)}\n```")

    await grade(gateway)

    assert len(fake_openai.requests) == 1


def test_strict_schema_closes_every_object_and_requires_every_field() -> None:
    schema = strict_json_schema(RubricJudgement)

    objects = [schema, schema["$defs"]["CriterionJudgement"]]
    assert all(o["additionalProperties"] is False for o in objects)
    assert all(o["required"] == list(o["properties"]) for o in objects)
    assert "default" not in schema["properties"]["note"]
