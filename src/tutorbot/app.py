"""Start-up: build every shared resource once from settings, and close them at the end."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tutorbot.curriculum import Course, load_course_or_raise
from tutorbot.llm import PromptLibrary, build_gateway
from tutorbot.retrieval import Retriever, load_or_build_index
from tutorbot.settings import Settings
from tutorbot.storage import Database
from tutorbot.tokens import TokenCounter, token_counter
from tutorbot.tutor import TutorDeps
from tutorbot.tutor.ledger import DatabaseUsageSink
from tutorbot.tutor.question_review import merge_approved_questions
from tutorbot.tutor.writer import DatabaseWriter

log = logging.getLogger(__name__)


def freeze_startup_objects() -> None:
    """Move what start-up built (course, index, ORM mappers) out of the GC's sight.

    Those objects live as long as the process; without this every full collection walks
    them again, which showed as the slowest answers in bench/quiz_load.py.
    """
    gc.collect()
    gc.freeze()


def open_course(settings: Settings) -> tuple[Course, TokenCounter, Retriever]:
    """The configured course, the token counter for the model, and the course's search
    (its persisted index, built if the course changed)."""
    course = load_course_or_raise(settings.curriculum)
    counter = token_counter(settings.model, settings.tokenizer)
    index = load_or_build_index(course, counter, settings.chunk_tokens, settings.index_dir)
    return course, counter, Retriever(index)


@asynccontextmanager
async def open_tutor(settings: Settings) -> AsyncIterator[TutorDeps]:
    """Course, index, database (migrated to head), model gateway; closed on exit."""
    course, counter, retriever = open_course(settings)
    db = await Database.connect(settings.effective_database_url)
    writer = DatabaseWriter.for_database(db)
    llm = build_gateway(
        settings, PromptLibrary(settings.prompts), counter, DatabaseUsageSink(writer)
    )
    if llm is None:
        log.info("no model endpoint configured: the tutor answers offline from the course")
    deps = TutorDeps(settings, course, retriever, db, writer, llm, counter)
    try:
        await merge_approved_questions(deps)  # moderator-approved questions join their units
        freeze_startup_objects()
        yield deps
    finally:
        await deps.aclose()
