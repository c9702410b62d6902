"""/admin on real interaction payloads: settings, costs from real ledger rows, course reload."""

from __future__ import annotations

import csv
import io
from typing import Any

import discord

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness, Turn
from tests.conftest import TINY_FILES, WriteFiles
from tests.fakes.openai_server import DEFAULT_TEXT, FakeOpenAI
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.tutor import TutorDeps
from tutorbot.tutor.guilds import guild_config

EPHEMERAL = 64


async def start(start_harness: StartHarness, deps: TutorDeps, **options: Any) -> Harness:
    return await start_harness(create_bot(deps.settings, deps=deps), **options)


def embed(turn: Turn) -> dict[str, Any]:
    """The one embed the bot sent in this turn."""
    embeds: list[dict[str, Any]] = [e for s in turn.followups for e in s.json.get("embeds", [])]
    assert len(embeds) == 1
    return embeds[0]


def field(found: dict[str, Any], name: str) -> str:
    return str(next(f["value"] for f in found["fields"] if f["name"] == name))


def all_private(turn: Turn) -> bool:
    return bool(turn.followups) and all(s.json["flags"] & EPHEMERAL for s in turn.followups)


async def test_the_admin_group_is_hidden_from_members_without_manage_server(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    group = harness.bot.tree.get_command("admin")
    assert group is not None
    registered = group.to_dict(harness.bot.tree)
    assert registered["default_member_permissions"] == discord.Permissions(manage_guild=True).value
    assert registered["contexts"] == [0]  # servers only
    assert {c["name"] for c in registered["options"]} == {"settings", "costs", "reload-curriculum"}


async def test_settings_without_options_show_the_defaults_privately(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.slash("admin settings", actor=harness.admin)
    shown = embed(turn)
    assert turn.acknowledged_after is not None
    assert all_private(turn)
    assert field(shown, "Model") == "`gpt-4o-mini` (default)"
    assert field(shown, "Daily AI budget").startswith("No limit")


async def test_an_admin_changes_quota_budget_model_and_roles_in_one_command(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    world = harness.world
    turn = await harness.slash(
        "admin settings",
        actor=harness.admin,
        quota=3,
        quota_refill_minutes=10,
        daily_budget_usd=0.5,
        model="gpt-4.1-mini",
        add_moderator_role=world.study_role_id,
    )
    shown = embed(turn)
    config = await guild_config(deps, world.guild_id)
    assert (config.quota_max, config.quota_refill_seconds) == (3, 600)
    assert (config.daily_budget_usd, config.model) == (0.5, "gpt-4.1-mini")
    assert config.moderator_role_ids == frozenset({world.study_role_id})
    assert "Saved:" in shown["description"]
    assert field(shown, "Questions per learner") == "3, one back every 10 min"
    assert field(shown, "Moderator roles") == f"<@&{world.study_role_id}>"
    assert turn.followups[0].json["allowed_mentions"] == {"parse": []}


async def test_an_admin_sets_and_resets_the_review_nudge_channel(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    channel = harness.world.other_channel_id

    shown = embed(await harness.slash("admin settings", actor=harness.admin, nudge_channel=channel))
    set_to = (await guild_config(deps, harness.world.guild_id)).nudge_channel_id
    await harness.slash("admin settings", actor=harness.admin, reset="nudge_channel")
    after = (await guild_config(deps, harness.world.guild_id)).nudge_channel_id

    assert (set_to, after) == (channel, None)
    assert field(shown, "Review nudge channel") == f"<#{channel}>"


async def test_bad_settings_are_refused_with_the_reason_and_nothing_changes(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    world = harness.world
    turn = await harness.slash(
        "admin settings", actor=harness.admin, model="gpt 4o", add_admin_role=world.guild_id
    )
    text = turn.last_content or ""
    config = await guild_config(deps, world.guild_id)
    assert text.startswith("Nothing was changed")
    assert "not a model name" in text
    assert "@everyone cannot be an admin role" in text
    assert (config.model, config.admin_role_ids) == ("gpt-4o-mini", frozenset())


async def test_a_role_made_an_admin_role_opens_the_admin_commands_to_its_members(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    member = harness.world.role_learner
    before = await harness.slash("admin costs", actor=member)
    await harness.slash("admin settings", actor=harness.admin, add_admin_role=member.roles[0])
    after = await harness.slash("admin costs", actor=member)
    assert "Only server admins" in (before.last_content or "")
    assert embed(after)["title"] == "AI usage, last 7 days"


async def test_costs_summarise_real_usage_and_attach_one_row_per_learner_and_day(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    harness = await start(start_harness, await make_tutor(fake_openai))
    await harness.slash("ask", question="what is overfitting")
    await harness.slash("ask", question="what is a neural network")
    turn = await harness.slash("admin costs", actor=harness.admin, days=1)
    shown = embed(turn)
    (upload,) = [f for s in turn.followups for f in s.files]
    rows = list(csv.DictReader(io.StringIO(upload.data.decode())))
    prompt = sum(
        len(str(m.get("content", "")).split()) for r in fake_openai.requests for m in r["messages"]
    )
    assert all_private(turn)
    assert "**2** calls" in shown["description"]
    assert upload.filename.endswith(".csv")
    assert len(rows) == 1
    assert rows[0]["learner_discord_id"] == str(harness.learner.id)
    assert rows[0]["calls"] == "2"
    assert int(rows[0]["prompt_tokens"]) == prompt
    assert int(rows[0]["completion_tokens"]) == 2 * len(DEFAULT_TEXT.split())
    assert "Ada" in field(shown, "By learner")


async def test_a_spent_budget_makes_ask_answer_from_the_course_with_a_note(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    harness = await start(start_harness, await make_tutor(fake_openai))
    await harness.slash("admin settings", actor=harness.admin, daily_budget_usd=0.0)
    turn = await harness.slash("ask", question="what is overfitting")
    costs = await harness.slash("admin costs", actor=harness.admin)
    assert "daily AI budget is used up" in (turn.last_content or "")
    assert fake_openai.requests == []
    assert "**used up**" in field(embed(costs), "Daily budget")


async def test_reloading_a_broken_course_is_refused_with_its_problems(
    start_harness: StartHarness, make_tutor: MakeTutor, write_files: WriteFiles
) -> None:
    folder = write_files({**TINY_FILES, "units/advanced.md": "---\nid: [broken\n---\n# Advanced\n"})
    deps = await make_tutor(curriculum=folder)
    harness = await start(start_harness, deps)
    turn = await harness.slash("admin reload-curriculum", actor=harness.admin)
    course = await harness.slash("course")
    text = turn.last_content or ""
    assert "The course was not reloaded" in text
    assert "advanced.md" in text
    assert len(text) <= 2000
    assert deps.course.title == "AI Foundations"
    assert "Data for Machine Learning" in (course.last_content or "")


async def test_reloading_a_good_course_serves_it_at_once(
    start_harness: StartHarness, make_tutor: MakeTutor, write_files: WriteFiles
) -> None:
    deps = await make_tutor(curriculum=write_files(TINY_FILES))
    harness = await start(start_harness, deps)
    turn = await harness.slash("admin reload-curriculum", actor=harness.admin)
    unit = await harness.slash("unit", unit="basics")
    assert "Reloaded **Tiny Course 1.0: 2 units" in (turn.last_content or "")
    assert all_private(turn)
    assert "Basics" in str(unit.sent.with_message[-1].message)
