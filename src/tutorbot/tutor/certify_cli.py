"""``tutorbot certificate verify|revoke`` and ``tutorbot export xapi``: the operator's side
of certificates and of the learning-record export (an adapter, like the bot)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress

from tutorbot.app import open_tutor
from tutorbot.errors import TutorError
from tutorbot.settings import load_settings
from tutorbot.tutor.certificate_checks import Verdict, Verification, revoke, verify
from tutorbot.tutor.lrs import LrsReport, LrsTarget, post_statements
from tutorbot.tutor.xapi import count_events, last_event_id, statements

certificate_app = typer.Typer(no_args_is_help=True, help="Verify and revoke course certificates.")
export_app = typer.Typer(no_args_is_help=True, help="Export learning records.")
out = Console(soft_wrap=True)
err = Console(stderr=True)
_COLOURS = {Verdict.GENUINE: "green", Verdict.REVOKED: "yellow"}


@certificate_app.command("verify")
def verify_command(
    presented: Annotated[
        str, typer.Argument(metavar="ID_OR_CODE", help="A certificate id or its TB1. code.")
    ],
) -> None:
    """Say whether a certificate is genuine and whose it is; exit 1 unless genuine."""

    async def run() -> Verification:
        async with open_tutor(load_settings()) as deps:
            return await verify(presented, deps)

    found = asyncio.run(run())
    colour = _COLOURS.get(found.verdict, "red")
    out.print(f"[{colour}]{found.verdict.value.upper()}[/{colour}] {escape(found.message)}")
    if not found.genuine:
        raise typer.Exit(1)


@certificate_app.command("revoke")
def revoke_command(
    cert_id: Annotated[str, typer.Argument(metavar="ID", help="The certificate id.")],
    reason: Annotated[str | None, typer.Option(help="Why (shown when it is verified).")] = None,
) -> None:
    """Revoke a certificate: verification reports it as revoked from now on."""

    async def run() -> str:
        async with open_tutor(load_settings()) as deps:
            done = await revoke(cert_id, by=None, reason=reason, deps=deps, guild_id=None)
            return f"Revoked certificate {done.id} of {done.learner_name}."

    out.print(escape(asyncio.run(run())))


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@export_app.command("xapi")
def export_xapi(
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="JSON file to write (an array of statements).")
    ],
    since: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
            help="Only events from this UTC date or time on.",
        ),
    ] = None,
    post: Annotated[
        bool, typer.Option("--post", help="Also send them to TUTORBOT_LRS_ENDPOINT.")
    ] = False,
) -> None:
    """Write the learning-event log as xAPI 1.0.3 statements; optionally post them to an LRS."""
    settings = load_settings()
    if post and not settings.lrs_endpoint:
        raise TutorError("Set TUTORBOT_LRS_ENDPOINT (and credentials) to post to an LRS.")
    start = _as_utc(since)

    async def run() -> tuple[int, LrsReport | None]:
        async with open_tutor(settings) as deps:
            upto = await last_event_id(deps)
            total = await count_events(deps, start, upto)
            with Progress(console=err, transient=True) as progress:
                task = progress.add_task("Writing statements", total=total)
                written = await _write_array(
                    statements(deps, since=start, upto=upto),
                    out_file,
                    lambda: progress.advance(task),
                )
            if not post or settings.lrs_endpoint is None:
                return written, None
            target = LrsTarget(
                settings.lrs_endpoint,
                settings.lrs_username,
                settings.lrs_password.get_secret_value() if settings.lrs_password else None,
            )
            with Progress(console=err, transient=True) as progress:
                task = progress.add_task("Posting to the LRS", total=total)
                report = await post_statements(
                    statements(deps, since=start, upto=upto),
                    target,
                    on_batch=lambda n: progress.advance(task, n),
                )
            return written, report

    written, report = asyncio.run(run())
    out.print(f"Wrote {written} xAPI statements to {escape(str(out_file))}.")
    if report is not None:
        out.print(f"Posted {report.sent} statements in {report.batches} batch(es).")
        if report.conflicts:
            err.print(
                f"[yellow]{len(report.conflicts)} statement(s) differ from the LRS's copy and "
                f"were left as stored there, e.g. {report.conflicts[0]}.[/yellow]"
            )


async def _write_array(
    items: AsyncIterator[dict[str, Any]], path: Path, step: Callable[[], None]
) -> int:
    """Stream statements into a JSON array; the file appears whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    written = 0
    try:
        with partial.open("w", encoding="utf-8") as file:
            file.write("[")
            async for item in items:
                file.write(",\n" if written else "\n")
                file.write(json.dumps(item, ensure_ascii=False))
                written += 1
                step()
            file.write("\n]\n")
        partial.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    return written
