"""Every kind of course problem is reported as file:line: message, and validate exits 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import FINAL_BANK, TINY_FILES, WriteFiles
from tutorbot.cli import app
from tutorbot.curriculum import load_course


def problems_after(write_files: WriteFiles, changes: dict[str, str]) -> list[str]:
    root = write_files({**TINY_FILES, **changes})
    return [f"{p.file.relative_to(root)}:{p.line}: {p.message}" for p in load_course(root).problems]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"course.yaml": "id: tiny\ntitle: [unclosed\n"},
            "course.yaml:3: malformed YAML",
            id="malformed-yaml",
        ),
        pytest.param(
            {"course.yaml": "id: tiny\nversion: '1'\nunits: [basics]\n"},
            "course.yaml:1: missing required field 'title' in course.yaml",
            id="missing-field",
        ),
        pytest.param(
            {
                "course.yaml": TINY_FILES["course.yaml"].replace(
                    "  - advanced", "  - advanced\n  - basics"
                )
            },
            "course.yaml:7: duplicate unit id 'basics'",
            id="duplicate-unit",
        ),
        pytest.param(
            {"units/advanced.md": TINY_FILES["units/advanced.md"].replace("[basics]", "[nope]")},
            "units/advanced.md:6: unknown prerequisite 'nope'",
            id="unknown-prerequisite",
        ),
        pytest.param(
            {"units/basics.md": TINY_FILES["units/basics.md"].replace("[]", "[advanced]")},
            "prerequisites form a cycle",
            id="cyclic-prerequisites",
        ),
        pytest.param(
            {
                "quizzes/basics.yaml": TINY_FILES["quizzes/basics.yaml"].replace(
                    "        correct: true\n", ""
                )
            },
            "quizzes/basics.yaml:3: question basics-01 has no correct answer",
            id="no-correct-answer",
        ),
        pytest.param(
            {
                "quizzes/advanced.yaml": TINY_FILES["quizzes/advanced.yaml"].replace(
                    "advanced-01", "basics-01"
                )
            },
            "duplicate question id 'basics-01'",
            id="duplicate-question",
        ),
        pytest.param(
            {"units/advanced.md": TINY_FILES["units/advanced.md"].split("# Advanced")[0]},
            "units/advanced.md:10: unit is empty: it has no text",
            id="empty-unit",
        ),
        pytest.param(
            {
                "quizzes/basics.yaml": TINY_FILES["quizzes/basics.yaml"].replace(
                    "basics#gradient-descent", "basics#nowhere", 1
                )
            },
            "quizzes/basics.yaml:6: question basics-01 cites unknown section 'basics#nowhere'",
            id="unknown-section",
        ),
        pytest.param(
            {
                "quizzes/basics.yaml": TINY_FILES["quizzes/basics.yaml"].replace(
                    "    bloom: remember\n", ""
                )
            },
            "quizzes/basics.yaml:13: question basics-02 has no Bloom level",
            id="missing-bloom",
        ),
        pytest.param(
            {
                "quizzes/basics.yaml": TINY_FILES["quizzes/basics.yaml"].replace(
                    "type: true_false", "type: essay"
                )
            },
            "quizzes/basics.yaml:14: unknown question type 'essay'",
            id="unknown-question-type",
        ),
        pytest.param(
            {
                "units/basics.md": TINY_FILES["units/basics.md"].replace(
                    "estimated_minutes: 10\n", ""
                )
            },
            "units/basics.md:2: missing required field 'estimated_minutes' in front matter",
            id="front-matter-field",
        ),
    ],
)
def test_problem_is_reported_with_file_and_line(
    write_files: WriteFiles, changes: dict[str, str], expected: str
) -> None:
    problems = problems_after(write_files, changes)
    assert any(expected in p for p in problems), problems


def test_bad_gift_bank_is_reported_at_the_question_line(write_files: WriteFiles) -> None:
    files = {k: v for k, v in TINY_FILES.items() if k != "quizzes/advanced.yaml"}
    files["quizzes/final.yaml"] = FINAL_BANK.replace("advanced#nesterov-momentum", "basics#basics")
    root = write_files({**files, "quizzes/advanced.gift": "Q {T}\n\nBad {=a ~b\n"})
    problems = [
        f"{p.file.relative_to(root)}:{p.line}: {p.message}" for p in load_course(root).problems
    ]
    assert "quizzes/advanced.gift:3: GIFT: answer block opened with '{' is never closed" in problems


def test_validate_prints_problems_and_exits_non_zero(write_files: WriteFiles) -> None:
    root = write_files({**TINY_FILES, "quizzes/basics.yaml": "questions: [unclosed\n"})
    result = CliRunner().invoke(app, ["curriculum", "validate", str(root)])
    assert result.exit_code == 1
    assert "basics.yaml:2: malformed YAML" in result.output


def test_validate_prints_a_summary_and_exits_zero_when_valid(tiny_course_dir: Path) -> None:
    result = CliRunner().invoke(app, ["curriculum", "validate", str(tiny_course_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("tiny 1.0: 2 units, 6 sections, 4 questions")


def test_missing_course_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["curriculum", "validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "course folder does not exist" in result.output
