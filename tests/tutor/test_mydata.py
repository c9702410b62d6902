"""A learner can take away, or erase, everything stored about them."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.storage import Learner, LearningEvent, QuizAttempt, QuizSession, UnitProgress
from tutorbot.tutor import answer_question, ask, start_quiz
from tutorbot.tutor.mydata import delete_data, export_data


async def test_export_holds_every_table_with_ids_as_strings(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor, count=1)
    await answer_question(view.session_id, "1", learner=ADA, deps=tutor)
    await ask("what is overfitting", learner=ADA, deps=tutor)
    data = await export_data(learner=ADA, deps=tutor)
    assert data["learner"]["discord_id"] == str(ADA.discord_id)
    assert len(data["quiz_attempts"]) == 1
    assert {e["verb"] for e in data["learning_events"]} >= {"launched", "answered", "asked"}
    assert json.loads(json.dumps(data)) == data


async def test_delete_removes_every_row_about_the_learner(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    view = await start_quiz("data", learner=ADA, deps=tutor, count=1)
    await answer_question(view.session_id, "1", learner=ADA, deps=tutor)
    assert await delete_data(learner=ADA, deps=tutor)
    async with tutor.db.session() as db:
        left = [
            await db.scalar(select(func.count()).select_from(m))
            for m in (Learner, QuizSession, QuizAttempt, UnitProgress, LearningEvent)
        ]
    assert left == [0, 0, 0, 0, 0]
    assert await export_data(learner=ADA, deps=tutor) == {"learner": None}
