"""Sending xAPI statements to a Learning Record Store (``POST <endpoint>/statements``).

Statements go in batches (an LRS accepts an array per request) with the xAPI version
header and basic auth. Their ids are stable (see ``xapi``), so sending an export again is
harmless: an LRS accepts statements it already holds unchanged. If it refuses a batch
with 409 Conflict (one statement differs from the stored one with that id, e.g. after a
learner renamed), the batch is sent one statement at a time with ``PUT ?statementId=`` to
store the rest and count the conflicts.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from tutorbot.errors import TutorError
from tutorbot.tutor.xapi import VERSION

BATCH = 500


class LrsError(TutorError):
    """The LRS could not be reached or refused the statements."""


@dataclass(slots=True)
class LrsReport:
    """What an upload did: statements sent, requests made, and the ids the LRS holds with
    other content (conflicts)."""

    sent: int = 0
    batches: int = 0
    conflicts: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LrsTarget:
    """Where to send: the endpoint (its ``statements`` resource) and the credentials."""

    endpoint: str
    username: str | None = None
    password: str | None = None

    @property
    def statements_url(self) -> str:
        return self.endpoint.rstrip("/") + "/statements"

    def headers(self) -> dict[str, str]:
        """The xAPI version header, and basic auth (RFC 7617) when a username is set."""
        headers = {"X-Experience-API-Version": VERSION}
        if self.username:
            pair = f"{self.username}:{self.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return headers


async def post_statements(
    items: AsyncIterable[dict[str, Any]],
    target: LrsTarget,
    *,
    batch: int = BATCH,
    on_batch: Callable[[int], None] | None = None,
    seconds: float = 30.0,
) -> LrsReport:
    """Send every statement (``seconds`` per request at most); raises ``LrsError`` naming
    the LRS's answer on failure."""
    report = LrsReport()
    async with aiohttp.ClientSession(
        headers=target.headers(), timeout=aiohttp.ClientTimeout(total=seconds)
    ) as http:
        pending: list[dict[str, Any]] = []
        async for item in items:
            pending.append(item)
            if len(pending) >= batch:
                await _send(http, target, pending, report, on_batch)
                pending = []
        if pending:
            await _send(http, target, pending, report, on_batch)
    return report


async def _send(
    http: aiohttp.ClientSession,
    target: LrsTarget,
    items: list[dict[str, Any]],
    report: LrsReport,
    on_batch: Callable[[int], None] | None,
) -> None:
    url = target.statements_url
    try:
        async with http.post(url, json=items) as response:
            if response.status == 409:
                for item in items:
                    await _put_one(http, url, item, report)
            else:
                await _check(response, url)
    except aiohttp.ClientError as exc:
        raise LrsError(f"The LRS at {url} could not be reached ({exc}).") from exc
    except TimeoutError as exc:
        raise LrsError(f"The LRS at {url} did not answer in time.") from exc
    report.sent += len(items)
    report.batches += 1
    if on_batch:
        on_batch(len(items))


async def _put_one(
    http: aiohttp.ClientSession, url: str, item: dict[str, Any], report: LrsReport
) -> None:
    async with http.put(url, params={"statementId": item["id"]}, json=item) as response:
        if response.status == 409:
            report.conflicts.append(item["id"])
        else:
            await _check(response, url)


async def _check(response: aiohttp.ClientResponse, url: str) -> None:
    if response.status < 300:
        return
    if response.status in (401, 403):
        raise LrsError(
            f"The LRS at {url} refused the credentials ({response.status}); "
            "check TUTORBOT_LRS_USERNAME and TUTORBOT_LRS_PASSWORD."
        )
    body = (await response.text())[:300]
    raise LrsError(f"The LRS at {url} answered {response.status}: {body}")
