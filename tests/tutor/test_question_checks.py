"""The lexical checks on their own: what counts as a section's words, on the bundled course."""

from __future__ import annotations

from tutorbot.curriculum import Course
from tutorbot.tutor.question_checks import QuestionChecker

LR = "gradient-descent-and-the-learning-rate"


def lr_section(course: Course) -> tuple[QuestionChecker, str, frozenset[str]]:
    checker = QuestionChecker(course)
    unit = course.unit("training")
    assert unit is not None
    return checker, checker.section_text(unit, LR) or "", checker.section_terms(unit, LR)


def test_support_counts_other_inflections_and_synonyms_as_the_sections_words(
    bundled_course: Course,
) -> None:
    checker, _, terms = lr_section(bundled_course)
    # The section says "overshoot", "steps", "Picture the loss"; "image" is a synonym.
    found = checker.support("Overshooting step sizes; an image of the losses", terms)
    assert found.score == 1.0


def test_support_names_the_words_the_section_lacks_as_written(bundled_course: Course) -> None:
    checker, _, terms = lr_section(bundled_course)
    found = checker.support("Transformers use attention", terms)
    assert found.missing == ("attention", "transformers")  # "use" is in the section


def test_a_keyword_appears_when_the_offline_grader_would_match_it(
    bundled_course: Course,
) -> None:
    checker, text, terms = lr_section(bundled_course)
    assert checker.keyword_in("overshoo", text, terms)  # a prefix, as authors write them
    assert checker.keyword_in("learning rates", text, terms)  # another inflection
    assert not checker.keyword_in("momentum", text, terms)
