"""The gateway's router: a server's model for its calls, and no call once its budget is spent."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pydantic import BaseModel

from tests.fakes.openai_server import FakeOpenAI
from tests.llm.conftest import PASSAGES
from tutorbot.llm import (
    LlmBudgetSpentError,
    LlmGateway,
    LlmUnavailableError,
    MemoryUsageSink,
    UsageRecord,
    prices_for,
)


@dataclass
class Router:
    """Server 1 uses gpt-4.1-mini; server 2 has spent its budget; the rest use the default."""

    seen: list[UsageRecord] = field(default_factory=list)

    async def model_for(self, guild_id: int | None) -> str:
        if guild_id == 2:
            raise LlmBudgetSpentError()
        return "gpt-4.1-mini" if guild_id == 1 else "gpt-4o-mini"

    def spent(self, usage: UsageRecord) -> None:
        self.seen.append(usage)


class Verdict(BaseModel):
    ok: bool


async def test_each_call_goes_to_its_servers_model_at_that_models_price(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    router = gateway.router = Router()
    await gateway.complete("ask", guild_id=1, question="What is a loss?", passages=PASSAGES)
    async for _ in gateway.stream("ask", guild_id=3, question="What?", passages=PASSAGES):
        pass
    fake_openai.reply('{"ok": true}')
    await gateway.structured("ask", Verdict, guild_id=1, question="Ok?", passages=PASSAGES)
    first = sink.records[0]
    expected = ["gpt-4.1-mini", "gpt-4o-mini", "gpt-4.1-mini"]
    assert [r["model"] for r in fake_openai.requests] == expected
    assert [r.model for r in sink.records] == expected
    assert first.cost_usd == pytest.approx(
        prices_for("gpt-4.1-mini").cost(first.prompt_tokens, first.completion_tokens)
    )
    assert router.seen == sink.records  # the router counts every recorded call


async def test_a_server_out_of_budget_makes_no_request_and_no_record(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    gateway.router = Router()
    with pytest.raises(LlmUnavailableError) as caught:
        await gateway.complete("ask", guild_id=2, question="What?", passages=PASSAGES)
    assert isinstance(caught.value, LlmBudgetSpentError)
    assert "00:00 UTC" in caught.value.user_message
    assert fake_openai.requests == []
    assert sink.records == []


async def test_without_a_router_every_call_uses_the_gateways_model(
    gateway: LlmGateway, fake_openai: FakeOpenAI, sink: MemoryUsageSink
) -> None:
    await gateway.complete("ask", guild_id=1, question="What is a loss?", passages=PASSAGES)
    assert fake_openai.requests[0]["model"] == "gpt-4o-mini"
    assert sink.records[0].model == "gpt-4o-mini"
