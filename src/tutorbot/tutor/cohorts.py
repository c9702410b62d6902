"""Cohorts: named groups of learners in one server, run by its moderators.

Membership is a row per learner (``cohort_members``), so reports filter by cohort from the
database alone, and a learner can be in several cohorts. Progress stays per learner.

A Discord role can be linked to a cohort (``cohort_roles``). Discord lists who holds a role
only to bots with the privileged members intent, which this bot does not ask for, so role
holders are written as members when the bot sees them: at link time, the holders the
adapter can see (its guild cache), and later whenever a holder interacts with the bot
(``sync_role_memberships``). A membership outlives the role: a direct add and a role's add
are the same row, and nothing here removes members.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tutorbot.errors import TutorError
from tutorbot.storage.models import Cohort, CohortMember, CohortRole, Learner
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.records import learner_id

NAME_MAX = 100


class CohortError(TutorError):
    """A cohort that cannot be created, found or joined as asked; nothing was changed."""


@dataclass(frozen=True, slots=True)
class CohortSummary:
    """A cohort as listed: its size, linked roles, and whether the asker is in it."""

    id: int
    name: str
    open: bool
    members: int
    role_ids: tuple[int, ...]
    joined: bool = False


@dataclass(frozen=True, slots=True)
class Added:
    """What an add, a role link or a join did: how many became members, how many were."""

    cohort: str
    added: int
    already: int


@dataclass(frozen=True, slots=True)
class CohortMemberInfo:
    """One member of a cohort, for reports and lists."""

    learner_id: int
    discord_id: int
    display_name: str
    added_at: datetime


def clean_name(name: str) -> str:
    """The name with spaces tidied, or a clear error when it is empty or too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise CohortError("Give the cohort a name.")
    if len(cleaned) > NAME_MAX:
        raise CohortError(f"Cohort names can be at most {NAME_MAX} characters.")
    return cleaned


def _same(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()


async def create_cohort(
    deps: TutorDeps, guild_id: int, name: str, *, created_by: int, open: bool = False
) -> CohortSummary:
    """A new cohort in the server; names are unique per server, ignoring case."""
    cleaned, now = clean_name(name), deps.clock()

    def write(session: Session) -> Cohort | None:
        names = session.scalars(select(Cohort.name).where(Cohort.guild_id == guild_id))
        if any(_same(n, cleaned) for n in names):
            return None
        cohort = Cohort(
            guild_id=guild_id, name=cleaned, open=open, created_by=created_by, created_at=now
        )
        session.add(cohort)
        session.flush()
        return cohort

    cohort = await deps.writer.run(write)
    if cohort is None:
        raise CohortError(f"There is already a cohort called '{cleaned}' here.")
    return CohortSummary(cohort.id, cohort.name, cohort.open, 0, ())


async def find_cohort(deps: TutorDeps, guild_id: int, name: str) -> Cohort:
    """The server's cohort with this name (case ignored), or an error naming the others."""
    async with deps.db.session() as db:
        cohorts = list(await db.scalars(select(Cohort).where(Cohort.guild_id == guild_id)))
    wanted = " ".join(name.split())
    found = next((c for c in cohorts if c.name == wanted), None) or next(
        (c for c in cohorts if _same(c.name, wanted)), None
    )
    if found is not None:
        return found
    if not cohorts:
        raise CohortError("There are no cohorts here yet; a moderator can /cohort create one.")
    known = ", ".join(sorted(c.name for c in cohorts)[:10])
    raise CohortError(f"There is no cohort called '{wanted}'. Cohorts here: {known}.")


def _insert_members(
    session: Session, cohort_id: int, learner_ids: Collection[int], now: datetime
) -> tuple[int, int]:
    """Add the learners who are not members yet (a racing add of the same one is ignored);
    how many were added, and how many were members already."""
    present = set(
        session.scalars(
            select(CohortMember.learner_id).where(
                CohortMember.cohort_id == cohort_id, CohortMember.learner_id.in_(learner_ids)
            )
        )
    )
    new = [lid for lid in dict.fromkeys(learner_ids) if lid not in present]
    if new:
        rows = [{"cohort_id": cohort_id, "learner_id": lid, "added_at": now} for lid in new]
        dialect = session.get_bind().dialect.name
        insert: Any = (postgresql if dialect == "postgresql" else sqlite).insert(CohortMember)
        session.execute(insert.on_conflict_do_nothing(), rows)
    return len(new), len(present)


async def _learner_ids(deps: TutorDeps, learners: Sequence[LearnerRef]) -> list[int]:
    return [await learner_id(deps, ref) for ref in learners]


async def add_members(
    deps: TutorDeps, guild_id: int, name: str, learners: Sequence[LearnerRef]
) -> Added:
    """Put learners in a cohort (those already in it are counted, not duplicated)."""
    cohort = await find_cohort(deps, guild_id, name)
    ids, now = await _learner_ids(deps, learners), deps.clock()
    counts = await deps.writer.run(lambda s: _insert_members(s, cohort.id, ids, now))
    return Added(cohort.name, *counts)


async def link_role(
    deps: TutorDeps, guild_id: int, name: str, role_id: int, holders: Sequence[LearnerRef]
) -> Added:
    """Link a Discord role to a cohort and add the holders the adapter can see now; the
    others become members when they next interact (``sync_role_memberships``)."""
    cohort = await find_cohort(deps, guild_id, name)
    ids, now = await _learner_ids(deps, holders), deps.clock()

    def write(session: Session) -> tuple[int, int]:
        if session.get(CohortRole, (cohort.id, role_id)) is None:
            session.add(CohortRole(cohort_id=cohort.id, role_id=role_id))
        return _insert_members(session, cohort.id, ids, now)

    return Added(cohort.name, *await deps.writer.run(write))


async def join_cohort(deps: TutorDeps, learner: LearnerRef, name: str) -> Added:
    """A learner joins an open cohort by themselves; a closed one needs a moderator."""
    if learner.guild_id is None:
        raise CohortError("Cohorts belong to a server; use this command there.")
    cohort = await find_cohort(deps, learner.guild_id, name)
    lid, now = await learner_id(deps, learner), deps.clock()
    if await is_member(deps, cohort.id, lid):  # added by a moderator or a role: fine
        return Added(cohort.name, 0, 1)
    if not cohort.open:
        raise CohortError(f"'{cohort.name}' is not open for joining; ask a moderator to add you.")
    counts = await deps.writer.run(lambda s: _insert_members(s, cohort.id, [lid], now))
    return Added(cohort.name, *counts)


async def list_cohorts(
    deps: TutorDeps, guild_id: int, learner: LearnerRef | None = None
) -> list[CohortSummary]:
    """The server's cohorts by name, with sizes and which ones ``learner`` is in."""
    lid = await learner_id(deps, learner) if learner is not None else None
    async with deps.db.session() as db:
        rows = (
            await db.execute(
                select(Cohort, func.count(CohortMember.learner_id))
                .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id)
                .where(Cohort.guild_id == guild_id)
                .group_by(Cohort.id)
                .order_by(Cohort.name)
            )
        ).all()
        ids = [c.id for c, _ in rows]
        roles: dict[int, list[int]] = {}
        for cid, rid in await db.execute(
            select(CohortRole.cohort_id, CohortRole.role_id).where(CohortRole.cohort_id.in_(ids))
        ):
            roles.setdefault(cid, []).append(rid)
        mine = set(
            await db.scalars(
                select(CohortMember.cohort_id).where(
                    CohortMember.learner_id == lid, CohortMember.cohort_id.in_(ids)
                )
            )
        )
    return [
        CohortSummary(c.id, c.name, c.open, n, tuple(sorted(roles.get(c.id, []))), c.id in mine)
        for c, n in rows
    ]


