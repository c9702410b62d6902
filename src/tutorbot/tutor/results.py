"""What the tutor services return: plain values every adapter (Discord, console, CLI) renders.

No service formats for a screen; these types carry text, citations and choices, and the
``mode`` says whether a model wrote the text or the course itself answered (offline).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Mode = Literal["llm", "offline"]


@dataclass(frozen=True, slots=True)
class Citation:
    """A course section an answer relies on."""

    id: str
    unit: str
    title: str


@dataclass(frozen=True, slots=True)
class Answer:
    """An explanation or an answer to a question, with the sections it cites."""

    text: str
    citations: list[Citation]
    in_course: bool
    mode: Mode
    suggestions: list[str] = field(default_factory=list)
    note: str | None = None

    def as_json(self) -> dict[str, object]:
        """The shape ``tutorbot ask --json`` prints."""
        return {
            "answer": self.text,
            "citations": [{"id": c.id, "unit": c.unit, "title": c.title} for c in self.citations],
            "in_course": self.in_course,
            "mode": self.mode,
        }


@dataclass(frozen=True, slots=True)
class QuestionView:
    """A quiz question as a learner sees it: never the answer."""

    session_id: int
    question_id: str
    number: int
    total: int
    kind: str
    prompt: str
    choices: list[str] = field(default_factory=list)
    hints_used: int = 0


@dataclass(frozen=True, slots=True)
class Grade:
    """The outcome of one answer. ``score`` is 0..1, computed in code."""

    question_id: str
    score: float
    correct: bool
    feedback: str
    explanation: str
    grader: str
    citations: list[Citation] = field(default_factory=list)
    mode: Mode = "offline"


@dataclass(frozen=True, slots=True)
class FinalOutcome:
    """How a finished final assessment ended: passed (with the certificate issued) or not
    (with when the next attempt opens)."""

    passed: bool
    score: float
    pass_score: float
    certificate_id: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuizStep:
    """The grade of an answer, then either the next question or the final score."""

    grade: Grade
    next_question: QuestionView | None
    finished: bool
    score: float | None = None
    answered: int = 0
    total: int = 0
    final: FinalOutcome | None = None  # set when a final assessment just finished
    kind: str = "unit"  # the session's kind: unit, challenge, review or final


@dataclass(frozen=True, slots=True)
class Hint:
    """One rung of the hint ladder: 1 nudge, 2 concept, 3 worked step."""

    level: int
    text: str
    mode: Mode
    last: bool


@dataclass(frozen=True, slots=True)
class UnitStanding:
    """A learner's place in one unit."""

    unit_id: str
    title: str
    status: str
    mastery: float
    attempts: int
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProgressReport:
    """Every unit of the course, in order, for one learner."""

    course_id: str
    course_title: str
    units: list[UnitStanding]
    reviews_due: int = 0  # spaced-review cards due now
    retention: float | None = None  # mean predicted recall of the review cards (None: none)

    @property
    def completed(self) -> int:
        """Units completed."""
        return sum(1 for u in self.units if u.status == "completed")
