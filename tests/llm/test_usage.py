"""The usage ledger: every gateway call records exactly one row, traceable to its prompt."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.llm.conftest import PASSAGES, make_gateway
from tutorbot.llm import (
    LlmGateway,
    LlmRejectedError,
    LlmUnavailableError,
    MemoryUsageSink,
    PromptLibrary,
    UsageRecord,
    build_gateway,
    default_prompts_dir,
    prices_for,
)
from tutorbot.settings import load_settings
from tutorbot.tokens import TokenCounter


async def test_call_records_one_row_with_the_hash_of_the_template_files(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    folder = default_prompts_dir()
    files = [(folder / name).read_bytes() for name in ("ask.j2", "system.j2")]

    await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    [usage] = sink.records
    assert usage.template_hash == hashlib.sha256(b"\0".join(files)).hexdigest()[:16]


async def test_row_holds_the_servers_token_counts_and_who_asked(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply("Loss scores error.")

    reply = await gateway.complete(
        "ask", learner_id=7, guild_id=123, question="What is a loss?", passages=PASSAGES
    )

    [usage] = sink.records
    assert (usage.learner_id, usage.guild_id, usage.template, usage.ok) == (7, 123, "ask", True)
    assert (usage.prompt_tokens, usage.completion_tokens) == (
        reply.prompt_tokens,
        reply.completion_tokens,
    )
    assert usage.completion_tokens == 3


async def test_failed_call_records_one_row_marked_not_ok(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    fake_openai.reply("bad request", status=400)

    with pytest.raises(LlmRejectedError):
        await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    assert [(r.ok, (r.error or "").split(":")[0]) for r in sink.records] == [(False, "rejected")]


async def test_cost_is_estimated_from_the_models_prices(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    [usage] = sink.records
    prices = prices_for("gpt-4o-mini")
    assert usage.cost_usd == pytest.approx(
        prices.cost(usage.prompt_tokens, usage.completion_tokens)
    )
    assert usage.cost_usd > 0


def test_prices_match_dated_snapshots_and_unknown_models_cost_nothing() -> None:
    assert prices_for("gpt-4o-2024-08-06") == prices_for("gpt-4o")
    assert prices_for("gpt-4o-mini") != prices_for("gpt-4o")
    assert prices_for("llama3.1:8b").cost(1_000_000, 1_000_000) == 0.0


def test_configured_prices_override_the_table() -> None:
    assert prices_for("gpt-4o", 1.0, None).input_per_mtok == 1.0


class BrokenSink:
    """A ledger whose database is down."""

    async def record(self, usage: UsageRecord) -> None:
        raise OSError("database is down")


async def test_sink_failure_does_not_cost_the_learner_the_answer(
    fake_openai: FakeOpenAI, prompts: PromptLibrary, counter: TokenCounter
) -> None:
    gateway = make_gateway(fake_openai.base_url, prompts, counter, BrokenSink())
    fake_openai.reply("Still answered.")

    reply = await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)
    await gateway.aclose()

    assert reply.text == "Still answered."


async def test_gateway_without_a_client_is_unavailable_and_says_so_in_the_ledger(
    prompts: PromptLibrary, counter: TokenCounter, sink: MemoryUsageSink
) -> None:
    gateway = LlmGateway(None, model="m", prompts=prompts, counter=counter, sink=sink)

    with pytest.raises(LlmUnavailableError):
        await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)

    assert [r.ok for r in sink.records] == [False]


def test_no_gateway_is_built_without_an_endpoint(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    prompts: PromptLibrary,
    counter: TokenCounter,
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "TUTORBOT_OPENAI_API_KEY",
        "TUTORBOT_OPENAI_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)

    assert build_gateway(load_settings(), prompts, counter, MemoryUsageSink()) is None


async def test_built_gateway_talks_to_the_configured_endpoint(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    fake_openai: FakeOpenAI,
    prompts: PromptLibrary,
    counter: TokenCounter,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("TUTORBOT_MODEL", "local-model")
    gateway = build_gateway(load_settings(), prompts, counter, MemoryUsageSink())
    assert gateway is not None
    fake_openai.reply("Hello from the endpoint.")
    fake_openai.reply("Streamed from the endpoint.", chunk_size=5)

    reply = await gateway.complete("ask", question="What is a loss?", passages=PASSAGES)
    streamed = [d async for d in gateway.stream("ask", question="And a gradient?", passages=[])]
    await gateway.aclose()

    assert (reply.text, fake_openai.requests[0]["model"]) == (
        "Hello from the endpoint.",
        "local-model",
    )
    assert len(streamed) > 1
    assert "".join(streamed) == "Streamed from the endpoint."
