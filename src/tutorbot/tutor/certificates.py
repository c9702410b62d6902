"""Course certificates: issued on a passed final assessment, signed so they can be verified
(``certificate_checks`` verifies and revokes them).

A certificate is a row (``certificates``) whose fields are signed with HMAC-SHA256 under a
secret only the tutor knows, so nobody can make or alter one without it being noticed.
How a holder presents it:

- the **id** (``7K3QD-M9XWA``: ten characters from Crockford's base32 alphabet, which has
  no I, L, O or U to misread), typed into ``/verify`` or ``tutorbot certificate verify``;
  the tutor recomputes the row's signature, so a record altered in the database shows as
  tampered;
- the **code** (``TB1.<fields>.<signature>``, shown with the certificate): the signed fields
  themselves, checked without trusting anyone's copy; ``tutorbot certificate verify`` takes
  it too. Any changed character breaks the signature or the encoding.

The signing key is ``TUTORBOT_CERTIFICATE_SECRET``; without it a random key is generated
once into ``data_dir/certificate.key`` (mode 0600), since certificates must stay
verifiable across restarts. Losing that key makes every certificate unverifiable.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.settings import Settings
from tutorbot.storage.models import Certificate, QuizSession
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.records import log_event
from tutorbot.tutor.results import FinalOutcome

log = logging.getLogger(__name__)

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
ID_LENGTH = 10
CODE_PREFIX = "TB1"
KEY_FILE = "certificate.key"
SIGNED_FIELDS = {"id", "discord_id", "learner", "course", "version", "issued_at", "score"}


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate as stored, with what a holder shows (``code``)."""

    id: str
    discord_id: int
    learner_name: str
    guild_id: int | None
    course_id: str
    course_version: str
    score: float
    issued_at: datetime
    signature: str
    revoked_at: datetime | None = None
    revoke_reason: str | None = None

    @property
    def code(self) -> str:
        """The self-contained signed code: ``TB1.<base64url fields>.<base64url signature>``."""
        return ".".join((CODE_PREFIX, _b64(canonical(self)), _b64(bytes.fromhex(self.signature))))

    @classmethod
    def of(cls, row: Certificate) -> IssuedCertificate:
        return cls(
            row.id,
            row.discord_id,
            row.learner_name,
            row.guild_id,
            row.course_id,
            row.course_version,
            row.score,
            row.issued_at,
            row.signature,
            row.revoked_at,
            row.revoke_reason,
        )


# -- the signing key --------------------------------------------------------------------------


def signing_key(settings: Settings) -> bytes:
    """The HMAC key: the configured secret, else the key file (generated on first use)."""
    if settings.certificate_secret is not None:
        return settings.certificate_secret.get_secret_value().encode()
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting at once agree on the first key written
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(secrets.token_urlsafe(48))
            log.warning(
                "TUTORBOT_CERTIFICATE_SECRET is not set: generated a certificate signing key "
                "in %s. Back it up; certificates can only be verified with it.",
                path,
            )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 16:
        raise TutorError(f"The certificate key file {path} is damaged (too short).")
    return key.encode()


# -- ids, signatures, codes -------------------------------------------------------------------


