"""The bundled AI Foundations course meets the bar the project set for it."""

from __future__ import annotations

from collections import Counter

from tutorbot.curriculum import Course, load_course
from tutorbot.curriculum.models import (
    MultipleChoiceQuestion,
    ShortAnswerQuestion,
)
from tutorbot.settings import bundled_curriculum


def test_bundled_course_validates_without_problems() -> None:
    assert [str(p) for p in load_course(bundled_curriculum()).problems] == []


def test_course_has_at_least_ten_units_in_prerequisite_order(bundled_course: Course) -> None:
    seen: set[str] = set()
    for unit in bundled_course.units:
        assert set(unit.prerequisites) <= seen, unit.id
        seen.add(unit.id)
    assert len(bundled_course.units) >= 10


def test_every_unit_has_at_least_1200_words_in_several_sections(bundled_course: Course) -> None:
    short = {u.id: u.word_count for u in bundled_course.units if u.word_count < 1200}
    thin = {u.id for u in bundled_course.units if len(u.sections) < 5}
    assert (short, thin) == ({}, set())


def test_every_unit_teaches_through_a_worked_example(bundled_course: Course) -> None:
    missing = [
        u.id
        for u in bundled_course.units
        if not any(s.title.lower().startswith("worked example") for s in u.sections)
    ]
    assert missing == []


def test_every_bank_mixes_kinds_and_a_third_is_apply_or_higher(bundled_course: Course) -> None:
    for unit in bundled_course.units:
        kinds = Counter(q.type for q in unit.questions)
        higher = sum(1 for q in unit.questions if q.bloom and q.bloom.is_higher_order)
        assert len(unit.questions) >= 12, unit.id
        assert min(kinds[k] for k in ("multiple_choice", "true_false", "short_answer")) >= 2
        assert higher * 3 >= len(unit.questions), unit.id


def test_multiple_choice_answers_are_not_always_in_the_same_place(bundled_course: Course) -> None:
    positions = Counter(
        q.correct_indexes[0]
        for u in bundled_course.units
        for q in u.questions
        if isinstance(q, MultipleChoiceQuestion)
    )
    assert max(positions.values()) < 0.5 * sum(positions.values())


def test_short_answers_have_a_rubric_with_keywords_for_offline_grading(
    bundled_course: Course,
) -> None:
    incomplete = [
        q.id
        for unit in bundled_course.units
        for q in unit.questions
        if isinstance(q, ShortAnswerQuestion)
        and not (q.model_answer and q.rubric and all(c.keywords for c in q.rubric))
    ]
    assert incomplete == []


def test_final_bank_covers_every_unit_with_at_least_30_questions(bundled_course: Course) -> None:
    units = {q.section.split("#")[0] for q in bundled_course.final_questions if q.section}
    assert len(bundled_course.final_questions) >= 30
    assert units == {u.id for u in bundled_course.units}
