"""The learning-event log as xAPI 1.0.3 statements, for any Learning Record Store.

One event row makes one statement:

- ``id``: a UUID derived from the row (uuid5), so exporting twice gives the same ids and an
  LRS recognises statements it already holds;
- ``actor``: an Agent identified by its Discord account
  (``account.homePage`` https://discord.com, ``account.name`` the Discord id as a string);
- ``verb``: the ADL vocabulary IRI (answered, completed, passed, failed, launched, ...),
  ``earned`` from the Tin Can registry, and ``<xapi_base>/verbs/<verb>`` for the tutor's own;
- ``object``: an Activity ``<xapi_base>/activities/<course>/<unit>/<question>`` (the event's
  object id) with a name and an ADL activity type taken from the course;
- ``result``: ``score`` (scaled 0..1, with raw/min/max), ``success``, ``completion``, and the
  event's other facts as extensions;
- ``context``: platform Discord, the course as grouping, the server id as an extension.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import Select, func, select

from tutorbot.curriculum import Course
from tutorbot.storage.models import Learner, LearningEvent
from tutorbot.tutor.deps import TutorDeps

VERSION = "1.0.3"
DISCORD_HOME = "https://discord.com"
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
KNOWN_VERBS = {
    verb: ADL_VERBS + verb
    for verb in (
        *("answered", "asked", "attempted", "attended", "commented", "completed", "exited"),
        *("experienced", "failed", "imported", "initialized", "interacted", "launched"),
        *("mastered", "passed", "preferred", "progressed", "registered", "responded"),
        *("resumed", "scored", "shared", "suspended", "terminated", "voided"),
    )
} | {"earned": "http://id.tincanapi.com/verb/earned"}
STANDARD_RESULT = {"score", "success", "mastery"}


def verb_iri(verb: str, base: str) -> str:
    """The verb's IRI: ADL's when it has one, else one under the tutor's own base."""
    return KNOWN_VERBS.get(verb) or f"{base}/verbs/{quote(verb, safe='')}"


def activity_iri(object_id: str, base: str) -> str:
    """The activity IRI for an event's object id (each path segment escaped)."""
    return f"{base}/activities/" + "/".join(quote(p, safe=":-._~") for p in object_id.split("/"))


def _describe(object_id: str, course: Course) -> tuple[str, str | None]:
    """A readable name and an ADL activity type for an object id, from the course."""
    parts = object_id.split("/")
    if parts[0] != course.id:
        return object_id, None
    rest = parts[1:]
    unit = course.unit(rest[0]) if rest else None
    where = unit.title if unit else course.title
    if not rest:
        return course.title, ADL_ACTIVITIES + "course"
    if rest == ["final"]:
        return f"{course.title}: final assessment", ADL_ACTIVITIES + "assessment"
    if rest == ["certificate"]:
        return f"{course.title}: certificate", None
    if len(rest) == 1 and unit is not None:
        return unit.title, ADL_ACTIVITIES + "module"
    if len(rest) == 3 and rest[1] == "quiz":
        kind = "final assessment" if rest[0] == "final" else "quiz"
        return f"{where}: {kind} {rest[2]}", ADL_ACTIVITIES + "assessment"
    if len(rest) == 2:
        bank = unit.questions if unit else course.final_questions
        if any(q.id == rest[1] for q in bank):
            return f"{where}: question {rest[1]}", ADL_ACTIVITIES + "question"
        return f"{where}: {rest[1]}", None
    return object_id, None


def _result(verb: str, facts: dict[str, Any], base: str) -> dict[str, Any] | None:
    result: dict[str, Any] = {}
    score = facts.get("score", facts.get("mastery"))
    if isinstance(score, int | float) and not isinstance(score, bool):
        scaled = round(max(0.0, min(1.0, float(score))), 4)
        result["score"] = {"scaled": scaled, "raw": scaled, "min": 0, "max": 1}
    if isinstance(facts.get("success"), bool):
        result["success"] = facts["success"]
    if verb in ("completed", "passed", "earned"):
        result["completion"] = True
    extras = {
        f"{base}/extensions/{quote(k, safe='')}": v
        for k, v in facts.items()
        if k not in STANDARD_RESULT and v is not None
    }
    if extras:
        result["extensions"] = extras
    return result or None


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, the form LRSs store."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def statement(
    event: LearningEvent, discord_id: int, name: str, course: Course, base: str
) -> dict[str, Any]:
    """One event row as an xAPI 1.0.3 statement."""
    title, kind = _describe(event.object_id, course)
    definition: dict[str, Any] = {"name": {"en-US": title}}
    if kind is not None:
        definition["type"] = kind
    context: dict[str, Any] = {"platform": "Discord"}
    if event.object_id != course.id:
        context["contextActivities"] = {
            "grouping": [{"objectType": "Activity", "id": activity_iri(course.id, base)}]
        }
    if event.guild_id is not None:
        context["extensions"] = {f"{base}/extensions/guild": str(event.guild_id)}
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base}/statements/{event.id}")),
        "actor": {
            "objectType": "Agent",
            "name": name,
            "account": {"homePage": DISCORD_HOME, "name": str(discord_id)},
        },
        "verb": {"id": verb_iri(event.verb, base), "display": {"en-US": event.verb}},
        "object": {
            "objectType": "Activity",
            "id": activity_iri(event.object_id, base),
            "definition": definition,
        },
        "context": context,
        "timestamp": timestamp(event.created_at),
        "version": VERSION,
    }
    if (result := _result(event.verb, event.result or {}, base)) is not None:
        out["result"] = result
    return out


def _events(since: datetime | None, upto: int | None) -> Select[LearningEvent, int, str]:
    query = select(LearningEvent, Learner.discord_id, Learner.display_name).join(
        Learner, Learner.id == LearningEvent.learner_id
    )
    if since is not None:
        query = query.where(LearningEvent.created_at >= since)
    if upto is not None:
        query = query.where(LearningEvent.id <= upto)
    return query.order_by(LearningEvent.id)


async def last_event_id(deps: TutorDeps) -> int | None:
    """The newest event's id: an export pins it so its file and its upload match."""
    async with deps.db.session() as db:
        newest: int | None = await db.scalar(select(func.max(LearningEvent.id)))
        return newest


async def count_events(deps: TutorDeps, since: datetime | None, upto: int | None) -> int:
    """How many statements an export will write (for its progress bar)."""
    async with deps.db.session() as db:
        counted = await db.scalar(select(func.count()).select_from(_events(since, upto).subquery()))
        return int(counted or 0)


async def statements(
    deps: TutorDeps, *, since: datetime | None = None, upto: int | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every event (from ``since``, up to id ``upto``) as a statement, oldest first, streamed
    from the database in pages so an export of millions of events stays in small memory."""
    base = deps.settings.xapi_base.rstrip("/")
    async with deps.db.session() as db:
        rows = await db.stream(_events(since, upto).execution_options(yield_per=500))
        async for event, discord_id, name in rows:
            yield statement(event, discord_id, name, deps.course, base)
