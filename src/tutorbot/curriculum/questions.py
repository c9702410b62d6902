"""Question banks: our YAML format and Moodle GIFT, with the checks a grader relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tutorbot.curriculum.gift import GiftQuestion, parse_gift
from tutorbot.curriculum.models import (
    MultipleChoiceQuestion,
    Question,
    ShortAnswerQuestion,
)
from tutorbot.curriculum.problems import LineDict, LineList, Problem, load_yaml, validation_problems

_question = TypeAdapter[GiftQuestion](Question)
GIFT_SUFFIXES = (".gift", ".gift.txt")


def is_gift(path: Path) -> bool:
    """GIFT files are recognised by name: ``*.gift`` or ``*.gift.txt``."""
    return path.name.lower().endswith(GIFT_SUFFIXES)


def load_bank(
    path: Path, unit_id: str | None, *, strict: bool = True, section_ids: set[str] | None = None
) -> tuple[list[GiftQuestion], list[Problem]]:
    """Read a bank file of either format; ``strict`` requires Bloom level and explanation.

    ``section_ids`` are the course's citation ids; a question citing another is a problem.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(path, 1, f"cannot read question bank: {exc}")]
    if is_gift(path):
        result = parse_gift(text, path, id_prefix=unit_id or path.stem, unit=unit_id)
        return result.questions, result.problems
    return _load_yaml_bank(text, path, unit_id, strict=strict, section_ids=section_ids)


def _load_yaml_bank(
    text: str, path: Path, unit_id: str | None, *, strict: bool, section_ids: set[str] | None
) -> tuple[list[GiftQuestion], list[Problem]]:
    data, problems = load_yaml(text, path)
    if problems:
        return [], problems
    if not isinstance(data, LineDict) or not isinstance(data.get("questions"), LineList):
        return [], [Problem(path, getattr(data, "line", 1), "a question bank needs 'questions:'")]
    declared = data.get("unit")
    if unit_id and declared and declared != unit_id:
        line = data.key_lines.get("unit", 1)
        problems.append(Problem(path, line, f"bank says unit '{declared}', expected '{unit_id}'"))
    raw_questions: LineList = data["questions"]
    questions = []
    for i, raw in enumerate(raw_questions):
        line = raw_questions.item_lines[i]
        if not isinstance(raw, LineDict):
            problems.append(Problem(path, line, f"question {i + 1} is not a mapping"))
            continue
        if unit_id and "unit" not in raw:
            raw = _with_unit(raw, unit_id)
        try:
            question = _question.validate_python(raw)
        except ValidationError as exc:
            problems += validation_problems(exc, raw, path, f"question {raw.get('id', i + 1)}")
            continue
        problems += [Problem(path, line, m) for m in question_issues(question, strict=strict)]
        if section_ids is not None and question.section and question.section not in section_ids:
            section_line = raw.key_lines.get("section", line)
            problems.append(
                Problem(
                    path,
                    section_line,
                    f"question {question.id} cites unknown section '{question.section}'",
                )
            )
        questions.append(question)
    return questions, problems


def _with_unit(raw: LineDict, unit_id: str) -> LineDict:
    copy = LineDict(raw)
    copy.line, copy.key_lines = raw.line, raw.key_lines
    copy["unit"] = unit_id
    return copy


def question_issues(question: Any, *, strict: bool) -> list[str]:
    """What makes a parsed question unusable for teaching or grading."""
    issues = []
    label = f"question {question.id}"
    if isinstance(question, MultipleChoiceQuestion):
        correct = question.correct_indexes
        partial = any(c.weight is not None for c in question.choices)
        if not correct:
            issues.append(f"{label} has no correct answer (mark one choice 'correct: true')")
        elif len(correct) > 1 and not partial:
            issues.append(f"{label} has {len(correct)} correct choices; exactly one is allowed")
        texts = [c.text.casefold() for c in question.choices]
        if len(set(texts)) != len(texts):
            issues.append(f"{label} repeats a choice")
    if isinstance(question, ShortAnswerQuestion):
        if not question.rubric and not question.accepted_answers:
            issues.append(f"{label} has no correct answer (give a rubric or accepted answers)")
        if question.rubric and not question.model_answer:
            issues.append(f"{label} has a rubric but no model_answer")
    if strict:
        if question.bloom is None:
            issues.append(f"{label} has no Bloom level ('bloom')")
        if not question.explanation:
            issues.append(f"{label} has no explanation")
    return issues
