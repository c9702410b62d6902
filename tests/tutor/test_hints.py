"""The hint ladder: three rungs, never the answer."""

from __future__ import annotations

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.curriculum.models import MultipleChoiceQuestion
from tutorbot.tutor import answer_question, hint, start_quiz


async def test_offline_ladder_climbs_to_a_worked_step_without_the_answer(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    view = await start_quiz("model-evaluation", learner=ADA, deps=tutor, count=20)
    unit = tutor.course.unit("model-evaluation")
    assert unit is not None
    while True:
        q = next(q for q in unit.questions if q.id == view.question_id)
        if isinstance(q, MultipleChoiceQuestion):
            break
        step = await answer_question(
            view.session_id,
            "true" if q.type == "true_false" else "some words",
            learner=ADA,
            deps=tutor,
        )
        assert step.next_question is not None
        view = step.next_question
    ladder = [await hint(view.session_id, learner=ADA, deps=tutor) for _ in range(3)]
    correct = q.choices[q.correct_indexes[0]].text
    assert [h.level for h in ladder] == [1, 2, 3]
    assert ladder[-1].last
    assert correct not in ladder[-1].text


async def test_model_writes_the_hint_when_there_is_one(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    tutor = await make_tutor(fake_openai)
    view = await start_quiz("training", learner=ADA, deps=tutor)
    fake_openai.reply("Think about which way the slope points.")
    first = await hint(view.session_id, learner=ADA, deps=tutor)
    assert (first.text, first.mode, first.level) == (
        "Think about which way the slope points.",
        "llm",
        1,
    )
