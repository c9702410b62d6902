"""Certification: eligibility, one final attempt a day, signed certificates, verification."""

from __future__ import annotations

import asyncio
import stat
from dataclasses import replace

import pytest
from sqlalchemy import func, select, update

from tests.tutor.certify_helpers import answer_final, pass_final, set_mastery
from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.curriculum.models import CertificationRule
from tutorbot.storage import Certificate, LearningEvent, QuizSession
from tutorbot.tutor import LearnerRef, TutorDeps
from tutorbot.tutor.certificate_checks import CertificateError, Verdict, revoke, verify
from tutorbot.tutor.certificates import ALPHABET, conclude_final
from tutorbot.tutor.certify import (
    AlreadyCertified,
    FinalStarted,
    NotEligibleError,
    certify,
)

CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."


async def start_final(deps: TutorDeps, learner: LearnerRef = ADA) -> FinalStarted:
    started = await certify(learner, deps)
    assert isinstance(started, FinalStarted)
    return started


async def final_sessions(deps: TutorDeps) -> int:
    async with deps.db.session() as db:
        counted = await db.scalar(
            select(func.count()).select_from(QuizSession).where(QuizSession.kind == "final")
        )
    return int(counted or 0)


async def verbs(deps: TutorDeps) -> list[str]:
    async with deps.db.session() as db:
        return list(await db.scalars(select(LearningEvent.verb).order_by(LearningEvent.id)))


def changed(text: str, position: int, alphabet: str) -> str:
    other = next(c for c in alphabet if c != text[position])
    return text[:position] + other + text[position + 1 :]


# -- eligibility ------------------------------------------------------------------------------


