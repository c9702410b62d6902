"""Generated questions: drafted by the (fake) model, checked in code, reviewed, merged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.storage import GeneratedQuestion
from tutorbot.tutor import TutorDeps, answer_question, start_quiz
from tutorbot.tutor.generate import NoModelError, generate_questions
from tutorbot.tutor.question_review import (
    QuestionEdit,
    QuestionRefusedError,
    approve_question,
    edit_question,
    merge_approved_questions,
    next_pending,
    reject_question,
)

MODERATOR = 5005
LR = "gradient-descent-and-the-learning-rate"
OPTIMISERS = "optimisers-beyond-plain-gradient-descent"


def mc(**overrides: Any) -> dict[str, Any]:
    """A multiple-choice draft whose answer the learning-rate section states."""
    draft: dict[str, Any] = {
        "type": "multiple_choice",
        "section": LR,
        "bloom": "understand",
        "prompt": "What happens to training when the learning rate is set far too large?",
        "choices": [
            {
                "text": "Steps overshoot the valley and the loss bounces around or explodes",
                "correct": True,
            },
            {"text": "Each step barely moves, so training crawls", "correct": False},
            {"text": "The gradient stops pointing in any direction", "correct": False},
        ],
        "answer": "Steps overshoot the valley and the loss bounces around or explodes",
        "explanation": "Too large a rate overshoots the low region; the loss rises or is NaN.",
        "rubric": [],
    }
    return {**draft, **overrides}


def short(**overrides: Any) -> dict[str, Any]:
    """A short-answer draft on what Adam tracks, with keywords from the optimisers section."""
    draft: dict[str, Any] = {
        "type": "short_answer",
        "section": OPTIMISERS,
        "bloom": "understand",
        "prompt": "Which two running averages does Adam keep for each weight, and why?",
        "choices": [],
        "answer": "Adam tracks the average gradient, the momentum part, and the average squared "
        "gradient, which sets a per-weight step size.",
        "explanation": "Dividing by the root of the squared average sizes each weight's step.",
        "rubric": [
            {
                "criterion": "Names the average gradient",
                "points": 1,
                "keywords": ["average gradient", "momentum"],
            },
            {
                "criterion": "Names the average squared gradient",
                "points": 2,
                "keywords": ["squared gradient"],
            },
        ],
    }
    return {**draft, **overrides}


def script(server: FakeOpenAI, *drafts: dict[str, Any]) -> None:
    server.reply(json.dumps({"questions": list(drafts)}))


async def generate(deps: TutorDeps, server: FakeOpenAI, *drafts: dict[str, Any]) -> Any:
    script(server, *drafts)
    return await generate_questions("training", len(drafts), deps=deps, created_by=MODERATOR)


async def rows(deps: TutorDeps) -> list[GeneratedQuestion]:
    async with deps.db.session() as db:
        return list(await db.scalars(select(GeneratedQuestion).order_by(GeneratedQuestion.id)))


def bank_ids(deps: TutorDeps, unit: str = "training") -> list[str]:
    found = deps.course.unit(unit)
    assert found is not None
    return [q.id for q in found.questions]


async def test_a_supported_question_is_queued_for_review(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    result = await generate(deps, fake_openai, mc())
    [row] = await rows(deps)
    assert [q.question_id for q in result.queued] == [f"gen-{row.id}"]
    assert (row.status, row.unit_id, row.source_section) == (
        "pending",
        "training",
        f"training#{LR}",
    )
    assert row.question["id"] == f"gen-{row.id}"
    assert row.created_by == MODERATOR
    assert row.prompt_hash == result.prompt_hash
    assert row.model == "gpt-4o-mini"


async def test_the_model_is_asked_for_json_matching_the_draft_schema(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    await generate(deps, fake_openai, mc())
    request = fake_openai.requests[-1]
    assert request["response_format"]["json_schema"]["name"] == "DraftBatch"
    assert f'<passage id="{LR}"' in request["messages"][1]["content"]


async def test_a_generated_question_whose_answer_is_not_supported_by_its_section_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    answer = "Transformers replace recurrence with attention over every token position"
    draft = mc(
        prompt="Which architecture change made large language models practical?",
        choices=[
            {"text": answer, "correct": True},
            {"text": "Bigger learning rates", "correct": False},
        ],
        answer=answer,
    )
    result = await generate(deps, fake_openai, draft)
    assert result.queued == []
    assert await rows(deps) == []
    [rejected] = result.rejected
    assert any(
        r.startswith("answer supported: only") and "attention" in r for r in rejected.reasons
    )


async def test_an_answer_is_supported_by_the_section_that_states_it_and_not_by_another(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    result = await generate(deps, fake_openai, short(), short(section=LR))
    assert [q.section for q in result.queued] == [f"training#{OPTIMISERS}"]
    assert "answer supported" in " ".join(result.rejected[0].reasons)


async def test_a_multiple_choice_draft_with_two_correct_choices_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    choices = mc()["choices"]
    choices[1] = {**choices[1], "correct": True}
    result = await generate(deps, fake_openai, mc(choices=choices))
    assert result.queued == []
    assert any("2 correct choices" in r for r in result.rejected[0].reasons)


async def test_a_draft_whose_answer_is_not_the_choice_it_marked_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    result = await generate(
        deps, fake_openai, mc(answer="Each step barely moves, so training crawls")
    )
    assert any("not the choice marked correct" in r for r in result.rejected[0].reasons)


async def test_a_duplicate_of_an_authored_question_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    # training-05 asks "What does Adam add on top of plain momentum?"
    draft = short(prompt="What does Adam add on top of plain momentum?")
    result = await generate(deps, fake_openai, draft)
    assert result.queued == []
    assert any("not a duplicate" in r and "training-05" in r for r in result.rejected[0].reasons)


async def test_a_draft_repeating_one_already_pending_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    first = await generate(deps, fake_openai, mc())
    again = await generate(deps, fake_openai, mc())
    assert len(first.queued) == 1
    assert again.queued == []
    assert first.queued[0].question_id in " ".join(again.rejected[0].reasons)


async def test_a_draft_citing_an_unknown_section_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    result = await generate(deps, fake_openai, mc(section="quantum-annealing"))
    assert any(
        "section: 'training#quantum-annealing' is not a section of unit 'training'" in r
        for r in result.rejected[0].reasons
    )


async def test_a_short_answer_whose_criterion_has_no_keyword_in_the_section_is_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    rubric = [{"criterion": "Mentions Bayes", "points": 1, "keywords": ["posterior", "prior"]}]
    result = await generate(deps, fake_openai, short(rubric=rubric))
    assert any("rubric keywords" in r and "Mentions Bayes" in r for r in result.rejected[0].reasons)


async def test_generating_without_a_model_says_one_is_needed(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()
    with pytest.raises(NoModelError, match="needs a model endpoint"):
        await generate_questions("training", 3, deps=deps, created_by=MODERATOR)


async def test_approval_merges_the_question_into_the_units_bank_and_quiz_serves_it(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    queued = (await generate(deps, fake_openai, mc())).queued[0]
    await approve_question(deps, queued.row_id, reviewer=MODERATOR)
    view = await start_quiz("training", learner=ADA, deps=deps, count=100)
    while view.question_id != queued.question_id:
        step = await answer_question(view.session_id, "1", learner=ADA, deps=deps)
        assert step.next_question is not None
        view = step.next_question
    step = await answer_question(view.session_id, "1", learner=ADA, deps=deps)
    assert step.grade.correct
    assert step.grade.question_id == queued.question_id


async def test_approved_questions_join_the_bank_again_after_a_restart(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    queued = (await generate(deps, fake_openai, mc())).queued[0]
    await approve_question(deps, queued.row_id, reviewer=MODERATOR)
    restarted = await make_tutor()
    assert queued.question_id not in bank_ids(restarted)
    await merge_approved_questions(restarted)
    await merge_approved_questions(restarted)  # idempotent
    assert bank_ids(restarted).count(queued.question_id) == 1


async def test_a_rejected_question_stays_out_of_the_bank(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    queued = (await generate(deps, fake_openai, mc())).queued[0]
    item = await reject_question(deps, queued.row_id, reviewer=MODERATOR)
    assert (item.status, item.reviewed_by) == ("rejected", MODERATOR)
    assert queued.question_id not in bank_ids(deps)
    assert await next_pending(deps) is None


async def test_a_question_cannot_be_approved_after_it_was_rejected(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    queued = (await generate(deps, fake_openai, mc())).queued[0]
    await reject_question(deps, queued.row_id, reviewer=MODERATOR)
    with pytest.raises(QuestionRefusedError, match="already rejected"):
        await approve_question(deps, queued.row_id, reviewer=MODERATOR)


async def test_an_edit_that_breaks_a_check_is_refused_and_changes_nothing(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    queued = (await generate(deps, fake_openai, mc())).queued[0]
    edit = QuestionEdit(
        prompt="What happens when the learning rate is too large?",
        answer="* Overshooting\n* Crawling\nNothing",
        explanation="Because.",
        bloom="understand",
    )
    with pytest.raises(QuestionRefusedError) as refused:
        await edit_question(deps, queued.row_id, edit, reviewer=MODERATOR)
    assert any("2 correct choices" in r for r in refused.value.reasons)
    [row] = await rows(deps)
    assert row.status == "pending"
    assert row.question["choices"] == mc()["choices"]


async def test_an_edit_that_passes_the_checks_is_approved_with_the_new_text(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    queued = (await generate(deps, fake_openai, mc())).queued[0]
    edit = QuestionEdit(
        prompt="During gradient descent, what goes wrong with a learning rate that is too large?",
        answer="Each step barely moves\n* Steps overshoot the valley and the loss explodes",
        explanation="Big steps jump past the valley.",
        bloom="apply",
    )
    item = await edit_question(deps, queued.row_id, edit, reviewer=MODERATOR)
    assert item.status == "approved"
    assert item.question.prompt.startswith("During gradient")
    unit = deps.course.unit("training")
    assert unit is not None
    merged = next(q for q in unit.questions if q.id == queued.question_id)
    assert merged.bloom == "apply"
    assert merged.explanation == "Big steps jump past the valley."


async def test_review_shows_the_oldest_pending_question_with_its_checks(
    make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    result = await generate(deps, fake_openai, mc(), short())
    item = await next_pending(deps, "training")
    assert item is not None
    assert item.row_id == result.queued[0].row_id
    assert item.report is not None
    assert item.report.passed
