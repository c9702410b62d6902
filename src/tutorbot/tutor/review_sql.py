"""Spaced-review cards, scheduled by FSRS inside the transaction that records answers.

Every question a learner answers (in a unit quiz, a challenge or a review) is one card per
learner and course, rescheduled by the ``fsrs`` package from how the answer went. Answers
in a final assessment make no card and move none: the exam bank is kept out of practice,
so /review never shows (and lets a learner drill) the certification questions.

Like ``quiz_sql`` this runs on the writer thread with statements built once, three per
batch whatever its size: one read of the batch's cards, one multi-row upsert of their new
states and one multi-row insert of review logs. The read takes the wanted keys as one JSON
parameter and joins on the unique index, one index search per key; per-key statements
cost more in SQLAlchemy's execute than in SQLite (bench/quiz_load.py), and a row-value IN
or a batch-sized VALUES list costs more to build and bind than the searches themselves.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING

from fsrs import Card, Rating, Scheduler
from sqlalchemy import (
    JSON,
    Connection,
    Insert,
    Integer,
    String,
    TextualSelect,
    column,
    insert,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from tutorbot.storage import ReviewCard, ReviewLog

if TYPE_CHECKING:
    from tutorbot.tutor.quiz_sql import AnswerWrite

# FSRS "Easy" means recall without effort. We cannot see effort, only time: from the
# question appearing to the answer arriving, which includes reading the prompt (and for a
# short answer, opening the box and typing). A right answer, with no hint and full marks,
# that came in under the time a fluent learner needs for that format rates Easy:
FAST_ANSWER_MS = {
    "true_false": 6_000,  # one statement to read, one click
    "multiple_choice": 10_000,  # a prompt and about four options to read, one click
    "numeric": 20_000,  # read, work out a number, type it
    "short_answer": 60_000,  # read, then type a few sentences in a modal
}
# Session kinds whose answers never become cards (see the module docstring).
NO_CARDS = frozenset({"final"})

CardKey = tuple[int, str, str]  # learner, course, question


@lru_cache(maxsize=8)
def review_scheduler(desired_retention: float = 0.9, fuzz: bool = True) -> Scheduler:
    """The FSRS scheduler (default parameters); one per configuration, shared by threads
    (``review_card`` copies the card and never changes the scheduler)."""
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=fuzz)


def rating_for(write: AnswerWrite) -> Rating:
    """Wrong: Again; right after a hint: Hard; right and fast (see ``FAST_ANSWER_MS``):
    Easy; any other right answer: Good. A partly right answer counts as its grade says."""
    if not write.correct:
        return Rating.Again
    if write.hints_used > 0:
        return Rating.Hard
    fast = FAST_ANSWER_MS.get(write.question_type)
    took = write.duration_ms
    if fast is not None and took is not None and took <= fast and write.score >= 1:
        return Rating.Easy
    return Rating.Good


_KEYS_JOIN = {
    "sqlite": """json_each(:keys) AS k
    JOIN review_cards AS rc
      ON rc.learner_id = json_extract(k.value, '$.lid')
     AND rc.course_id = json_extract(k.value, '$.cid')
     AND rc.question_id = json_extract(k.value, '$.qid')""",
    "postgresql": """jsonb_to_recordset(CAST(:keys AS JSONB)) AS k(lid INTEGER, cid TEXT, qid TEXT)
    JOIN review_cards AS rc
      ON rc.learner_id = k.lid AND rc.course_id = k.cid AND rc.question_id = k.qid""",
}


@lru_cache(maxsize=4)
def _cards_of(dialect: str) -> TextualSelect:
    """The stored state of the cards whose keys are in the JSON list ``keys``."""
    return text(
        f"SELECT rc.learner_id, rc.course_id, rc.question_id, rc.card FROM {_KEYS_JOIN[dialect]}"
    ).columns(
        column("learner_id", Integer),
        column("course_id", String),
        column("question_id", String),
        column("card", JSON),
    )


NEW_LOGS = insert(ReviewLog)


@lru_cache(maxsize=4)
def _save_cards(dialect: str) -> Insert:
    """Insert or update cards in one statement, returning every row's id by its key.

    A card another process wrote between our read and this write is overwritten (last
    writer wins, as with any concurrent update): that rare race costs one scheduling step,
    never the answer. Both backends speak ON CONFLICT ... DO UPDATE ... RETURNING.
    """
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ReviewCard)
    changed = ("unit_id", "card", "due", "last_review")
    return upsert.on_conflict_do_update(
        index_elements=["learner_id", "course_id", "question_id"],
        set_={name: upsert.excluded[name] for name in changed},
    ).returning(ReviewCard.id, ReviewCard.learner_id, ReviewCard.course_id, ReviewCard.question_id)


def schedule_reviews(
    connection: Connection, kept: Sequence[AnswerWrite], scheduler: Scheduler | None = None
) -> None:
    """Create or reschedule the card of every answer in ``kept`` (already accepted)."""
    scheduler = scheduler or review_scheduler()
    cards: dict[CardKey, tuple[str, Card]] = {}  # the unit it was last answered in, state
    logs: list[tuple[CardKey, Rating, int | None, datetime]] = []
    answers = [w for w in kept if w.kind not in NO_CARDS]
    if not answers:
        return
    wanted = json.dumps(
        [{"lid": w.learner_id, "cid": w.course_id, "qid": w.question_id} for w in answers]
    )
    stored = {
        (lid, cid, qid): Card.from_dict(state)
        for lid, cid, qid, state in connection.execute(
            _cards_of(connection.dialect.name), {"keys": wanted}
        )
    }
    for w in answers:
        key = (w.learner_id, w.course_id, w.question_id)
        at = w.at.astimezone(UTC)  # fsrs insists on the UTC tzinfo itself
        if key in cards:  # answered twice in one batch (two sessions): reviewed twice
            card = cards[key][1]
        else:
            card = stored.get(key) or Card(card_id=int(at.timestamp() * 1000), due=at)
        rating = rating_for(w)
        card, _ = scheduler.review_card(card, rating, at, w.duration_ms)
        cards[key] = (w.unit_id, card)
        logs.append((key, rating, w.duration_ms, at))
    saved = connection.execute(
        _save_cards(connection.dialect.name),
        [
            {
                "learner_id": key[0],
                "course_id": key[1],
                "question_id": key[2],
                "unit_id": unit_id,
                "card": card.to_dict(),
                "due": card.due,
                "last_review": card.last_review,
            }
            for key, (unit_id, card) in cards.items()
        ],
    )
    ids = {(lid, cid, qid): card_id for card_id, lid, cid, qid in saved}
    connection.execute(
        NEW_LOGS,
        [
            {"card_id": ids[key], "rating": int(rating), "duration_ms": took, "reviewed_at": at}
            for key, rating, took, at in logs
        ],
    )
