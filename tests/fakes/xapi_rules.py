"""The xAPI 1.0.3 statement rules an LRS enforces, as a checker for tests.

Covers what the spec requires of the statements the tutor writes (Part Two, section 2.4):
known properties only, a UUID id, an Agent with exactly one inverse functional identifier,
IRIs for verb, activity, activity type and extension keys, language maps, a score whose
``scaled`` lies in [-1, 1] and whose ``raw`` lies between ``min`` and ``max``, booleans for
success and completion, an ISO 8601 timestamp with a zone, and a 1.0.x version.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
AGENT_KEYS = {"objectType", "name", "mbox", "mbox_sha1sum", "openid", "account"}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")
ACTIVITY_KEYS = {"objectType", "id", "definition"}
DEFINITION_KEYS = {
    "name",
    "description",
    "type",
    "moreInfo",
    "extensions",
    "interactionType",
    "correctResponsesPattern",
    "choices",
    "scale",
    "source",
    "target",
    "steps",
}
RESULT_KEYS = {"score", "success", "completion", "response", "duration", "extensions"}
SCORE_KEYS = {"scaled", "raw", "min", "max"}
CONTEXT_KEYS = {
    "registration",
    "instructor",
    "team",
    "contextActivities",
    "revision",
    "platform",
    "language",
    "statement",
    "extensions",
}
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
_IRL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_VERSION = re.compile(r"^1\.0(\.\d+)?$")


def problems(statement: Any) -> list[str]:
    """Every rule the statement breaks (empty: an LRS would accept it)."""
    found: list[str] = []
    if not isinstance(statement, dict):
        return ["a statement is a JSON object"]
    _keys(statement, STATEMENT_KEYS, "statement", found)
    for required in ("actor", "verb", "object"):
        if required not in statement:
            found.append(f"{required} is required")
    if "id" in statement:
        _uuid(statement["id"], "id", found)
    _agent(statement.get("actor"), found)
    _verb(statement.get("verb"), found)
    _activity(statement.get("object"), "object", found)
    if "result" in statement:
        _result(statement["result"], found)
    if "context" in statement:
        _context(statement["context"], found)
    if "timestamp" in statement:
        _timestamp(statement["timestamp"], found)
    if "version" in statement and not _VERSION.match(str(statement["version"])):
        found.append(f"version {statement['version']!r} is not 1.0.x")
    return found


def _keys(value: dict[str, Any], allowed: set[str], where: str, found: list[str]) -> None:
    if extra := set(value) - allowed:
        found.append(f"{where} has unknown properties {sorted(extra)}")


def _iri(value: Any, where: str, found: list[str]) -> None:
    if not isinstance(value, str) or not _IRI.match(value):
        found.append(f"{where} must be an IRI, not {value!r}")


def _uuid(value: Any, where: str, found: list[str]) -> None:
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        found.append(f"{where} must be a UUID")
        return
    if parsed.variant != uuid.RFC_4122:
        found.append(f"{where} must be an RFC 4122 UUID")


def _language_map(value: Any, where: str, found: list[str]) -> None:
    if not isinstance(value, dict) or not value:
        found.append(f"{where} must be a language map")
        return
    for tag, text in value.items():
        if not _LANGUAGE.match(tag) or not isinstance(text, str):
            found.append(f"{where} has a bad entry {tag!r}")


def _extensions(value: Any, where: str, found: list[str]) -> None:
    if not isinstance(value, dict):
        found.append(f"{where} must be an object")
        return
    for key in value:
        _iri(key, f"{where} key", found)


def _agent(actor: Any, found: list[str]) -> None:
    if not isinstance(actor, dict):
        found.append("actor must be an object")
        return
    _keys(actor, AGENT_KEYS, "actor", found)
    if actor.get("objectType", "Agent") != "Agent":
        found.append("actor.objectType must be Agent")
    ifis = [k for k in IFIS if k in actor]
    if len(ifis) != 1:
        found.append(f"actor must have exactly one identifier, has {ifis}")
    account = actor.get("account")
    if account is not None:
        _keys(account, {"homePage", "name"}, "actor.account", found)
        if not isinstance(account.get("homePage"), str) or not _IRL.match(account["homePage"]):
            found.append("actor.account.homePage must be an IRL")
        if not isinstance(account.get("name"), str) or not account["name"]:
            found.append("actor.account.name must be a string")
    if "mbox" in actor and not str(actor["mbox"]).startswith("mailto:"):
        found.append("actor.mbox must be a mailto IRI")
    if "name" in actor and not isinstance(actor["name"], str):
        found.append("actor.name must be a string")


def _verb(verb: Any, found: list[str]) -> None:
    if not isinstance(verb, dict):
        found.append("verb must be an object")
        return
    _keys(verb, {"id", "display"}, "verb", found)
    _iri(verb.get("id"), "verb.id", found)
    if "display" in verb:
        _language_map(verb["display"], "verb.display", found)


def _activity(activity: Any, where: str, found: list[str]) -> None:
    if not isinstance(activity, dict):
        found.append(f"{where} must be an object")
        return
    _keys(activity, ACTIVITY_KEYS, where, found)
    if activity.get("objectType", "Activity") != "Activity":
        found.append(f"{where}.objectType must be Activity")
    _iri(activity.get("id"), f"{where}.id", found)
    definition = activity.get("definition")
    if definition is None:
        return
    _keys(definition, DEFINITION_KEYS, f"{where}.definition", found)
    for key in ("name", "description"):
        if key in definition:
            _language_map(definition[key], f"{where}.definition.{key}", found)
    if "type" in definition:
        _iri(definition["type"], f"{where}.definition.type", found)
    if "extensions" in definition:
        _extensions(definition["extensions"], f"{where}.definition.extensions", found)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _result(result: Any, found: list[str]) -> None:
    if not isinstance(result, dict):
        found.append("result must be an object")
        return
    _keys(result, RESULT_KEYS, "result", found)
    for key in ("success", "completion"):
        if key in result and not isinstance(result[key], bool):
            found.append(f"result.{key} must be a boolean")
    if "extensions" in result:
        _extensions(result["extensions"], "result.extensions", found)
    score = result.get("score")
    if score is None:
        return
    _keys(score, SCORE_KEYS, "result.score", found)
    if any(k in score and not _number(score[k]) for k in SCORE_KEYS):
        found.append("result.score values must be numbers")
        return
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        found.append("result.score.scaled must be in [-1, 1]")
    low, high = score.get("min"), score.get("max")
    if low is not None and high is not None and not low < high:
        found.append("result.score.min must be below max")
    raw = score.get("raw")
    if raw is not None and ((low is not None and raw < low) or (high is not None and raw > high)):
        found.append("result.score.raw must lie between min and max")


def _context(context: Any, found: list[str]) -> None:
    if not isinstance(context, dict):
        found.append("context must be an object")
        return
    _keys(context, CONTEXT_KEYS, "context", found)
    if "registration" in context:
        _uuid(context["registration"], "context.registration", found)
    for kind, activities in (context.get("contextActivities") or {}).items():
        if kind not in {"parent", "grouping", "category", "other"}:
            found.append(f"context.contextActivities has unknown {kind!r}")
        for n, activity in enumerate(activities if isinstance(activities, list) else [activities]):
            _activity(activity, f"context.contextActivities.{kind}[{n}]", found)
    if "extensions" in context:
        _extensions(context["extensions"], "context.extensions", found)


def _timestamp(value: Any, found: list[str]) -> None:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        found.append(f"timestamp {value!r} is not ISO 8601")
        return
    if moment.tzinfo is None:
        found.append("timestamp must have a time zone")
