"""Spaced review: the learner's due cards as a quiz session, a summary for /progress, and
the daily opt-in nudge.

Cards are made and rescheduled where answers are recorded (``review_sql``); this module
only reads them. A review is an ordinary quiz session of kind ``"review"`` over the due
cards, oldest due first, so it is answered, hinted and restarted like any quiz.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from fsrs import Card
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.storage import Learner, ReviewCard, ReviewNudge
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.guilds import guild_config
from tutorbot.tutor.quiz import open_session
from tutorbot.tutor.records import learner_id
from tutorbot.tutor.results import QuestionView
from tutorbot.tutor.review_sql import review_scheduler

DEFAULT_REVIEW_COUNT = 10
NudgeMode = Literal["off", "dm", "channel"]


@dataclass(frozen=True, slots=True)
class DueCard:
    """A card due now: which question, in which unit, due since when."""

    question_id: str
    unit_id: str
    due: datetime


@dataclass(frozen=True, slots=True)
class ReviewStart:
    """A started review (``first`` question), or nothing due and when the next card is."""

    first: QuestionView | None
    due: int
    next_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """Cards due now, and the mean predicted recall of all cards (None: no cards)."""

    due: int
    retention: float | None


def _course_units(deps: TutorDeps) -> dict[str, str]:
    """Question id -> unit id for every question a review may show."""
    return {q.id: u.id for u in deps.course.units for q in u.questions}


async def due_cards(lid: int, deps: TutorDeps, now: datetime) -> list[DueCard]:
    """The learner's cards due at ``now``, oldest due first; cards whose question left the
    course are skipped (they stay stored, and come back if the question does)."""
    units = _course_units(deps)
    async with deps.db.session() as db:
        rows = await db.execute(
            select(ReviewCard.question_id, ReviewCard.due)
            .where(
                ReviewCard.learner_id == lid,
                ReviewCard.course_id == deps.course.id,
                ReviewCard.due <= now,
            )
            .order_by(ReviewCard.due, ReviewCard.id)
        )
        return [DueCard(qid, units[qid], due) for qid, due in rows if qid in units]


async def next_due(lid: int, deps: TutorDeps, now: datetime) -> datetime | None:
    """When the learner's next card (after ``now``) comes due, if they have any."""
    async with deps.db.session() as db:
        found: datetime | None = await db.scalar(
            select(func.min(ReviewCard.due)).where(
                ReviewCard.learner_id == lid,
                ReviewCard.course_id == deps.course.id,
                ReviewCard.due > now,
            )
        )
    return found


async def start_review(
    *, learner: LearnerRef, deps: TutorDeps, count: int = DEFAULT_REVIEW_COUNT
) -> ReviewStart:
    """Open a review session over up to ``count`` due cards, oldest due first."""
    now = deps.clock()
    lid = await learner_id(deps, learner)
    cards = await due_cards(lid, deps, now)
    if not cards:
        return ReviewStart(None, 0, await next_due(lid, deps, now))
    first = await open_session(
        deps,
        learner,
        lid,
        unit_id=cards[0].unit_id,
        candidates=[c.question_id for c in cards],
        count=count,
        kind="review",
        ordered=True,
    )
    return ReviewStart(first, len(cards))


async def review_summary(lid: int, deps: TutorDeps, now: datetime) -> ReviewSummary:
    """Due count and predicted retention: the mean FSRS retrievability of every card now."""
    units = _course_units(deps)
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                select(ReviewCard.question_id, ReviewCard.card, ReviewCard.due).where(
                    ReviewCard.learner_id == lid, ReviewCard.course_id == deps.course.id
                )
            )
        ).all()
    scheduler = review_scheduler(deps.settings.review_retention, deps.settings.review_fuzz)
    recall = [scheduler.get_card_retrievability(Card.from_dict(state), now) for _, state, _ in rows]
    due = sum(1 for qid, _, when in rows if when <= now and qid in units)
    return ReviewSummary(due, statistics.fmean(recall) if recall else None)


