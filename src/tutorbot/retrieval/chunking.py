"""Sections to chunks under a token cap, cut at paragraph and sentence boundaries.

A chunk never spans two sections, so every hit has exactly one citation id. Long sections
become several chunks of the same section; short ones stay whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from tutorbot.curriculum.models import Course, Section
from tutorbot.tokens import TokenCounter

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


@dataclass(frozen=True, slots=True)
class Chunk:
    """A piece of one section; ``id`` is the section's citation id."""

    id: str
    unit: str
    unit_title: str
    title: str
    text: str
    part: int = 0
    breadcrumb: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        """Where the chunk sits, for people: 'Unit › Parent › Section'."""
        return " › ".join((self.unit_title, *self.breadcrumb, self.title))

    @property
    def index_text(self) -> str:
        """What the lexical index sees: the text and its headings, the section title twice
        because headings name the topic in few words (bench/retrieval.py ablations)."""
        return f"{self.title}\n{' '.join(self.breadcrumb)}\n{self.title}\n{self.text}"


def _pieces(text: str, counter: TokenCounter, cap: int) -> Iterator[str]:
    """Whole paragraphs; a paragraph over the cap by lines, then sentences, then words."""
    for paragraph in re.split(r"\n\s*\n", text):
        yield from _split_to_fit(paragraph.strip(), counter, cap, level=0)


_SPLITTERS = (re.compile(r"\n(?=\S)"), _SENTENCE_END)


def _split_to_fit(text: str, counter: TokenCounter, cap: int, level: int) -> Iterator[str]:
    if not text:
        return
    size = counter.count(text)
    if size <= cap:
        yield text
    elif level < len(_SPLITTERS):
        for part in _SPLITTERS[level].split(text):
            yield from _split_to_fit(part.strip(), counter, cap, level + 1)
    else:
        words = text.split()
        step = max(1, len(words) * cap // size // 2)
        for i in range(0, len(words), step):
            yield " ".join(words[i : i + step])


def chunk_section(
    section: Section, unit_title: str, counter: TokenCounter, cap: int
) -> list[Chunk]:
    """Greedy packing of whole pieces into chunks of at most ``cap`` tokens."""
    chunks: list[Chunk] = []
    current: list[str] = []
    size = 0
    joiner = counter.count("\n\n")

    def flush() -> None:
        if current:
            chunks.append(
                Chunk(
                    section.id,
                    section.unit_id,
                    unit_title,
                    section.title,
                    "\n\n".join(current),
                    len(chunks),
                    section.breadcrumb,
                )
            )

    for piece in _pieces(section.text, counter, cap):
        tokens = counter.count(piece)
        if current and size + joiner + tokens > cap:
            flush()
            current, size = [], 0
        current.append(piece)
        size += tokens + (joiner if len(current) > 1 else 0)
        # Counts are not exactly additive across a join; check for real near the cap.
        if len(current) > 1 and size > cap * 0.9 and counter.count("\n\n".join(current)) > cap:
            current.pop()
            flush()
            current, size = [piece], tokens
    flush()
    return chunks


def chunk_course(course: Course, counter: TokenCounter, cap: int) -> list[Chunk]:
    """Every non-empty section of the course, chunked, in course order."""
    return [
        chunk
        for unit in course.units
        for section in unit.sections
        if section.text.strip()
        for chunk in chunk_section(section, unit.title, counter, cap)
    ]
