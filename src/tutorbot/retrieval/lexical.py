"""BM25 over chunks with bm25s (sparse, precomputed scores) and our analyzer.

bm25s stores every (term, chunk) score at build time, so a query is a sum of a few sparse
columns. We call it with our own stemmed terms, skipping its general tokenizer, which is
where most of its per-query time goes (bench/retrieval.py measures both).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt

from tutorbot.retrieval.analyzer import Analyzer
from tutorbot.retrieval.chunking import Chunk

K1 = 1.2
B = 0.75


@dataclass(frozen=True, slots=True)
class ScoredChunk:
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
        df = np.diff(self._indptr)
        self._idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
        self._unseen_idf = math.log(1 + (n + 0.5) / 0.5)

    @classmethod
    def build(cls, chunks: list[Chunk], analyzer: Analyzer) -> LexicalIndex:
        """Index ``chunks`` (headings included in what is matched)."""
        corpus = [analyzer.terms(c.index_text) or ["\x00empty"] for c in chunks]
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        bm25.index(corpus, show_progress=False)
        return cls(chunks, bm25, analyzer)

    def __len__(self) -> int:
        return len(self.chunks)

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        """The ``k`` best chunks, best first; chunks with no query term are never returned."""
        terms = list(dict.fromkeys(self._analyzer.terms(query)))
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        if not ids or not self.chunks:
            return []
        scores = self._bm25.get_scores(ids)
        k = min(k, len(self.chunks))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        weights = [
            self._idf[self._vocab[t]] if t in self._vocab else self._unseen_idf for t in terms
        ]
        total = float(sum(weights))
        return [
            ScoredChunk(
                self.chunks[i], float(scores[i]), self._coverage(int(i), terms, weights, total)
            )
            for i in top
            if scores[i] > 0
        ]

    def _coverage(self, doc: int, terms: list[str], weights: list[float], total: float) -> float:
        """IDF-weighted share of the query's terms that occur in chunk ``doc``."""
        found = 0.0
        for term, weight in zip(terms, weights, strict=True):
            term_id = self._vocab.get(term)
            if term_id is None:
                continue
            docs = self._indices[self._indptr[term_id] : self._indptr[term_id + 1]]
            at = int(np.searchsorted(docs, doc))
            if at < len(docs) and docs[at] == doc:
                found += weight
        return found / total if total else 0.0

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
