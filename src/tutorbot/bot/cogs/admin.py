"""/admin settings, /admin costs and /admin reload-curriculum: for server admins only.

The group is hidden from members without Manage Server (``default_permissions`` on the
group: Discord applies it to top-level commands only), and each subcommand checks the
caller's rank again when it runs (``staff_only``), so a server that shows the group to
everyone still refuses non-admins before any work. Every reply is private.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from tutorbot.bot.permissions import Rank, staff_only
from tutorbot.bot.render import NO_PINGS
from tutorbot.tutor.admin import (
    MAX_BUDGET_USD,
    MAX_QUOTA,
    MAX_REFILL_SECONDS,
    MODEL_CHARS,
    Resettable,
    SettingsChange,
    SettingsOverview,
    duration,
    reload_curriculum,
    server_settings,
    update_server_settings,
)
from tutorbot.tutor.costs import CostReport, cost_csv, cost_report
from tutorbot.tutor.guild_rules import BudgetState

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

MAX_COST_DAYS = 90
_BLUE, _AMBER = discord.Colour.blurple(), discord.Colour.gold()


def _roles(ids: frozenset[int], fallback: str) -> str:
    return " ".join(f"<@&{r}>" for r in sorted(ids)) or fallback


def budget_line(budget: BudgetState) -> str:
    """Today's spend against the budget, in one line."""
    spent = f"${budget.spent_usd:.4f} spent today"
    if budget.budget_usd is None:
        return f"No limit ({spent})"
    if budget.exhausted:
        return (
            f"${budget.budget_usd:.2f}: **used up** ({spent}); answers come from the course "
            f"text until <t:{int(budget.resets_at.timestamp())}:t> (00:00 UTC)"
        )
    return f"${budget.budget_usd:.2f} ({spent}, ${budget.remaining_usd or 0:.4f} left)"


def settings_embed(overview: SettingsOverview) -> discord.Embed:
    """The settings in force; "(default)" marks what comes from the settings file."""
    config, own = overview.config, overview.own

    def mark(name: str) -> str:
        return "" if name in own else " (default)"

    embed = discord.Embed(title="Tutor settings for this server", colour=_BLUE)
    if overview.changes:
        embed.description = "**Saved:** " + "; ".join(overview.changes) + "."
    for note in overview.notes:
        embed.colour = _AMBER
        embed.description = f"{embed.description or ''}\n⚠️ {note}".strip()
    embed.add_field(name="Model", value=f"`{config.model}`{mark('model')}", inline=False)
    embed.add_field(
        name="Questions per learner",
        value=f"{config.quota_max}, one back every {duration(config.quota_refill_seconds)}"
        + mark("quota"),
        inline=False,
    )
    embed.add_field(name="Daily AI budget", value=budget_line(overview.budget), inline=False)
    embed.add_field(
        name="Admin roles",
        value=_roles(config.admin_role_ids, "none (members with Manage Server are admins)"),
        inline=False,
    )
    embed.add_field(
        name="Moderator roles",
        value=_roles(
            config.moderator_role_ids, "none (members with Manage Messages are moderators)"
        ),
        inline=False,
    )
    embed.add_field(
        name="Review nudge channel",
        value=f"<#{config.nudge_channel_id}>" if config.nudge_channel_id else "none (DMs only)",
        inline=False,
    )
    embed.set_footer(text="Change with the options of /admin settings; reset: back to default.")
    return embed


