"""Cohort challenges: a posted set of one unit's questions, a deadline, a leaderboard.

An attempt is a quiz session with ``kind="challenge"``, answered through the quiz service,
so grading is the quiz's (choices in code, short answers by rubric). The rules kept here:

- one attempt per learner: starting again resumes the unfinished attempt, and once it is
  finished the learner is told their score. Should two attempts ever exist (two clicks
  racing), the first one finished is the one that counts;
- when the challenge has a cohort, only its members may attempt (holders of a linked role
  included); nobody may once it is closed or its deadline has passed, even before the
  scheduler's next tick has closed it; answers to an unfinished attempt are refused too;
- the leaderboard ranks finished attempts by score, then by who finished first;
- the reminder goes out once (``reminded_at``), ``challenge_reminder_hours`` before the
  deadline, or at half-time for a challenge shorter than twice that;
- closing is a conditional update (open -> closed), so however many ticks, processes or
  moderators race, exactly one closes it and announces the result. Unfinished attempts
  become ``expired``.

State lives only in the database, so a restart loses nothing: a deadline that passed
while the bot was down is closed by the first tick after it comes back.
"""

from __future__ import annotations

import functools
import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.storage.models import Challenge, Cohort, CohortRole, Learner, QuizSession
from tutorbot.tutor.cohorts import find_cohort, is_member, sync_role_memberships
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.quiz import current_question, find_unit, open_session
from tutorbot.tutor.records import learner_id
from tutorbot.tutor.results import QuestionView

TITLE_MAX = 200
COMMON_ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Nairobi",
    "Africa/Johannesburg",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Sydney",
    "Pacific/Auckland",
)


class ChallengeError(TutorError):
    """A challenge that cannot be posted, found or attempted as asked; nothing changed."""


