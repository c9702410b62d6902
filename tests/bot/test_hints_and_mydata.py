"""The hint button and /mydata on real payloads: private, stepwise, and complete."""

from __future__ import annotations

import json
import re

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.bot.test_learner_journey import answer_current, buttons, quiz_message, start
from tests.tutor.conftest import MakeTutor

EPHEMERAL = 64


def hint_button(harness: Harness) -> str:
    return next(i for i in buttons(quiz_message(harness)) if i.endswith(":hint"))


async def test_hints_climb_the_ladder_privately_then_stay_on_the_last_rung(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("quiz", unit="training", count=2)
    button = hint_button(harness)

    turns = [await harness.click(button) for _ in range(4)]

    texts = [t.sent.last_content or "" for t in turns]
    levels = [re.findall(r"💡 Hint (\d)/3", t) for t in texts]
    assert levels == [["1"], ["2"], ["3"], ["3"]]
    for turn in turns:
        assert turn.responses[0].json["data"]["flags"] & EPHEMERAL  # deferred privately


async def test_someone_elses_hint_button_does_nothing_for_them(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("quiz", unit="data", count=2)

    turn = await harness.click(hint_button(harness), actor=harness.world.other_learner)

    assert "not yours" in (turn.sent.last_content or "")
    assert "Hint" not in (turn.sent.last_content or "")


async def test_mydata_export_is_a_private_json_file_of_everything_stored(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("quiz", unit="data", count=2)
    await answer_current(harness)

    turn = await harness.slash("mydata export")

    sent = turn.sent.followups[-1]
    assert sent.json["flags"] & EPHEMERAL
    (file,) = sent.files
    data = json.loads(file.data)
    assert file.filename.endswith(".json")
    assert data["learner"]["discord_id"] == str(harness.learner.id)
    assert len(data["quiz_attempts"]) == 1
    assert data["quiz_sessions"][0]["unit_id"] == "data"


async def test_mydata_delete_asks_first_and_removes_everything_on_yes(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("quiz", unit="data", count=2)
    await answer_current(harness)

    asked = await harness.slash("mydata delete")
    assert "Sure?" in (asked.sent.last_content or "")
    ids = buttons(harness.messages[-1])
    kept = await harness.click(ids[1])  # "Keep my data"
    assert "Nothing was deleted" in (kept.sent.last_content or "")
    still = json.loads((await harness.slash("mydata export")).sent.followups[-1].files[0].data)
    assert len(still["quiz_attempts"]) == 1

    await harness.slash("mydata delete")
    done = await harness.click(buttons(harness.messages[-1])[0])  # "Delete everything"
    after = json.loads((await harness.slash("mydata export")).sent.followups[-1].files[0].data)

    assert "everything stored about you is deleted" in (done.sent.last_content or "")
    assert after == {"learner": None}
