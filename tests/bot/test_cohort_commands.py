"""/cohort on real interaction payloads: moderators create and fill cohorts, learners join
open ones, and holders of a linked role become members when they use the bot."""

from __future__ import annotations

from typing import Any

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.tutor import TutorDeps
from tutorbot.tutor.cohorts import cohort_members


async def start(start_harness: StartHarness, deps: TutorDeps, **options: Any) -> Harness:
    return await start_harness(create_bot(deps.settings, deps=deps), **options)


async def members(harness: Harness, deps: TutorDeps, cohort: str) -> list[str]:
    return [m.display_name for m in await cohort_members(deps, harness.world.guild_id, cohort)]


async def test_a_learner_joins_an_open_cohort_and_sees_it_marked_in_the_list(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    created = await harness.slash(
        "cohort create", actor=harness.moderator, name="Evening Study", open=True
    )
    joined = await harness.slash("cohort join", cohort="evening study")
    listed = await harness.slash("cohort list")
    assert "Created the cohort **Evening Study**" in (created.last_content or "")
    assert joined.last_content == "You joined **Evening Study**."
    assert "✅ **Evening Study**: 1 member(s), open: /cohort join" in (listed.last_content or "")
    assert all(t.acknowledged_after is not None for t in (created, joined, listed))


async def test_a_closed_cohort_cannot_be_joined(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    await harness.slash("cohort create", actor=harness.moderator, name="Invite only")
    refused = await harness.slash("cohort join", cohort="Invite only")
    assert "not open for joining; ask a moderator" in (refused.last_content or "")
    assert await members(harness, deps, "Invite only") == []


async def test_a_moderator_adds_a_member_once(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    mod, alan = harness.moderator, harness.world.other_learner
    await harness.slash("cohort create", actor=mod, name="Evening")
    first = await harness.slash("cohort add", actor=mod, cohort="Evening", member=alan)
    again = await harness.slash("cohort add", actor=mod, cohort="Evening", member=alan)
    assert first.last_content == "Added 1 to **Evening**."
    assert again.last_content == "Alan is already in **Evening**; nothing changed."
    assert await members(harness, deps, "Evening") == ["Alan"]


async def test_holders_of_a_linked_role_join_when_they_next_use_the_bot(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    world = harness.world
    await harness.slash("cohort create", actor=harness.moderator, name="Study group")
    linked = await harness.slash(
        "cohort add", actor=harness.moderator, cohort="Study group", role=world.study_role_id
    )
    before = await members(harness, deps, "Study group")
    seen = await harness.slash("cohort list", actor=world.role_learner)
    assert f"Linked the role <@&{world.study_role_id}>" in (linked.last_content or "")
    assert before == []  # no members intent: the guild cache does not list her
    assert await members(harness, deps, "Study group") == ["Katherine"]
    assert "✅ **Study group**" in (seen.last_content or "")


async def test_add_needs_a_member_or_a_role(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    await harness.slash("cohort create", actor=harness.moderator, name="Evening")
    turn = await harness.slash("cohort add", actor=harness.moderator, cohort="Evening")
    assert turn.last_content == "Name a member or a role to add."


async def test_cohort_names_autocomplete(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    for name in ("Spring", "Summer", "Autumn"):
        await harness.slash("cohort create", actor=harness.moderator, name=name)
    turn = await harness.autocomplete("cohort join", focused="cohort", value="s")
    assert [c["value"] for c in turn.choices] == ["Spring", "Summer"]


async def test_cohort_replies_ping_nobody(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    world = harness.world
    await harness.slash("cohort create", actor=harness.moderator, name="@everyone")
    await harness.slash(
        "cohort add", actor=harness.moderator, cohort="@everyone", role=world.study_role_id
    )
    await harness.slash("cohort list")
    bodies = [s.message for s in harness.sent.with_message if s.kind != "response"]
    assert bodies
    assert all(b is not None and b.get("allowed_mentions") == {"parse": []} for b in bodies)


async def test_a_role_holder_using_any_command_becomes_a_member(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start(start_harness, deps)
    world = harness.world
    await harness.slash("cohort create", actor=harness.moderator, name="Study group")
    await harness.slash(
        "cohort add", actor=harness.moderator, cohort="Study group", role=world.study_role_id
    )
    await harness.slash("course", actor=world.role_learner)  # her first contact
    await harness.slash("course", actor=world.role_learner)
    assert await members(harness, deps, "Study group") == ["Katherine"]
