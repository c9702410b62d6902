"""Ask and explain: answers grounded in retrieved course passages, with checked citations.

Flow: retrieve; if the course does not cover the question, say so (no model call, no
quota spent); without a model, answer from the passages themselves (labelled offline);
otherwise spend one quota heart, fit the passages into the prompt budget, and keep only
citations of passages the model was actually given. A model outage falls back to the
offline answer and refunds the heart. A server whose daily budget is spent answers offline
(no heart spent) until 00:00 UTC; its quota and model are its own (``deps.rules``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from tutorbot.errors import TutorError
from tutorbot.llm import ContextFit, LlmBudgetSpentError, LlmError
from tutorbot.retrieval import Hit, SearchResult
from tutorbot.tutor import quota
from tutorbot.tutor.citations import checked_citations, gist
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.quiz import find_unit
from tutorbot.tutor.records import learner_id, record_event
from tutorbot.tutor.results import Answer, Citation

LEVELS = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier message of a conversation: ``role`` is "user" or "assistant"."""

    role: str
    content: str


OFFLINE_PASSAGES = 3


def offline_answer(result: SearchResult, *, note: str | None = None) -> Answer:
    """The best passages themselves, cited: what the tutor says without a model."""
    hits = result.hits[:OFFLINE_PASSAGES]
    text = "\n\n".join(f"{h.title}: {gist(h.text)} [{h.id}]" for h in hits)
    return Answer(text, [Citation(h.id, h.unit, h.title) for h in hits], True, "offline", note=note)


def not_in_course(result: SearchResult, deps: TutorDeps) -> Answer:
    """The honest answer when retrieval says the course does not cover the question."""
    titles = [u.title for uid in result.nearest_units() if (u := deps.course.unit(uid))]
    text = "The course does not cover that, so I won't guess."
    if titles:
        text += " The closest units are: " + ", ".join(titles) + "."
    return Answer(text, [], False, "offline", suggestions=result.nearest_units())


async def grounded_stream(
    template: str,
    result: SearchResult,
    context: dict[str, Any],
    *,
    learner: LearnerRef,
    deps: TutorDeps,
    verb: str,
    object_id: str,
    history: Sequence[Turn] = (),
) -> AsyncIterator[str | Answer]:
    """Text deltas as the model writes, then the checked ``Answer`` as the last item.

    Spends a heart first; any model failure, even mid-stream, ends with the offline answer
    (whose text replaces what was streamed) and the heart back. ``history`` (oldest first)
    is kept as far as the prompt budget allows, newest turns first.
    """
    now = deps.clock()
    lid = await learner_id(deps, learner)
    answer: Answer
    if deps.llm is None:
        answer = offline_answer(result)
    elif (await deps.rules.budget(learner.guild_id)).exhausted:
        # The server's daily budget is spent: offline until 00:00 UTC, no heart spent.
        answer = offline_answer(result, note=LlmBudgetSpentError().user_message)
    else:
        limits = await deps.rules.config(learner.guild_id)  # the server's own quota
        await deps.writer.run(lambda db: quota.spend(db, lid, limits, now))
        try:
            fitted: ContextFit[Hit, Turn] = deps.llm.fit_context(
                template, passages=result.hits, history=history, **context
            )
            parts: list[str] = []
            async for delta in deps.llm.stream(
                template,
                learner_id=lid,
                guild_id=learner.guild_id,
                passages=fitted.passages,
                history=fitted.history,
                **context,
            ):
                parts.append(delta)
                yield delta
            text, citations = checked_citations("".join(parts), fitted.passages)
            if not citations:  # the answer still rests on what the model was given
                citations = [Citation(h.id, h.unit, h.title) for h in fitted.passages[:2]]
            answer = Answer(text, citations, True, "llm")
        except LlmError as exc:
            note = (
                exc.user_message
                if isinstance(exc, LlmBudgetSpentError)
                else f"The model is unavailable ({exc.user_message}); answering from the course."
            )
            answer = offline_answer(result, note=note)
            await deps.writer.run(lambda db: quota.refund(db, lid, limits, now))
    await record_event(
        deps,
        lid,
        verb,
        object_id,
        now,
        guild_id=learner.guild_id,
        mode=answer.mode,
        citations=[c.id for c in answer.citations],
    )
    yield answer


async def last_answer(stream: AsyncIterator[str | Answer]) -> Answer:
    """The final ``Answer`` of a stream (for callers that do not show deltas)."""
    async for item in stream:
        if isinstance(item, Answer):
            return item
    raise AssertionError("an answer stream always ends with its Answer")


async def ask_stream(
    question: str, *, learner: LearnerRef, deps: TutorDeps
) -> AsyncIterator[str | Answer]:
    """``ask`` as it is written: deltas, then the final ``Answer`` (for streaming adapters)."""
    result = deps.retriever.search(question, deps.settings.search_k)
    if not result.covers_question:
        lid = await learner_id(deps, learner)
        await record_event(
            deps,
            lid,
            "asked",
            f"{deps.course.id}/question",
            deps.clock(),
            guild_id=learner.guild_id,
            in_course=False,
        )
        yield not_in_course(result, deps)
        return
    async for item in grounded_stream(
        "ask",
        result,
        {"question": question},
        learner=learner,
        deps=deps,
        verb="asked",
        object_id=f"{deps.course.id}/question",
    ):
        yield item


async def ask(question: str, *, learner: LearnerRef, deps: TutorDeps) -> Answer:
    """Answer a question from the course, citing the sections used."""
    return await last_answer(ask_stream(question, learner=learner, deps=deps))


async def explain_stream(
    topic: str, *, unit_id: str | None, level: str, learner: LearnerRef, deps: TutorDeps
) -> AsyncIterator[str | Answer]:
    """Explain a topic at a level, from one unit or the whole course: deltas, then the
    final ``Answer``."""
    if level not in LEVELS:
        raise TutorError(f"Level must be one of: {', '.join(LEVELS)}.")
    if unit_id is not None:
        find_unit(deps, unit_id)
    result = deps.retriever.search(topic, deps.settings.search_k, unit=unit_id)
    if not result.covers_question:
        yield not_in_course(deps.retriever.search(topic, deps.settings.search_k), deps)
        return
    object_id = f"{deps.course.id}/{unit_id or 'course'}/explain"
    async for item in grounded_stream(
        "explain",
        result,
        {"topic": topic, "level": level},
        learner=learner,
        deps=deps,
        verb="experienced",
        object_id=object_id,
    ):
        yield item


async def explain(
    topic: str, *, unit_id: str | None, level: str, learner: LearnerRef, deps: TutorDeps
) -> Answer:
    """Explain a topic at a level, from the passages of one unit or the whole course."""
    return await last_answer(
        explain_stream(topic, unit_id=unit_id, level=level, learner=learner, deps=deps)
    )
