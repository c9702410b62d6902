"""The tutor's plain results as Discord text, embeds and a PNG chart."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from tutorbot.bot.render import (
    OFFLINE_LABEL,
    answer_text,
    grade_embed,
    hint_text,
    progress_bar,
    progress_chart,
    progress_embed,
    question_embed,
    step_embeds,
)
from tutorbot.tutor.results import (
    Answer,
    Citation,
    Grade,
    Hint,
    ProgressReport,
    QuestionView,
    QuizStep,
    UnitStanding,
)

DESCENT = Citation("training#gradient-descent", "training", "Gradient descent")
RATES = Citation("training#learning-rate", "training", "Learning rate")


def report() -> ProgressReport:
    done = datetime(2025, 3, 1, tzinfo=UTC)
    return ProgressReport(
        "ai-foundations",
        "AI Foundations",
        [
            UnitStanding("what-is-ai", "What is AI?", "completed", 1.0, 6, done),
            UnitStanding("training", "Training", "in_progress", 0.45, 3, None),
            UnitStanding("evaluation", "Evaluation", "not_started", 0.0, 0, None),
        ],
    )


def grade(score: float, correct: bool, grader: str = "code") -> Grade:
    return Grade("q1", score, correct, "Feedback.", "Because gradients.", grader, [DESCENT])


def test_answer_lists_its_sources_by_section_title_once_each() -> None:
    answer = Answer("Steps go downhill.", [DESCENT, RATES, DESCENT], True, "llm")

    assert answer_text(answer) == (
        "Steps go downhill.\n\n-# Sources: Gradient descent, Learning rate"
    )


def test_offline_answer_from_the_course_is_labelled() -> None:
    answer = Answer("Gradient descent: small steps.", [DESCENT], True, "offline")

    assert answer_text(answer).endswith(f"Sources: Gradient descent {OFFLINE_LABEL}")


def test_answer_outside_the_course_suggests_units_instead_of_sources() -> None:
    answer = Answer("The course does not cover that.", [], False, "offline", ["training"])

    text = answer_text(answer)

    assert text.endswith("-# Closest units: `training`")
    assert "Sources" not in text
    assert OFFLINE_LABEL not in text


def test_answer_note_comes_first() -> None:
    answer = Answer("Text.", [DESCENT], True, "offline", note="The model is unavailable.")

    assert answer_text(answer).startswith("-# The model is unavailable.\n\nText.")


def test_hint_says_whether_more_are_left() -> None:
    assert "last hint" in hint_text(Hint(3, "Try the chain rule.", "llm", last=True))


@pytest.mark.parametrize(
    ("mastery", "bar"),
    [(0.0, "░" * 10), (0.45, "████░░░░░░"), (1.0, "█" * 10), (1.7, "█" * 10)],
)
def test_progress_bar_fills_in_proportion_to_mastery(mastery: float, bar: str) -> None:
    assert progress_bar(mastery) == bar


def test_progress_embed_has_a_bar_mastery_and_status_line_per_unit() -> None:
    embed = progress_embed(report())

    lines = (embed.description or "").splitlines()
    assert lines[1] == "📘 `████░░░░░░  45%` **Training** · in progress"
    assert len(lines) == 3
    assert embed.footer.text == "1/3 units completed"


def test_progress_chart_is_a_png_drawn_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    chart = progress_chart(report())

    data = chart.fp.read()
    width, height = struct.unpack(">II", data[16:24])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (width, height) == (700, 255)
    assert chart.filename == "progress.png"
    assert list(tmp_path.iterdir()) == []


def test_question_embed_letters_the_choices() -> None:
    view = QuestionView(7, "q1", 2, 5, "multiple_choice", "Which way?", ["Up", "Down"], 1)

    embed = question_embed(view)

    assert embed.title == "Question 2 of 5"
    assert embed.description == "Which way?\n\n**A.** Up\n**B.** Down"
    assert embed.footer.text == "Multiple choice: pick one · hints used: 1"


@pytest.mark.parametrize(
    ("score", "correct", "title", "colour"),
    [
        (1.0, True, "✅ Correct", discord.Colour.green()),
        (0.5, False, "🟡 Partly right (50%)", discord.Colour.gold()),
        (0.0, False, "❌ Not quite", discord.Colour.red()),
    ],
)
def test_grade_embed_title_and_colour_follow_the_score(
    score: float, correct: bool, title: str, colour: discord.Colour
) -> None:
    embed = grade_embed(grade(score, correct))

    assert (embed.title, embed.colour) == (title, colour)


def test_grade_embed_says_who_graded_and_why() -> None:
    embed = grade_embed(grade(0.6, False, grader="rubric-keywords"))

    assert [f.name for f in embed.fields] == ["Why", "Read more"]
    assert embed.footer.text == "Graded offline by rubric keywords"


def test_last_step_shows_the_grade_then_the_final_score() -> None:
    step = QuizStep(grade(1.0, True), None, True, score=0.8, answered=5, total=5)

    embeds = step_embeds(step)

    assert [e.title for e in embeds] == ["✅ Correct", "Quiz finished"]
    assert embeds[1].description == "Your score: **80%** (5/5 answered)"


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        ("review", "Review finished"),
        ("challenge", "Challenge attempt finished"),
        ("final", "Final assessment finished"),
    ],
)
def test_the_final_score_is_titled_by_what_was_finished(kind: str, title: str) -> None:
    step = QuizStep(grade(1.0, True), None, True, score=1.0, answered=2, total=2, kind=kind)

    assert step_embeds(step)[1].title == title
