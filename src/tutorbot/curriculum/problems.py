"""Problems found in course files, each pinned to a file and line, and YAML that keeps lines.

The loader never raises on bad content: it collects ``Problem`` values so an author sees
every mistake in one run, the way a compiler reports errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with the course, printable as ``file:line: message``."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{_display(self.file)}:{self.line}: {self.message}"


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each key."""

    line: int = 1
    key_lines: dict[str, int]


class LineList(list[Any]):
    """A YAML sequence that remembers the line of itself and of each item."""

    line: int = 1
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings and sequences carry 1-based line numbers."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be plain values", key_node.start_mark
            )
        result[str(key)] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(text: str, file: Path, *, line_offset: int = 0) -> tuple[Any, list[Problem]]:
    """Parse YAML keeping line numbers; a syntax error becomes a ``Problem``, not a raise."""
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        return None, [Problem(file, line, f"malformed YAML: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [Problem(file, 1 + line_offset, f"malformed YAML: {exc}")]
    if line_offset:
        _shift_lines(data, line_offset)
    return data, []


def _shift_lines(data: Any, offset: int) -> None:
    if isinstance(data, LineDict):
        data.line += offset
        data.key_lines = {k: v + offset for k, v in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, offset)
    elif isinstance(data, LineList):
        data.line += offset
        data.item_lines = [v + offset for v in data.item_lines]
        for value in data:
            _shift_lines(value, offset)


def line_of(data: Any, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest node on ``loc`` (a pydantic error location) in ``data``."""
    line = getattr(data, "line", 1)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and isinstance(part, str):
            line = node.key_lines.get(part, line)
            if part not in node:
                return line
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
        line = getattr(node, "line", line)
    return line


def validation_problems(exc: ValidationError, data: Any, file: Path, what: str) -> list[Problem]:
    """Turn a pydantic error into one ``Problem`` per field, at the field's line."""
    problems = []
    for err in exc.errors():
        loc = tuple(p for p in err["loc"] if isinstance(p, int | str))
        # Drop the discriminator tag pydantic inserts (e.g. 'multiple_choice') from the path.
        path = ".".join(str(p) for p in loc if not _is_tag(p))
        message = err["msg"]
        if err["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc = (*loc, "type")
            given = (err.get("ctx") or {}).get("tag", "")
            message = (
                f"unknown question type '{given}' (use multiple_choice, true_false, "
                "short_answer or numeric)"
                if given
                else "missing required field 'type'"
            )
            path = ".".join(str(p) for p in loc[:-1] if not _is_tag(p))
        elif err["type"] == "missing":
            message = f"missing required field '{path.rsplit('.', 1)[-1]}'"
            path = path.rsplit(".", 1)[0] if "." in path else ""
        elif err["type"] == "extra_forbidden":
            message = f"unknown field '{path.rsplit('.', 1)[-1]}'"
            path = path.rsplit(".", 1)[0] if "." in path else ""
        where = f" in {what}" + (f" at {path}" if path else "")
        data_loc = tuple(p for p in loc if not _is_tag(p))
        problems.append(Problem(file, line_of(data, data_loc), f"{message}{where}"))
    return problems


def _is_tag(part: int | str) -> bool:
    return part in {"multiple_choice", "true_false", "short_answer", "numeric"}
