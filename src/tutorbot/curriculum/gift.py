"""Moodle GIFT question files: multiple choice, true/false, short answer and numeric.

No maintained Python GIFT parser exists (pygiftparser was last released years ago and
covers less), so this is a small one. It never raises on bad input: every question it
cannot read becomes a ``Problem`` with the line where that question starts.
Reference: https://docs.moodle.org/en/GIFT_format
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tutorbot.curriculum.models import (
    Choice,
    MultipleChoiceQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)
from tutorbot.curriculum.problems import Problem

GiftQuestion = MultipleChoiceQuestion | TrueFalseQuestion | ShortAnswerQuestion | NumericQuestion

_ESCAPABLE = set("~=#{}:\\")
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\[(?:html|moodle|plain|markdown)\]", re.IGNORECASE)
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_NUM_TOLERANCE = re.compile(rf"^({_NUMBER})(?::({_NUMBER}))?$")
_NUM_RANGE = re.compile(rf"^({_NUMBER})\.\.({_NUMBER})$")
_TRUE = {"T", "TRUE"}
_FALSE = {"F", "FALSE"}


@dataclass(slots=True)
class GiftResult:
    """What one GIFT file yielded: questions, problems, and the last ``$CATEGORY``."""

    questions: list[GiftQuestion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    category: str | None = None


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in _ESCAPABLE:
            out.append(text[i + 1])
            i += 2
        elif text[i] == "\\" and text[i + 1 : i + 2] == "n":
            out.append("\n")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return _FORMAT.sub("", "".join(out).strip()).strip()


def _find_unescaped(text: str, chars: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars:
            return i
        i += 1
    return -1


def _split_unescaped(text: str, marker: str) -> list[str]:
    """Split at every unescaped occurrence of ``marker`` (a string, not a set of chars)."""
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text.startswith(marker, i):
            parts.append(text[start:i])
            i = start = i + len(marker)
        else:
            i += 1
    parts.append(text[start:])
    return parts


def _strip_comments(block: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return [(n, line) for n, line in block if not line.lstrip().startswith("//")]


def _blocks(text: str) -> list[tuple[int, str]]:
    """Split the file into (first line, text) chunks separated by blank lines."""
    blocks: list[tuple[int, str]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            kept = _strip_comments(current)
            if kept:
                blocks.append((kept[0][0], "\n".join(s for _, s in kept)))
            current = []
            continue
        current.append((number, line))
    kept = _strip_comments(current)
    if kept:
        blocks.append((kept[0][0], "\n".join(s for _, s in kept)))
    return blocks


@dataclass(slots=True)
class _Answer:
    marker: str
    text: str
    weight: float | None
    feedback: str | None


def _answers(body: str) -> list[_Answer]:
    answers: list[_Answer] = []
    positions = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "=~" and not (body[i] == "=" and body[i - 1 : i] == "-"):
            positions.append(i)
        i += 1
    for n, pos in enumerate(positions):
        end = positions[n + 1] if n + 1 < len(positions) else len(body)
        raw = body[pos + 1 : end]
        weight = None
        if match := _WEIGHT.match(raw.strip()):
            weight = float(match.group(1))
            raw = raw.strip()[match.end() :]
        text, *feedback = _split_unescaped(raw, "#")
        answers.append(
            _Answer(body[pos], _unescape(text), weight, _unescape("#".join(feedback)) or None)
        )
    return answers


def parse_gift(text: str, file: Path, *, id_prefix: str, unit: str | None = None) -> GiftResult:
    """Read every question of a GIFT file; unreadable ones become problems."""
    result = GiftResult()
    seen_titles: set[str] = set()
    for number, (line, block) in enumerate(_blocks(text), start=1):
        stripped = block.strip()
        if stripped.startswith("$CATEGORY:"):
            result.category = stripped.removeprefix("$CATEGORY:").strip() or None
            continue
        try:
            question = _parse_block(stripped, f"{id_prefix}-{number:03d}", unit, seen_titles)
        except _GiftError as exc:
            result.problems.append(Problem(file, line + exc.line_delta, f"GIFT: {exc}"))
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"][1:])
            result.problems.append(Problem(file, line, f"GIFT: {first['msg']} ({where})"))
            continue
        if question is not None:
            result.questions.append(question)
    return result


class _GiftError(ValueError):
    def __init__(self, message: str, line_delta: int = 0) -> None:
        super().__init__(message)
        self.line_delta = line_delta


def _parse_block(
    block: str, default_id: str, unit: str | None, seen_titles: set[str]
) -> GiftQuestion | None:
    title = None
    if block.startswith("::"):
        end = block.find("::", 2)
        if end == -1:
            raise _GiftError("question title opened with '::' is never closed")
        title = _unescape(block[2:end])
        block = block[end + 2 :]
    open_at = _find_unescaped(block, "{")
    if open_at == -1:
        if _find_unescaped(block, "}") != -1:
            raise _GiftError("'}' without a matching '{'")
        return None  # a description item: text with no answers, nothing to ask
    close_at = _find_unescaped(block, "}", open_at + 1)
    if close_at == -1:
        raise _GiftError("answer block opened with '{' is never closed", block.count("\n"))
    if _find_unescaped(block, "{", open_at + 1) not in (-1,) and (
        _find_unescaped(block, "{", open_at + 1) < close_at
    ):
        raise _GiftError("'{' inside an answer block must be escaped as '\\{'")
    before, inner, after = block[:open_at], block[open_at + 1 : close_at], block[close_at + 1 :]
    if _find_unescaped(after, "{}") != -1:
        raise _GiftError("only one answer block per question is supported")
    after_text = _unescape(after)
    prompt = _unescape(before) + (" _____ " + after_text if after_text else "")
    prompt = " ".join(prompt.split())
    if not prompt:
        raise _GiftError("question has no text")
    qid = _question_id(title, default_id, seen_titles)
    inner, *general = _split_unescaped(inner, "####")
    explanation = _unescape("####".join(general)) or None
    common = {"id": qid, "prompt": prompt, "explanation": explanation, "unit": unit}
    body = inner.strip()
    if not body:
        raise _GiftError("essay questions ({}) have no correct answer to grade")
    if body.startswith("#"):
        return _numeric(body[1:], common)
    head = _split_unescaped(body, "#")[0].strip().upper()
    if head in _TRUE | _FALSE:
        return TrueFalseQuestion(type="true_false", answer=head in _TRUE, **common)
    answers = _answers(body)
    if not answers:
        raise _GiftError("answer block has no answers (start each with '=' or '~')")
    if "->" in body and all(a.marker == "=" for a in answers):
        raise _GiftError("matching questions are not supported")
    if all(a.marker == "=" for a in answers):
        accepted = [a.text for a in answers if a.text]
        if not accepted:
            raise _GiftError("short answer has no accepted answer")
        return ShortAnswerQuestion(
            type="short_answer", accepted_answers=accepted, model_answer=accepted[0], **common
        )
    choices = [
        Choice(
            text=a.text,
            correct=a.marker == "=" or (a.weight or 0) > 0,
            feedback=a.feedback,
            weight=a.weight,
        )
        for a in answers
    ]
    if not any(c.correct for c in choices):
        raise _GiftError("multiple choice has no correct answer (mark one with '=')")
    return MultipleChoiceQuestion(type="multiple_choice", choices=choices, **common)


def _question_id(title: str | None, default_id: str, seen: set[str]) -> str:
    if not title:
        return default_id
    candidate = re.sub(r"[^A-Za-z0-9_.:-]+", "-", title).strip("-.:_") or default_id
    base, n = candidate, 1
    while candidate in seen:
        n += 1
        candidate = f"{base}-{n}"
    seen.add(candidate)
    return candidate


def _numeric(body: str, common: dict[str, Any]) -> NumericQuestion:
    answers = _answers(body) if body.lstrip().startswith("=") else None
    raw = next((a.text for a in answers if (a.weight or 100) >= 100), "") if answers else body
    raw = _split_unescaped(raw, "#")[0].strip()
    if match := _NUM_RANGE.match(raw):
        low, high = float(match.group(1)), float(match.group(2))
        if low > high:
            raise _GiftError(f"numeric range {raw!r} has its low end above its high end")
        return NumericQuestion(
            type="numeric", answer=(low + high) / 2, tolerance=(high - low) / 2, **common
        )
    if match := _NUM_TOLERANCE.match(raw):
        tolerance = abs(float(match.group(2))) if match.group(2) else 0.0
        return NumericQuestion(
            type="numeric", answer=float(match.group(1)), tolerance=tolerance, **common
        )
    raise _GiftError(f"numeric answer {raw!r} is not a number, 'n:tolerance' or 'low..high'")
