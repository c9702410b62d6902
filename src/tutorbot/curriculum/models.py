"""The course as plain, immutable data: units, sections, questions, certification rule.

Everything the tutor teaches from is one ``Course`` value, built by the loader and never
mutated, so it can be shared by every service and swapped whole on reload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class Bloom(StrEnum):
    """Bloom's revised taxonomy, lowest to highest; used to balance quizzes."""

    REMEMBER = "remember"
    UNDERSTAND = "understand"
    APPLY = "apply"
    ANALYZE = "analyze"
    EVALUATE = "evaluate"
    CREATE = "create"

    @property
    def is_higher_order(self) -> bool:
        """Apply and above: questions that need more than recall."""
        return self in {Bloom.APPLY, Bloom.ANALYZE, Bloom.EVALUATE, Bloom.CREATE}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Choice(_Strict):
    """One option of a multiple-choice question; ``weight`` keeps GIFT partial credit."""

    text: str = Field(min_length=1)
    correct: bool = False
    feedback: str | None = None
    weight: float | None = None


class RubricCriterion(_Strict):
    """One thing a good short answer does, worth ``points``; keywords drive offline grading."""

    criterion: str = Field(min_length=1)
    points: int = Field(ge=1, le=10)
    keywords: list[str] = Field(default_factory=list)


class _QuestionBase(_Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    prompt: str = Field(min_length=1)
    bloom: Bloom | None = None
    explanation: str | None = None
    section: str | None = None
    unit: str | None = None


class MultipleChoiceQuestion(_QuestionBase):
    """Choices graded in code."""

    type: Literal["multiple_choice"]
    choices: list[Choice] = Field(min_length=2)

    @property
    def correct_indexes(self) -> list[int]:
        """Positions of the correct choices (one for ordinary questions)."""
        return [i for i, c in enumerate(self.choices) if c.correct]


class TrueFalseQuestion(_QuestionBase):
    """A statement the learner marks true or false."""

    type: Literal["true_false"]
    answer: bool


class ShortAnswerQuestion(_QuestionBase):
    """Free text graded against a rubric (LLM or keywords) or a list of accepted answers."""

    type: Literal["short_answer"]
    model_answer: str | None = None
    rubric: list[RubricCriterion] = Field(default_factory=list)
    accepted_answers: list[str] = Field(default_factory=list)

    @property
    def max_points(self) -> int:
        """Total rubric points, or 1 for accepted-answer questions."""
        return sum(c.points for c in self.rubric) or 1


class NumericQuestion(_QuestionBase):
    """A number within ``tolerance`` of ``answer`` (GIFT ``{#answer:tolerance}``)."""

    type: Literal["numeric"]
    answer: float
    tolerance: float = Field(default=0.0, ge=0)


Question = Annotated[
    MultipleChoiceQuestion | TrueFalseQuestion | ShortAnswerQuestion | NumericQuestion,
    Field(discriminator="type"),
]


class FinalAssessment(_Strict):
    """How the certifying exam is drawn and passed."""

    bank: str = "quizzes/final.yaml"
    questions: int = Field(default=20, ge=1)
    pass_score: float = Field(default=0.8, gt=0, le=1)
    retry_after_hours: int = Field(default=24, ge=0)


class CertificationRule(_Strict):
    """What a learner must do to earn the course certificate."""

    all_units_mastered: bool = True
    mastery_threshold: float = Field(default=0.85, gt=0, le=1)
    final_assessment: FinalAssessment | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and the text under it: the unit of citation (``unit-id#slug``)."""

    unit_id: str
    slug: str
    title: str
    level: int
    text: str
    file: Path
    line: int
    parent_id: str | None = None
    breadcrumb: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """The stable citation id."""
        return f"{self.unit_id}#{self.slug}"


@dataclass(frozen=True, slots=True)
class Unit:
    """One lesson: metadata, its sections in reading order, and its question bank."""

    id: str
    title: str
    file: Path
    sections: tuple[Section, ...]
    objectives: tuple[str, ...] = ()
    prerequisites: tuple[str, ...] = ()
    estimated_minutes: int | None = None
    tags: tuple[str, ...] = ()
    questions: tuple[
        MultipleChoiceQuestion | TrueFalseQuestion | ShortAnswerQuestion | NumericQuestion, ...
    ] = ()

    @property
    def word_count(self) -> int:
        """Words of teaching text, headings excluded."""
        return sum(len(s.text.split()) for s in self.sections)

    def section(self, slug: str) -> Section | None:
        """The section with this slug, if any."""
        return next((s for s in self.sections if s.slug == slug), None)


@dataclass(frozen=True, slots=True)
class Course:
    """A whole course; ``content_hash`` changes whenever any loaded file changes."""

    id: str
    title: str
    version: str
    root: Path
    units: tuple[Unit, ...]
    content_hash: str
    description: str = ""
    certification: CertificationRule = field(default_factory=CertificationRule)
    final_questions: tuple[
        MultipleChoiceQuestion | TrueFalseQuestion | ShortAnswerQuestion | NumericQuestion, ...
    ] = ()

    def unit(self, unit_id: str) -> Unit | None:
        """The unit with this id, if any."""
        return next((u for u in self.units if u.id == unit_id), None)

    @property
    def sections(self) -> list[Section]:
        """Every section of every unit, in course order."""
        return [s for u in self.units for s in u.sections]

    @property
    def question_count(self) -> int:
        """Unit questions plus the final bank."""
        return sum(len(u.questions) for u in self.units) + len(self.final_questions)

    @property
    def word_count(self) -> int:
        """Words of teaching text in every unit."""
        return sum(u.word_count for u in self.units)
