"""The usage ledger's input: one record per model call, and what a call costs.

The gateway hands every call's record (success or failure) to a ``UsageSink``; the storage
layer writes it to the ``llm_usage`` table, which drives quotas and cost reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

ERROR_CHARS = 200  # the llm_usage.error column's width


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """One gateway call: who, which prompt, tokens, estimated cost, latency and outcome."""

    learner_id: int | None
    guild_id: int | None
    model: str
    template: str
    template_hash: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    latency_ms: int
    ok: bool
    error: str | None = None


class UsageSink(Protocol):
    """Where usage records go (the database in the bot, a list in the console)."""

    async def record(self, usage: UsageRecord) -> None:
        """Store one record."""
        ...


@dataclass
class MemoryUsageSink:
    """Keeps records in memory: for the console REPL, benches and tests."""

    records: list[UsageRecord] = field(default_factory=list)

    async def record(self, usage: UsageRecord) -> None:
        """Append the record."""
        self.records.append(usage)


@dataclass(frozen=True, slots=True)
class Prices:
    """USD per 1M prompt tokens and per 1M completion tokens."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Estimated USD for one call."""
        return (
            prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok
        ) / 1_000_000


# List prices of well-known models when this table was written (standard tier, no caching).
# Estimates only: settings override them, and unknown models cost 0.
KNOWN_PRICES: dict[str, Prices] = {
    "gpt-4o-mini": Prices(0.15, 0.60),
    "gpt-4o": Prices(2.50, 10.00),
    "gpt-4.1-nano": Prices(0.10, 0.40),
    "gpt-4.1-mini": Prices(0.40, 1.60),
    "gpt-4.1": Prices(2.00, 8.00),
    "gpt-4-turbo": Prices(10.00, 30.00),
    "gpt-3.5-turbo": Prices(0.50, 1.50),
    "o4-mini": Prices(1.10, 4.40),
    "o3-mini": Prices(1.10, 4.40),
    "o3": Prices(2.00, 8.00),
}


def prices_for(
    model: str, input_per_mtok: float | None = None, output_per_mtok: float | None = None
) -> Prices:
    """Prices for ``model``: the overrides where given, else the table's entry for the longest
    matching name prefix (dated snapshots such as ``gpt-4o-2024-08-06`` match), else 0."""
    known = Prices()
    for name in sorted(KNOWN_PRICES, key=len, reverse=True):
        if model == name or model.startswith(name + "-"):
            known = KNOWN_PRICES[name]
            break
    return Prices(
        known.input_per_mtok if input_per_mtok is None else input_per_mtok,
        known.output_per_mtok if output_per_mtok is None else output_per_mtok,
    )


def short_error(code: str, detail: str = "") -> str:
    """``code: detail`` cut to the ledger column's width."""
    text = f"{code}: {detail}" if detail else code
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"
