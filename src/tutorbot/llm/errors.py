"""Failures of the LLM layer, each with a message safe to show to a learner.

Services catch ``LlmUnavailableError`` (or any ``LlmError``) to fall back to the offline
tutor: retrieval answers, authored quizzes, keyword grading. ``str(error)`` is the detail for
logs; ``user_message`` is what people see; ``code`` is the short form the usage ledger keeps.
"""

from __future__ import annotations

from tutorbot.errors import TutorError


class LlmError(TutorError):
    """Base of every failure of the LLM layer."""

    code = "llm_error"

    def __init__(self, user_message: str, reason: str = "") -> None:
        super().__init__(user_message)
        self.reason = reason or user_message

    def __str__(self) -> str:
        return self.reason


class LlmUnavailableError(LlmError):
    """The endpoint kept failing (429, 5xx, timeouts, connection errors) after every retry."""

    code = "unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(
            "The AI tutor is unavailable right now. Please try again in a minute.", reason
        )


class LlmBudgetSpentError(LlmUnavailableError):
    """The server's daily budget for model calls is spent; the gateway made no call.

    A subclass of ``LlmUnavailableError`` so every service that already falls back to the
    offline tutor on an outage does so here too, until the budget day ends.
    """

    code = "budget_spent"

    def __init__(self, reason: str = "daily budget spent") -> None:
        LlmError.__init__(
            self,
            "This server's daily AI budget is used up; answers come from the course text "
            "until 00:00 UTC.",
            reason,
        )


class LlmRejectedError(LlmError):
    """The endpoint refused the request (400, 401, 403, 404...); retrying would not help."""

    code = "rejected"

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(
            "The AI tutor could not answer because the model endpoint rejected the request.",
            f"HTTP {status}: {reason}" if status else reason,
        )
        self.status = status


class LlmStreamInterruptedError(LlmError):
    """A streamed reply stopped without a finish reason; ``partial`` is what had arrived."""

    code = "stream_cut"

    def __init__(self, partial: str, reason: str) -> None:
        super().__init__("The answer was cut off before it finished. Please ask again.", reason)
        self.partial = partial


class LlmOutputError(LlmError):
    """The model's structured reply stayed invalid after one repair request."""

    code = "invalid_output"

    def __init__(self, reason: str) -> None:
        super().__init__("The AI tutor gave a reply it could not use. Please try again.", reason)


class PromptBudgetError(LlmError):
    """The fixed part of a prompt (instructions, question) leaves no room for the reply."""

    code = "prompt_too_long"

    def __init__(self, needed: int, limit: int, what: str = "prompt") -> None:
        super().__init__(
            "That request is too long for the tutor to handle. Please shorten it and try again.",
            f"{what} needs {needed} tokens but only {limit} fit",
        )
        self.needed = needed
        self.limit = limit


class PromptTemplateError(LlmError):
    """A prompt template is missing, malformed, or rendered without a value it needs."""

    code = "prompt_error"

    def __init__(self, template: str, reason: str) -> None:
        super().__init__(
            "The tutor's instructions could not be prepared; an admin needs to fix them.",
            f"prompt template '{template}': {reason}",
        )
        self.template = template
