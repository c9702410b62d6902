"""Moodle GIFT import: the four supported kinds, escapes, and errors with line numbers."""

from __future__ import annotations

from pathlib import Path

from tutorbot.curriculum.gift import parse_gift
from tutorbot.curriculum.models import (
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)

FILE = Path("lesson.gift")


def parse(text: str) -> tuple[list[object], list[str]]:
    result = parse_gift(text, FILE, id_prefix="lesson")
    return list(result.questions), [str(p) for p in result.problems]


def test_multiple_choice_keeps_choices_feedback_and_general_feedback() -> None:
    (q,), _ = parse("::Q1:: Pick one {\n=right #yes\n~wrong #no\n####Because.\n}")
    assert isinstance(q, MultipleChoiceQuestion)
    assert [(c.text, c.correct, c.feedback) for c in q.choices] == [
        ("right", True, "yes"),
        ("wrong", False, "no"),
    ]
    assert (q.id, q.explanation) == ("Q1", "Because.")


def test_true_false_accepts_short_and_long_forms() -> None:
    questions, _ = parse("Sky is blue {T}\n\nGrass is red {FALSE}")
    assert [q.answer for q in questions if isinstance(q, TrueFalseQuestion)] == [True, False]


def test_short_answer_lists_every_accepted_answer() -> None:
    (q,), _ = parse("Two plus two is {=four =4}.")
    assert isinstance(q, ShortAnswerQuestion)
    assert q.accepted_answers == ["four", "4"]


def test_missing_word_question_marks_the_gap() -> None:
    (q,), _ = parse("The {=cat ~dog} sat on the mat.")
    assert isinstance(q, MultipleChoiceQuestion)
    assert q.prompt == "The _____ sat on the mat."


def test_numeric_with_tolerance_and_with_range() -> None:
    questions, _ = parse("Pi? {#3.14:0.01}\n\nBetween {#1..5}")
    assert [(q.answer, q.tolerance) for q in questions if isinstance(q, NumericQuestion)] == [
        (3.14, 0.01),
        (3.0, 2.0),
    ]


def test_escaped_special_characters_are_literal() -> None:
    (q,), _ = parse(r"Is 1 \= 1 in \{set\}? {=yes \# really ~no}")
    assert isinstance(q, MultipleChoiceQuestion)
    assert (q.prompt, q.choices[0].text) == ("Is 1 = 1 in {set}?", "yes # really")


def test_comments_and_category_lines_are_not_questions() -> None:
    result = parse_gift("// note\n$CATEGORY: unit-2\n\nQ {T}", FILE, id_prefix="x")
    assert (len(result.questions), result.category) == (1, "unit-2")


def test_partial_credit_choices_count_as_correct() -> None:
    (q,), problems = parse("Pick {~%50%a ~%50%b ~%-100%c}")
    assert isinstance(q, MultipleChoiceQuestion)
    assert (q.correct_indexes, problems) == ([0, 1], [])


def test_unclosed_answer_block_is_reported_at_its_line() -> None:
    _, problems = parse("Fine {T}\n\n\n::Bad:: Oops {=a ~b")
    assert problems == ["lesson.gift:4: GIFT: answer block opened with '{' is never closed"]


def test_choice_question_without_correct_answer_is_reported() -> None:
    _, problems = parse("Q {~a ~b}")
    assert problems == [
        "lesson.gift:1: GIFT: multiple choice has no correct answer (mark one with '=')"
    ]


def test_bad_number_is_reported() -> None:
    _, problems = parse("How many? {#lots}")
    assert "is not a number" in problems[0]


def test_one_bad_question_does_not_hide_the_others() -> None:
    questions, problems = parse("A {T}\n\nB {~x ~y}\n\nC {F}")
    assert (len(questions), len(problems)) == (2, 1)
