"""Token budgets: parts drop whole, least valuable first, and the prompt always fits."""

from __future__ import annotations

import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.llm.conftest import make_gateway
from tutorbot.llm import (
    ContextFit,
    MemoryUsageSink,
    Part,
    PromptBudgetError,
    PromptLibrary,
    count_messages,
    fit,
    fit_context,
)
from tutorbot.tokens import TokenCounter


def passages(count: int, words: int = 60) -> list[dict[str, str]]:
    text = " ".join(["Gradient descent takes a careful step downhill."] * (words // 7))
    return [{"id": f"unit#s{i}", "title": f"S{i}", "text": text} for i in range(count)]


def test_lowest_value_parts_drop_first_and_the_rest_keep_their_order() -> None:
    parts = [Part("a", 10, 0.9), Part("b", 10, 0.1), Part("c", 10, 0.5), Part("d", 10, 0.2)]

    fitted = fit(5, parts, 30)

    assert (fitted.kept, fitted.dropped, fitted.tokens) == (["a", "c"], ["b", "d"], 25)


def test_parts_are_never_cut_only_dropped_whole() -> None:
    fitted = fit(0, [Part("long", 50, 1.0)], 49)

    assert (fitted.kept, fitted.tokens) == ([], 0)


def test_a_small_part_comes_back_when_a_big_one_made_room() -> None:
    parts = [Part("best", 10, 1.0), Part("big", 50, 0.5), Part("small", 5, 0.1)]

    assert fit(0, parts, 20).kept == ["best", "small"]


def test_fixed_part_that_cannot_fit_is_a_clear_error() -> None:
    with pytest.raises(PromptBudgetError, match="fixed part of the prompt needs 120"):
        fit(120, [], 100)


def test_context_keeps_the_best_passages_and_fits_the_limit(
    prompts: PromptLibrary, counter: TokenCounter
) -> None:
    ranked = passages(8)
    fixed = count_messages(counter, prompts.render("ask", question="Why?", passages=[]).messages)
    limit = fixed + 3 * counter.count(ranked[0]["text"])

    fitted: ContextFit[dict[str, str], object] = fit_context(
        prompts, counter, "ask", limit, passages=ranked, question="Why?"
    )

    assert 0 < len(fitted.passages) < len(ranked)
    assert fitted.passages == ranked[: len(fitted.passages)]
    assert fitted.tokens == count_messages(counter, fitted.prompt.messages) <= limit


def test_old_turns_drop_before_the_best_passages(
    prompts: PromptLibrary, counter: TokenCounter
) -> None:
    history = [{"role": "user", "content": f"Earlier question {i} " * 30} for i in range(4)]
    ranked = passages(2)
    fixed = count_messages(counter, prompts.render("ask", question="Why?", passages=[]).messages)

    fitted = fit_context(
        prompts, counter, "ask", fixed + 250, passages=ranked, history=history, question="Why?"
    )

    assert fitted.passages[0] == ranked[0]
    assert history[0] not in fitted.history


async def test_gateway_refuses_a_prompt_too_long_before_sending_it(
    fake_openai: FakeOpenAI, prompts: PromptLibrary, counter: TokenCounter
) -> None:
    sink = MemoryUsageSink()
    gateway = make_gateway(fake_openai.base_url, prompts, counter, sink, context_window=1200)

    with pytest.raises(PromptBudgetError):
        await gateway.complete("ask", question="Why? " * 400, passages=passages(3))
    await gateway.aclose()

    [usage] = sink.records
    assert fake_openai.requests == []
    assert (usage.error or "").startswith("prompt_too_long")
