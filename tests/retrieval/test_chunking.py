"""Chunks respect the token cap, stay inside one section and cut at sentence boundaries."""

from __future__ import annotations

from pathlib import Path

from tutorbot.curriculum import Course
from tutorbot.curriculum.models import Section
from tutorbot.retrieval import chunk_course
from tutorbot.retrieval.chunking import chunk_section
from tutorbot.tokens import EstimatingCounter, token_counter

COUNTER = EstimatingCounter()


def section(text: str) -> Section:
    return Section("u", "s", "Title", 2, text, Path("u.md"), 1)


def test_short_section_is_one_chunk_with_its_citation_id() -> None:
    (chunk,) = chunk_section(section("One paragraph.\n\nAnother."), "Unit", COUNTER, 100)
    assert (chunk.id, chunk.text) == ("u#s", "One paragraph.\n\nAnother.")


def test_long_section_splits_at_paragraphs_under_the_cap() -> None:
    paragraphs = [f"Paragraph {n} talks about gradients and losses at length." for n in range(30)]
    chunks = chunk_section(section("\n\n".join(paragraphs)), "Unit", COUNTER, 60)
    assert len(chunks) > 1
    assert all(COUNTER.count(c.text) <= 60 for c in chunks)
    assert "\n\n".join(c.text for c in chunks) == "\n\n".join(paragraphs)


def test_oversized_paragraph_is_cut_between_sentences_not_inside_them() -> None:
    sentences = [f"Sentence number {n} explains one small idea clearly." for n in range(40)]
    chunks = chunk_section(section(" ".join(sentences)), "Unit", COUNTER, 50)
    assert all(c.text.endswith(".") for c in chunks)
    assert all(COUNTER.count(c.text) <= 50 for c in chunks)


def test_bundled_course_chunks_never_exceed_the_cap(bundled_course: Course) -> None:
    counter = token_counter()
    chunks = chunk_course(bundled_course, counter, 200)
    assert max(counter.count(c.text) for c in chunks) <= 200
    assert {c.id for c in chunks} <= {s.id for s in bundled_course.sections}
