"""Token budgets: what fits in the context window once room for the reply is kept.

A prompt is a fixed part (instructions, the question) and droppable parts (passages, old
conversation turns), each with a value. ``fit`` keeps the most valuable parts that fit and
drops the others whole, so no passage or turn is ever cut mid-sentence. ``fit_context`` does
the whole job for a template: it measures, fits, renders and checks the exact count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from tutorbot.llm.errors import PromptBudgetError
from tutorbot.llm.prompts import (
    ChatMessage,
    PromptLibrary,
    RenderedPrompt,
    format_passage,
    format_turn,
)
from tutorbot.tokens import TokenCounter

T = TypeVar("T")
P = TypeVar("P")
H = TypeVar("H")

# Chat formats add a few tokens per message (role, separators) and prime the reply; these are
# OpenAI's published figures rounded up, so budgets err on the safe side.
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3


def count_messages(counter: TokenCounter, messages: Sequence[ChatMessage]) -> int:
    """Tokens a list of chat messages costs as a prompt."""
    return REPLY_PRIMING + sum(MESSAGE_OVERHEAD + counter.count(m["content"]) for m in messages)


def check_fits(needed: int, limit: int, what: str = "prompt") -> None:
    """Raise ``PromptBudgetError`` when ``needed`` tokens exceed ``limit``."""
    if needed > limit:
        raise PromptBudgetError(needed, limit, what)


@dataclass(frozen=True, slots=True)
class Part(Generic[T]):
    """A droppable piece of a prompt: its size and how much it is worth keeping."""

    item: T
    tokens: int
    value: float


@dataclass(frozen=True, slots=True)
class Fitted(Generic[T]):
    """Parts kept (in their original order), parts dropped, and the total token count."""

    kept: list[T]
    dropped: list[T]
    tokens: int


def fit(fixed_tokens: int, parts: Sequence[Part[T]], limit: int) -> Fitted[T]:
    """Keep the most valuable ``parts`` that fit in ``limit`` beside ``fixed_tokens``.

    Parts drop whole, lowest value first (on equal value the later part goes first); then
    any dropped part that fits in the room left is taken back, best first, so small parts are
    not lost to a large one. Raises ``PromptBudgetError`` if the fixed part alone is too big.
    """
    check_fits(fixed_tokens, limit, "the fixed part of the prompt")
    total = fixed_tokens + sum(part.tokens for part in parts)
    worst_first = sorted(range(len(parts)), key=lambda i: (parts[i].value, -i))
    dropped: set[int] = set()
    for i in worst_first:
        if total <= limit:
            break
        dropped.add(i)
        total -= parts[i].tokens
    for i in reversed(worst_first):
        if i in dropped and total + parts[i].tokens <= limit:
            dropped.discard(i)
            total += parts[i].tokens
    return Fitted(
        kept=[part.item for i, part in enumerate(parts) if i not in dropped],
        dropped=[part.item for i, part in enumerate(parts) if i in dropped],
        tokens=total,
    )


@dataclass(frozen=True, slots=True)
class ContextFit(Generic[P, H]):
    """Passages and history turns that fit, and the prompt rendered with them."""

    passages: list[P]
    history: list[H]
    prompt: RenderedPrompt
    tokens: int


def fit_context(
    prompts: PromptLibrary,
    counter: TokenCounter,
    template: str,
    limit: int,
    *,
    passages: Sequence[P] = (),
    history: Sequence[H] = (),
    **context: object,
) -> ContextFit[P, H]:
    """Fit retrieved ``passages`` (best first) and ``history`` (oldest first) into ``limit``.

    Values follow reciprocal rank: passage ``r`` (0 = best) is worth ``1/(r+1)``, the turn
    ``a`` places from the newest is worth ``1/(a+2)``; so the latest turn counts like the
    second passage and old turns go before good passages; the turns kept are always the
    newest ones, without gaps. Part sizes are estimates (tokens
    do not add up exactly across joins), so the rendered prompt is counted again and the
    limit tightened until the real count fits.
    """
    empty = prompts.render(template, passages=[], history=[], **context)
    fixed = count_messages(counter, empty.messages)
    # Indexes into passages (>= 0) and history (< 0) keep the two item types apart.
    parts = [
        Part(rank, counter.count(format_passage(p)) + 1, 1 / (rank + 1))
        for rank, p in enumerate(passages)
    ]
    parts += [
        Part(-1 - i, counter.count(format_turn(t)) + 1, 1 / (len(history) - i + 1))
        for i, t in enumerate(history)
    ]
    target = limit
    while True:
        fitted = fit(fixed, parts, target)
        kept_passages = [passages[i] for i in fitted.kept if i >= 0]
        # A conversation keeps an unbroken run of its newest turns: an old short question
        # kept without its long reply (what value per token alone would do) misleads.
        dropped = [j for j in range(len(history)) if -1 - j not in fitted.kept]
        kept_history = list(history[max(dropped, default=-1) + 1 :])
        prompt = prompts.render(template, passages=kept_passages, history=kept_history, **context)
        tokens = count_messages(counter, prompt.messages)
        if tokens <= limit:
            return ContextFit(kept_passages, kept_history, prompt, tokens)
        if not fitted.kept:
            raise PromptBudgetError(tokens, limit, f"prompt '{template}'")
        target = max(fixed, target - (tokens - limit))
