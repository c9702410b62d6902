"""Progress: a learner's standing in every unit, in course order.

Mastery and completion are computed when answers are recorded (see ``recorder``): the
mean of the latest score on each question answered in the unit, and completion at
mastery >= 0.85 with at least 3 attempts, after which a unit stays completed.
"""

from __future__ import annotations

from sqlalchemy import select

from tutorbot.storage.models import UnitProgress
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.records import learner_id
from tutorbot.tutor.results import ProgressReport, UnitStanding
from tutorbot.tutor.review import review_summary


async def progress_report(*, learner: LearnerRef, deps: TutorDeps) -> ProgressReport:
    """Every unit in course order with the learner's status, mastery and attempts."""
    course = deps.course
    lid = await learner_id(deps, learner)
    async with deps.db.session() as session:
        stored = {
            p.unit_id: p
            for p in await session.scalars(
                select(UnitProgress).where(
                    UnitProgress.learner_id == lid, UnitProgress.course_id == course.id
                )
            )
        }
    units = []
    for unit in course.units:
        p = stored.get(unit.id)
        units.append(
            UnitStanding(
                unit.id,
                unit.title,
                p.status if p else "not_started",
                p.mastery if p else 0.0,
                p.attempts if p else 0,
                p.completed_at if p else None,
            )
        )
    reviews = await review_summary(lid, deps, deps.clock())
    return ProgressReport(course.id, course.title, units, reviews.due, reviews.retention)
