"""Unit Markdown: front matter, headings and the sections they delimit.

markdown-it-py finds the headings (so ``#`` lines inside code fences are not headings, and
setext headings are); we only slice the source lines between them, so a section's text is
exactly what the author wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from tutorbot.curriculum.models import Section

SECTION_MAX_LEVEL = 3
_FENCE = re.compile(r"^---\s*$")
_NOT_SLUG = re.compile(r"[^\w\s-]")
_SEPARATORS = re.compile(r"[\s_-]+")
_md = MarkdownIt("commonmark")


def slugify(text: str) -> str:
    """A heading's anchor: lowercase words joined by hyphens, punctuation dropped."""
    return _SEPARATORS.sub("-", _NOT_SLUG.sub("", text.lower())).strip("-")


@dataclass(frozen=True, slots=True)
class FrontMatterSplit:
    """A file cut at its YAML front matter; ``body_line`` is the body's first line (1-based)."""

    front_matter: str | None
    front_matter_line: int
    body: str
    body_line: int


def split_front_matter(text: str) -> FrontMatterSplit:
    """Separate a leading ``---`` YAML block from the Markdown body."""
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0]):
        return FrontMatterSplit(None, 0, text, 1)
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]) or lines[i].rstrip() == "...":
            return FrontMatterSplit("".join(lines[1:i]), 2, "".join(lines[i + 1 :]), i + 2)
    return FrontMatterSplit(None, 0, text, 1)


def _inline_text(inline: Token) -> str:
    parts = [
        child.content for child in inline.children or [] if child.type in {"text", "code_inline"}
    ]
    return " ".join("".join(parts).split())


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    title: str
    start: int  # 0-based first line of the heading
    end: int  # 0-based line after the heading


def _headings(body: str) -> list[_Heading]:
    tokens = _md.parse(body)
    found = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map and tok.level == 0:
            title = _inline_text(tokens[i + 1])
            found.append(_Heading(int(tok.tag[1:]), title, tok.map[0], tok.map[1]))
    return found


@dataclass(frozen=True, slots=True)
class ParsedMarkdown:
    """The sections of one file and the title its first heading gives."""

    title: str | None
    sections: list[Section]


def parse_sections(unit_id: str, body: str, file: Path, body_line: int = 1) -> ParsedMarkdown:
    """Cut a Markdown body into sections at headings of level 1 to 3."""
    lines = body.splitlines()
    heads = [h for h in _headings(body) if h.level <= SECTION_MAX_LEVEL and h.title]
    title = next((h.title for h in heads if h.level == 1), heads[0].title if heads else None)
    sections: list[Section] = []
    used: dict[str, int] = {}

    def unique(slug: str) -> str:
        slug = slug or "section"
        count = used.get(slug, 0)
        used[slug] = count + 1
        return slug if count == 0 else f"{slug}-{count}"

    first_start = heads[0].start if heads else len(lines)
    preface = "\n".join(lines[:first_start]).strip()
    if preface:
        sections.append(
            Section(unit_id, unique("introduction"), "Introduction", 1, preface, file, body_line)
        )
    parent: Section | None = None
    for n, head in enumerate(heads):
        stop = heads[n + 1].start if n + 1 < len(heads) else len(lines)
        text = "\n".join(lines[head.end : stop]).strip()
        is_child = head.level == SECTION_MAX_LEVEL and parent is not None
        section = Section(
            unit_id=unit_id,
            slug=unique(slugify(head.title)),
            title=head.title,
            level=head.level,
            text=text,
            file=file,
            line=body_line + head.start,
            parent_id=parent.id if is_child and parent else None,
            breadcrumb=(parent.title,) if is_child and parent else (),
        )
        sections.append(section)
        if head.level < SECTION_MAX_LEVEL:
            parent = section
    return ParsedMarkdown(title, sections)
