"""Course search for the tutor: ranked, cited passages and whether the course covers a question.

Lexical BM25 is always there; a dense (embedding) index can be added later through
``PassageIndex`` and is merged by reciprocal rank fusion, which needs no score calibration
between the two. Hits are one per section, since a section is what an answer cites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from tutorbot.errors import BadQueryError
from tutorbot.retrieval.chunking import Chunk
from tutorbot.retrieval.lexical import CANDIDATES, LexicalIndex, ScoredChunk

MAX_QUERY_CHARS = 2000
# Share of a question's (IDF-weighted) terms the best passage must contain for the course to
# "cover" it. Calibrated by bench/retrieval.py on in-course vs off-topic questions.
COVERAGE_THRESHOLD = 0.45
RRF_K = 60


class Hit(NamedTuple):
    """One cited passage: the section it comes from, its score and its text.

    A NamedTuple rather than a frozen dataclass: every query builds several, and a frozen
    dataclass costs about five times as much to create.
    """

    id: str
    unit: str
    unit_title: str
    title: str
    score: float
    text: str
    coverage: float

    @classmethod
    def from_chunk(cls, found: ScoredChunk, score: float | None = None) -> Hit:
        """A hit for a scored chunk (``score`` overrides, e.g. a fused rank score)."""
        c = found.chunk
        return cls(
            c.id,
            c.unit,
            c.unit_title,
            c.title,
            found.score if score is None else score,
            c.text,
            found.coverage,
        )

    def as_json(self) -> dict[str, object]:
        """The public shape: id, unit, title, score, text."""
        return {
            "id": self.id,
            "unit": self.unit,
            "title": self.title,
            "score": round(self.score, 4),
            "text": self.text,
        }


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Hits best first, and the signal that says whether the course answers the query."""

    query: str
    hits: list[Hit] = field(default_factory=list)
    coverage: float = 0.0
    threshold: float = COVERAGE_THRESHOLD

    @property
    def covers_question(self) -> bool:
        """True when the best passages contain enough of what was asked."""
        return bool(self.hits) and self.coverage >= self.threshold

    @property
    def ids(self) -> list[str]:
        """Citation ids of the hits, the only ones an answer may cite."""
        return [h.id for h in self.hits]

    def nearest_units(self, limit: int = 3) -> list[str]:
        """Units of the best hits, for 'the course does not cover this; try ...'."""
        return list(dict.fromkeys(h.unit for h in self.hits))[:limit]


class PassageIndex(Protocol):
    """Anything that ranks chunks for a query: the lexical index, or embeddings later."""

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The ``k`` best chunks, best first."""
        ...


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[ScoredChunk]],
) -> list[tuple[ScoredChunk, float]]:
    """Merge rankings by sum of 1/(RRF_K + rank); robust to incomparable score scales."""
    fused: dict[tuple[str, int], float] = {}
    best: dict[tuple[str, int], ScoredChunk] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            key = (item.chunk.id, item.chunk.part)
            fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
            if key not in best or item.coverage > best[key].coverage:
                best[key] = item
    order = sorted(fused, key=lambda key: -fused[key])
    return [(best[key], fused[key]) for key in order]


class Retriever:
    """Searches the course; built once at start-up and shared by every service."""

    def __init__(
        self,
        lexical: LexicalIndex,
        dense: PassageIndex | None = None,
        *,
        threshold: float = COVERAGE_THRESHOLD,
    ) -> None:
        self.lexical = lexical
        self.dense = dense
        self.threshold = threshold

    @property
    def chunks(self) -> list[Chunk]:
        """Every indexed chunk."""
        return self.lexical.chunks

    def search(self, query: str, k: int = 5, *, unit: str | None = None) -> SearchResult:
        """Up to ``k`` hits (one per section), best first, with the coverage signal.

        ``unit`` restricts the search to one unit (explaining a topic within a unit).
        """
        query = " ".join(query.split())
        if not query:
            raise BadQueryError("Type a question or some words to search for.")
        if len(query) > MAX_QUERY_CHARS:
            raise BadQueryError(
                f"That is {len(query)} characters; please keep it under {MAX_QUERY_CHARS}."
            )
        if self.dense is None:
            found = self.lexical.search(query, k, unit=unit)
            hits = [Hit.from_chunk(item) for item in found]
            coverage = max((item.coverage for item in found), default=0.0)
            return SearchResult(query, hits, round(coverage, 3), self.threshold)
        lexical = self.lexical.search(query, k * CANDIDATES, per_section=False, unit=unit)
        fused = reciprocal_rank_fusion([lexical, self.dense.search(query, k * CANDIDATES)])
        seen: set[str] = set()
        hits = []
        for item, score in fused:
            if unit is not None and item.chunk.unit != unit:
                continue
            if item.chunk.id not in seen and len(hits) < k:
                seen.add(item.chunk.id)
                hits.append(Hit.from_chunk(item, score))
        coverage = max((item.coverage for item in lexical[:k]), default=0.0)
        return SearchResult(query, hits, round(coverage, 3), self.threshold)
