"""The bot end to end on real interaction payloads: the tutor's services behind Discord."""

from __future__ import annotations

import re
from typing import Any

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.tutor import TutorDeps


async def start(start_harness: StartHarness, deps: TutorDeps, **options: Any) -> Harness:
    return await start_harness(create_bot(deps.settings, deps=deps), **options)


def buttons(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components", []) for c in row["components"]]


def quiz_message(harness: Harness) -> dict[str, Any]:
    return next(
        m for m in reversed(harness.messages) if any(i.startswith("tq:") for i in buttons(m))
    )


async def answer_current(harness: Harness) -> Any:
    ids = buttons(quiz_message(harness))
    choice = next((i for i in ids if re.search(r":c\d+$", i)), None)
    if choice is not None:
        return await harness.click(choice)
    write = next(i for i in ids if i.endswith(":write"))
    await harness.click(write)
    return await harness.submit_modal(
        write.replace(":write", ":modal"), {"answer": "Some words about the data."}
    )


async def test_a_learner_goes_from_course_to_a_finished_quiz_and_progress(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    course = await harness.slash("course")
    quiz = await harness.slash("quiz", unit="data", count=3)
    for _ in range(3):
        await answer_current(harness)
    progress = await harness.slash("progress")
    assert "Data for Machine Learning" in (course.last_content or "")
    assert quiz.acknowledged_after is not None
    assert any("Quiz finished" in str(m.get("embeds")) for m in harness.messages)
    assert any(f.filename.endswith(".png") for s in progress.followups for f in s.files)


async def test_quiz_buttons_keep_working_after_a_restart(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    first = await start(start_harness, await make_tutor())
    await first.slash("quiz", unit="training", count=3)
    await answer_current(first)
    shown = quiz_message(first)
    await first.close()
    # A new process: new bot, new caches, same database, same Discord server and message.
    second = await start(start_harness, await make_tutor(), world=first.world)
    second.api.messages[int(shown["id"])] = shown
    await answer_current(second)
    assert "Question 3 of 3" in str(second.api.messages[int(shown["id"])]["embeds"])


async def test_model_text_with_everyone_and_role_mentions_pings_nobody(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    harness = await start(start_harness, await make_tutor(fake_openai))
    fake_openai.reply("@everyone look: <@&123456789012345678> overfitting is memorising.")
    await harness.slash("ask", question="what is overfitting")
    bodies = [
        s.json
        for s in harness.sent
        if isinstance(s.json, dict) and ("content" in s.json or "embeds" in s.json)
    ]
    assert bodies
    assert all(b.get("allowed_mentions") == {"parse": []} for b in bodies)


async def test_a_5000_character_answer_is_split_into_clean_messages(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    harness = await start(start_harness, await make_tutor(fake_openai))
    paragraph = "Gradient descent takes small steps downhill on the loss surface. " * 10
    fake_openai.reply("\n\n".join([paragraph.strip()] * 8), chunk_size=400)
    turn = await harness.slash("ask", question="how does gradient descent work")
    contents = [m["content"] for m in harness.messages if m.get("content")]
    assert len(contents) >= 3
    assert all(len(c) <= 2000 for c in contents)
    assert turn.acknowledged_after is not None


async def test_an_unknown_unit_gets_a_clear_private_message(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.slash("unit", unit="astrology")
    assert "There is no unit called 'astrology'" in (turn.last_content or "")


async def test_unit_autocomplete_offers_matching_units(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.autocomplete("unit", focused="unit", value="train")
    assert [c["value"] for c in turn.choices] == ["training"]


async def test_unit_pages_through_sections_and_starts_its_quiz(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("unit", unit="training")
    page = await harness.click("tu:training:p1")
    started = await harness.click("tu:training:quiz")
    shown = str([m.get("embeds") for m in harness.messages])
    assert "Page 2 of" in shown
    assert page.responses
    assert any(i.startswith("tq:") for m in harness.messages for i in buttons(m))
    assert started.acknowledged_after is not None
