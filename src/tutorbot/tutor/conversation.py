"""Tutoring conversations: a thread of messages the tutor remembers within a token budget.

A conversation is keyed by a thread id (a Discord thread, or any string an adapter picks)
and belongs to the learner who opened it. Its first stored row (role ``"opened"``) records
the unit it is about, so an adapter can tell after a restart whose thread it is and what it
covers. Every exchange stores the learner's message and the tutor's reply; the prompt gets
the newest turns that fit the budget (llm/budget.py drops the oldest first).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorbot.errors import BadQueryError, TutorError
from tutorbot.storage.models import ConversationTurn, Learner
from tutorbot.tutor.answers import Turn, grounded_stream, last_answer, not_in_course
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.quiz import find_unit
from tutorbot.tutor.records import learner_id, log_event
from tutorbot.tutor.results import Answer

OPENED = "opened"
# Rows read per message; the token budget then decides how many of them the prompt keeps.
HISTORY_ROWS = 40
MAX_MESSAGE_CHARS = 1500


@dataclass(frozen=True, slots=True)
class Conversation:
    """Whose conversation a thread is, and the unit it is about (``None``: the course)."""

    thread: str
    owner_discord_id: int
    unit_id: str | None


class NotYourConversationError(TutorError):
    """Someone wrote in a tutoring thread opened by another learner."""


async def open_conversation(
    thread: str, unit_id: str | None, *, learner: LearnerRef, deps: TutorDeps
) -> Conversation:
    """Start remembering a conversation about a unit (checked) or the whole course."""
    if unit_id is not None:
        find_unit(deps, unit_id)
    lid = await learner_id(deps, learner)
    now = deps.clock()
    object_id = f"{deps.course.id}/{unit_id or 'course'}/tutor"

    def write(db: Session) -> None:
        db.add(
            ConversationTurn(
                learner_id=lid, thread=thread, role=OPENED, content=unit_id or "", created_at=now
            )
        )
        log_event(db, lid, "launched", object_id, now, guild_id=learner.guild_id)

    await deps.writer.run(write)
    return Conversation(thread, learner.discord_id, unit_id)


async def find_conversation(thread: str, deps: TutorDeps) -> Conversation | None:
    """The conversation held in ``thread``, or ``None`` if no tutoring happens there."""
    async with deps.db.session() as db:
        row = (
            await db.execute(
                select(Learner.discord_id, ConversationTurn.content)
                .join(Learner, Learner.id == ConversationTurn.learner_id)
                .where(ConversationTurn.thread == thread, ConversationTurn.role == OPENED)
                .order_by(ConversationTurn.id)
                .limit(1)
            )
        ).first()
    if row is None:
        return None
    return Conversation(thread, row[0], row[1] or None)


async def _history(deps: TutorDeps, lid: int, thread: str) -> list[Turn]:
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                select(ConversationTurn.role, ConversationTurn.content)
                .where(
                    ConversationTurn.learner_id == lid,
                    ConversationTurn.thread == thread,
                    ConversationTurn.role != OPENED,
                )
                .order_by(ConversationTurn.id.desc())
                .limit(HISTORY_ROWS)
            )
        ).all()
    return [Turn(role, content) for role, content in reversed(rows)]


async def converse_stream(
    message: str, *, conversation: Conversation, learner: LearnerRef, deps: TutorDeps
) -> AsyncIterator[str | Answer]:
    """Reply to a message in a conversation: deltas, then the final ``Answer``.

    Retrieval uses the message alone first; a short follow-up ("why is that?") that the
    course does not cover on its own is searched again together with the learner's previous
    message. Both sides of the exchange are stored once the reply is complete.
    """
    message = message.strip()
    if not message:
        raise BadQueryError("Write your question after mentioning me.")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadQueryError(
            f"Please keep messages under {MAX_MESSAGE_CHARS} characters (yours has {len(message)})."
        )
    if learner.discord_id != conversation.owner_discord_id:
        raise NotYourConversationError(
            "This tutoring thread belongs to another learner; open your own with /tutor."
        )
    lid = await learner_id(deps, learner)
    history = await _history(deps, lid, conversation.thread)
    unit = conversation.unit_id
    k = deps.settings.search_k
    result = deps.retriever.search(message, k, unit=unit)
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if not result.covers_question and previous is not None:
        result = deps.retriever.search(f"{previous}\n{message}", k, unit=unit)
    answer: Answer | None = None
    if not result.covers_question:
        answer = not_in_course(deps.retriever.search(message, k), deps)
    else:
        found = deps.course.unit(unit) if unit else None
        async for item in grounded_stream(
            "tutor",
            result,
            {"question": message, "unit_title": found.title if found else ""},
            learner=learner,
            deps=deps,
            verb="asked",
            object_id=f"{deps.course.id}/{unit or 'course'}/tutor",
            history=history,
        ):
            if isinstance(item, Answer):
                answer = item
            else:
                yield item
    assert answer is not None
    # Stored before the answer is handed over: a caller that stops at the answer (like
    # ``last_answer``) still leaves the exchange remembered.
    await _remember(deps, lid, conversation.thread, message, answer.text)
    yield answer


async def _remember(deps: TutorDeps, lid: int, thread: str, message: str, reply: str) -> None:
    now = deps.clock()
    turns = [("user", message), ("assistant", reply)]

    def write(db: Session) -> None:
        db.add_all(
            ConversationTurn(learner_id=lid, thread=thread, role=role, content=text, created_at=now)
            for role, text in turns
        )

    await deps.writer.run(write)


async def converse(
    message: str, *, conversation: Conversation, learner: LearnerRef, deps: TutorDeps
) -> Answer:
    """``converse_stream`` without the deltas."""
    return await last_answer(
        converse_stream(message, conversation=conversation, learner=learner, deps=deps)
    )
