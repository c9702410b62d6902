"""Front matter and section splitting of unit Markdown."""

from __future__ import annotations

from pathlib import Path

from tutorbot.curriculum.markdown import parse_sections, slugify, split_front_matter


def test_slug_drops_punctuation_and_joins_words_with_hyphens() -> None:
    assert slugify("Worked example: k-means (2 clusters)!") == "worked-example-k-means-2-clusters"


def test_front_matter_is_split_and_body_line_is_known() -> None:
    split = split_front_matter("---\nid: x\n---\n# Title\n")
    assert (split.front_matter, split.body, split.body_line) == ("id: x\n", "# Title\n", 4)


def test_file_without_front_matter_is_all_body() -> None:
    assert split_front_matter("# Just a lesson\n").front_matter is None


def test_sections_split_at_headings_up_to_level_three() -> None:
    body = "# T\nintro\n## A\na text\n### A1\nsub\n#### deep\nstill A1\n## B\nb text\n"
    parsed = parse_sections("u", body, Path("u.md"))
    assert [(s.id, s.level) for s in parsed.sections] == [
        ("u#t", 1),
        ("u#a", 2),
        ("u#a1", 3),
        ("u#b", 2),
    ]


def test_level_four_heading_stays_inside_its_section() -> None:
    body = "## A\ntext\n#### Detail\nmore\n"
    (section,) = parse_sections("u", body, Path("u.md")).sections
    assert "#### Detail" in section.text


def test_subsection_knows_its_parent_for_citations() -> None:
    body = "## Training\nx\n### Loss\ny\n"
    loss = parse_sections("u", body, Path("u.md")).sections[1]
    assert (loss.parent_id, loss.breadcrumb) == ("u#training", ("Training",))


def test_hash_lines_inside_code_fences_are_not_headings() -> None:
    body = "## Code\n```python\n# a comment, not a heading\nx = 1\n```\n"
    assert len(parse_sections("u", body, Path("u.md")).sections) == 1


def test_repeated_headings_get_distinct_anchors() -> None:
    body = "## Example\na\n## Example\nb\n"
    slugs = [s.slug for s in parse_sections("u", body, Path("u.md")).sections]
    assert slugs == ["example", "example-1"]


def test_section_line_numbers_count_from_the_file_start() -> None:
    split = split_front_matter("---\nid: u\n---\n\n## First\ntext\n")
    section = parse_sections("u", split.body, Path("u.md"), split.body_line).sections[0]
    assert section.line == 5


def test_text_before_the_first_heading_is_an_introduction() -> None:
    parsed = parse_sections("u", "Some words first.\n\n## Later\nmore\n", Path("u.md"))
    assert parsed.sections[0].id == "u#introduction"


def test_heading_markup_is_not_part_of_the_title() -> None:
    parsed = parse_sections(
        "u", "## [Pre-lecture quiz](https://x.y/z) with `code`\nt\n", Path("u.md")
    )
    assert parsed.sections[0].title == "Pre-lecture quiz with code"
