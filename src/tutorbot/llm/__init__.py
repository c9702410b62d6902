"""The LLM layer: prompt templates, token budgets, and the gateway that calls the model.

Nothing else in tutorbot talks to a model. Services get an ``LlmGateway`` (or None when the
tutor runs offline) and catch ``LlmError`` subclasses to fall back to offline answers.
"""

from __future__ import annotations

from tutorbot.llm.budget import (
    ContextFit,
    Fitted,
    Part,
    check_fits,
    count_messages,
    fit,
    fit_context,
)
from tutorbot.llm.errors import (
    LlmBudgetSpentError,
    LlmError,
    LlmOutputError,
    LlmRejectedError,
    LlmStreamInterruptedError,
    LlmUnavailableError,
    PromptBudgetError,
    PromptTemplateError,
)
from tutorbot.llm.factory import build_gateway
from tutorbot.llm.gateway import CallRouter, Completion, LlmGateway
from tutorbot.llm.prompts import (
    ChatMessage,
    PromptLibrary,
    RenderedPrompt,
    default_prompts_dir,
    format_passage,
    format_turn,
    wrap_data,
)
from tutorbot.llm.retry import RetryPolicy
from tutorbot.llm.usage import (
    KNOWN_PRICES,
    MemoryUsageSink,
    Prices,
    UsageRecord,
    UsageSink,
    prices_for,
)

__all__ = [
    "KNOWN_PRICES",
    "CallRouter",
    "ChatMessage",
    "Completion",
    "ContextFit",
    "Fitted",
    "LlmBudgetSpentError",
    "LlmError",
    "LlmGateway",
    "LlmOutputError",
    "LlmRejectedError",
    "LlmStreamInterruptedError",
    "LlmUnavailableError",
    "MemoryUsageSink",
    "Part",
    "Prices",
    "PromptBudgetError",
    "PromptLibrary",
    "PromptTemplateError",
    "RenderedPrompt",
    "RetryPolicy",
    "UsageRecord",
    "UsageSink",
    "build_gateway",
    "check_fits",
    "count_messages",
    "default_prompts_dir",
    "fit",
    "fit_context",
    "format_passage",
    "format_turn",
    "prices_for",
    "wrap_data",
]
