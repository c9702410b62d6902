"""Server administration: a server's own settings, and reloading the course in place.

Both refuse bad input before changing anything. A settings change with problems reports
all of them and saves nothing; a course with problems is not loaded, and the course in use
stays. A good course replaces the old one between two requests: requests already running
finish with the objects they hold, the next ones see the new course.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, fields
from typing import Any, Literal, get_args

from sqlalchemy.orm import Session

from tutorbot.app import open_course
from tutorbot.errors import CurriculumError, TutorError
from tutorbot.llm import prices_for
from tutorbot.storage.models import GuildSettings
from tutorbot.tutor.deps import TutorDeps
from tutorbot.tutor.guild_rules import BudgetState, spent_on
from tutorbot.tutor.guilds import GuildConfig
from tutorbot.tutor.question_review import course_with_approved

log = logging.getLogger(__name__)

# A Literal so /admin settings offers exactly these as choices.
Resettable = Literal[
    "model", "quota", "daily_budget", "moderator_roles", "admin_roles", "nudge_channel"
]
RESETTABLE: tuple[str, ...] = get_args(Resettable)
MAX_QUOTA = 1000
MAX_REFILL_SECONDS = 7 * 24 * 3600
MAX_BUDGET_USD = 1_000_000.0
MODEL_CHARS = 100  # the guild_settings.model column's width
PROBLEMS_SHOWN = 10
MESSAGE_ROOM = 1800  # of a chat message's 2,000 characters
_A = {"moderator": "a moderator", "admin": "an admin"}


class SettingsError(TutorError):
    """A settings change that cannot be saved; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("Nothing was changed:\n" + "\n".join(f"• {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What an admin asked to change; ``None`` and empty sets mean "leave as it is"."""

    model: str | None = None
    quota_max: int | None = None
    quota_refill_seconds: int | None = None
    daily_budget_usd: float | None = None
    add_moderator_roles: frozenset[int] = frozenset()
    remove_moderator_roles: frozenset[int] = frozenset()
    add_admin_roles: frozenset[int] = frozenset()
    remove_admin_roles: frozenset[int] = frozenset()
    # Where opted-in learners get their daily "reviews are due" nudge (channel mode).
    nudge_channel_id: int | None = None
    # Names from RESETTABLE: back to the defaults from the settings file (roles: none).
    reset: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """True when nothing would change (the caller just wants to see the settings)."""
        return all(getattr(self, f.name) in (None, frozenset()) for f in fields(self))


@dataclass(frozen=True, slots=True)
class SettingsOverview:
    """A server's settings in force, which of them it set itself, and today's spend."""

    config: GuildConfig
    own: frozenset[str]
    budget: BudgetState
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def check_change(change: SettingsChange, guild_id: int) -> list[str]:
    """Every problem with ``change`` (empty when it can be saved)."""
    problems: list[str] = []
    if unknown := sorted(change.reset - set(RESETTABLE)):
        problems.append(f"Cannot reset {', '.join(unknown)}; choose from {', '.join(RESETTABLE)}.")
    if change.model is not None:
        name = change.model.strip()
        if not name:
            problems.append("The model name is empty.")
        elif len(name) > MODEL_CHARS or any(c.isspace() or not c.isprintable() for c in name):
            problems.append(f"'{name[:40]}' is not a model name (one word, {MODEL_CHARS} max).")
        if "model" in change.reset:
            problems.append("Give a model or reset it, not both.")
    if change.quota_max is not None and not 1 <= change.quota_max <= MAX_QUOTA:
        problems.append(f"The quota must be between 1 and {MAX_QUOTA} questions.")
    refill = change.quota_refill_seconds
    if refill is not None and not 1 <= refill <= MAX_REFILL_SECONDS:
        problems.append("The refill time must be between 1 second and 7 days.")
    if (change.quota_max is not None or refill is not None) and "quota" in change.reset:
        problems.append("Give a quota or reset it, not both.")
    budget = change.daily_budget_usd
    if budget is not None:
        if not math.isfinite(budget) or not 0 <= budget <= MAX_BUDGET_USD:
            problems.append(f"The daily budget must be between $0 and ${MAX_BUDGET_USD:,.0f}.")
        if "daily_budget" in change.reset:
            problems.append("Give a daily budget or reset it, not both.")
    for kind, added, removed in (
        ("moderator", change.add_moderator_roles, change.remove_moderator_roles),
        ("admin", change.add_admin_roles, change.remove_admin_roles),
    ):
        if guild_id in added:
            problems.append(f"@everyone cannot be {_A[kind]} role: every member would be one.")
        if both := added & removed:
            problems.append(f"Role {min(both)} is both added and removed as {_A[kind]} role.")
        if (added or removed) and f"{kind}_roles" in change.reset:
            problems.append(f"Change {kind} roles or reset them, not both.")
    return problems


def duration(seconds: int) -> str:
    """``90`` -> ``1 min 30 s``; ``7200`` -> ``2 h``: refill times as people say them."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else ""]
    parts.append(f"{secs} s" if secs else "")
    return " ".join(p for p in parts if p) or "0 s"


def _own(row: GuildSettings | None) -> frozenset[str]:
    if row is None:
        return frozenset()
    own = {
        "model": row.model is not None,
        "quota": row.quota_max is not None or row.quota_refill_seconds is not None,
        "daily_budget": row.daily_budget_usd is not None,
        "moderator_roles": bool(row.moderator_role_ids),
        "admin_roles": bool(row.admin_role_ids),
        "nudge_channel": row.nudge_channel_id is not None,
    }
    return frozenset(name for name, is_own in own.items() if is_own)


async def server_settings(
    deps: TutorDeps,
    guild_id: int,
    changes: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
) -> SettingsOverview:
    """The server's settings in force, marked where they are its own."""
    async with deps.db.session() as session:
        row = await session.get(GuildSettings, guild_id)
    deps.rules.forget(guild_id)
    config = await deps.rules.config(guild_id)
    today = deps.clock().date()
    spent = await spent_on(deps, guild_id, today)  # exact, and shown even without a budget
    budget = BudgetState(guild_id, today, spent, config.daily_budget_usd)
    return SettingsOverview(config, _own(row), budget, changes, notes)


def _apply(row: GuildSettings, change: SettingsChange) -> list[str]:
    """Write ``change`` into ``row``; what changed, in words."""
    done: list[str] = []

    def put(attr: str, value: Any, words: str) -> None:
        if getattr(row, attr) != value:
            setattr(row, attr, value)
            done.append(words)

    if "model" in change.reset:
        put("model", None, "model reset to the default")
    if "quota" in change.reset:
        put("quota_max", None, "quota reset to the default")
        put("quota_refill_seconds", None, "refill time reset to the default")
    if "daily_budget" in change.reset:
        put("daily_budget_usd", None, "daily budget removed (no limit)")
    if "nudge_channel" in change.reset:
        put("nudge_channel_id", None, "review nudge channel removed")
    if change.nudge_channel_id is not None:
        put("nudge_channel_id", change.nudge_channel_id, "review nudge channel set")
    if change.model is not None:
        put("model", change.model.strip(), f"model set to {change.model.strip()}")
    if change.quota_max is not None:
        put("quota_max", change.quota_max, f"quota set to {change.quota_max} questions")
    if change.quota_refill_seconds is not None:
        seconds = change.quota_refill_seconds
        put("quota_refill_seconds", seconds, f"one question back every {duration(seconds)}")
    if change.daily_budget_usd is not None:
        budget = change.daily_budget_usd
        put("daily_budget_usd", budget, f"daily budget set to ${budget:.2f}")
    roles_changes = (
        ("moderator", "moderator_role_ids", change.add_moderator_roles),
        ("admin", "admin_role_ids", change.add_admin_roles),
    )
    removals = {"moderator": change.remove_moderator_roles, "admin": change.remove_admin_roles}
    for kind, attr, added in roles_changes:
        removed = removals[kind]
        roles = set() if f"{kind}_roles" in change.reset else {int(r) for r in getattr(row, attr)}
        if f"{kind}_roles" in change.reset and getattr(row, attr):
            done.append(f"{kind} roles cleared")
        if new_roles := len(added - roles):
            done.append(f"{kind} roles: {new_roles} added")
        if gone := len(removed & roles):
            done.append(f"{kind} roles: {gone} removed")
        kept = [str(r) for r in sorted((roles | added) - removed)]
        if kept != list(getattr(row, attr)):
            setattr(row, attr, kept)  # a new list, so the ORM sees the JSON column change
    return done


async def update_server_settings(
    deps: TutorDeps, guild_id: int, change: SettingsChange, *, by: int | None = None
) -> SettingsOverview:
    """Check ``change`` (``SettingsError`` with every problem, nothing saved), save it in one
    transaction, and return the settings now in force."""
    if problems := check_change(change, guild_id):
        raise SettingsError(problems)
    now = deps.clock()

    def save(session: Session) -> list[str]:
        row = session.get(GuildSettings, guild_id)
        new = row is None
        if row is None:
            row = GuildSettings(guild_id=guild_id, moderator_role_ids=[], admin_role_ids=[])
        done = _apply(row, change)
        if done:
            row.updated_at = now
            if new:
                session.add(row)
        return done

    done = await deps.writer.run(save)
    deps.rules.forget(guild_id)
    if done:
        log.info("guild %s settings changed by %s: %s", guild_id, by, "; ".join(done))
    notes = []
    if change.model is not None and prices_for(change.model.strip()).cost(1_000_000, 0) == 0:
        notes.append(
            f"{change.model.strip()} has no known price, so its calls are recorded at $0 "
            "and the daily budget cannot limit them."
        )
    return await server_settings(deps, guild_id, tuple(done) or ("nothing changed",), tuple(notes))


@dataclass(frozen=True, slots=True)
class ReloadResult:
    """The course now in use, and whether it differs from the one before."""

    course_id: str
    title: str
    version: str
    units: int
    sections: int
    questions: int
    changed: bool
    previous: str
    seconds: float


_RELOADING: set[int] = set()  # id() of the tutors reloading right now


def _refusal(deps: TutorDeps, problems: list[str]) -> CurriculumError:
    """The refusal, listing the first problems; short enough for one chat message."""
    old = deps.course
    lines = [
        f"The course was not reloaded: {len(problems)} problem(s) in "
        f"{deps.settings.curriculum}. {old.title} {old.version} stays in use."
    ]
    size = len(lines[0])
    for shown, problem in enumerate(problems):
        line = "• " + (problem if len(problem) <= 200 else problem[:199] + "…")
        if shown == PROBLEMS_SHOWN or size + len(line) > MESSAGE_ROOM:
            lines.append(
                f"… and {len(problems) - shown} more (`tutorbot curriculum validate` lists all)."
            )
            break
        lines.append(line)
        size += len(line) + 1
    return CurriculumError("\n".join(lines), problems)


async def reload_curriculum(deps: TutorDeps) -> ReloadResult:
    """Load the configured course again and swap it in, or refuse and keep the old one.

    The course is validated and its search index loaded or built on a worker thread; only
    a course without a single problem replaces the one in use. Caches of course objects
    (open quizzes) are dropped; they are read again from the database on next use.
    """
    key = id(deps)
    if key in _RELOADING:
        raise TutorError("A course reload is already running; try again when it has finished.")
    _RELOADING.add(key)
    try:
        started = time.perf_counter()
        try:
            course, _, retriever = await asyncio.to_thread(open_course, deps.settings)
        except CurriculumError as exc:
            raise _refusal(deps, exc.problems or [exc.user_message]) from None
        old = deps.course
        # Approved generated questions live in the database; they join the new banks before
        # the swap, so no request sees the new course without them.
        course, _ = await course_with_approved(deps, course)
        # No await between these lines: every request sees the old pair or the new one.
        deps.course, deps.retriever = course, retriever
        deps.quizzes.clear()
    finally:
        _RELOADING.discard(key)
    log.info("course reloaded: %s %s -> %s %s", old.id, old.version, course.id, course.version)
    return ReloadResult(
        course.id,
        course.title,
        course.version,
        len(course.units),
        len(course.sections),
        course.question_count,
        course.content_hash != old.content_hash,
        f"{old.title} {old.version}",
        time.perf_counter() - started,
    )
