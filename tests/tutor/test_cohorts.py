"""Cohorts: created per server, filled by moderators or roles, joined when open."""

from __future__ import annotations

import pytest

from tests.tutor.conftest import ADA, MakeTutor
from tutorbot.tutor import LearnerRef
from tutorbot.tutor.cohorts import (
    CohortError,
    add_members,
    cohort_members,
    cohort_names,
    create_cohort,
    join_cohort,
    link_role,
    list_cohorts,
    sync_role_memberships,
)
from tutorbot.tutor.records import learner_id

GUILD = ADA.guild_id or 42
BOB = LearnerRef(2002, "Bob", GUILD)
CLEO = LearnerRef(3003, "Cleo", GUILD)
STUDY_ROLE = 555


async def test_a_cohort_name_is_unique_in_a_server_ignoring_case(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Spring  2026", created_by=1)
    with pytest.raises(CohortError, match="already a cohort called 'spring 2026'"):
        await create_cohort(tutor, GUILD, "spring 2026", created_by=1)
    other_server = await create_cohort(tutor, GUILD + 1, "Spring 2026", created_by=1)
    assert other_server.name == "Spring 2026"
    assert [c.name for c in await list_cohorts(tutor, GUILD)] == ["Spring 2026"]


async def test_an_empty_or_overlong_name_is_refused(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    with pytest.raises(CohortError, match="Give the cohort a name"):
        await create_cohort(tutor, GUILD, "   ", created_by=1)
    with pytest.raises(CohortError, match="at most 100"):
        await create_cohort(tutor, GUILD, "x" * 101, created_by=1)


async def test_adding_counts_new_members_and_never_duplicates(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Evening", created_by=1)
    first = await add_members(tutor, GUILD, "evening", [ADA, BOB])
    again = await add_members(tutor, GUILD, "Evening", [BOB, CLEO])
    assert (first.added, first.already) == (2, 0)
    assert (again.added, again.already) == (1, 1)
    assert [m.display_name for m in await cohort_members(tutor, GUILD, "Evening")] == [
        "Ada",
        "Bob",
        "Cleo",
    ]


async def test_a_learner_can_be_in_several_cohorts(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    for name in ("Morning", "Evening"):
        await create_cohort(tutor, GUILD, name, created_by=1, open=True)
        await join_cohort(tutor, ADA, name)
    listed = await list_cohorts(tutor, GUILD, ADA)
    assert [(c.name, c.joined, c.members) for c in listed] == [
        ("Evening", True, 1),
        ("Morning", True, 1),
    ]


async def test_joining_needs_an_open_cohort(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Invite only", created_by=1)
    with pytest.raises(CohortError, match="not open for joining"):
        await join_cohort(tutor, ADA, "Invite only")
    assert await cohort_members(tutor, GUILD, "Invite only") == []


async def test_joining_twice_says_so_and_keeps_one_membership(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Open", created_by=1, open=True)
    await join_cohort(tutor, ADA, "Open")
    again = await join_cohort(tutor, ADA, "Open")
    assert (again.added, again.already) == (0, 1)
    assert len(await cohort_members(tutor, GUILD, "Open")) == 1


async def test_an_unknown_cohort_error_names_the_cohorts_there_are(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    with pytest.raises(CohortError, match="no cohorts here yet"):
        await join_cohort(tutor, ADA, "Nope")
    await create_cohort(tutor, GUILD, "Alpha", created_by=1)
    with pytest.raises(CohortError, match="Cohorts here: Alpha"):
        await join_cohort(tutor, ADA, "Nope")


async def test_role_holders_become_members_at_link_time_and_when_seen(
    make_tutor: MakeTutor,
) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Study group", created_by=1)
    linked = await link_role(tutor, GUILD, "Study group", STUDY_ROLE, [BOB])
    joined_now = await sync_role_memberships(tutor, CLEO, {STUDY_ROLE, 999})
    joined_again = await sync_role_memberships(tutor, CLEO, {STUDY_ROLE})
    nothing = await sync_role_memberships(tutor, ADA, {999})
    assert linked.added == 1
    assert (joined_now, joined_again, nothing) == (["Study group"], [], [])
    ids = {await learner_id(tutor, BOB), await learner_id(tutor, CLEO)}
    assert {m.learner_id for m in await cohort_members(tutor, GUILD, "Study group")} == ids
    assert (await list_cohorts(tutor, GUILD))[0].role_ids == (STUDY_ROLE,)


async def test_a_linked_role_counts_only_in_its_own_server(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Here", created_by=1)
    await link_role(tutor, GUILD, "Here", STUDY_ROLE, [])
    elsewhere = LearnerRef(ADA.discord_id, ADA.display_name, GUILD + 1)
    assert await sync_role_memberships(tutor, elsewhere, {STUDY_ROLE}) == []


async def test_cohort_names_filter_for_autocomplete(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    for name in ("Spring", "Summer", "Autumn"):
        await create_cohort(tutor, GUILD, name, created_by=1)
    assert await cohort_names(tutor, GUILD, "s") == ["Spring", "Summer"]


async def test_a_member_of_a_closed_cohort_is_told_they_are_in_it(make_tutor: MakeTutor) -> None:
    tutor = await make_tutor()
    await create_cohort(tutor, GUILD, "Invite only", created_by=1)
    await add_members(tutor, GUILD, "Invite only", [ADA])
    joined = await join_cohort(tutor, ADA, "Invite only")
    assert (joined.added, joined.already) == (0, 1)