def describe_wait(moment: datetime, now: datetime) -> str:
    """'in 3 days (2026-03-04 09:00 UTC)': plain text for adapters without timestamps."""
    left = moment - now
    if left <= timedelta(0):
        rough = "now"
    elif left < timedelta(minutes=1):
        rough = "in under a minute"
    elif left < timedelta(hours=1):
        rough = f"in {left.seconds // 60} min"
    elif left < timedelta(days=1):
        rough = f"in {left.seconds // 3600} h"
    else:
        rough = f"in {left.days} day{'s' if left.days > 1 else ''}"
    return f"{rough} ({moment:%Y-%m-%d %H:%M} UTC)"


# -- the daily nudge ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nudge:
    """One learner to remind today: how (a DM, or a post in ``channel_id``) and how much."""

    learner_id: int
    discord_id: int
    display_name: str
    mode: str
    channel_id: int | None
    due: int


def nudge_moment(now: datetime, hour: int) -> datetime:
    """The latest daily nudge time at or before ``now`` (``hour`` o'clock UTC)."""
    today = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return today if today <= now else today - timedelta(days=1)


async def set_nudges(learner: LearnerRef, deps: TutorDeps, mode: NudgeMode) -> datetime | None:
    """Opt in to (or out of) the daily nudge; returns when the first one can go out.

    Opting in counts as today's nudge, so the first comes at the next daily nudge time
    and a learner never gets two within a few hours of opting in.
    """
    if mode not in ("off", "dm", "channel"):
        raise TutorError("Choose off, dm or channel.")
    if mode == "channel":
        config = await guild_config(deps, learner.guild_id)
        if learner.guild_id is None or config.nudge_channel_id is None:
            raise TutorError(
                "This server has no review-nudge channel yet: ask an admin to set one, "
                "or choose dm. Nothing was changed."
            )
    lid = await learner_id(deps, learner)
    now = deps.clock()

    def write(session: Session) -> None:
        if mode == "off":
            session.execute(delete(ReviewNudge).where(ReviewNudge.learner_id == lid))
            return
        row = session.get(ReviewNudge, lid)
        if row is None:
            session.add(
                ReviewNudge(learner_id=lid, guild_id=learner.guild_id, mode=mode, last_sent_at=now)
            )
        else:
            row.mode, row.guild_id = mode, learner.guild_id

    await deps.writer.run(write)
    if mode == "off":
        return None
    return nudge_moment(now, deps.settings.review_nudge_hour) + timedelta(days=1)


async def pending_nudges(deps: TutorDeps, now: datetime) -> list[Nudge]:
    """Opted-in learners not yet nudged since today's nudge time who have cards due now."""
    moment = nudge_moment(now, deps.settings.review_nudge_hour)
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                select(
                    ReviewNudge.learner_id,
                    Learner.discord_id,
                    Learner.display_name,
                    ReviewNudge.mode,
                    ReviewNudge.guild_id,
                    func.count(ReviewCard.id),
                )
                .join(Learner, Learner.id == ReviewNudge.learner_id)
                .join(ReviewCard, ReviewCard.learner_id == ReviewNudge.learner_id)
                .where(
                    (ReviewNudge.last_sent_at.is_(None)) | (ReviewNudge.last_sent_at < moment),
                    ReviewCard.course_id == deps.course.id,
                    ReviewCard.due <= now,
                )
                .group_by(
                    ReviewNudge.learner_id,
                    Learner.discord_id,
                    Learner.display_name,
                    ReviewNudge.mode,
                    ReviewNudge.guild_id,
                )
                .order_by(ReviewNudge.learner_id)
            )
        ).all()
    channels: dict[int | None, int | None] = {}
    for guild_id in {row[4] for row in rows if row[3] == "channel"}:
        channels[guild_id] = (await guild_config(deps, guild_id)).nudge_channel_id
    return [
        Nudge(
            lid, discord_id, name, mode, channels.get(guild_id) if mode == "channel" else None, due
        )
        for lid, discord_id, name, mode, guild_id, due in rows
    ]


async def mark_nudged(deps: TutorDeps, learner_ids: list[int], now: datetime) -> None:
    """Record that today's nudge went out (or was tried: closed DMs are not retried today)."""
    if not learner_ids:
        return

    def write(session: Session) -> None:
        session.execute(
            update(ReviewNudge)
            .where(ReviewNudge.learner_id.in_(learner_ids))
            .values(last_sent_at=now)
        )

    await deps.writer.run(write)
