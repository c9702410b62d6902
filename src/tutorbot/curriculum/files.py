"""Schemas of the files an author writes: course.yaml, unit front matter, question banks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tutorbot.curriculum.models import CertificationRule

_ID = r"^[a-z0-9][a-z0-9-]*$"


class UnitRef(BaseModel):
    """A unit entry in course.yaml; file and quiz default to units/<id>.md, quizzes/<id>.*."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID)
    file: str | None = None
    quiz: str | None = None


class CourseFile(BaseModel):
    """course.yaml."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    version: str
    description: str = ""
    units: list[str | UnitRef] = Field(min_length=1)
    certification: CertificationRule = Field(default_factory=CertificationRule)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        # YAML reads `version: 1.0` as a float; authors mean the text.
        return str(value) if isinstance(value, int | float) else value

    def unit_refs(self) -> list[UnitRef]:
        """Every unit entry in the long form."""
        return [UnitRef(id=u) if isinstance(u, str) else u for u in self.units]


class UnitFrontMatter(BaseModel):
    """Front matter a unit of a structured course must have."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    objectives: list[str] = Field(min_length=1)
    prerequisites: list[str] = Field(default_factory=list)
    estimated_minutes: int = Field(ge=1, le=600)
    tags: list[str] = Field(default_factory=list)


class LessonFrontMatter(BaseModel):
    """Optional front matter of a plain Markdown lesson; other tools' keys are ignored."""

    model_config = ConfigDict(extra="ignore")
    id: str | None = Field(default=None, pattern=_ID)
    title: str | None = None
    objectives: list[str] = Field(default_factory=list)
    prerequisites: list[str] = Field(default_factory=list)
    estimated_minutes: int | None = Field(default=None, ge=1, le=600)
    tags: list[str] = Field(default_factory=list)
