"""The batched SQL behind quiz sessions and answers, run by the writer thread.

Statements are built once, with bind parameters: building, keying and compiling a
statement costs more than running it on this thread's synchronous connection. Writes of a
batch are multi-row; reads are per (learner, course, unit) with a single index search
each, because SQLite answers a row-value IN over many such triples with a scan of the
whole table (bench/quiz_load.py showed that cost growing with the data).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    insert,
    select,
    update,
)

from tutorbot.storage import LearningEvent, QuizAttempt, QuizSession, UnitProgress, UTCDateTime
from tutorbot.tutor.review_sql import schedule_reviews

if TYPE_CHECKING:
    from fsrs import Scheduler

MASTERY_TO_COMPLETE = 0.85
MIN_ATTEMPTS = 3
Key = tuple[int, str, str]  # learner, course, unit


@dataclass(frozen=True, slots=True)
class AnswerWrite:
    """One graded answer to record, if the session is still at ``position``."""

    session_id: int
    position: int
    total: int
    learner_id: int
    guild_id: int | None
    course_id: str
    unit_id: str
    question_id: str
    answer: str
    score: float
    correct: bool
    feedback: str
    grader: str
    prompt_hash: str | None
    hints_used: int
    at: datetime
    kind: str = "unit"
    shown_at: datetime | None = None
    question_type: str = ""  # e.g. "multiple_choice": how fast is fast, for review ratings

    @property
    def duration_ms(self) -> int | None:
        """How long the learner took, from the question appearing to the answer."""
        if self.shown_at is None:
            return None
        return max(0, round((self.at - self.shown_at).total_seconds() * 1000))


@dataclass(frozen=True, slots=True)
class Recorded:
    """What the write did: whether it counted, the quiz score if it finished, unit standing."""

    accepted: bool
    finished: bool = False
    quiz_score: float | None = None
    mastery: float = 0.0
    unit_completed: bool = False


@dataclass(frozen=True, slots=True)
class StartWrite:
    """A new quiz: ``count`` of the shuffled ``candidates``, questions not yet mastered first.

    ``ordered`` keeps the candidates' order instead (a challenge gives everyone the same
    questions; a final assessment's draw is already random). ``kind`` and ``challenge_id``
    say what the session is for (see ``QuizSession.kind``).
    """

    learner_id: int
    guild_id: int | None
    course_id: str
    unit_id: str
    candidates: list[str]
    count: int
    at: datetime
    kind: str = "unit"
    challenge_id: int | None = None
    ordered: bool = False


@dataclass(frozen=True, slots=True)
class Started:
    """The new session's id and the questions chosen for it."""

    session_id: int
    question_ids: list[str]


NEW_SESSIONS = insert(QuizSession).returning(QuizSession.id, sort_by_parameter_order=True)
SESSION_STATE = select(QuizSession.id, QuizSession.position, QuizSession.status).where(
    QuizSession.id.in_(bindparam("ids", expanding=True))
)
ADVANCE = (
    update(QuizSession)
    .where(QuizSession.id == bindparam("sid"))
    .values(
        position=bindparam("to"),
        hints_used=0,
        question_shown_at=bindparam("at", type_=UTCDateTime()),
    )
)
FINISH = (
    update(QuizSession)
    .where(QuizSession.id == bindparam("sid"))
    .values(
        status="finished",
        score=bindparam("final"),
        finished_at=bindparam("at", type_=UTCDateTime()),
    )
)
SESSION_SCORES = select(QuizAttempt.session_id, QuizAttempt.score).where(
    QuizAttempt.session_id.in_(bindparam("ids", expanding=True))
)
UPDATE_PROGRESS = (
    update(UnitProgress)
    .where(
        UnitProgress.learner_id == bindparam("lid"),
        UnitProgress.course_id == bindparam("cid"),
        UnitProgress.unit_id == bindparam("uid"),
    )
    .values(
        mastery=bindparam("level"),
        attempts=bindparam("count"),
        status=bindparam("state"),
        completed_at=func.coalesce(
            UnitProgress.completed_at, bindparam("done_at", type_=UTCDateTime())
        ),
    )
)
UNIT_HISTORY = (
    select(QuizAttempt.question_id, QuizAttempt.score)
    .where(
        QuizAttempt.learner_id == bindparam("lid"),
        QuizAttempt.course_id == bindparam("cid"),
        QuizAttempt.unit_id == bindparam("uid"),
    )
    .order_by(QuizAttempt.id)
)
PROGRESS_STATUS = select(UnitProgress.status).where(
    UnitProgress.learner_id == bindparam("lid"),
    UnitProgress.course_id == bindparam("cid"),
    UnitProgress.unit_id == bindparam("uid"),
)


