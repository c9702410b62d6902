"""/certify, /verify and /certificate on real interaction payloads, role grants included."""

from __future__ import annotations

from dataclasses import replace

import discord
from sqlalchemy import select

from tests.bot.conftest import StartHarness
from tests.bot.fake_api import MEMBER_ROLE
from tests.bot.gateway_payloads import BOT_PERMISSIONS, Payload, World
from tests.bot.harness import Harness, Turn
from tests.tutor.certify_helpers import final_question, right_answer, set_mastery, wrong_answer
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.curriculum.models import FinalAssessment, MultipleChoiceQuestion, TrueFalseQuestion
from tutorbot.storage import Certificate
from tutorbot.tutor import LearnerRef, TutorDeps, current_question

# One question of each kind, so the buttons (choice, true/false) and the modal all answer.
FINAL_BANK = ("final-what-is-ai-1", "final-what-is-ai-3", "final-what-is-ai-2")


class CertifiedWorld(World):
    """The guild with a Certified role, below the bot's, and a bot that may manage roles."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.certified_role_id = self.ids()

    def roles(self) -> list[Payload]:
        others = [r for r in super().roles() if r["id"] != str(self.bot_role_id)]
        manager = BOT_PERMISSIONS | discord.Permissions(manage_roles=True)
        return [
            *others,
            self.role(self.bot_role_id, "tutorbot", 10, manager),
            self.role(self.certified_role_id, "Certified", 5, discord.Permissions.none()),
        ]


def small_final(deps: TutorDeps) -> TutorDeps:
    """The bundled course with a three-question final drawn from three known questions."""
    rule = deps.course.certification
    exam = FinalAssessment(questions=3, pass_score=0.8, retry_after_hours=24)
    bank = tuple(q for q in deps.course.final_questions if q.id in FINAL_BANK)
    deps.course = replace(
        deps.course,
        certification=rule.model_copy(update={"final_assessment": exam}),
        final_questions=bank,
    )
    return deps


async def start(
    start_harness: StartHarness, make_tutor: MakeTutor, world: World | None = None
) -> tuple[Harness, TutorDeps]:
    deps = small_final(await make_tutor())
    harness = await start_harness(create_bot(deps.settings, deps=deps), world=world or World())
    return harness, deps


def learner_ref(harness: Harness) -> LearnerRef:
    return LearnerRef(harness.learner.id, harness.learner.username.title(), harness.world.guild_id)


def role_grants(harness: Harness) -> list[str]:
    return [s.path for s in harness.sent if s.method == "PUT" and s.route == MEMBER_ROLE]


def text_of(turn: Turn) -> str:
    return " ".join(str(s.message) for s in turn.sent.with_message)


async def answer_final(harness: Harness, deps: TutorDeps, *, right: bool) -> Turn:
    """Answer every question of the final through its buttons and modal; the last turn."""
    ref = learner_ref(harness)
    while True:
        shown = next(
            m
            for m in reversed(harness.messages)
            for row in m.get("components", [])
            for c in row["components"]
            if c.get("custom_id", "").startswith("tq:")
        )
        first = shown["components"][0]["components"][0]["custom_id"]
        session = int(first.split(":")[1])
        view = await current_question(session, learner=ref, deps=deps)
        question = final_question(deps, view.question_id)
        text = right_answer(question) if right else wrong_answer(question)
        prefix = f"tq:{session}:{view.number}"
        if isinstance(question, MultipleChoiceQuestion | TrueFalseQuestion):
            index = int(text) - 1 if text.isdigit() else ["true", "false"].index(text)
            turn = await harness.click(f"{prefix}:c{index}")
        else:
            await harness.click(f"{prefix}:write")
            turn = await harness.submit_modal(f"{prefix}:modal", {"answer": text})
        if view.number == view.total:
            return turn


async def certificate_id(deps: TutorDeps) -> str:
    async with deps.db.session() as db:
        found: str | None = await db.scalar(select(Certificate.id))
    assert found is not None
    return found


async def certified(start_harness: StartHarness, make_tutor: MakeTutor) -> tuple[Harness, str]:
    """A started bot whose learner passed the final through its buttons; the certificate id."""
    harness, deps = await start(start_harness, make_tutor)
    await set_mastery(deps, learner_ref(harness), 0.9)
    await harness.slash("certify")
    await answer_final(harness, deps, right=True)
    return harness, await certificate_id(deps)


async def test_the_role_is_granted_once_and_only_after_passing(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    world = CertifiedWorld()
    harness, deps = await start(start_harness, make_tutor, world)
    await harness.slash("certificate role", actor=harness.admin, role=world.certified_role_id)
    refused = await harness.slash("certify")
    await set_mastery(deps, learner_ref(harness), 0.9)
    await harness.slash("certify")
    before_last_answer = role_grants(harness)

    passed = await answer_final(harness, deps, right=True)
    holder = replace(harness.learner, roles=(world.certified_role_id,))
    shown_again = await harness.slash("certify", actor=holder)

    assert "Units still to master" in (refused.last_content or "")
    assert before_last_answer == []
    assert role_grants(harness) == [
        f"/guilds/{world.guild_id}/members/{harness.learner.id}/roles/{world.certified_role_id}"
    ]
    assert "You now have the **Certified** role" in text_of(passed)
    assert any(f.filename.endswith(".png") for s in passed.sent for f in s.files)
    assert "You already have the **Certified** role" in text_of(shown_again)


async def test_a_failed_final_grants_nothing_and_says_when_to_try_again(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    world = CertifiedWorld()
    harness, deps = await start(start_harness, make_tutor, world)
    await harness.slash("certificate role", actor=harness.admin, role=world.certified_role_id)
    await set_mastery(deps, learner_ref(harness), 0.9)
    await harness.slash("certify")

    failed = await answer_final(harness, deps, right=False)
    retry = await harness.slash("certify")

    assert role_grants(harness) == []
    assert "the pass mark is 80%" in text_of(failed)
    assert "next attempt opens" in (retry.last_content or "")


async def test_without_manage_roles_the_learner_is_told_and_keeps_the_certificate(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness, deps = await start(start_harness, make_tutor)  # the bot may not manage roles here
    study_group = next(r for r in harness.world.roles() if r["name"] == "Study Group")["id"]
    await harness.slash("certificate role", actor=harness.admin, role=int(study_group))
    await set_mastery(deps, learner_ref(harness), 0.9)
    await harness.slash("certify")

    passed = await answer_final(harness, deps, right=True)

    assert "I need the Manage Roles permission" in text_of(passed)
    assert [s.status for s in harness.sent if s.route == MEMBER_ROLE] == [403]
    assert harness.api.member_roles == {}


async def test_anyone_can_verify_a_certificate_and_a_changed_character_fails(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness, cert = await certified(start_harness, make_tutor)
    typo = cert[:-1] + ("0" if cert[-1] != "0" else "1")
    stranger = harness.world.other_learner

    genuine = await harness.slash("verify", actor=stranger, certificate=cert)
    altered = await harness.slash("verify", actor=stranger, certificate=typo)

    assert "Genuine certificate" in text_of(genuine)
    assert "Ada" in text_of(genuine)
    assert "Unknown certificate" in text_of(altered)
    assert genuine.responses[0].json["data"]["flags"] & 64  # private to whoever asked


async def test_only_admins_revoke_and_verify_then_reports_revoked(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness, cert = await certified(start_harness, make_tutor)

    by_learner = await harness.slash("certificate revoke", certificate=cert)
    by_admin = await harness.slash(
        "certificate revoke", actor=harness.admin, certificate=cert, reason="Shared answers"
    )
    checked = await harness.slash("verify", certificate=cert)

    assert "Only server admins" in (by_learner.last_content or "")
    assert "is revoked" in (by_admin.last_content or "")
    assert "Revoked certificate" in text_of(checked)
    assert "Shared answers" in text_of(checked)
