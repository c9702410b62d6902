"""Load a course from disk: a structured course (course.yaml) or a plain folder of lessons.

``load_course`` never raises for bad content; it returns every problem it found together
with the course it could build, so ``validate`` can list them all and the bot can refuse a
broken reload while keeping the course it has.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from tutorbot.curriculum.checks import duplicate_problems, prerequisite_problems
from tutorbot.curriculum.files import CourseFile
from tutorbot.curriculum.folder import discover_lessons
from tutorbot.curriculum.gift import GiftQuestion
from tutorbot.curriculum.markdown import slugify
from tutorbot.curriculum.models import CertificationRule, Course, Unit
from tutorbot.curriculum.problems import LineDict, LineList, Problem, load_yaml, validation_problems
from tutorbot.curriculum.questions import load_bank
from tutorbot.curriculum.units import ParsedUnit, read_unit
from tutorbot.errors import CurriculumError

COURSE_FILE = "course.yaml"


@dataclass(slots=True)
class LoadResult:
    """The course (``None`` when nothing usable was found) and every problem, sorted."""

    course: Course | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the course loaded with no problem at all."""
        return self.course is not None and not self.problems


def load_course(path: Path) -> LoadResult:
    """Read the course at ``path`` (a folder, or a course.yaml file)."""
    root = path.parent if path.is_file() and path.name == COURSE_FILE else path
    if not root.is_dir():
        return LoadResult(None, [Problem(root, 1, "course folder does not exist")])
    result = _load_structured(root) if (root / COURSE_FILE).is_file() else _load_folder(root)
    result.problems.sort()
    return result


def load_course_or_raise(path: Path) -> Course:
    """The course, or a ``CurriculumError`` listing every problem."""
    result = load_course(path)
    if not result.ok or result.course is None:
        problems = [str(p) for p in result.problems]
        raise CurriculumError(f"The course at {path} has {len(problems)} problem(s).", problems)
    return result.course


