"""Find the lessons in a plain folder of Markdown: what teachers already have.

Units come from files and folders in natural order (``2-x`` before ``10-x``); a folder's
README or index is that folder's lesson; the top-level README describes the course.
GIFT files join the lesson with the same stem, else the lesson of their folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from natsort import natsort_keygen

from tutorbot.curriculum.markdown import parse_sections, slugify, split_front_matter
from tutorbot.curriculum.problems import Problem
from tutorbot.curriculum.questions import is_gift

MARKDOWN_SUFFIXES = {".md", ".markdown"}
INDEX_STEMS = {"readme", "index", "_index"}
# Repository paperwork, not lessons.
SKIPPED_STEMS = {
    "license",
    "licence",
    "contributing",
    "code_of_conduct",
    "security",
    "changelog",
    "support",
    "source",
    "authors",
    "notice",
}
SKIPPED_DIRS = {"node_modules", "translations", "translated_images", "venv", ".venv"}
_natural = natsort_keygen()


@dataclass(slots=True)
class Lesson:
    """A Markdown file that becomes a unit, and the GIFT files that give it questions."""

    id: str
    file: Path
    gift_files: list[Path] = field(default_factory=list)


@dataclass(slots=True)
class Overview:
    """The course's own README: its title and first paragraph describe the course."""

    file: Path
    title: str
    description: str


@dataclass(slots=True)
class Lessons:
    """Every lesson found, in teaching order, plus the overview and any problems."""

    units: list[Lesson]
    overview: Overview | None
    problems: list[Problem] = field(default_factory=list)


def _is_lesson(path: Path) -> bool:
    return path.suffix.lower() in MARKDOWN_SUFFIXES and path.stem.lower() not in SKIPPED_STEMS


def _walk(root: Path) -> tuple[list[Path], list[Path]]:
    markdown, gift = [], []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d.lower() not in SKIPPED_DIRS]
        for name in names:
            path = Path(folder) / name
            if name.startswith("."):
                continue
            if is_gift(path):
                gift.append(path)
            elif _is_lesson(path):
                markdown.append(path)
    return markdown, gift


def _order_key(root: Path, path: Path) -> tuple[object, ...]:
    parts = path.relative_to(root).parts
    folders, name = parts[:-1], parts[-1]
    is_index = Path(name).stem.lower() in INDEX_STEMS
    # A folder's README comes before the files inside it.
    return (_natural(folders), 0 if is_index else 1, _natural(name))


def _lesson_id(root: Path, path: Path) -> str:
    stem = path.stem.lower()
    if stem in INDEX_STEMS and path.parent != root:
        return slugify(path.parent.name)
    return slugify(path.stem)


def discover_lessons(root: Path) -> Lessons:
    """List the lessons under ``root`` in teaching order, with ids unique across the course."""
    markdown, gift = _walk(root)
    overview = None
    top_index = [p for p in markdown if p.parent == root and p.stem.lower() in INDEX_STEMS]
    if top_index and len(markdown) > 1:
        overview = _overview(top_index[0])
        markdown = [p for p in markdown if p != top_index[0]]
    markdown.sort(key=lambda p: _order_key(root, p))
    lessons: list[Lesson] = []
    used: set[str] = set()
    for path in markdown:
        base = _lesson_id(root, path) or "lesson"
        lesson_id = base
        if lesson_id in used:
            lesson_id = slugify(f"{path.parent.name}-{base}")
        n = 1
        while lesson_id in used:
            n += 1
            lesson_id = f"{base}-{n}"
        used.add(lesson_id)
        lessons.append(Lesson(lesson_id, path))
    problems = _attach_gift(root, lessons, gift)
    return Lessons(lessons, overview, problems)


def _attach_gift(root: Path, lessons: list[Lesson], gift: list[Path]) -> list[Problem]:
    by_stem = {(lesson.file.parent, lesson.file.stem.lower()): lesson for lesson in lessons}
    by_folder = {
        lesson.file.parent: lesson for lesson in lessons if lesson.file.stem.lower() in INDEX_STEMS
    }
    problems = []
    for path in sorted(gift):
        stem = path.name.lower().removesuffix(".txt").removesuffix(".gift")
        lesson = by_stem.get((path.parent, stem)) or by_folder.get(path.parent)
        if lesson is None:
            problems.append(
                Problem(
                    path,
                    1,
                    "GIFT file has no lesson: name it after a lesson "
                    "(lesson.md + lesson.gift) or put it beside a README",
                )
            )
        else:
            lesson.gift_files.append(path)
    return problems


def _overview(path: Path) -> Overview:
    text = path.read_text(encoding="utf-8", errors="replace")
    split = split_front_matter(text)
    parsed = parse_sections("overview", split.body, path, split.body_line)
    title = parsed.title or path.parent.name
    description = ""
    for section in parsed.sections:
        for paragraph in section.text.split("\n\n"):
            plain = paragraph.strip()
            if plain and plain[0].isalpha():
                description = " ".join(plain.split())
                break
        if description:
            break
    return Overview(path, title, description[:500])
