"""Broken input never crashes the parsers: only problems, never tracebacks."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorbot.curriculum import load_course
from tutorbot.curriculum.gift import parse_gift
from tutorbot.curriculum.markdown import parse_sections, split_front_matter
from tutorbot.curriculum.units import read_unit

GIFT_ALPHABET = st.sampled_from(
    [*list("{}=~#:%\\-> \n\tabcTF019.$/[]"), "::", "####", "//", "\n\n"]
)
gift_text = st.lists(GIFT_ALPHABET, max_size=80).map("".join)
markdown_text = st.lists(
    st.sampled_from(
        [
            "---\n",
            "#",
            "## ",
            "### ",
            "```\n",
            "id: x\n",
            "title: [\n",
            ": ",
            "- ",
            "\n",
            "text ",
            "é",
            "\t",
            "prerequisites: 5\n",
            "objectives:\n",
        ]
    ),
    max_size=40,
).map("".join)


@given(gift_text)
@settings(max_examples=400)
def test_any_gift_text_yields_questions_or_problems(text: str) -> None:
    result = parse_gift(text, Path("f.gift"), id_prefix="u")
    assert all(p.line >= 1 for p in result.problems)


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_arbitrary_unicode_gift_never_raises(text: str) -> None:
    parse_gift(text, Path("f.gift"), id_prefix="u")


@given(markdown_text)
@settings(max_examples=300)
def test_any_markdown_splits_into_sections(text: str) -> None:
    split = split_front_matter(text)
    parse_sections("u", split.body, Path("u.md"), split.body_line)


@given(markdown_text, st.booleans())
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_unit_file_reads_with_problems_not_exceptions(
    tmp_path: Path, text: str, structured: bool
) -> None:
    path = tmp_path / "u.md"
    path.write_text(text, encoding="utf-8")
    unit = read_unit(path, "u", structured=structured)
    assert all(p.file == path and p.line >= 1 for p in unit.problems)


@given(st.text(max_size=300))
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_course_yaml_loads_with_problems_not_exceptions(tmp_path: Path, text: str) -> None:
    (tmp_path / "course.yaml").write_text(text, encoding="utf-8")
    result = load_course(tmp_path)
    assert result.course is not None or result.problems
