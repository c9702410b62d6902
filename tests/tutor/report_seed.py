"""A small, known world for report tests: four learners, two servers, two cohorts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tutorbot.storage.models import Cohort, CohortMember, Learner, LearningEvent, UnitProgress
from tutorbot.tutor import TutorDeps

GUILD = 42
OTHER_GUILD = 99
START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    """What was written, for tests to compare cells against."""

    unit_ids: list[str]
    ada_done: list[datetime]  # Ada's completion time per unit, in course order


def unit_done_at(n: int) -> datetime:
    return START + timedelta(hours=5 * n, seconds=n)


async def seed_report_world(deps: TutorDeps, *, bob_name: str = "Bob Ünïcode") -> Seeded:
    """Ada finished the course in GUILD; Bob started one unit there (two cohorts); Cy was
    only active in OTHER_GUILD; Dee is in a GUILD cohort but never did anything."""
    units = [u.id for u in deps.course.units]
    done = [unit_done_at(n) for n in range(len(units))]

    def write(session: Session) -> None:
        ada = Learner(discord_id=987654321098765432, display_name="Ada", created_at=START)
        bob = Learner(discord_id=1002, display_name=bob_name, created_at=START)
        cy = Learner(discord_id=1003, display_name="Cy", created_at=START)
        dee = Learner(discord_id=1004, display_name="Dee", created_at=START)
        session.add_all([ada, bob, cy, dee])
        session.flush()
        for n, unit in enumerate(units):
            session.add(
                UnitProgress(
                    learner_id=ada.id,
                    course_id=deps.course.id,
                    unit_id=unit,
                    status="completed",
                    mastery=0.9,
                    attempts=4,
                    started_at=START,
                    completed_at=done[n],
                )
            )
        session.add(
            UnitProgress(
                learner_id=bob.id,
                course_id=deps.course.id,
                unit_id=units[1],
                status="in_progress",
                mastery=0.5,
                attempts=2,
                started_at=START,
            )
        )
        # A unit the course no longer has: never reported.
        session.add(
            UnitProgress(
                learner_id=bob.id,
                course_id=deps.course.id,
                unit_id="retired-unit",
                status="completed",
                mastery=1.0,
                attempts=9,
                started_at=START,
                completed_at=START,
            )
        )
        for learner, guild in ((ada, GUILD), (bob, GUILD), (cy, OTHER_GUILD)):
            session.add(
                LearningEvent(
                    learner_id=learner.id,
                    guild_id=guild,
                    verb="launched",
                    object_id="quiz",
                    result={},
                    created_at=START,
                )
            )
        evening = Cohort(guild_id=GUILD, name="Evening", created_by=1, created_at=START)
        alpha = Cohort(guild_id=GUILD, name="Alpha", created_by=1, created_at=START)
        elsewhere = Cohort(guild_id=OTHER_GUILD, name="Elsewhere", created_by=1, created_at=START)
        session.add_all([evening, alpha, elsewhere])
        session.flush()
        for cohort, learner in (
            (evening, ada),
            (evening, bob),
            (alpha, bob),
            (evening, dee),
            (elsewhere, bob),
        ):
            session.add(CohortMember(cohort_id=cohort.id, learner_id=learner.id, added_at=START))

    await deps.writer.run(write)
    return Seeded(units, done)
