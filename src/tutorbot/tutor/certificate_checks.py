"""Checking certificates (genuine, revoked, tampered, unknown) and revoking them.

How a holder presents a certificate (its id or its signed code) is described in
``certificates``; both are checked here against the signature and the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.storage.models import Certificate
from tutorbot.tutor.certificates import (
    CODE_PREFIX,
    IssuedCertificate,
    canonical,
    certificate,
    decode_code,
    intact,
    normal_id,
    signing_key,
)
from tutorbot.tutor.deps import TutorDeps


class CertificateError(TutorError):
    """A certificate that cannot be acted on (unknown, already revoked, another server's)."""


class Verdict(StrEnum):
    """What verification found."""

    GENUINE = "genuine"
    REVOKED = "revoked"
    TAMPERED = "tampered"
    UNKNOWN = "unknown"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict, the certificate it concerns (when known), and a sentence saying so."""

    verdict: Verdict
    certificate: IssuedCertificate | None
    message: str

    @property
    def genuine(self) -> bool:
        """True only for a valid, unrevoked certificate."""
        return self.verdict is Verdict.GENUINE


def _describe(c: IssuedCertificate) -> str:
    return (
        f"{c.learner_name} (Discord id {c.discord_id}) earned {c.course_id} "
        f"{c.course_version} on {c.issued_at:%Y-%m-%d} with a score of {c.score:.0%}"
    )


async def verify(presented: str, deps: TutorDeps) -> Verification:
    """Check an id or a code: genuine, revoked, tampered, unknown or not a certificate."""
    text = presented.strip()
    if text.upper().startswith(CODE_PREFIX + "."):
        return await _verify_code(text, deps)
    cert_id = normal_id(text)
    if cert_id is None:
        return Verification(
            Verdict.INVALID,
            None,
            "That is not a certificate id: ids are 10 characters like 7K3QD-M9XWA "
            "(digits and letters except I, L, O and U).",
        )
    stored = await certificate(cert_id, deps)
    if stored is None:
        return Verification(
            Verdict.UNKNOWN, None, f"No certificate {cert_id} was ever issued here."
        )
    return _judge_stored(stored, signing_key(deps.settings))


def _judge_stored(stored: IssuedCertificate, key: bytes) -> Verification:
    if not intact(stored, key):
        return Verification(
            Verdict.TAMPERED,
            stored,
            f"Certificate {stored.id} does not match its signature: its record was altered, "
            "so it is not valid.",
        )
    if stored.revoked_at is not None:
        why = f": {stored.revoke_reason}" if stored.revoke_reason else ""
        return Verification(
            Verdict.REVOKED,
            stored,
            f"Certificate {stored.id} was revoked on {stored.revoked_at:%Y-%m-%d}{why}. "
            f"It had said: {_describe(stored)}.",
        )
    return Verification(
        Verdict.GENUINE, stored, f"Certificate {stored.id} is genuine: {_describe(stored)}."
    )


async def _verify_code(code: str, deps: TutorDeps) -> Verification:
    presented = decode_code(code)
    if presented is None:
        return Verification(
            Verdict.INVALID, None, "That code is damaged or incomplete: it cannot be read."
        )
    key = signing_key(deps.settings)
    if not intact(presented, key):
        return Verification(
            Verdict.TAMPERED,
            None,
            "That code does not match its signature: it was altered or not issued by this tutor.",
        )
    stored = await certificate(presented.id, deps)
    if stored is None:
        return Verification(
            Verdict.UNKNOWN,
            presented,
            f"The code is signed by this tutor, but certificate {presented.id} is no longer on "
            "record (its holder may have deleted their data).",
        )
    if canonical(stored) != canonical(presented):
        return Verification(
            Verdict.TAMPERED,
            stored,
            f"The code and the record of certificate {stored.id} disagree: one was altered.",
        )
    return _judge_stored(stored, key)


async def revoke(
    cert_id: str, *, by: int | None, reason: str | None, deps: TutorDeps, guild_id: int | None
) -> IssuedCertificate:
    """Mark a certificate revoked (verification reports it from then on).

    From Discord, ``guild_id`` limits admins to certificates earned in their server; the
    operator's CLI passes ``None`` and may revoke any.
    """
    wanted = normal_id(cert_id)
    reason = (reason or "").strip()[:300] or None

    def write(db: Session) -> IssuedCertificate:
        row = db.get(Certificate, wanted) if wanted else None
        if row is None or (guild_id is not None and row.guild_id != guild_id):
            raise CertificateError(f"There is no certificate {cert_id.strip()} from this server.")
        if row.revoked_at is not None:
            raise CertificateError(
                f"Certificate {row.id} was already revoked on {row.revoked_at:%Y-%m-%d}."
            )
        row.revoked_at, row.revoked_by, row.revoke_reason = deps.clock(), by, reason
        db.flush()
        return IssuedCertificate.of(row)

    return await deps.writer.run(write)