def _hash_files(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for file in sorted(set(files)):
        digest.update(str(file.relative_to(root)).encode())
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def _finish(unit: ParsedUnit, questions: list[GiftQuestion]) -> Unit:
    return Unit(
        id=unit.id,
        title=unit.title,
        file=unit.file,
        sections=tuple(unit.sections),
        objectives=tuple(unit.objectives),
        prerequisites=tuple(unit.prerequisites),
        estimated_minutes=unit.estimated_minutes,
        tags=tuple(unit.tags),
        questions=tuple(questions),
    )


def _load_structured(root: Path) -> LoadResult:
    course_path = root / COURSE_FILE
    data, problems = load_yaml(course_path.read_text(encoding="utf-8"), course_path)
    if problems:
        return LoadResult(None, problems)
    if not isinstance(data, LineDict):
        return LoadResult(None, [Problem(course_path, 1, "course.yaml must be a mapping")])
    try:
        spec = CourseFile.model_validate(data)
    except ValidationError as exc:
        return LoadResult(None, validation_problems(exc, data, course_path, "course.yaml"))
    unit_lines = data["units"].item_lines if isinstance(data["units"], LineList) else []
    files = [course_path]
    parsed: list[tuple[ParsedUnit, Path | None]] = []
    problems += duplicate_problems(
        (
            (ref.id, course_path, line)
            for ref, line in zip(spec.unit_refs(), unit_lines, strict=False)
        ),
        "unit",
    )
    for ref, line in zip(spec.unit_refs(), unit_lines, strict=False):
        unit_file = root / (ref.file or f"units/{ref.id}.md")
        if not unit_file.is_file():
            problems.append(Problem(course_path, line, f"unit file {unit_file.name} not found"))
            continue
        unit = read_unit(unit_file, ref.id, structured=True)
        files.append(unit_file)
        problems += unit.problems
        if unit.id != ref.id:
            problems.append(
                Problem(
                    unit_file, 2, f"front matter id '{unit.id}' but course.yaml lists '{ref.id}'"
                )
            )
        bank = _bank_path(root, ref.id, ref.quiz)
        if bank is None:
            problems.append(
                Problem(
                    unit_file,
                    1,
                    f"unit '{ref.id}' has no question bank (quizzes/{ref.id}.yaml or .gift)",
                )
            )
        parsed.append((unit, bank))
    problems += prerequisite_problems([u for u, _ in parsed])
    section_ids = {s.id for u, _ in parsed for s in u.sections}
    units = []
    all_questions: list[tuple[GiftQuestion, Path]] = []
    for unit, bank in parsed:
        questions: list[GiftQuestion] = []
        if bank is not None:
            files.append(bank)
            questions, bank_problems = load_bank(bank, unit.id, section_ids=section_ids)
            problems += bank_problems
            all_questions += [(q, bank) for q in questions]
        units.append(_finish(unit, questions))
    final, final_problems = _final_bank(root, spec.certification, section_ids, files)
    problems += final_problems
    all_questions += [
        (q, root / spec.certification.final_assessment.bank)
        for q in final
        if spec.certification.final_assessment
    ]
    problems += duplicate_problems(((q.id, f, 1) for q, f in all_questions), "question")
    course = Course(
        id=spec.id,
        title=spec.title,
        version=spec.version,
        root=root,
        units=tuple(units),
        content_hash=_hash_files(root, files),
        description=spec.description,
        certification=spec.certification,
        final_questions=tuple(final),
    )
    return LoadResult(course, problems)


def _bank_path(root: Path, unit_id: str, declared: str | None) -> Path | None:
    if declared:
        return root / declared if (root / declared).is_file() else None
    for name in (f"{unit_id}.yaml", f"{unit_id}.yml", f"{unit_id}.gift", f"{unit_id}.gift.txt"):
        if (root / "quizzes" / name).is_file():
            return root / "quizzes" / name
    return None


def _final_bank(
    root: Path, rule: CertificationRule, section_ids: set[str], files: list[Path]
) -> tuple[list[GiftQuestion], list[Problem]]:
    exam = rule.final_assessment
    if exam is None:
        return [], []
    path = root / exam.bank
    if not path.is_file():
        return [], [Problem(root / COURSE_FILE, 1, f"final assessment bank {exam.bank} not found")]
    files.append(path)
    questions, problems = load_bank(path, None, section_ids=section_ids)
    if len(questions) < exam.questions:
        problems.append(
            Problem(
                path,
                1,
                f"final assessment draws {exam.questions} questions "
                f"but the bank has {len(questions)}",
            )
        )
    return questions, problems


def _load_folder(root: Path) -> LoadResult:
    lessons = discover_lessons(root)
    if not lessons.units:
        return LoadResult(None, [Problem(root, 1, "no Markdown lessons found (*.md)")])
    problems: list[Problem] = list(lessons.problems)
    parsed = [read_unit(lesson.file, lesson.id, structured=False) for lesson in lessons.units]
    for unit in parsed:
        problems += unit.problems
    problems += duplicate_problems(((u.id, u.file, 1) for u in parsed), "unit")
    problems += prerequisite_problems(parsed)
    files = [u.file for u in parsed] + [g for lesson in lessons.units for g in lesson.gift_files]
    if lessons.overview is not None:
        files.append(lessons.overview.file)
    units = []
    for unit, lesson in zip(parsed, lessons.units, strict=True):
        questions: list[GiftQuestion] = []
        for gift in lesson.gift_files:
            found, gift_problems = load_bank(gift, unit.id, strict=False)
            questions += found
            problems += gift_problems
        units.append(_finish(unit, questions))
    title = lessons.overview.title if lessons.overview else root.name.replace("-", " ").title()
    course = Course(
        id=slugify(root.name) or "course",
        title=title,
        version="0",
        root=root,
        units=tuple(units),
        content_hash=_hash_files(root, files),
        description=lessons.overview.description if lessons.overview else "",
    )
    return LoadResult(course, problems)
