"""The learner row: created once however many first interactions arrive together."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from tests.tutor.conftest import MakeTutor
from tutorbot.storage import Learner
from tutorbot.tutor import LearnerRef
from tutorbot.tutor.records import learner_id


async def test_simultaneous_first_contacts_make_one_learner(make_tutor: MakeTutor) -> None:
    tutors = [await make_tutor() for _ in range(4)]  # four processes' caches, one database
    grace = LearnerRef(77, "Grace", guild_id=5)

    ids = await asyncio.gather(*(learner_id(t, grace) for t in tutors for _ in range(3)))

    async with tutors[0].db.session() as db:
        rows = await db.scalar(select(func.count()).select_from(Learner))
    assert (len(set(ids)), rows) == (1, 1)


async def test_a_rename_is_recorded(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    first = await learner_id(tutor, LearnerRef(78, "Ada", guild_id=5))
    again = await learner_id(tutor, LearnerRef(78, "Ada L.", guild_id=5))

    async with tutor.db.session() as db:
        name = await db.scalar(select(Learner.display_name).where(Learner.id == first))
    assert (again, name) == (first, "Ada L.")