def costs_embed(report: CostReport, days: int) -> discord.Embed:
    """Totals, today's budget, the last days and the costliest learners."""
    embed = discord.Embed(
        title=f"AI usage, last {days} day{'s' if days > 1 else ''}",
        colour=_BLUE,
        description=(
            f"{report.first:%Y-%m-%d} to {report.last:%Y-%m-%d} (UTC): "
            f"**{report.calls:,}** calls, **{report.prompt_tokens:,}** tokens in, "
            f"**{report.completion_tokens:,}** out, about **${report.cost_usd:.4f}**."
            if report.rows
            else f"No model calls from {report.first:%Y-%m-%d} to {report.last:%Y-%m-%d}."
        ),
    )
    if report.budget is not None:
        embed.add_field(name="Daily budget", value=budget_line(report.budget), inline=False)
    if report.rows:
        per_day = [
            f"`{d:%Y-%m-%d}` {calls:,} calls, ${usd:.4f}" for d, calls, usd in report.by_day()
        ]
        embed.add_field(name="By day", value="\n".join(per_day[:10]), inline=False)
        people = [
            f"{escape_markdown(name)[:40]}: {calls:,} calls, {tokens:,} tokens, ${usd:.4f}"
            for name, calls, tokens, usd in report.by_learner()
        ]
        more = f"\n… and {len(people) - 10} more in the CSV" if len(people) > 10 else ""
        embed.add_field(name="By learner", value="\n".join(people[:10]) + more, inline=False)
        embed.set_footer(text="Estimated from list prices; the CSV has every learner and day.")
    return embed


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class AdminCog(
    commands.GroupCog, group_name="admin", group_description="Server settings, AI costs, course"
):
    """What a server admin configures and checks."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        super().__init__()

    @app_commands.command(description="Show this server's tutor settings, or change them")
    @app_commands.describe(
        model="Chat model for this server's AI calls",
        quota="AI questions a learner can bank (1-1000)",
        quota_refill_minutes="Minutes until a used question comes back",
        daily_budget_usd="Most this server may spend on AI per UTC day; 0 turns AI answers off",
        add_admin_role="Give this role the admin commands",
        remove_admin_role="Take the admin commands from this role",
        add_moderator_role="Give this role the moderator commands",
        remove_moderator_role="Take the moderator commands from this role",
        nudge_channel="Channel for daily review nudges of learners who chose channel mode",
        reset="Put one setting back to its default (roles: none)",
    )
    @staff_only(Rank.ADMIN)
    async def settings(
        self,
        interaction: discord.Interaction,
        model: app_commands.Range[str, 1, MODEL_CHARS] | None = None,
        quota: app_commands.Range[int, 1, MAX_QUOTA] | None = None,
        quota_refill_minutes: app_commands.Range[int, 1, MAX_REFILL_SECONDS // 60] | None = None,
        daily_budget_usd: app_commands.Range[float, 0.0, MAX_BUDGET_USD] | None = None,
        add_admin_role: discord.Role | None = None,
        remove_admin_role: discord.Role | None = None,
        add_moderator_role: discord.Role | None = None,
        remove_moderator_role: discord.Role | None = None,
        nudge_channel: discord.TextChannel | None = None,
        reset: Resettable | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only

        def ids(role: discord.Role | None) -> frozenset[int]:
            return frozenset() if role is None else frozenset({role.id})

        change = SettingsChange(
            model=model,
            quota_max=quota,
            quota_refill_seconds=None
            if quota_refill_minutes is None
            else quota_refill_minutes * 60,
            daily_budget_usd=daily_budget_usd,
            add_moderator_roles=ids(add_moderator_role),
            remove_moderator_roles=ids(remove_moderator_role),
            add_admin_roles=ids(add_admin_role),
            remove_admin_roles=ids(remove_admin_role),
            nudge_channel_id=nudge_channel.id if nudge_channel else None,
            reset=frozenset({reset}) if reset else frozenset(),
        )
        deps = self.bot.deps
        overview = (
            await server_settings(deps, guild_id)
            if change.empty
            else await update_server_settings(deps, guild_id, change, by=interaction.user.id)
        )
        await interaction.followup.send(
            embed=settings_embed(overview), ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(description="AI usage per learner per day, with a CSV file")
    @app_commands.describe(days="How many UTC days back, today included (default 7)")
    @staff_only(Rank.ADMIN)
    async def costs(
        self, interaction: discord.Interaction, days: app_commands.Range[int, 1, MAX_COST_DAYS] = 7
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        guild_id = interaction.guild_id
        assert guild_id is not None  # guild_only
        report = await cost_report(self.bot.deps, days=days, guild_id=guild_id)
        files = []
        if report.rows:
            name = f"tutorbot-costs-{report.first:%Y%m%d}-{report.last:%Y%m%d}.csv"
            files.append(discord.File(io.BytesIO(cost_csv(report)), filename=name))
        await interaction.followup.send(
            embed=costs_embed(report, days), files=files, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @app_commands.command(
        name="reload-curriculum",
        description="Load the course files again (a course with problems is refused)",
    )
    @staff_only(Rank.ADMIN)
    async def reload_curriculum(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await reload_curriculum(self.bot.deps)
        what = (
            f"{escape_markdown(result.title)} {result.version}: {result.units} units, "
            f"{result.sections} sections, {result.questions} questions"
        )
        text = (
            f"Reloaded **{what}** (was {escape_markdown(result.previous)}; "
            f"{result.seconds:.1f} s). New questions and answers use it now."
            if result.changed
            else f"No changes on disk: **{what}** stays in use."
        )
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
