"""One Markdown file to one ``Unit`` (front matter, title, sections), problems collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from tutorbot.curriculum.files import LessonFrontMatter, UnitFrontMatter
from tutorbot.curriculum.markdown import parse_sections, split_front_matter
from tutorbot.curriculum.models import Section
from tutorbot.curriculum.problems import LineDict, Problem, load_yaml, validation_problems


@dataclass(slots=True)
class ParsedUnit:
    """A unit file read as far as it could be; ``prerequisites_line`` places cycle errors."""

    id: str
    title: str
    file: Path
    sections: list[Section]
    objectives: list[str] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)
    estimated_minutes: int | None = None
    tags: list[str] = field(default_factory=list)
    prerequisites_line: int = 1
    problems: list[Problem] = field(default_factory=list)


def read_unit(path: Path, fallback_id: str, *, structured: bool) -> ParsedUnit:
    """Parse a unit; ``structured`` courses require full front matter, plain lessons don't."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return ParsedUnit(
            fallback_id,
            fallback_id,
            path,
            [],
            problems=[Problem(path, 1, f"cannot read unit: {exc}")],
        )
    split = split_front_matter(text)
    problems: list[Problem] = []
    meta: BaseModel | None = None
    raw: LineDict | None = None
    schema: type[BaseModel] = UnitFrontMatter if structured else LessonFrontMatter
    if split.front_matter is not None:
        data, problems = load_yaml(
            split.front_matter, path, line_offset=split.front_matter_line - 1
        )
        if not problems and not isinstance(data, LineDict):
            problems.append(Problem(path, split.front_matter_line, "front matter is not a mapping"))
        elif not problems:
            raw = data
            try:
                meta = schema.model_validate(data)
            except ValidationError as exc:
                problems += validation_problems(exc, data, path, "front matter")
    elif structured:
        problems.append(Problem(path, 1, "unit has no front matter (id, title, objectives, ...)"))
    unit_id = getattr(meta, "id", None) or fallback_id
    parsed = parse_sections(unit_id, split.body, path, split.body_line)
    title = getattr(meta, "title", None) or parsed.title or fallback_id.replace("-", " ").title()
    unit = ParsedUnit(unit_id, title, path, parsed.sections, problems=problems)
    if meta is not None:
        unit.objectives = list(getattr(meta, "objectives", []))
        unit.prerequisites = list(getattr(meta, "prerequisites", []))
        unit.estimated_minutes = getattr(meta, "estimated_minutes", None)
        unit.tags = list(getattr(meta, "tags", []))
    if raw is not None:
        unit.prerequisites_line = raw.key_lines.get("prerequisites", raw.line)
    if not any(s.text.split() for s in parsed.sections):
        unit.problems.append(Problem(path, split.body_line, "unit is empty: it has no text"))
    return unit