def _history(connection: Connection, key: Key) -> list[tuple[str, float]]:
    """A learner's attempts in one unit, oldest first (one index search, cached SQL)."""
    rows = connection.execute(UNIT_HISTORY, {"lid": key[0], "cid": key[1], "uid": key[2]})
    return [(qid, score) for qid, score in rows]


def start_sessions(
    connection: Connection, starts: list[StartWrite], events: list[dict[str, Any]]
) -> list[Started]:
    """Create sessions, choosing questions never answered (then the weakest) first."""
    chosen = []
    for w in starts:
        if w.ordered:
            chosen.append(w.candidates[: max(1, min(w.count, len(w.candidates)))])
            continue
        scores: dict[str, float] = {}
        for qid, score in _history(connection, (w.learner_id, w.course_id, w.unit_id)):
            scores[qid] = max(score, scores.get(qid, score))
        ranked = sorted(w.candidates, key=lambda q: scores.get(q, -1.0))
        chosen.append(ranked[: max(1, min(w.count, len(ranked)))])
    ids = list(
        connection.execute(
            NEW_SESSIONS,
            [
                {
                    "learner_id": w.learner_id,
                    "course_id": w.course_id,
                    "unit_id": w.unit_id,
                    "question_ids": q,
                    "position": 0,
                    "hints_used": 0,
                    "status": "active",
                    "created_at": w.at,
                    "kind": w.kind,
                    "challenge_id": w.challenge_id,
                    "question_shown_at": w.at,
                }
                for w, q in zip(starts, chosen, strict=True)
            ],
        ).scalars()
    )
    events += [
        event(
            w.learner_id,
            w.guild_id,
            "launched",
            f"{w.course_id}/{w.unit_id}/quiz/{sid}",
            w.at,
            questions=len(q),
        )
        for w, sid, q in zip(starts, ids, chosen, strict=True)
    ]
    return [Started(sid, q) for sid, q in zip(ids, chosen, strict=True)]


def record_answers(
    connection: Connection,
    writes: list[AnswerWrite],
    events: list[dict[str, Any]],
    scheduler: Scheduler | None = None,
) -> list[Recorded]:
    """Store the attempts whose session still waits on that question; update standing and
    each answered question's review card (``scheduler``: FSRS, see ``review_sql``)."""
    accepted = _advance(connection, writes)
    kept = [w for w, ok in zip(writes, accepted, strict=True) if ok]
    if not kept:
        return [Recorded(False) for _ in writes]
    connection.execute(
        insert(QuizAttempt),
        [
            {
                "session_id": w.session_id,
                "learner_id": w.learner_id,
                "course_id": w.course_id,
                "unit_id": w.unit_id,
                "question_id": w.question_id,
                "answer": w.answer,
                "score": w.score,
                "correct": w.correct,
                "feedback": w.feedback,
                "grader": w.grader,
                "prompt_hash": w.prompt_hash,
                "hints_used": w.hints_used,
                "duration_ms": w.duration_ms,
                "created_at": w.at,
            }
            for w in kept
        ],
    )
    events += [
        event(
            w.learner_id,
            w.guild_id,
            "answered",
            f"{w.course_id}/{w.unit_id}/{w.question_id}",
            w.at,
            score=w.score,
            success=w.correct,
            grader=w.grader,
            hints=w.hints_used,
        )
        for w in kept
    ]
    finals = _finish(connection, kept, events)
    standing = _update_progress(connection, kept, events)
    schedule_reviews(connection, kept, scheduler)
    out = []
    for w, ok in zip(writes, accepted, strict=True):
        if not ok:
            out.append(Recorded(False))
            continue
        level, completed = standing.get((w.learner_id, w.course_id, w.unit_id), (0.0, False))
        out.append(
            Recorded(True, w.session_id in finals, finals.get(w.session_id), level, completed)
        )
    return out


