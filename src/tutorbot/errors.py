"""Errors that carry a message safe to show to a learner, admin or operator.

Every adapter (CLI, console, Discord) has one handler that shows ``user_message`` for a
``TutorError`` and logs anything else; nothing below the adapters formats errors for people.
"""

from __future__ import annotations


class TutorError(Exception):
    """Base of every expected failure; ``user_message`` is safe to show as is."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class CurriculumError(TutorError):
    """The course on disk cannot be loaded; ``problems`` says where and why."""

    def __init__(self, user_message: str, problems: list[str] | None = None) -> None:
        super().__init__(user_message)
        self.problems = problems or []


class UnknownUnitError(TutorError):
    """A learner or admin named a unit the course does not have."""

    def __init__(self, unit_id: str, known: list[str]) -> None:
        hint = ", ".join(known[:10])
        super().__init__(f"There is no unit called '{unit_id}'. Units: {hint}.")
        self.unit_id = unit_id


class BadQueryError(TutorError):
    """A search or question that cannot be answered as typed (empty, too long)."""


class ConfigError(TutorError):
    """Settings from the environment or .env are invalid; the message names the fields."""
