"""Citations and excerpts: what an answer may cite, and the gist of a passage."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tutorbot.retrieval import Hit
from tutorbot.tutor.results import Citation

_CITATION = re.compile(r"\[([a-z0-9][a-z0-9-]*#[a-z0-9][\w-]*)\]")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


def checked_citations(text: str, given: Sequence[Hit]) -> tuple[str, list[Citation]]:
    """Citations in ``text`` that name a passage the model was given; others are removed."""
    allowed = {h.id: h for h in given}
    cited: dict[str, Citation] = {}

    def keep(match: re.Match[str]) -> str:
        hit = allowed.get(match.group(1))
        if hit is None:
            return ""
        cited.setdefault(hit.id, Citation(hit.id, hit.unit, hit.title))
        return match.group(0)

    cleaned = re.sub(r"[ \t]+([.,;:])", r"\1", _CITATION.sub(keep, text))
    return cleaned.strip(), list(cited.values())


def gist(text: str, sentences: int = 2) -> str:
    """The first sentences of a passage's prose (code, tables and images skipped)."""
    plain = " ".join(
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith(("```", "|", "!"))
    )
    return " ".join(_SENTENCES.split(plain)[:sentences])
