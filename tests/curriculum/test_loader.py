"""Loading courses: the structured format and a plain folder of Markdown lessons."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import WriteFiles
from tutorbot.curriculum import MultipleChoiceQuestion, load_course


def test_structured_course_loads_units_sections_and_banks(tiny_course_dir: Path) -> None:
    result = load_course(tiny_course_dir)
    assert result.problems == []
    assert result.course is not None
    assert [u.id for u in result.course.units] == ["basics", "advanced"]
    assert [s.id for s in result.course.units[1].sections] == [
        "advanced#advanced",
        "advanced#momentum",
        "advanced#nesterov-momentum",
    ]
    assert result.course.question_count == 4


def test_unit_metadata_comes_from_front_matter(tiny_course_dir: Path) -> None:
    course = load_course(tiny_course_dir).course
    assert course is not None
    unit = course.units[1]
    assert (unit.title, unit.prerequisites, unit.estimated_minutes) == ("Advanced", ("basics",), 15)


def test_certification_rule_is_read(tiny_course_dir: Path) -> None:
    course = load_course(tiny_course_dir).course
    assert course is not None
    assert course.certification.final_assessment is not None
    assert (course.certification.final_assessment.pass_score, len(course.final_questions)) == (
        0.8,
        1,
    )


def test_content_hash_changes_when_any_file_changes(tiny_course_dir: Path) -> None:
    before = load_course(tiny_course_dir).course
    bank = tiny_course_dir / "quizzes" / "basics.yaml"
    bank.write_text(bank.read_text().replace("each step", "every step"))
    after = load_course(tiny_course_dir).course
    assert before is not None
    assert after is not None
    assert before.content_hash != after.content_hash


def test_plain_folder_becomes_a_course_in_natural_order(write_files: WriteFiles) -> None:
    root = write_files(
        {
            "README.md": "# My Course\n\nA course about things.\n\n- [lesson](x)\n",
            "lessons/10-Later/README.md": "# Later Lesson\n\n## Part\ntext ten\n",
            "lessons/2-Early/README.md": "# Early Lesson\n\n## Part\ntext two\n",
            "lessons/2-Early/Extra_Notes.md": "Notes without a heading at all.\n",
            "LICENSE.md": "MIT\n",
        }
    )
    course = load_course(root).course
    assert course is not None
    assert [(u.id, u.title) for u in course.units] == [
        ("2-early", "Early Lesson"),
        ("extra-notes", "Extra Notes"),
        ("10-later", "Later Lesson"),
    ]
    assert (course.title, course.description) == ("My Course", "A course about things.")


def test_plain_lessons_with_the_same_name_get_distinct_ids(write_files: WriteFiles) -> None:
    root = write_files({"a/notes.md": "# A\ntext\n", "b/notes.md": "# B\ntext\n"})
    course = load_course(root).course
    assert course is not None
    assert [u.id for u in course.units] == ["notes", "b-notes"]


def test_gift_file_joins_the_lesson_with_the_same_name(write_files: WriteFiles) -> None:
    root = write_files(
        {
            "01-intro.md": "# Intro\n\nSome text.\n",
            "01-intro.gift": "::q1:: Is this the intro? {T}\n\n::q2:: Pick {=a ~b}\n",
        }
    )
    course = load_course(root).course
    assert course is not None
    questions = course.units[0].questions
    assert [q.id for q in questions] == ["q1", "q2"]
    assert isinstance(questions[1], MultipleChoiceQuestion)


def test_plain_lesson_front_matter_is_optional_but_used(write_files: WriteFiles) -> None:
    root = write_files({"a.md": "---\nid: custom\ntitle: Custom Title\nlayout: post\n---\nText\n"})
    course = load_course(root).course
    assert course is not None
    assert (course.units[0].id, course.units[0].title) == ("custom", "Custom Title")
