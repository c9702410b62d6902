"""/questions on real interaction payloads: moderators draft questions with the (fake) model
and review them with buttons and a modal; learners are refused at every step."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import MakeTutor
from tests.tutor.test_generate import generate, mc, short
from tutorbot.bot.client import create_bot
from tutorbot.storage import GeneratedQuestion
from tutorbot.tutor import TutorDeps


async def start(start_harness: StartHarness, deps: TutorDeps) -> Harness:
    return await start_harness(create_bot(deps.settings, deps=deps))


async def queued(
    start_harness: StartHarness,
    make_tutor: MakeTutor,
    server: FakeOpenAI,
    *drafts: dict[str, Any],
) -> tuple[TutorDeps, Harness, list[int]]:
    """A bot whose queue holds ``drafts``, queued through the service (the slash command
    has its own test), and their row ids."""
    deps = await make_tutor(server)
    result = await generate(deps, server, *drafts)
    assert len(result.queued) == len(drafts)
    return deps, await start(start_harness, deps), [q.row_id for q in result.queued]


async def row(deps: TutorDeps, row_id: int) -> GeneratedQuestion:
    async with deps.db.session() as db:
        found = await db.scalar(select(GeneratedQuestion).where(GeneratedQuestion.id == row_id))
    assert found is not None
    return found


def in_bank(deps: TutorDeps, question_id: str) -> bool:
    unit = deps.course.unit("training")
    return unit is not None and any(q.id == question_id for q in unit.questions)


def embeds_of(harness: Harness) -> str:
    return json.dumps([m.get("embeds") for m in harness.messages])


async def test_a_moderator_drafts_questions_and_gets_a_private_summary(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps = await make_tutor(fake_openai)
    harness = await start(start_harness, deps)
    fake_openai.reply(json.dumps({"questions": [mc(), mc(section="no-such-section")]}))
    turn = await harness.slash(
        "questions generate", actor=harness.moderator, unit="training", count=2
    )
    assert turn.responses[0].callback_type == 5
    assert turn.responses[0].json["data"]["flags"] & 64  # ephemeral
    assert "Queued **1** of 2" in (turn.last_content or "")
    assert "draft 2 discarded" in (turn.last_content or "")


async def test_a_moderator_approves_with_the_button_and_sees_the_next_question(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps, harness, [first, second] = await queued(
        start_harness, make_tutor, fake_openai, mc(), short()
    )
    shown = await harness.slash("questions review", actor=harness.moderator)
    assert f"Review gen-{first}" in embeds_of(harness)
    clicked = await harness.click(f"gq:{first}:approve:a", actor=harness.moderator)
    assert clicked.responses[0].callback_type == 6
    assert f"Approved **gen-{first}**" in (clicked.last_content or "")
    assert f"Review gen-{second}" in json.dumps(clicked.edits[-1].json)
    assert in_bank(deps, f"gen-{first}")
    approved = await row(deps, first)
    assert (approved.status, approved.reviewed_by) == ("approved", harness.moderator.id)
    assert shown.acknowledged_after is not None


async def test_a_learner_cannot_review_or_press_the_buttons(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps, harness, [row_id] = await queued(start_harness, make_tutor, fake_openai, mc())
    command = await harness.slash("questions review")
    await harness.slash("questions review", actor=harness.moderator)
    approve = await harness.click(f"gq:{row_id}:approve:a")
    edit = await harness.click(f"gq:{row_id}:edit:a")
    for turn in (command, approve, edit):
        assert "Only moderators and admins can use this command" in (turn.last_content or "")
    assert (await row(deps, row_id)).status == "pending"
    assert not in_bank(deps, f"gen-{row_id}")


async def test_a_moderator_edits_a_question_in_the_modal_and_it_is_approved(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps, harness, [row_id] = await queued(start_harness, make_tutor, fake_openai, mc())
    await harness.slash("questions review", actor=harness.moderator, unit="training")
    opened = await harness.click(f"gq:{row_id}:edit:u", actor=harness.moderator)
    new_prompt = "In gradient descent, what does a learning rate that is too large cause?"
    submitted = await harness.submit_modal(
        f"gq:{row_id}:modal:u", {"prompt": new_prompt}, actor=harness.moderator
    )
    assert opened.responses[0].callback_type == 9
    assert f"Edited and approved **gen-{row_id}**" in (submitted.last_content or "")
    assert "No more questions are waiting" in (submitted.last_content or "")
    edited = await row(deps, row_id)
    assert (edited.status, edited.question["prompt"]) == ("approved", new_prompt)


async def test_an_edit_failing_a_check_is_refused_with_the_reasons_and_changes_nothing(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps, harness, [row_id] = await queued(start_harness, make_tutor, fake_openai, mc())
    await harness.slash("questions review", actor=harness.moderator)
    await harness.click(f"gq:{row_id}:edit:a", actor=harness.moderator)
    submitted = await harness.submit_modal(
        f"gq:{row_id}:modal:a", {"answer": "* Overshooting\n* Crawling"}, actor=harness.moderator
    )
    assert "fails the checks" in (submitted.last_content or "")
    assert "2 correct choices" in (submitted.last_content or "")
    unchanged = await row(deps, row_id)
    assert unchanged.status == "pending"
    assert unchanged.question["choices"] == mc()["choices"]


async def test_a_moderator_rejects_a_question_and_it_stays_out_of_quizzes(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    deps, harness, [row_id] = await queued(start_harness, make_tutor, fake_openai, mc())
    await harness.slash("questions review", actor=harness.moderator)
    clicked = await harness.click(f"gq:{row_id}:reject:a", actor=harness.moderator)
    assert f"Rejected **gen-{row_id}**" in (clicked.last_content or "")
    assert (await row(deps, row_id)).status == "rejected"
    assert not in_bank(deps, f"gen-{row_id}")


async def test_review_with_an_empty_queue_says_so(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.slash("questions review", actor=harness.moderator)
    assert turn.last_content == "No generated questions are waiting for review."
