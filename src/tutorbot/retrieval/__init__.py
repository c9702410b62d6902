"""Search over the course: chunks, a lexical index, coverage, optional dense fusion."""

from tutorbot.retrieval.chunking import Chunk, chunk_course
from tutorbot.retrieval.retriever import Hit, PassageIndex, Retriever, SearchResult
from tutorbot.retrieval.store import build_index, load_or_build_index

__all__ = [
    "Chunk",
    "Hit",
    "PassageIndex",
    "Retriever",
    "SearchResult",
    "build_index",
    "chunk_course",
    "load_or_build_index",
]
