"""BM25 over chunks with bm25s (sparse, precomputed scores) and our analyzer.

bm25s stores every (term, chunk) score at build time, so a query is a sum of a few sparse
columns. We call it with our own stemmed terms, skipping its general tokenizer, which is
where most of its per-query time goes (bench/retrieval.py measures both).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

import bm25s
import numpy as np
import numpy.typing as npt

from tutorbot.retrieval.analyzer import Analyzer
from tutorbot.retrieval.chunking import Chunk

K1 = 1.2
B = 0.75
_POSTINGS_CACHE = 4096  # terms whose chunk sets stay cached for coverage
CANDIDATES = 4  # chunks looked at per wanted hit, so merging chunks of a section still fills k


class ScoredChunk(NamedTuple):
    """A chunk and its score for one query, plus how much of the query it contains."""

    chunk: Chunk
    score: float
    coverage: float


class LexicalIndex:
    """Chunks, their BM25 matrix, and per-term document frequencies for coverage."""

    def __init__(self, chunks: list[Chunk], bm25: bm25s.BM25, analyzer: Analyzer) -> None:
        self.chunks = chunks
        self._bm25 = bm25
        self._analyzer = analyzer
        self._vocab: dict[str, int] = bm25.vocab_dict
        csc = bm25.scores
        self._indptr: npt.NDArray[np.int64] = np.asarray(csc["indptr"])
        self._indices: npt.NDArray[np.int32] = np.asarray(csc["indices"])
        n = len(chunks)
        section_numbers: dict[str, int] = {}
        units = np.array([c.unit for c in chunks])
        self._unit_masks = {
            u: (units == u).astype(np.float32) for u in dict.fromkeys(units.tolist())
        }
        self._section_of = [section_numbers.setdefault(c.id, len(section_numbers)) for c in chunks]
        df = np.diff(self._indptr)
        self._idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self._idf_list: list[float] = self._idf.tolist()
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)
        self._postings_cache: dict[int, frozenset[int]] = {}

    @classmethod
    def build(cls, chunks: list[Chunk], analyzer: Analyzer) -> LexicalIndex:
        """Index ``chunks`` (headings included in what is matched)."""
        corpus = [analyzer.terms(c.index_text) or ["\x00empty"] for c in chunks]
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        bm25.index(corpus, show_progress=False)
        return cls(chunks, bm25, analyzer)

    def __len__(self) -> int:
        return len(self.chunks)

    def search(
        self, query: str, k: int, *, per_section: bool = True, unit: str | None = None
    ) -> list[ScoredChunk]:
        """The ``k`` best chunks, best first, by default only the best chunk of a section.

        ``unit`` keeps only that unit's chunks. Chunks with no query term are never returned.
        """
        terms = list(dict.fromkeys(self._analyzer.terms(query)))
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        if not ids or not self.chunks:
            return []
        scores = self._bm25.get_scores(ids)
        if unit is not None:
            mask = self._unit_masks.get(unit)
            scores = scores * mask if mask is not None else np.zeros_like(scores)
        wanted = min(len(scores), k * CANDIDATES if per_section else k)
        if wanted < len(scores):
            top = np.argpartition(-scores, wanted - 1)[:wanted]
        else:
            top = np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        picked: list[int] = []
        picked_scores: list[float] = []
        sections: set[int] = set()
        for doc, score in zip(top.tolist(), scores[top].tolist(), strict=True):
            if score <= 0 or len(picked) == k:
                break
            if per_section:
                section = self._section_of[doc]
                if section in sections:
                    continue
                sections.add(section)
            picked.append(doc)
            picked_scores.append(score)
        coverage = self._coverage(picked, terms)
        return [
            ScoredChunk(self.chunks[i], s, c)
            for i, s, c in zip(picked, picked_scores, coverage, strict=True)
        ]

    def _coverage(self, docs: list[int], terms: list[str]) -> list[float]:
        """Per doc, the IDF-weighted share of the query's terms it contains.

        A term the course never uses weighs the most (it is maximally rare), so a question
        about sourdough scores low even if "bread" happened to appear somewhere.
        """
        found = [0.0] * len(docs)
        total = 0.0
        for term in terms:
            term_id = self._vocab.get(term)
            if term_id is None:
                total += self._unseen_idf
                continue
            weight = self._idf_list[term_id]
            total += weight
            containing = self._chunks_with(term_id)
            for n, doc in enumerate(docs):
                if doc in containing:
                    found[n] += weight
        return [f / total for f in found] if total else found

    def _chunks_with(self, term_id: int) -> frozenset[int]:
        """Chunks containing a term, cached: queries reuse a small working set of terms."""
        cached = self._postings_cache.get(term_id)
        if cached is None:
            if len(self._postings_cache) >= _POSTINGS_CACHE:
                self._postings_cache.clear()
            start, end = self._indptr[term_id], self._indptr[term_id + 1]
            cached = self._postings_cache[term_id] = frozenset(self._indices[start:end].tolist())
        return cached

    def save(self, folder: Path) -> None:
        """Write the index and its chunks to ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        self._bm25.save(str(folder), show_progress=False)
        with (folder / "chunks.json").open("w", encoding="utf-8") as out:
            json.dump([asdict(c) for c in self.chunks], out, ensure_ascii=False)

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer) -> LexicalIndex:
        """Read an index written by ``save``."""
        bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        raw = json.loads((folder / "chunks.json").read_text(encoding="utf-8"))
        chunks = [Chunk(**{**c, "breadcrumb": tuple(c["breadcrumb"])}) for c in raw]
        return cls(chunks, bm25, analyzer)
