"""Certification: who may take the final assessment, starting it, and the certificate role.

The course's rule (``course.yaml`` ``certification``) decides: every unit that has questions
mastered at ``mastery_threshold``, then a final assessment of ``questions`` drawn at random
from the final bank, passed at ``pass_score``, one attempt per ``retry_after_hours`` counted
from the start of the last attempt. An attempt in progress is resumed, never restarted, so
abandoning a bad draw gains nothing. Passing is judged in ``certificates.conclude_final``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.storage.models import GuildSettings, QuizSession, UnitProgress
from tutorbot.tutor.certificates import IssuedCertificate, held_certificate, issue_without_exam
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.quiz import current_question, open_session
from tutorbot.tutor.records import learner_id
from tutorbot.tutor.results import QuestionView

FINAL_UNIT = "final"


@dataclass(frozen=True, slots=True)
class UnitShortfall:
    """A unit not yet mastered: where the learner is and where they must get."""

    unit_id: str
    title: str
    mastery: float
    threshold: float


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Everything that stands between a learner and the final assessment (or a certificate)."""

    course_title: str
    missing_units: list[UnitShortfall] = field(default_factory=list)
    retry_at: datetime | None = None
    active_session: int | None = None
    certificate: IssuedCertificate | None = None
    retry_after_hours: int | None = None  # the course rule's wait between attempts

    @property
    def eligible(self) -> bool:
        """True when a new attempt may start now."""
        return not self.missing_units and self.retry_at is None and self.certificate is None


class NotEligibleError(TutorError):
    """The final assessment cannot start yet; the message lists what is missing."""

    def __init__(self, eligibility: Eligibility) -> None:
        lines = [f"You can't take the {eligibility.course_title} final assessment yet."]
        if eligibility.missing_units:
            lines.append("Units still to master:")
            lines += [
                f"- {u.title} (`{u.unit_id}`): {u.mastery:.0%} of the {u.threshold:.0%} needed"
                for u in eligibility.missing_units
            ]
        if eligibility.retry_at is not None:
            lines.append(
                f"Your next attempt opens at {eligibility.retry_at:%Y-%m-%d %H:%M} UTC "
                f"(one attempt every {eligibility.retry_after_hours} hours)."
            )
        super().__init__("\n".join(lines))
        self.eligibility = eligibility


@dataclass(frozen=True, slots=True)
class FinalStarted:
    """The final assessment's current question; ``resumed`` when it was already under way."""

    question: QuestionView
    resumed: bool
    pass_score: float


@dataclass(frozen=True, slots=True)
class AlreadyCertified:
    """The learner holds a certificate (``new`` when it was issued just now)."""

    certificate: IssuedCertificate
    new: bool = False


CertifyResult = FinalStarted | AlreadyCertified


async def _eligibility(lid: int, deps: TutorDeps) -> tuple[Eligibility, dict[str, float]]:
    """What stands between the learner and a new attempt as of ``deps.clock()``, and their
    mastery per unit (a rule without a final assessment scores the certificate on it)."""
    course, rule = deps.course, deps.course.certification
    held = await held_certificate(lid, deps)
    async with deps.db.session() as db:
        rows = await db.execute(
            select(UnitProgress.unit_id, UnitProgress.mastery).where(
                UnitProgress.learner_id == lid, UnitProgress.course_id == course.id
            )
        )
        mastery: dict[str, float] = dict(rows.all())
        last = (
            await db.execute(
                select(QuizSession.id, QuizSession.status, QuizSession.created_at)
                .where(
                    QuizSession.learner_id == lid,
                    QuizSession.course_id == course.id,
                    QuizSession.kind == "final",
                    QuizSession.status != "abandoned",
                )
                .order_by(QuizSession.created_at.desc(), QuizSession.id.desc())
                .limit(1)
            )
        ).first()
    # Units without questions cannot be mastered; requiring them would bar everyone.
    missing = [
        UnitShortfall(u.id, u.title, mastery.get(u.id, 0.0), rule.mastery_threshold)
        for u in course.units
        if rule.all_units_mastered
        and u.questions
        and mastery.get(u.id, 0.0) + 1e-9 < rule.mastery_threshold
    ]
    active = last[0] if last is not None and last[1] == "active" else None
    retry_at = None
    exam = rule.final_assessment
    if last is not None and active is None and exam is not None:
        opens = last[2] + timedelta(hours=exam.retry_after_hours)
        retry_at = opens if opens > deps.clock() else None
    hours = exam.retry_after_hours if exam is not None else None
    return Eligibility(course.title, missing, retry_at, active, held, hours), mastery


async def certify(learner: LearnerRef, deps: TutorDeps) -> CertifyResult:
    """``/certify``: the certificate already held, the attempt in progress, a new attempt,
    or (for a rule without a final assessment) the certificate issued now.

    Raises ``NotEligibleError`` listing what is missing.
    """
    lid = await learner_id(deps, learner)
    status, mastery = await _eligibility(lid, deps)
    exam = deps.course.certification.final_assessment
    if status.certificate is not None:
        return AlreadyCertified(status.certificate)
    if status.active_session is not None and exam is not None:
        shown = await current_question(status.active_session, learner=learner, deps=deps)
        return FinalStarted(shown, True, exam.pass_score)
    if not status.eligible:
        raise NotEligibleError(status)
    if exam is None:
        score = sum(mastery.values()) / len(mastery) if mastery else 1.0
        return AlreadyCertified(await issue_without_exam(lid, learner, deps, score), new=True)
    bank = [q.id for q in deps.course.final_questions]
    if not bank:
        raise TutorError("This course has no final assessment questions yet; ask an admin.")
    drawn = random.sample(bank, min(exam.questions, len(bank)))
    first = await open_session(
        deps,
        learner,
        lid,
        unit_id=FINAL_UNIT,
        candidates=drawn,
        count=len(drawn),
        kind="final",
        ordered=True,
    )
    return await _single_attempt(lid, learner, deps, first, exam.pass_score)


async def _single_attempt(
    lid: int, learner: LearnerRef, deps: TutorDeps, opened: QuestionView, pass_score: float
) -> FinalStarted:
    """Two /certify at once may both open an attempt: the oldest stays, the others are
    marked abandoned, so there is never more than one attempt to answer."""

    def settle(db: Session) -> int:
        active = list(
            db.scalars(
                select(QuizSession.id)
                .where(
                    QuizSession.learner_id == lid,
                    QuizSession.kind == "final",
                    QuizSession.status == "active",
                )
                .order_by(QuizSession.id)
            )
        )
        keep = active[0] if active else opened.session_id
        if len(active) > 1:
            db.execute(
                update(QuizSession).where(QuizSession.id.in_(active[1:])).values(status="abandoned")
            )
        return keep

    keep = await deps.writer.run(settle)
    if keep == opened.session_id:
        return FinalStarted(opened, False, pass_score)
    deps.quizzes.pop(opened.session_id, None)
    shown = await current_question(keep, learner=learner, deps=deps)
    return FinalStarted(shown, True, pass_score)


async def set_certificate_role(guild_id: int, role_id: int | None, deps: TutorDeps) -> None:
    """The role granted to learners who earn the certificate in this server (None: none)."""

    def write(db: Session) -> None:
        row = db.get(GuildSettings, guild_id)
        if row is None:
            row = GuildSettings(guild_id=guild_id, moderator_role_ids=[], admin_role_ids=[])
            db.add(row)
        row.certificate_role_id = role_id

    await deps.writer.run(write)
    deps.rules.forget(guild_id)  # the cached server config must not keep the old role
