"""Structured output: a pydantic model as a strict JSON schema, and checking the reply.

The model is asked for JSON matching the schema; the reply is validated with pydantic and
only a valid object leaves the LLM layer. Scores and decisions are computed in code from
that object, never read from prose.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)

# Keywords OpenAI's strict mode rejects; pydantic's own validation still applies them.
_DROPPED = frozenset({"default"})
_NAMED_MAPS = frozenset({"properties", "$defs", "definitions"})
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n?```\s*$", re.DOTALL)

REPAIR_REQUEST = (
    "Your reply could not be used: {problems}\n"
    "Reply again with the corrected JSON only: one JSON object that matches the schema, "
    "with no explanation and no code fences."
)


def strict_json_schema(schema: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema in the shape OpenAI's ``strict`` mode accepts.

    Every object gets ``additionalProperties: false`` and lists all its properties as
    required (optional fields stay nullable); defaults go; a ``$ref`` with sibling keys is
    inlined, which strict mode needs.
    """
    root = schema.model_json_schema()
    result: dict[str, Any] = _strict(root, root.get("$defs", {}))
    return result


def _strict(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and len(node) > 1:
        target = defs.get(str(node["$ref"]).rsplit("/", 1)[-1], {})
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key in _NAMED_MAPS and isinstance(value, dict):
            out[key] = {name: _strict(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _strict(value, defs)
    if out.get("type") == "object" or "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out.get("properties", {}))
    return out


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The ``response_format`` request field asking for JSON that matches ``schema``."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", schema.__name__)[:64]
    return {
        "type": "json_schema",
        "json_schema": {"name": name, "schema": strict_json_schema(schema), "strict": True},
    }


def parse_reply(schema: type[M], text: str) -> M:
    """Validate ``text`` as ``schema``; a Markdown code fence around the JSON is tolerated
    because servers that ignore ``response_format`` often add one."""
    fenced = _FENCE.match(text)
    return schema.model_validate_json(fenced.group(1) if fenced else text)


def describe_problems(exc: ValidationError, limit: int = 5) -> str:
    """A short, input-free description of what was wrong, for the repair request and logs."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False)[:limit]:
        where = ".".join(str(part) for part in error["loc"]) or "reply"
        problems.append(f"{where}: {error['msg']}")
    more = exc.error_count() - limit
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")
