"""Who may run each /admin command: every command as learner, moderator and admin.

A table, like tests/bot/test_permission_matrix.py: each row is a command with options, the
caller, and the outcome. A refusal is private, says who may use the command, and changes
nothing (the server's settings and the course in use are compared before and after).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.bot.conftest import StartHarness
from tests.bot.gateway_payloads import Persona
from tests.bot.harness import Harness
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.tutor import TutorDeps
from tutorbot.tutor.guilds import GuildConfig, guild_config

REFUSAL = "Only server admins can use this command. Nothing was changed."
EPHEMERAL = 64

COMMANDS: list[tuple[str, dict[str, Any]]] = [
    ("admin settings", {}),
    ("admin settings", {"quota": 3, "daily_budget_usd": 1.5, "model": "gpt-4.1-mini"}),
    ("admin settings", {"add_admin_role": "study_role"}),
    ("admin costs", {"days": 3}),
    ("admin reload-curriculum", {}),
]
# (who calls, allowed?)
CALLERS = [("learner", False), ("moderator", False), ("admin", True)]


def caller(harness: Harness, who: str) -> Persona:
    persona: Persona = getattr(harness, who)
    return persona


def resolved(harness: Harness, options: dict[str, Any]) -> dict[str, Any]:
    """Options with the world's role ids put in for their names."""
    roles = {"study_role": harness.world.study_role_id}
    return {k: roles.get(v, v) if isinstance(v, str) else v for k, v in options.items()}


async def state(deps: TutorDeps, harness: Harness) -> tuple[GuildConfig, object, object]:
    return await guild_config(deps, harness.world.guild_id), deps.course, deps.retriever


@pytest.mark.parametrize(("who", "allowed"), CALLERS, ids=[c[0] for c in CALLERS])
@pytest.mark.parametrize(
    ("command", "options"), COMMANDS, ids=[f"{c}{sorted(o)}" for c, o in COMMANDS]
)
async def test_admin_commands_run_for_admins_only(
    start_harness: StartHarness,
    make_tutor: MakeTutor,
    command: str,
    options: dict[str, Any],
    who: str,
    allowed: bool,
) -> None:
    deps = await make_tutor()
    harness = await start_harness(create_bot(deps.settings, deps=deps))
    before = await state(deps, harness)
    turn = await harness.slash(command, actor=caller(harness, who), **resolved(harness, options))
    after = await state(deps, harness)
    replies = turn.sent.with_message
    assert replies, "the caller got no answer"
    assert all(s.message and s.message.get("flags", 0) & EPHEMERAL for s in replies)
    if allowed:
        assert turn.responses[0].callback_type == 5  # deferred before any work
        assert REFUSAL not in (turn.last_content or "")
        final = replies[-1].message or {}
        assert final.get("embeds") or final.get("content")
    else:
        assert turn.last_content == REFUSAL
        assert after == before


async def test_a_moderator_whose_role_is_made_an_admin_role_may_use_admin_commands(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    deps = await make_tutor()
    harness = await start_harness(create_bot(deps.settings, deps=deps))
    moderator = harness.moderator
    refused = await harness.slash("admin settings", actor=moderator, quota=4)
    await harness.slash(
        "admin settings", actor=harness.admin, add_admin_role=harness.world.moderator_role_id
    )
    allowed = await harness.slash("admin settings", actor=moderator, quota=4)
    assert refused.last_content == REFUSAL
    assert REFUSAL not in (allowed.last_content or "")
    assert (await guild_config(deps, harness.world.guild_id)).quota_max == 4
