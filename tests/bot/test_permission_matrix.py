"""Every staff command, called as a learner, a moderator and an admin.

Below the command's rank the caller is refused with a clear, private message and nothing
changes; at or above it the command does its work. The harness delivers the interaction
whatever the command's default member permissions say, which is what Discord does when a
server's integration overrides show a staff command to everyone: the check at run time
is what is tested here.

One ``Row`` per command. To add yours: the command, the rank it needs, its options, a
snapshot of what it changes (``rows_of(...)`` columns are usually enough) and, if it
needs something to act on, a ``setup`` run as the admin before the call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from discord import app_commands
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tests.tutor.conftest import FakeClock, MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.bot.permissions import NotAllowedError, Rank
from tutorbot.storage import (
    Certificate,
    Challenge,
    Cohort,
    CohortMember,
    CohortRole,
    GeneratedQuestion,
    GuildSettings,
)
from tutorbot.tutor import TutorDeps

Snapshot = Callable[[TutorDeps], Awaitable[object]]
Setup = Callable[[Harness], Awaitable[object]]


def rows_of(*columns: InstrumentedAttribute[Any]) -> Snapshot:
    """A snapshot of these columns' values in every row, in a stable order."""

    async def snapshot(deps: TutorDeps) -> object:
        async with deps.db.session() as db:
            return sorted(map(tuple, (await db.execute(select(*columns))).all()), key=repr)

    return snapshot


async def nothing(harness: Harness) -> None:
    return None


@dataclass(frozen=True)
class Row:
    """One staff command and how to tell whether it changed anything."""

    command: str
    needed: Rank
    options: Callable[[Harness], dict[str, Any]]
    state: Snapshot
    setup: Setup = nothing
    # False for commands that only read (reports, review queues): for them "did its work"
    # means the caller was answered, not refused.
    changes: bool = True


# -- cohorts and challenges -------------------------------------------------------------------

CHALLENGE: dict[str, Any] = {
    "unit": "training",
    "title": "Training sprint",
    "due_date": "2026-03-03",
    "due_time": "18:00",
    "time_zone": "Europe/Paris",
}


async def a_cohort(harness: Harness) -> object:
    return await harness.slash("cohort create", actor=harness.admin, name="Evening")


async def a_challenge(harness: Harness) -> object:
    return await harness.slash("challenge post", actor=harness.admin, **CHALLENGE)


ROWS = [
    Row("cohort create", Rank.MODERATOR, lambda h: {"name": "Evening"}, rows_of(Cohort.name)),
    Row(
        "cohort add",
        Rank.MODERATOR,
        lambda h: {"cohort": "Evening", "member": h.world.other_learner},
        rows_of(CohortMember.cohort_id, CohortMember.learner_id),
        a_cohort,
    ),
    Row(
        "cohort add",
        Rank.MODERATOR,
        lambda h: {"cohort": "Evening", "role": h.world.study_role_id},
        rows_of(CohortRole.cohort_id, CohortRole.role_id),
        a_cohort,
    ),
    Row("challenge post", Rank.MODERATOR, lambda h: CHALLENGE, rows_of(Challenge.id)),
    Row(
        "challenge close",
        Rank.MODERATOR,
        lambda h: {"challenge": "Training sprint"},
        rows_of(Challenge.id, Challenge.status, Challenge.closed_at),
        a_challenge,
    ),
]

# -- reports, generated questions, certificates -------------------------------------------------

ROWS += [
    Row("report completion", Rank.ADMIN, lambda h: {}, rows_of(Cohort.id), changes=False),
    Row("questions review", Rank.MODERATOR, lambda h: {}, rows_of(Cohort.id), changes=False),
    # No model is configured here: a moderator is told so, a learner is refused before that.
    Row(
        "questions generate",
        Rank.MODERATOR,
        lambda h: {"unit": "training"},
        rows_of(GeneratedQuestion.id),
        changes=False,
    ),
    Row(
        "certificate revoke",
        Rank.ADMIN,
        lambda h: {"certificate": "7K3QD-M9XWA"},
        rows_of(Certificate.id, Certificate.revoked_at),
        changes=False,
    ),
    Row(
        "certificate role",
        Rank.ADMIN,
        lambda h: {"role": h.world.study_role_id},
        rows_of(GuildSettings.guild_id, GuildSettings.certificate_role_id),
    ),
]

CALLERS = {"learner": Rank.LEARNER, "moderator": Rank.MODERATOR, "admin": Rank.ADMIN}


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{r.command.replace(' ', '-')}-{n}" for n, r in enumerate(ROWS)]
)
async def test_a_staff_command_runs_only_for_its_rank(
    row: Row, caller: str, start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor(clock=FakeClock())
    harness = await start_harness(create_bot(deps.settings, deps=deps))
    await row.setup(harness)
    before = await row.state(deps)
    turn = await harness.slash(row.command, actor=getattr(harness, caller), **row.options(harness))
    after = await row.state(deps)
    refusal = NotAllowedError(row.needed).user_message
    if CALLERS[caller] >= row.needed:
        assert turn.sent.with_message
        assert turn.last_content != refusal
        assert (after != before) is row.changes
    else:
        first = turn.responses[0]
        assert (first.callback_type, turn.last_content) == (4, refusal)
        assert first.json["data"]["flags"] & 64  # private
        assert after == before
        assert len(turn.sent.sends) == len(turn.sent.edits) == 0


def staff_commands(harness: Harness) -> set[str]:
    """Every command guarded by ``staff_only``, by its full name."""
    return {
        command.qualified_name
        for command in harness.bot.tree.walk_commands()
        if not isinstance(command, app_commands.Group)
        and any(c.__qualname__.startswith("staff_only.") for c in command.checks)
    }


async def test_every_staff_command_is_in_a_permission_table(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    from tests.bot.test_admin_permissions import COMMANDS as ADMIN_COMMANDS

    deps = await make_tutor()
    harness = await start_harness(create_bot(deps.settings, deps=deps))
    tested = {row.command for row in ROWS} | {command for command, _ in ADMIN_COMMANDS}

    assert staff_commands(harness) - tested == set()
