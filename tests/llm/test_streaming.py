"""Streaming: deltas arrive in order, usage is recorded, and a cut stream is never complete."""

from __future__ import annotations

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.llm.conftest import PASSAGES, make_gateway
from tutorbot.llm import (
    LlmGateway,
    LlmStreamInterruptedError,
    MemoryUsageSink,
    PromptLibrary,
    count_messages,
)
from tutorbot.tokens import TokenCounter

ANSWER = "Gradient descent takes small steps downhill [training#gradient-descent]."


async def collect(gateway: LlmGateway, received: list[str] | None = None) -> list[str]:
    deltas = received if received is not None else []
    async for delta in gateway.stream("ask", question="What is descent?", passages=PASSAGES):
        deltas.append(delta)
    return deltas


async def test_stream_yields_the_reply_in_order(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(ANSWER, chunk_size=5)

    deltas = await collect(gateway)

    assert len(deltas) > 1
    assert "".join(deltas) == ANSWER


async def test_stream_records_the_usage_the_server_reports(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply(ANSWER)

    await collect(gateway)

    assert fake_openai.requests[0]["stream_options"] == {"include_usage": True}
    [usage] = sink.records
    assert (usage.ok, usage.completion_tokens) == (True, len(ANSWER.split()))


async def test_stream_counts_tokens_itself_when_the_server_sends_no_usage(
    prompts: PromptLibrary, counter: TokenCounter, sink: MemoryUsageSink
) -> None:
    async with FakeOpenAI(stream_usage=False) as server:
        server.reply(ANSWER)
        gateway = make_gateway(server.base_url, prompts, counter, sink)
        await collect(gateway)
        await gateway.aclose()

    expected_prompt = count_messages(
        counter, prompts.render("ask", question="What is descent?", passages=PASSAGES).messages
    )
    [usage] = sink.records
    assert (usage.prompt_tokens, usage.completion_tokens) == (
        expected_prompt,
        counter.count(ANSWER),
    )


async def test_stream_cut_mid_way_raises_after_yielding_what_came(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(ANSWER, chunk_size=4, cut_stream=True)
    received: list[str] = []

    with pytest.raises(LlmStreamInterruptedError) as caught:
        await collect(gateway, received)

    assert received
    assert caught.value.partial == "".join(received)
    assert ANSWER.startswith(caught.value.partial)


async def test_stream_cut_is_recorded_as_a_failure(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply(ANSWER, cut_stream=True)

    with pytest.raises(LlmStreamInterruptedError):
        await collect(gateway)

    [usage] = sink.records
    assert (usage.ok, (usage.error or "").split(":")[0]) == (False, "stream_cut")


async def test_stream_ending_without_a_finish_reason_is_not_complete(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply(ANSWER, finish_reason=None)
    received: list[str] = []

    with pytest.raises(LlmStreamInterruptedError, match="without a finish reason"):
        await collect(gateway, received)

    assert "".join(received) == ANSWER
    assert sink.records[0].ok is False


async def test_stream_is_retried_when_it_fails_before_any_text(
    gateway: LlmGateway, fake_openai: FakeOpenAI
) -> None:
    fake_openai.reply(status=429)
    fake_openai.reply(ANSWER)

    deltas = await collect(gateway)

    assert "".join(deltas) == ANSWER


async def test_stream_left_early_by_the_caller_records_one_cancelled_row(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply(ANSWER, chunk_size=2)
    stream = gateway.stream("ask", question="What is descent?", passages=PASSAGES)

    async for _ in stream:
        break
    await stream.aclose()

    assert [(r.ok, r.error) for r in sink.records] == [(False, "cancelled")]


async def test_stream_falls_back_when_the_server_rejects_stream_options(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply("Unrecognized request argument supplied: stream_options", status=400)
    fake_openai.reply(ANSWER)

    deltas = await collect(gateway)

    assert "".join(deltas) == ANSWER
    assert "stream_options" not in fake_openai.requests[1]
    assert [r.ok for r in sink.records] == [True]
