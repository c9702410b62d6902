"""Shared fixtures: a small valid course written to a real folder, and the bundled course."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tutorbot.curriculum import Course, load_course_or_raise
from tutorbot.settings import bundled_curriculum

pytest_plugins = ["tests.fakes.fixtures"]

COURSE_YAML = """\
id: tiny
title: Tiny Course
version: "1.0"
units:
  - basics
  - advanced
certification:
  final_assessment:
    bank: quizzes/final.yaml
    questions: 1
"""

BASICS = """\
---
id: basics
title: Basics
objectives:
  - Explain what a gradient is
prerequisites: []
estimated_minutes: 10
tags: [intro]
---

# Basics

Gradients tell a model which way to move its weights.

## Gradient descent

Gradient descent takes small steps downhill on the loss surface. The learning rate sets the
size of each step. Too large a rate overshoots; too small a rate crawls.

## Learning rate schedules

A schedule lowers the learning rate as training goes on, so early steps are bold and late
steps are careful.
"""

ADVANCED = """\
---
id: advanced
title: Advanced
objectives:
  - Compare optimisers
prerequisites: [basics]
estimated_minutes: 15
tags: [optimisers]
---

# Advanced

## Momentum

Momentum keeps a running average of past gradients so the optimiser rolls through small bumps.

### Nesterov momentum

Nesterov looks ahead before computing the gradient.
"""

BASICS_BANK = """\
unit: basics
questions:
  - id: basics-01
    type: multiple_choice
    bloom: apply
    section: basics#gradient-descent
    prompt: "What does the learning rate set?"
    choices:
      - text: "The size of each step"
        correct: true
      - text: "The number of layers"
    explanation: "It scales each update."
  - id: basics-02
    type: true_false
    bloom: remember
    section: basics#gradient-descent
    prompt: "A huge learning rate can overshoot the minimum."
    answer: true
    explanation: "Steps that are too large jump past the minimum."
"""

ADVANCED_BANK = """\
unit: advanced
questions:
  - id: advanced-01
    type: short_answer
    bloom: analyze
    section: advanced#momentum
    prompt: "Why does momentum help on a bumpy loss surface?"
    model_answer: "It averages past gradients, so small bumps do not stop progress."
    rubric:
      - criterion: "Mentions averaging past gradients"
        points: 2
        keywords: ["average", "past gradient"]
    explanation: "Momentum smooths the direction of travel."
"""

FINAL_BANK = """\
questions:
  - id: final-01
    type: true_false
    bloom: apply
    section: advanced#nesterov-momentum
    prompt: "Nesterov momentum computes the gradient at a look-ahead point."
    answer: true
    explanation: "That is its one difference from plain momentum."
"""

TINY_FILES = {
    "course.yaml": COURSE_YAML,
    "units/basics.md": BASICS,
    "units/advanced.md": ADVANCED,
    "quizzes/basics.yaml": BASICS_BANK,
    "quizzes/advanced.yaml": ADVANCED_BANK,
    "quizzes/final.yaml": FINAL_BANK,
}

WriteFiles = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_files(tmp_path: Path) -> WriteFiles:
    """Write {relative path: text} under a fresh folder and return the folder."""

    def write(files: dict[str, str]) -> Path:
        for name, text in files.items():
            path = tmp_path / "course" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return tmp_path / "course"

    return write


@pytest.fixture
def tiny_course_dir(write_files: WriteFiles) -> Path:
    """A valid two-unit structured course on disk."""
    return write_files(TINY_FILES)


@pytest.fixture(scope="session")
def bundled_course() -> Course:
    """The AI Foundations course shipped in curriculum/."""
    return load_course_or_raise(bundled_curriculum())
