"""/report: files for server admins. ``/report completion`` is the course completion report.

The whole group is admin-only (Discord hides it from others by default; each command
checks again at run time). To add a command to the group from another module, write it as
a method of a plain mixin class (``self.bot`` is the bot) and add that class to
``ReportCog``'s bases: discord.py collects app commands from every base of a GroupCog.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.cogs.cohort import cohort_autocomplete
from tutorbot.bot.permissions import Rank, staff_only
from tutorbot.bot.render import NO_PINGS
from tutorbot.tutor.reports import (
    CompletionReport,
    ReportFormat,
    overview_png,
    write_completion_report,
    zipped,
)

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

CHART_NAME = "completion.png"
MIB = 1024 * 1024


class ProgressNotes:
    """Edits the "thinking" reply with how far a long report is, at most every few seconds."""

    every_seconds = 3.0

    def __init__(self, interaction: discord.Interaction) -> None:
        self._interaction = interaction
        self._last = time.monotonic()
        self._edit: asyncio.Task[object] | None = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        busy = self._edit is not None and not self._edit.done()
        if busy or now - self._last < self.every_seconds or done >= total:
            return
        self._last = now
        self._edit = asyncio.create_task(
            self._interaction.edit_original_response(
                content=f"Building the completion report: {done:,} of {total:,} learners…",
                allowed_mentions=NO_PINGS,
            )
        )

    async def settle(self) -> None:
        """Wait for an edit in flight, so it cannot land after the final answer."""
        if self._edit is not None:
            await asyncio.gather(self._edit, return_exceptions=True)


def _headline(report: CompletionReport) -> str:
    s = report.summary
    return (
        f"Completion report for {s.scope.label}: {s.learners:,} learners, "
        f"{s.course_completions:,} completed the course ({s.completion_rate:.0%})."
    )


def _cli_hint(report: CompletionReport, guild_id: int) -> str:
    cohort = f' --cohort "{report.scope.cohort_name}"' if report.scope.cohort_name else ""
    return (
        f"`tutorbot report completion --format {report.format} --out "
        f"completion.{report.format} --guild {guild_id}{cohort}`"
    )


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ReportCog(commands.GroupCog, group_name="report", group_description="Reports for admins"):
    """Reports as files, made in the background of the bot's other work."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(
        name="completion", description="Every learner's standing in every unit, as a file"
    )
    @app_commands.describe(
        cohort="Only this cohort's members (default: everyone active in this server)",
        fmt="File format (default CSV; XLSX for Excel, HTML for a page with charts)",
    )
    @app_commands.rename(fmt="format")
    @app_commands.autocomplete(cohort=cohort_autocomplete)
    @staff_only(Rank.ADMIN)
    async def completion(
        self,
        interaction: discord.Interaction,
        cohort: str | None = None,
        fmt: ReportFormat = ReportFormat.CSV,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only
        deps = self.bot.deps
        notes = ProgressNotes(interaction)
        with tempfile.TemporaryDirectory(prefix="tutorbot-report-") as folder:
            report = await write_completion_report(
                deps.db,
                deps.course,
                out=Path(folder) / f"completion-{guild_id}.{fmt}",
                fmt=fmt,
                now=deps.clock(),
                guild_id=guild_id,
                cohort=cohort,
                on_progress=notes,
            )
            chart = await asyncio.to_thread(overview_png, report.summary)
            await notes.settle()
            await self._deliver(interaction, report, chart, guild_id)

    async def _deliver(
        self,
        interaction: discord.Interaction,
        report: CompletionReport,
        chart: bytes,
        guild_id: int,
    ) -> None:
        """The file and chart in one reply; zipped, or left out with a pointer to the CLI,
        when the server's upload limit (10 MB without boosts) is too small for it."""
        room = interaction.filesize_limit - len(chart)
        size = await asyncio.to_thread(lambda: report.size)
        text = _headline(report)
        upload: Path | None = report.path
        if size > room:
            upload = None
            if report.format is not ReportFormat.XLSX:  # XLSX is a zip already
                packed = await asyncio.to_thread(zipped, report.path)
                packed_size = await asyncio.to_thread(lambda: packed.stat().st_size)
                if packed_size <= room:
                    upload = packed
                    text += (
                        f"\nZipped: the file is {size / MIB:.1f} MB, over this server's "
                        "upload limit."
                    )
            if upload is None:
                text += (
                    f"\nThe file is {size / MIB:.1f} MB, too large to upload here "
                    f"(limit {interaction.filesize_limit / MIB:.0f} MB). On the bot's host, run "
                    + _cli_hint(report, guild_id)
                )
        files = [discord.File(io.BytesIO(chart), filename=CHART_NAME)]
        if upload is not None:
            files.insert(0, discord.File(upload, filename=upload.name))
        await interaction.edit_original_response(
            content=text, attachments=files, allowed_mentions=NO_PINGS
        )