async def test_a_learner_without_every_unit_mastered_is_refused_with_what_is_missing(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    units = [u.id for u in deps.course.units]
    await set_mastery(deps, ADA, {**dict.fromkeys(units[:-2], 0.9), units[-2]: 0.5})

    with pytest.raises(NotEligibleError) as refused:
        await certify(ADA, deps)

    message = refused.value.user_message
    assert [u.unit_id for u in refused.value.eligibility.missing_units] == units[-2:]
    assert "50% of the 85% needed" in message
    assert "0% of the 85% needed" in message
    assert await final_sessions(deps) == 0


async def test_an_eligible_learner_starts_a_final_drawn_from_the_final_bank(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await set_mastery(deps, ADA, 0.9)

    started = await start_final(deps)

    rule = deps.course.certification.final_assessment
    assert rule is not None
    bank = {q.id for q in deps.course.final_questions}
    assert (started.resumed, started.question.total) == (False, rule.questions)
    assert started.question.question_id in bank


async def test_certify_during_an_attempt_resumes_it_instead_of_drawing_again(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await set_mastery(deps, ADA, 0.9)
    first = await start_final(deps)

    again = await start_final(deps)

    assert again.resumed
    assert again.question.session_id == first.question.session_id
    assert await final_sessions(deps) == 1


async def test_two_certify_at_once_leave_a_single_attempt_to_answer(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    await set_mastery(deps, ADA, 0.9)

    first, second = await asyncio.gather(start_final(deps), start_final(deps))

    async with deps.db.session() as db:
        active = list(
            await db.scalars(
                select(QuizSession.id).where(
                    QuizSession.kind == "final", QuizSession.status == "active"
                )
            )
        )
    assert active == [first.question.session_id]
    assert second.question.session_id == first.question.session_id


# -- failing and retrying ---------------------------------------------------------------------


async def test_a_failed_final_issues_nothing_and_the_next_attempt_waits_24_hours(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    deps = await make_tutor(clock=clock)
    await set_mastery(deps, ADA, 0.9)
    q = (await start_final(deps)).question
    clock.advance(minutes=30)

    step = await answer_final(deps, ADA, q.session_id, q.question_id, right=q.total // 2)
    clock.advance(hours=23)
    with pytest.raises(NotEligibleError) as blocked:
        await certify(ADA, deps)
    clock.advance(hours=1)
    reopened = await certify(ADA, deps)

    assert step.final is not None
    assert (step.final.passed, step.final.certificate_id) == (False, None)
    assert step.final.retry_at is not None
    assert "next attempt opens at 2026-03-02 09:00" in (blocked.value.user_message)
    assert isinstance(reopened, FinalStarted)
    assert not reopened.resumed
    assert "failed" in await verbs(deps)
    async with deps.db.session() as db:
        assert await db.scalar(select(func.count()).select_from(Certificate)) == 0


# -- passing and verifying --------------------------------------------------------------------


async def test_a_passed_final_issues_a_certificate_that_verifies_as_genuine(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()

    issued = await pass_final(deps, ADA)
    by_id = await verify(issued.id, deps)
    by_code = await verify(issued.code, deps)

    assert (issued.discord_id, issued.learner_name, issued.course_id) == (
        ADA.discord_id,
        ADA.display_name,
        deps.course.id,
    )
    assert issued.score == 1.0
    assert (by_id.verdict, by_code.verdict) == (Verdict.GENUINE, Verdict.GENUINE)
    assert "Ada" in by_id.message
    assert {"passed", "earned"} <= set(await verbs(deps))


async def test_certify_after_passing_shows_the_certificate_held(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)

    again = await certify(ADA, deps)

    assert isinstance(again, AlreadyCertified)
    assert again.certificate.id == issued.id


async def test_judging_the_same_final_twice_issues_one_certificate(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)
    async with deps.db.session() as db:
        session = await db.scalar(select(QuizSession).where(QuizSession.kind == "final"))
    assert session is not None

    again = await conclude_final(deps, ADA, session, 1.0)

    assert again.certificate_id == issued.id


async def test_an_id_with_any_one_character_changed_fails_verification(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)
    positions = [i for i, c in enumerate(issued.id) if c != "-"]

    verdicts = {(await verify(changed(issued.id, i, ALPHABET), deps)).verdict for i in positions}

    assert verdicts == {Verdict.UNKNOWN}


async def test_a_code_with_any_one_character_changed_fails_verification(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)
    code = issued.code

    verdicts = {
        (await verify(changed(code, i, CODE_CHARS), deps)).verdict for i in range(len(code))
    }

    assert Verdict.GENUINE not in verdicts
    assert verdicts <= {Verdict.TAMPERED, Verdict.INVALID}


async def test_a_code_whose_fields_were_re_signed_without_the_key_is_tampered(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)
    forged = replace(issued, learner_name="Mallory")

    found = await verify(forged.code, deps)

    assert found.verdict is Verdict.TAMPERED


@pytest.mark.parametrize(
    ("column", "value"),
    [("learner_name", "Mallory"), ("score", 0.99), ("discord_id", 5), ("course_version", "9")],
)
async def test_a_record_changed_in_the_database_verifies_as_tampered(
    make_tutor: MakeTutor, column: str, value: object
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)
    async with deps.db.write() as db:
        await db.execute(
            update(Certificate).where(Certificate.id == issued.id).values({column: value})
        )

    found = await verify(issued.id, deps)
    original_code = await verify(issued.code, deps)

    assert (found.verdict, original_code.verdict) == (Verdict.TAMPERED, Verdict.TAMPERED)


async def test_a_revoked_certificate_is_reported_revoked_with_the_reason(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)

    await revoke(issued.id, by=7, reason="Answers were shared", deps=deps, guild_id=ADA.guild_id)
    found = await verify(issued.id.lower().replace("-", ""), deps)

    assert found.verdict is Verdict.REVOKED
    assert "Answers were shared" in found.message
    with pytest.raises(CertificateError, match="already revoked"):
        await revoke(issued.id, by=7, reason=None, deps=deps, guild_id=ADA.guild_id)


async def test_an_admin_cannot_revoke_a_certificate_earned_in_another_server(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)

    with pytest.raises(CertificateError, match="no certificate"):
        await revoke(issued.id, by=7, reason=None, deps=deps, guild_id=999)

    assert (await verify(issued.id, deps)).verdict is Verdict.GENUINE


async def test_text_that_is_no_certificate_id_is_called_invalid(make_tutor: MakeTutor) -> None:
    deps = await make_tutor()

    found = await verify("hello there", deps)

    assert found.verdict is Verdict.INVALID


# -- the signing key --------------------------------------------------------------------------


async def test_without_a_secret_a_private_key_file_is_made_once_and_outlives_a_restart(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    issued = await pass_final(deps, ADA)
    key_file = deps.settings.data_dir / "certificate.key"
    mode = stat.S_IMODE(key_file.stat().st_mode)
    restarted = await make_tutor()

    found = await verify(issued.code, restarted)

    assert mode == 0o600
    assert found.verdict is Verdict.GENUINE


async def test_a_certificate_signed_with_another_secret_is_not_genuine(
    make_tutor: MakeTutor,
) -> None:
    ours = await make_tutor(certificate_secret="our-secret-is-long-enough")
    issued = await pass_final(ours, ADA)
    theirs = await make_tutor(certificate_secret="some-other-secret-entirely")

    found = await verify(issued.id, theirs)

    assert found.verdict is Verdict.TAMPERED
    assert not (ours.settings.data_dir / "certificate.key").exists()


async def test_a_rule_without_a_final_assessment_certifies_on_mastery_alone(
    make_tutor: MakeTutor,
) -> None:
    deps = await make_tutor()
    deps.course = replace(deps.course, certification=CertificationRule(final_assessment=None))
    await set_mastery(deps, ADA, 0.9)

    result = await certify(ADA, deps)

    assert isinstance(result, AlreadyCertified)
    assert result.new
    assert (await verify(result.certificate.id, deps)).verdict is Verdict.GENUINE