def new_id() -> str:
    """Ten random base32 characters (50 bits), grouped 5-5 for reading aloud."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normal_id(text: str) -> str | None:
    """The stored form of an id typed by someone (any case, dashes or spaces optional)."""
    raw = "".join(text.split()).replace("-", "").upper()
    if len(raw) != ID_LENGTH or any(c not in ALPHABET for c in raw):
        return None
    return f"{raw[:5]}-{raw[5:]}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def canonical(c: IssuedCertificate) -> bytes:
    """The exact bytes signed: the certificate's fields as compact, key-sorted JSON."""
    fields = {
        "id": c.id,
        "discord_id": str(c.discord_id),
        "learner": c.learner_name,
        "course": c.course_id,
        "version": c.course_version,
        "issued_at": _iso(c.issued_at),
        "score": f"{c.score:.4f}",
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(c: IssuedCertificate, key: bytes) -> str:
    """HMAC-SHA256 of the canonical fields, hex."""
    return hmac.new(key, canonical(c), hashlib.sha256).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    """Strict base64url: only the canonical spelling of some bytes is accepted, so no two
    different codes decode to the same certificate."""
    data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    if _b64(data) != text:
        raise ValueError("non-canonical base64")
    return data


def decode_code(code: str) -> IssuedCertificate | None:
    """The certificate a code carries (signature not yet checked), or None if malformed."""
    parts = code.strip().split(".")
    if len(parts) != 3 or parts[0] != CODE_PREFIX:
        return None
    try:
        signed = _unb64(parts[1])
        fields = json.loads(signed)
        signature = _unb64(parts[2]).hex()
        if set(fields) != SIGNED_FIELDS:
            return None
        cert = IssuedCertificate(
            fields["id"],
            int(fields["discord_id"]),
            fields["learner"],
            None,
            fields["course"],
            fields["version"],
            float(fields["score"]),
            datetime.fromisoformat(fields["issued_at"]),
            signature,
        )
    except (ValueError, TypeError, binascii.Error, AttributeError):
        return None
    return cert if canonical(cert) == signed else None


def intact(c: IssuedCertificate, key: bytes) -> bool:
    return hmac.compare_digest(sign(c, key), c.signature)


# -- issuing ----------------------------------------------------------------------------------


def _issue(
    session: Session, learner_id: int, ref: LearnerRef, deps: TutorDeps, score: float, **row: object
) -> IssuedCertificate:
    """Insert a signed certificate (in the caller's transaction) and log that it was earned."""
    now = deps.clock().replace(microsecond=0)  # the signed ISO time must survive a round trip
    cert_id = new_id()
    while session.get(Certificate, cert_id) is not None:
        cert_id = new_id()
    unsigned = IssuedCertificate(
        cert_id,
        ref.discord_id,
        ref.display_name,
        ref.guild_id,
        deps.course.id,
        deps.course.version,
        round(score, 4),
        now,
        "",
    )
    signature = sign(unsigned, signing_key(deps.settings))
    session.add(
        Certificate(
            id=cert_id,
            learner_id=learner_id,
            discord_id=ref.discord_id,
            learner_name=ref.display_name,
            guild_id=ref.guild_id,
            course_id=unsigned.course_id,
            course_version=unsigned.course_version,
            score=unsigned.score,
            issued_at=now,
            signature=signature,
            **row,
        )
    )
    log_event(
        session,
        learner_id,
        "earned",
        f"{deps.course.id}/certificate",
        now,
        guild_id=ref.guild_id,
        certificate=cert_id,
        score=unsigned.score,
        version=deps.course.version,
    )
    return replace(unsigned, signature=signature)


async def issue_without_exam(
    learner_id: int, ref: LearnerRef, deps: TutorDeps, score: float
) -> IssuedCertificate:
    """A certificate for a course whose rule has no final assessment (units suffice)."""
    return await deps.writer.run(lambda s: _issue(s, learner_id, ref, deps, score))


async def conclude_final(
    deps: TutorDeps, learner: LearnerRef, session: QuizSession, score: float
) -> FinalOutcome:
    """Judge a finished final assessment: log passed/failed and, on a pass, issue the
    certificate. Safe to call twice for one session (the second returns the first result)."""
    rule = deps.course.certification.final_assessment
    pass_score = rule.pass_score if rule else 1.0
    retry_hours = rule.retry_after_hours if rule else 0
    passed = score + 1e-9 >= pass_score

    def write(db: Session) -> str | None:
        existing = db.scalar(select(Certificate.id).where(Certificate.session_id == session.id))
        if existing is not None:
            return existing
        at = deps.clock()
        log_event(
            db,
            session.learner_id,
            "passed" if passed else "failed",
            f"{deps.course.id}/final",
            at,
            guild_id=learner.guild_id,
            score=round(score, 4),
            success=passed,
            pass_score=pass_score,
            attempt=session.id,
        )
        if not passed:
            return None
        return _issue(db, session.learner_id, learner, deps, score, session_id=session.id).id

    cert_id = await deps.writer.run(write)
    retry_at = None if passed else session.created_at + timedelta(hours=retry_hours)
    return FinalOutcome(passed, round(score, 4), pass_score, cert_id, retry_at)


# -- looking up -------------------------------------------------------------------------------


async def certificate(cert_id: str, deps: TutorDeps) -> IssuedCertificate | None:
    """The stored certificate with this id (as typed by someone), if any."""
    wanted = normal_id(cert_id)
    if wanted is None:
        return None
    async with deps.db.session() as db:
        row = await db.get(Certificate, wanted)
    return IssuedCertificate.of(row) if row is not None else None


async def held_certificate(learner_id: int, deps: TutorDeps) -> IssuedCertificate | None:
    """The learner's valid certificate for this course and version, if they hold one."""
    async with deps.db.session() as db:
        row = await db.scalar(
            select(Certificate)
            .where(
                Certificate.learner_id == learner_id,
                Certificate.course_id == deps.course.id,
                Certificate.course_version == deps.course.version,
                Certificate.revoked_at.is_(None),
            )
            .order_by(Certificate.issued_at.desc())
            .limit(1)
        )
    return IssuedCertificate.of(row) if row is not None else None
