"""split_message: parts fit Discord's limit, break where a reader would, keep code fenced."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorbot.bot.render import MIN_LIMIT, as_file_if_huge, split_message

FENCE = re.compile(r" {0,3}(`{3,})([^`]*)")


def fences_balanced(part: str) -> bool:
    """Every fence opened in ``part`` is closed in it (CommonMark's rules, read line by line)."""
    open_ticks = 0
    for line in part.split("\n"):
        found = FENCE.fullmatch(line)
        if found is None:
            continue
        ticks, info = len(found[1]), found[2].strip()
        if not open_ticks:
            open_ticks = ticks
        elif ticks >= open_ticks and not info:
            open_ticks = 0
    return open_ticks == 0


def words(text: str) -> list[str]:
    """The text's words, leaving out fence lines (splitting adds those)."""
    kept = [line for line in text.split("\n") if not FENCE.fullmatch(line)]
    return "\n".join(kept).split()


def test_text_within_the_limit_is_one_part() -> None:
    assert split_message("Gradients point uphill.") == ["Gradients point uphill."]


def test_blank_text_has_no_parts() -> None:
    assert split_message(" \n\n \t") == []


def test_limit_below_the_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        split_message("text", MIN_LIMIT - 1)


def test_paragraph_break_is_preferred_to_a_later_line_break() -> None:
    text = "a" * 30 + " end.\n\n" + "b" * 20 + "\n" + "c" * 30

    parts = split_message(text, 64)

    assert parts[0] == "a" * 30 + " end."


def test_line_break_is_preferred_to_a_later_sentence_end() -> None:
    text = "The first line is long\n" + "Second. Third sentence runs on and on"

    parts = split_message(text, 40)

    assert parts[0] == "The first line is long"


def test_sentence_end_is_preferred_to_a_later_space() -> None:
    text = "One sentence ends here. Then another goes on without end"

    parts = split_message(text, 40)

    assert parts == ["One sentence ends here.", "Then another goes on without end"]


def test_words_are_not_cut_when_a_space_allows() -> None:
    text = " ".join(["backpropagation"] * 40)

    parts = split_message(text, 50)

    assert all(set(p.split()) == {"backpropagation"} for p in parts)


def test_a_word_longer_than_a_message_is_cut_hard() -> None:
    parts = split_message("x" * 100, 40)

    assert [len(p) for p in parts] == [36, 36, 28]


def test_code_fence_is_closed_and_reopened_with_its_language() -> None:
    code = "\n".join(f"weights[{i}] -= rate * grad[{i}]" for i in range(12))
    text = f"Here is the update:\n```python\n{code}\n```\nThat is all."

    parts = split_message(text, 120)

    assert parts[0].endswith("\n```")
    assert all(p.startswith("```python\n") for p in parts[1:-1])
    assert all(fences_balanced(p) for p in parts)


def test_a_fence_left_open_by_the_text_is_closed() -> None:
    assert split_message("Streaming:\n```py\nx = 1") == ["Streaming:\n```py\nx = 1\n```"]


def test_default_limit_is_discords_2000_characters() -> None:
    parts = split_message("word " * 1000)

    assert max(len(p) for p in parts) <= 2000
    assert len(parts) == 3


@st.composite
def course_text(draw: st.DrawFn) -> str:
    """Paragraphs of words and fenced code blocks, as a tutor's answer has."""
    word = st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=15)
    sentence = st.lists(word, min_size=1, max_size=12).map(lambda ws: " ".join(ws) + ".")
    paragraph = st.lists(sentence, min_size=1, max_size=8).map(" ".join)
    code_line = st.lists(word, min_size=1, max_size=6).map(" ".join)
    language = st.sampled_from(["", "python", "text", "json"])
    code = st.tuples(language, st.lists(code_line, min_size=1, max_size=20)).map(
        lambda lc: f"```{lc[0]}\n" + "\n".join(lc[1]) + "\n```"
    )
    blocks = draw(st.lists(st.one_of(paragraph, code), min_size=1, max_size=10))
    return draw(st.sampled_from(["\n\n", "\n"])).join(blocks)


@settings(max_examples=300, deadline=None)
@given(text=course_text(), limit=st.integers(min_value=80, max_value=600))
def test_parts_fit_keep_every_word_in_order_and_balance_their_fences(text: str, limit: int) -> None:
    parts = split_message(text, limit)

    assert all(len(p) <= limit for p in parts)
    assert [w for p in parts for w in words(p)] == words(text)
    assert all(fences_balanced(p) for p in parts)


@settings(max_examples=300, deadline=None)
@given(text=st.text(), limit=st.integers(min_value=MIN_LIMIT, max_value=300))
def test_any_text_fits_and_keeps_all_its_non_whitespace_in_order(text: str, limit: int) -> None:
    parts = split_message(text, limit)

    assert all(0 < len(p) <= limit for p in parts)
    kept = iter("".join("".join(p.split()) for p in parts))
    assert all(ch in kept for ch in "".join(text.split()))  # a subsequence: fences may be added


def test_short_replies_are_not_made_into_files() -> None:
    assert as_file_if_huge("short") is None


def test_huge_replies_become_a_markdown_file_with_the_whole_text() -> None:
    text = "line\n" * 2000

    file = as_file_if_huge(text)

    assert file is not None
    assert file.filename == "reply.md"
    assert file.fp.read().decode() == text