class ChallengeClosedError(ChallengeError):
    """The challenge is closed (or past its deadline): no more attempts or answers."""


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a challenge closes (aware UTC) and the zone the moderator wrote it in."""

    due_at: datetime
    time_zone: str

    @property
    def local(self) -> datetime:
        """The deadline in its own zone."""
        return self.due_at.astimezone(ZoneInfo(self.time_zone))


@dataclass(frozen=True, slots=True)
class ChallengeInfo:
    """A challenge as adapters show it."""

    id: int
    guild_id: int
    title: str
    instructions: str
    unit_id: str
    unit_title: str
    question_ids: tuple[str, ...]
    cohort_id: int | None
    cohort_name: str | None
    channel_id: int
    message_id: int | None
    deadline: Deadline
    status: str
    created_at: datetime
    reminded_at: datetime | None
    closed_at: datetime | None

    @property
    def due_at(self) -> datetime:
        return self.deadline.due_at

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def question_count(self) -> int:
        return len(self.question_ids)


@dataclass(frozen=True, slots=True)
class Standing:
    """One finished attempt on the leaderboard."""

    rank: int
    learner_id: int
    display_name: str
    score: float
    finished_at: datetime


@dataclass(frozen=True, slots=True)
class Leaderboard:
    """Finished attempts, best first, and how many attempts are still unfinished."""

    challenge: ChallengeInfo
    standings: list[Standing]
    unfinished: int


@dataclass(frozen=True, slots=True)
class DueWork:
    """What the scheduler must do now: challenges to close, reminders to send."""

    to_close: list[ChallengeInfo]
    to_remind: list[ChallengeInfo]


# -- deadlines --------------------------------------------------------------------------------

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{1,2}:\d{2}")


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone called ``name``, or a clear error."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ChallengeError(
            f"'{name}' is not a time zone I know; use an IANA name such as Europe/Paris, "
            "America/New_York or UTC."
        ) from None


def parse_deadline(day: str, clock_time: str, zone_name: str, now: datetime) -> Deadline:
    """``YYYY-MM-DD`` and ``HH:MM`` in an IANA zone, as an aware UTC deadline in the future.

    A wall time that does not exist in the zone (skipped by a daylight-saving change) is
    refused rather than silently moved.
    """
    day, clock_time = day.strip(), clock_time.strip()
    if not _DATE.fullmatch(day):
        raise ChallengeError(f"'{day}' is not a date like 2026-03-31 (YYYY-MM-DD).")
    if not _TIME.fullmatch(clock_time):
        raise ChallengeError(f"'{clock_time}' is not a time like 18:30 (HH:MM, 24-hour).")
    try:
        wall = datetime.combine(date.fromisoformat(day), time.fromisoformat(clock_time.zfill(5)))
    except ValueError:
        raise ChallengeError(f"{day} {clock_time} is not a real date and time.") from None
    zone = zone_of(zone_name)
    local = wall.replace(tzinfo=zone)
    due = local.astimezone(UTC)
    if due.astimezone(zone).replace(tzinfo=None) != wall:
        raise ChallengeError(
            f"{day} {clock_time} does not exist in {zone.key} (the clocks skip it); "
            "pick another time."
        )
    if due <= now:
        raise ChallengeError(
            f"The deadline {day} {clock_time} {zone.key} has already passed; "
            "give a date and time in the future."
        )
    return Deadline(due, zone.key)


@functools.cache
def _all_zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def zone_choices(typed: str, limit: int = 25) -> list[str]:
    """Time zones for autocomplete: common ones first, then every IANA name that matches."""
    needle = typed.strip().casefold().replace(" ", "_")
    if not needle:
        return list(COMMON_ZONES[:limit])
    common = [z for z in COMMON_ZONES if needle in z.casefold()]
    rest = [z for z in _all_zones() if needle in z.casefold() and z not in common]
    return (common + rest)[:limit]


def reminder_due(challenge: ChallengeInfo, lead: timedelta) -> datetime:
    """When the reminder goes out: ``lead`` before the deadline, or at half-time if the
    challenge runs for less than twice ``lead``."""
    return challenge.due_at - min(lead, (challenge.due_at - challenge.created_at) / 2)


# -- reading ----------------------------------------------------------------------------------


def _info(deps: TutorDeps, row: Challenge, cohort_name: str | None) -> ChallengeInfo:
    unit = deps.course.unit(row.unit_id)
    return ChallengeInfo(
        row.id,
        row.guild_id,
        row.title,
        row.instructions,
        row.unit_id,
        unit.title if unit else row.unit_id,
        tuple(row.question_ids),
        row.cohort_id,
        cohort_name,
        row.channel_id,
        row.message_id,
        Deadline(row.due_at, row.time_zone),
        row.status,
        row.created_at,
        row.reminded_at,
        row.closed_at,
    )


_WITH_COHORT = select(Challenge, Cohort.name).outerjoin(Cohort, Cohort.id == Challenge.cohort_id)


async def get_challenge(
    deps: TutorDeps, challenge_id: int, guild_id: int | None = None
) -> ChallengeInfo:
    """The challenge (in this server, when given), or a clear error."""
    async with deps.db.session() as db:
        row = (await db.execute(_WITH_COHORT.where(Challenge.id == challenge_id))).first()
    if row is None or (guild_id is not None and row[0].guild_id != guild_id):
        raise ChallengeError(f"There is no challenge #{challenge_id} in this server.")
    return _info(deps, row[0], row[1])


async def find_challenge(deps: TutorDeps, guild_id: int, ref: str) -> ChallengeInfo:
    """A server's challenge by id (``12`` or ``#12``, as autocomplete fills in) or by title
    (the newest with that title, case ignored)."""
    ref = ref.strip()
    if re.fullmatch(r"#?\d+", ref):
        return await get_challenge(deps, int(ref.lstrip("#")), guild_id)
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                _WITH_COHORT.where(Challenge.guild_id == guild_id).order_by(Challenge.id.desc())
            )
        ).all()
    found = next((r for r in rows if r[0].title.casefold() == ref.casefold()), None)
    if found is None:
        raise ChallengeError(f"There is no challenge called '{ref}' in this server.")
    return _info(deps, found[0], found[1])


async def challenge_choices(
    deps: TutorDeps, guild_id: int, typed: str = ""
) -> list[tuple[str, str]]:
    """(label, value) pairs for autocomplete: open challenges first, newest first."""
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                select(Challenge.id, Challenge.title, Challenge.status)
                .where(Challenge.guild_id == guild_id)
                .order_by(Challenge.status.desc(), Challenge.id.desc())
                .limit(200)
            )
        ).all()
    needle = typed.strip().casefold().lstrip("#")
    return [
        (f"#{cid} {title} ({status})"[:100], str(cid))
        for cid, title, status in rows
        if needle in title.casefold() or needle == str(cid)
    ][:25]


# -- posting ----------------------------------------------------------------------------------


async def create_challenge(
    deps: TutorDeps,
    *,
    guild_id: int,
    unit_id: str,
    title: str,
    instructions: str,
    deadline: Deadline,
    channel_id: int,
    created_by: int,
    cohort: str | None = None,
    count: int = 5,
) -> ChallengeInfo:
    """Store a challenge on ``count`` of the unit's questions (the same for everyone,
    drawn at random now). The adapter then posts it and calls ``set_message``."""
    unit = find_unit(deps, unit_id)
    if not unit.questions:
        raise ChallengeError(f"Unit '{unit.id}' has no quiz questions for a challenge.")
    title = " ".join(title.split())
    if not title or len(title) > TITLE_MAX:
        raise ChallengeError(f"Give the challenge a title of 1 to {TITLE_MAX} characters.")
    group = await find_cohort(deps, guild_id, cohort) if cohort else None
    now = deps.clock()
    if deadline.due_at <= now:
        raise ChallengeError("That deadline has already passed; give one in the future.")
    chosen = random.sample([q.id for q in unit.questions], min(count, len(unit.questions)))
    row = Challenge(
        guild_id=guild_id,
        cohort_id=group.id if group else None,
        course_id=deps.course.id,
        unit_id=unit.id,
        title=title,
        instructions=instructions.strip(),
        question_ids=chosen,
        channel_id=channel_id,
        due_at=deadline.due_at,
        time_zone=deadline.time_zone,
        status="open",
        created_by=created_by,
        created_at=now,
    )

    def write(session: Session) -> Challenge:
        session.add(row)
        session.flush()
        return row

    stored = await deps.writer.run(write)
    return _info(deps, stored, group.name if group else None)


async def set_message(deps: TutorDeps, challenge_id: int, message_id: int) -> ChallengeInfo:
    """Remember the message that shows the challenge (edited when it closes)."""

    def write(session: Session) -> None:
        session.execute(
            update(Challenge).where(Challenge.id == challenge_id).values(message_id=message_id)
        )

    await deps.writer.run(write)
    return await get_challenge(deps, challenge_id)


async def discard_challenge(deps: TutorDeps, challenge_id: int) -> None:
    """Remove a challenge whose message could not be posted (nobody could attempt it)."""

    def write(session: Session) -> None:
        session.execute(delete(Challenge).where(Challenge.id == challenge_id))

    await deps.writer.run(write)


# -- attempts ---------------------------------------------------------------------------------


def _closed_message(challenge: ChallengeInfo) -> str:
    when = challenge.deadline.local.strftime("%Y-%m-%d %H:%M")
    return (
        f"The challenge '{challenge.title}' is closed (deadline {when} "
        f"{challenge.deadline.time_zone}); attempts and answers are no longer accepted."
    )


def _ensure_open(challenge: ChallengeInfo, now: datetime) -> None:
    if not challenge.is_open or now >= challenge.due_at:
        raise ChallengeClosedError(_closed_message(challenge))


async def _ensure_member(
    deps: TutorDeps, challenge: ChallengeInfo, learner: LearnerRef, lid: int, role_ids: set[int]
) -> None:
    if challenge.cohort_id is None or await is_member(deps, challenge.cohort_id, lid):
        return
    async with deps.db.session() as db:
        linked = set(
            await db.scalars(
                select(CohortRole.role_id).where(CohortRole.cohort_id == challenge.cohort_id)
            )
        )
    if linked & role_ids:
        await sync_role_memberships(deps, learner, linked & role_ids)
        return
    raise ChallengeError(
        f"This challenge is for the cohort '{challenge.cohort_name}'. Ask a moderator to add "
        f"you, or try /cohort join if the cohort is open."
    )


async def start_attempt(
    deps: TutorDeps,
    challenge_id: int,
    *,
    learner: LearnerRef,
    role_ids: set[int] | frozenset[int] = frozenset(),
) -> QuestionView:
    """The learner's attempt: the first question of a new one, or where the unfinished one
    stands. ``role_ids`` are the Discord roles the learner holds (for linked roles)."""
    challenge = await get_challenge(deps, challenge_id, learner.guild_id)
    _ensure_open(challenge, deps.clock())
    lid = await learner_id(deps, learner)
    await _ensure_member(deps, challenge, learner, lid, set(role_ids))
    async with deps.db.session() as db:
        mine = (
            await db.execute(
                select(QuizSession.id, QuizSession.status, QuizSession.score)
                .where(QuizSession.challenge_id == challenge_id, QuizSession.learner_id == lid)
                .order_by(QuizSession.finished_at, QuizSession.id)
            )
        ).all()
    finished = [(sid, score) for sid, status, score in mine if status == "finished"]
    if finished:
        raise ChallengeError(
            f"You already finished '{challenge.title}' with {finished[0][1] or 0:.0%}. "
            "One attempt per learner; the leaderboard shows where you stand."
        )
    active = next((sid for sid, status, _ in mine if status == "active"), None)
    if active is not None:
        return await current_question(active, learner=learner, deps=deps)
    unit = find_unit(deps, challenge.unit_id)
    known = {q.id for q in unit.questions}
    questions = [q for q in challenge.question_ids if q in known]
    if not questions:
        raise ChallengeError("This challenge's questions are no longer in the course.")
    return await open_session(
        deps,
        learner,
        lid,
        unit_id=challenge.unit_id,
        candidates=questions,
        count=len(questions),
        kind="challenge",
        challenge_id=challenge_id,
        ordered=True,
    )


async def ensure_open_for_answers(deps: TutorDeps, challenge_id: int) -> None:
    """Refuse an answer to an attempt once its challenge is closed or past its deadline
    (the quiz service calls this for every challenge answer)."""
    _ensure_open(await get_challenge(deps, challenge_id), deps.clock())


async def leaderboard(deps: TutorDeps, challenge: ChallengeInfo) -> Leaderboard:
    """Finished attempts ranked by score, then by earliest finish (one per learner: the
    first finished)."""
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                select(
                    QuizSession.learner_id,
                    Learner.display_name,
                    QuizSession.score,
                    QuizSession.finished_at,
                    QuizSession.status,
                )
                .join(Learner, Learner.id == QuizSession.learner_id)
                .where(QuizSession.challenge_id == challenge.id)
                .order_by(QuizSession.finished_at, QuizSession.id)
            )
        ).all()
    first: dict[int, tuple[str, float, datetime]] = {}
    unfinished: set[int] = set()
    for lid, name, score, finished_at, status in rows:
        if status == "finished" and finished_at is not None:
            first.setdefault(lid, (name, score or 0.0, finished_at))
        elif status in ("active", "expired"):  # expired: unfinished when it closed
            unfinished.add(lid)
    ranked = sorted(first.items(), key=lambda item: (-item[1][1], item[1][2], item[0]))
    standings = [
        Standing(n, lid, name, score, at) for n, (lid, (name, score, at)) in enumerate(ranked, 1)
    ]
    return Leaderboard(challenge, standings, len(unfinished - set(first)))


# -- the schedule -----------------------------------------------------------------------------


async def due_work(deps: TutorDeps, now: datetime) -> DueWork:
    """Open challenges whose deadline has passed, and those whose reminder is due now
    (a challenge past its deadline gets no reminder, only its closing)."""
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                _WITH_COHORT.where(
                    Challenge.status == "open",
                    or_(Challenge.due_at <= now, Challenge.reminded_at.is_(None)),
                ).order_by(Challenge.due_at, Challenge.id)
            )
        ).all()
    infos = [_info(deps, row, name) for row, name in rows]
    lead = timedelta(hours=deps.settings.challenge_reminder_hours)
    return DueWork(
        [c for c in infos if c.due_at <= now],
        [
            c
            for c in infos
            if c.due_at > now and c.reminded_at is None and reminder_due(c, lead) <= now
        ],
    )


async def claim_reminder(deps: TutorDeps, challenge_id: int, now: datetime) -> bool:
    """Mark the reminder sent; ``True`` only for the one caller that should send it."""

    def write(session: Session) -> bool:
        result = session.execute(
            update(Challenge)
            .where(
                Challenge.id == challenge_id,
                Challenge.status == "open",
                Challenge.reminded_at.is_(None),
            )
            .values(reminded_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    return await deps.writer.run(write)


async def close_challenge(
    deps: TutorDeps, challenge_id: int, now: datetime
) -> ChallengeInfo | None:
    """Close the challenge and expire unfinished attempts; ``None`` if it was closed
    already (by another tick, process or moderator), so only one caller announces it.
    Callers resolve the challenge in its server first (``find_challenge``)."""

    def write(session: Session) -> list[int] | None:
        result = session.execute(
            update(Challenge)
            .where(Challenge.id == challenge_id, Challenge.status == "open")
            .values(status="closed", closed_at=now)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        expired = list(
            session.scalars(
                select(QuizSession.id).where(
                    QuizSession.challenge_id == challenge_id, QuizSession.status == "active"
                )
            )
        )
        if expired:
            session.execute(
                update(QuizSession)
                .where(QuizSession.id.in_(expired), QuizSession.status == "active")
                .values(status="expired")
            )
        return expired

    expired = await deps.writer.run(write)
    if expired is None:
        return None
    for session_id in expired:
        deps.quizzes.pop(session_id, None)
    return await get_challenge(deps, challenge_id)
