"""/report completion through real interaction payloads: admins get files, others nothing."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.bot import gateway_payloads
from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.tutor.conftest import MakeTutor
from tests.tutor.report_seed import seed_report_world
from tutorbot.bot.client import create_bot
from tutorbot.bot.cogs.report import ProgressNotes
from tutorbot.tutor import TutorDeps


async def start(start_harness: StartHarness, deps: TutorDeps) -> Harness:
    harness = await start_harness(create_bot(deps.settings, deps=deps))
    await seed_report_world(deps)
    return harness


async def seed_guild_activity(harness: Harness, deps: TutorDeps) -> None:
    """The seeded learners are active in guild 42; put one in the harness's guild too."""
    await harness.slash("quiz", unit=deps.course.units[0].id, count=1)


def uploaded(harness: Harness) -> dict[str, bytes]:
    return {f.filename: f.data for s in harness.sent for f in s.files}


async def test_an_admin_gets_the_csv_and_a_chart_privately(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    await seed_guild_activity(harness, deps)
    turn = await harness.slash("report completion", actor=harness.admin)
    files = uploaded(harness)
    name = f"completion-{harness.world.guild_id}.csv"
    rows = list(csv.reader(io.StringIO(files[name].decode("utf-8-sig"))))
    assert turn.responses[0].json == {"type": 5, "data": {"flags": 64}}
    assert [r[0] for r in rows[1:]] == [str(harness.learner.id)]
    assert files["completion.png"].startswith(b"\x89PNG")
    assert "Completion report for server" in (turn.last_content or "")


async def test_the_report_comes_as_xlsx_when_asked(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    await harness.slash("report completion", actor=harness.admin, format="xlsx")
    assert any(name.endswith(".xlsx") for name in uploaded(harness))


async def test_a_learner_is_refused_and_no_report_is_made(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    turn = await harness.slash("report completion", actor=harness.learner)
    assert turn.last_content == "Only server admins can use this command. Nothing was changed."
    assert uploaded(harness) == {}


async def test_a_moderator_is_refused_too(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    turn = await harness.slash("report completion", actor=harness.moderator)
    assert "Only server admins" in (turn.last_content or "")


async def test_an_unknown_cohort_gets_a_clear_message(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    turn = await harness.slash("report completion", actor=harness.admin, cohort="Nightowls")
    assert turn.last_content == "There is no cohort called 'Nightowls'. Cohorts: none yet."


async def test_a_report_over_the_upload_limit_is_zipped(
    start_harness: StartHarness, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    await seed_guild_activity(harness, deps)
    monkeypatch.setattr(gateway_payloads, "ATTACHMENT_SIZE_LIMIT", 110_000)
    turn = await harness.slash("report completion", actor=harness.admin, format="html")
    files = uploaded(harness)
    name = f"completion-{harness.world.guild_id}.html"
    with zipfile.ZipFile(io.BytesIO(files[name + ".zip"])) as packed:
        assert packed.namelist() == [name]
    assert "Zipped" in (turn.last_content or "")


async def test_a_report_too_large_even_zipped_points_to_the_command_line(
    start_harness: StartHarness, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    monkeypatch.setattr(gateway_payloads, "ATTACHMENT_SIZE_LIMIT", 80_000)
    turn = await harness.slash("report completion", actor=harness.admin, format="html")
    text = turn.last_content or ""
    assert list(uploaded(harness)) == ["completion.png"]
    assert "too large to upload here" in text
    assert "tutorbot report completion --format html --out completion.html --guild " in text


async def test_a_long_report_shows_progress_before_the_file(
    start_harness: StartHarness, make_tutor: MakeTutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    await seed_guild_activity(harness, deps)
    monkeypatch.setattr(ProgressNotes, "every_seconds", -1.0)
    monkeypatch.setattr("tutorbot.tutor.reports.export.PARTITION_ROWS", 1)
    turn = await harness.slash("report completion", actor=harness.admin)
    contents = turn.sent.contents
    assert any(c.startswith("Building the completion report") for c in contents)
    assert contents[-1].startswith("Completion report for server")


async def test_the_cohort_option_offers_this_servers_cohorts(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    for name in ("Evening", "Weekend"):
        await harness.slash("cohort create", actor=harness.moderator, name=name)
    turn = await harness.autocomplete(
        "report completion", focused="cohort", value="EVE", actor=harness.admin
    )
    assert [c["value"] for c in turn.choices] == ["Evening"]
