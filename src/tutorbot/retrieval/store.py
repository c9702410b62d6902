"""Build the search index once per course version and keep it on disk.

The folder name is a hash of the course content and of everything that shapes the index
(analyzer, chunk cap, tokenizer, BM25 parameters), so an edit to any course file, or to the
way we index, builds a new index and an unchanged course loads in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from pathlib import Path

from tutorbot.curriculum.models import Course
from tutorbot.retrieval import lexical
from tutorbot.retrieval.analyzer import Analyzer, course_analyzer
from tutorbot.retrieval.chunking import chunk_course
from tutorbot.retrieval.lexical import LexicalIndex
from tutorbot.tokens import TokenCounter

log = logging.getLogger(__name__)
FORMAT = "3"


def index_key(course: Course, counter: TokenCounter, cap: int, analyzer: Analyzer) -> str:
    """Identity of the index a course would get with these settings."""
    parts = [
        FORMAT,
        course.content_hash,
        analyzer.key,
        counter.name,
        str(cap),
        str(lexical.K1),
        str(lexical.B),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def build_index(
    course: Course, counter: TokenCounter, cap: int, analyzer: Analyzer | None = None
) -> LexicalIndex:
    """Chunk and index ``course`` in memory."""
    analyzer = analyzer or course_analyzer(course.root)
    return LexicalIndex.build(chunk_course(course, counter, cap), analyzer)


def load_or_build_index(
    course: Course, counter: TokenCounter, cap: int, folder: Path | None
) -> LexicalIndex:
    """The persisted index for this course version, built and saved if missing."""
    analyzer = course_analyzer(course.root)
    if folder is None:
        return build_index(course, counter, cap, analyzer)
    target = folder / f"{course.id}-{index_key(course, counter, cap, analyzer)}"
    if (target / "chunks.json").is_file():
        try:
            return LexicalIndex.load(target, analyzer)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("search index at %s is unreadable (%s); rebuilding", target, exc)
            shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    index = build_index(course, counter, cap, analyzer)
    folder.mkdir(parents=True, exist_ok=True)
    # Write aside then rename, so a crash or a second process never sees half an index.
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=folder))
    index.save(staging)
    try:
        staging.replace(target)
    except OSError:  # another process finished first; theirs is identical
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "built search index for %s (%d chunks) in %.2fs",
        course.id,
        len(index),
        time.perf_counter() - started,
    )
    return index