async def linked_role_ids(deps: TutorDeps, guild_id: int) -> frozenset[int]:
    """Every role linked to some cohort of the server (adapters cache it per server)."""
    async with deps.db.session() as db:
        found = await db.scalars(
            select(CohortRole.role_id).join(Cohort).where(Cohort.guild_id == guild_id)
        )
        return frozenset(found)


async def _known_learner_id(deps: TutorDeps, ref: LearnerRef) -> int | None:
    cached = deps.learner_ids.get(ref.discord_id)
    if cached is not None:
        return cached[0]
    async with deps.db.session() as db:
        found: int | None = await db.scalar(
            select(Learner.id).where(Learner.discord_id == ref.discord_id)
        )
        return found


async def sync_role_memberships(
    deps: TutorDeps, learner: LearnerRef, role_ids: Collection[int], *, known_only: bool = False
) -> list[str]:
    """Make ``learner`` a member of every cohort linked to a role they hold; the names of
    the cohorts they joined just now.

    ``known_only`` skips someone the tutor has never stored: a listener that runs beside
    the command then never races that command to create the learner's row.
    """
    if learner.guild_id is None or not role_ids:
        return []
    async with deps.db.session() as db:
        cohorts = (
            await db.execute(
                select(Cohort.id, Cohort.name)
                .join(CohortRole, CohortRole.cohort_id == Cohort.id)
                .where(Cohort.guild_id == learner.guild_id, CohortRole.role_id.in_(role_ids))
                .distinct()
            )
        ).all()
    if not cohorts:
        return []
    lid = await _known_learner_id(deps, learner) if known_only else await learner_id(deps, learner)
    if lid is None:
        return []
    now = deps.clock()

    def write(session: Session) -> list[str]:
        return [name for cid, name in cohorts if _insert_members(session, cid, [lid], now)[0]]

    return await deps.writer.run(write)


async def is_member(deps: TutorDeps, cohort_id: int, learner: int) -> bool:
    """Whether the learner (row id) is a member of the cohort."""
    async with deps.db.session() as db:
        return await db.get(CohortMember, (cohort_id, learner)) is not None


async def cohort_members(deps: TutorDeps, guild_id: int, name: str) -> list[CohortMemberInfo]:
    """The members of a server's cohort (by name, case ignored), by display name.

    For reports: learner ids join every per-learner table (progress, attempts, events).
    """
    cohort = await find_cohort(deps, guild_id, name)
    async with deps.db.session() as db:
        rows = await db.execute(
            select(Learner.id, Learner.discord_id, Learner.display_name, CohortMember.added_at)
            .join(CohortMember, CohortMember.learner_id == Learner.id)
            .where(CohortMember.cohort_id == cohort.id)
            .order_by(Learner.display_name, Learner.id)
        )
        return [CohortMemberInfo(*row) for row in rows]


async def cohort_names(deps: TutorDeps, guild_id: int, typed: str = "") -> list[str]:
    """The server's cohort names containing ``typed`` (for autocomplete), at most 25."""
    async with deps.db.session() as db:
        names = await db.scalars(
            select(Cohort.name).where(Cohort.guild_id == guild_id).order_by(Cohort.name)
        )
        needle = typed.casefold().strip()
        return [n for n in names if needle in n.casefold()][:25]