def _advance(connection: Connection, writes: list[AnswerWrite]) -> list[bool]:
    """Accept an answer only if its session still waits on that question. The write lock
    is held, so what is read here cannot change before the update."""
    current = {
        sid: (pos, status)
        for sid, pos, status in connection.execute(
            SESSION_STATE, {"ids": list({w.session_id for w in writes})}
        )
    }
    accepted = []
    for w in writes:
        ok = current.get(w.session_id) == (w.position, "active")
        if ok:  # a second answer to the same question in this batch is refused
            current[w.session_id] = (w.position + 1, "active")
        accepted.append(ok)
    moves = [
        {"sid": w.session_id, "to": w.position + 1, "at": w.at}
        for w, ok in zip(writes, accepted, strict=True)
        if ok
    ]
    if moves:
        connection.execute(ADVANCE, moves)
    return accepted


def _finish(
    connection: Connection, kept: list[AnswerWrite], events: list[dict[str, Any]]
) -> dict[int, float]:
    last = {w.session_id: w for w in kept if w.position + 1 >= w.total}
    if not last:
        return {}
    sums: dict[int, float] = defaultdict(float)
    for sid, score in connection.execute(SESSION_SCORES, {"ids": list(last)}):
        if sid is not None:
            sums[sid] += score
    finals = {sid: sums[sid] / w.total for sid, w in last.items()}
    connection.execute(
        FINISH, [{"sid": sid, "final": finals[sid], "at": w.at} for sid, w in last.items()]
    )
    events += [
        event(
            w.learner_id,
            w.guild_id,
            "completed",
            f"{w.course_id}/{w.unit_id}/quiz/{sid}",
            w.at,
            score=finals[sid],
        )
        for sid, w in last.items()
    ]
    return finals


def _update_progress(
    connection: Connection, kept: list[AnswerWrite], events: list[dict[str, Any]]
) -> dict[Key, tuple[float, bool]]:
    """Recompute mastery of every unit the batch touched; complete units that qualify.

    A final assessment's answers are not unit practice: they leave unit standing alone.
    """
    units = {(w.learner_id, w.course_id, w.unit_id): w for w in kept if w.kind != "final"}
    standing: dict[Key, tuple[float, bool]] = {}
    updates: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    for key, w in units.items():
        history = _history(connection, key)
        latest = dict(history)  # oldest first, so each question keeps its latest score
        level, count = sum(latest.values()) / len(latest), len(history)
        status = connection.scalar(PROGRESS_STATUS, {"lid": key[0], "cid": key[1], "uid": key[2]})
        was_done = status == "completed"
        done = was_done or (level >= MASTERY_TO_COMPLETE and count >= MIN_ATTEMPTS)
        done_at = w.at if done and not was_done else None
        if done_at is not None:
            events.append(
                event(
                    w.learner_id,
                    w.guild_id,
                    "completed",
                    f"{w.course_id}/{w.unit_id}",
                    w.at,
                    mastery=round(level, 3),
                )
            )
        state = "completed" if done else "in_progress"
        if status is not None:
            updates.append(
                {
                    "lid": key[0],
                    "cid": key[1],
                    "uid": key[2],
                    "level": level,
                    "count": count,
                    "state": state,
                    "done_at": done_at,
                }
            )
        else:
            inserts.append(
                {
                    "learner_id": key[0],
                    "course_id": key[1],
                    "unit_id": key[2],
                    "mastery": level,
                    "attempts": count,
                    "status": state,
                    "started_at": w.at,
                    "completed_at": done_at,
                }
            )
        standing[key] = (level, done)
    if updates:
        connection.execute(UPDATE_PROGRESS, updates)
    if inserts:
        connection.execute(insert(UnitProgress), inserts)
    return standing


def insert_events(connection: Connection, events: list[dict[str, Any]]) -> None:
    """Append the batch's learning events."""
    if events:
        connection.execute(insert(LearningEvent), events)


def event(
    learner_id: int, guild_id: int | None, verb: str, object_id: str, at: Any, **result: Any
) -> dict[str, Any]:
    """A learning-event row."""
    return {
        "learner_id": learner_id,
        "guild_id": guild_id,
        "verb": verb,
        "object_id": object_id,
        "result": result,
        "created_at": at,
    }
