"""/challenge post, leaderboard and close; the Attempt button; the scheduler's messages.

A posted challenge is a channel message with an "Attempt" button whose custom_id carries
the challenge id, so it works after a restart. An attempt is answered privately with the
quiz's own buttons (``question_view``/``show_step``). Deadlines are shown with Discord
timestamps, which every reader sees in their own time zone. The scheduler (started in
``cog_load``, stopped in ``cog_unload``) reminds and closes challenges by itself.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown, format_dt

from tutorbot.bot.cogs.cohort import cohort_autocomplete
from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.identity import learner_of, unit_choices
from tutorbot.bot.permissions import Rank, staff_only
from tutorbot.bot.render import NO_PINGS, question_embed
from tutorbot.bot.scheduler import ChallengeScheduler
from tutorbot.tutor.challenges import (
    ChallengeError,
    ChallengeInfo,
    Leaderboard,
    challenge_choices,
    close_challenge,
    create_challenge,
    discard_challenge,
    find_challenge,
    leaderboard,
    parse_deadline,
    set_message,
    start_attempt,
    zone_choices,
)

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

PREFIX = "tc"
SHOWN_STANDINGS = 20
_OPEN, _CLOSED, _GOLD = discord.Colour.blurple(), discord.Colour.dark_grey(), discord.Colour.gold()
_MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
POSTABLE = (discord.ChannelType.text, discord.ChannelType.news)


def deadline_text(info: ChallengeInfo) -> str:
    """The deadline in every reader's own zone, and as the moderator wrote it."""
    local = info.deadline.local.strftime("%Y-%m-%d %H:%M")
    return (
        f"{format_dt(info.due_at, 'F')} ({format_dt(info.due_at, 'R')})\n"
        f"-# set as {local} {info.deadline.time_zone}"
    )


def challenge_embed(info: ChallengeInfo) -> discord.Embed:
    """The challenge message: what to do, on which unit, for whom, until when."""
    closed = not info.is_open
    title = f"{'🔒 Closed: ' if closed else '🏁 '}{info.title}"
    embed = discord.Embed(
        title=title[:256],
        description=(info.instructions or "Answer the questions; one attempt each.")[:4096],
        colour=_CLOSED if closed else _OPEN,
    )
    embed.add_field(name="Unit", value=escape_markdown(info.unit_title)[:1024])
    embed.add_field(name="Questions", value=str(info.question_count))
    embed.add_field(
        name="Who",
        value=f"Cohort **{escape_markdown(info.cohort_name)}**" if info.cohort_name else "Everyone",
    )
    if closed and info.closed_at is not None:
        embed.add_field(name="Closed", value=format_dt(info.closed_at, "F"), inline=False)
    else:
        embed.add_field(name="Deadline", value=deadline_text(info), inline=False)
    embed.set_footer(text=f"Challenge #{info.id} · one attempt each · the first finished counts")
    return embed


def challenge_view(info: ChallengeInfo) -> discord.ui.View:
    """The Attempt button, disabled once the challenge is closed."""
    view = discord.ui.View(timeout=None)
    view.add_item(AttemptButton(info.id, disabled=not info.is_open))
    return view


def leaderboard_embed(board: Leaderboard, *, final: bool = False) -> discord.Embed:
    """Finished attempts, best first (names as text: an embed never pings)."""
    info = board.challenge
    lines = [
        f"{_MEDALS.get(s.rank, f'{s.rank}.')} **{escape_markdown(s.display_name)}** · "
        f"{s.score:.0%} · finished {format_dt(s.finished_at, 'f')}"
        for s in board.standings[:SHOWN_STANDINGS]
    ]
    if len(board.standings) > SHOWN_STANDINGS:
        lines.append(f"…and {len(board.standings) - SHOWN_STANDINGS} more")
    heading = "🏆 Final results" if final else "🏆 Leaderboard"
    embed = discord.Embed(
        title=f"{heading}: {info.title}"[:256],
        description="\n".join(lines) or "Nobody has finished this challenge yet.",
        colour=_GOLD,
    )
    footer = f"{len(board.standings)} finished"
    if board.unfinished:
        footer += f" · {board.unfinished} {'did not finish' if final else 'in progress'}"
    embed.set_footer(text=f"{footer} · ranked by score, then by who finished first")
    return embed


def _channel(bot: TutorBot, info: ChallengeInfo) -> discord.PartialMessageable:
    return bot.get_partial_messageable(info.channel_id, guild_id=info.guild_id)


def _reference(info: ChallengeInfo) -> discord.MessageReference | None:
    if info.message_id is None:
        return None
    return discord.MessageReference(
        message_id=info.message_id,
        channel_id=info.channel_id,
        guild_id=info.guild_id,
        fail_if_not_exists=False,
    )


async def announce_closed(bot: TutorBot, info: ChallengeInfo) -> None:
    """Disable the Attempt button on the challenge message and post the final results."""
    channel = _channel(bot, info)
    if info.message_id is not None:
        with contextlib.suppress(discord.NotFound):  # deleted: the results still go out
            await channel.get_partial_message(info.message_id).edit(
                embed=challenge_embed(info), view=challenge_view(info), allowed_mentions=NO_PINGS
            )
    board = await leaderboard(bot.deps, info)
    await channel.send(
        embed=leaderboard_embed(board, final=True),
        reference=_reference(info),  # type: ignore[arg-type]  # None is accepted
        allowed_mentions=NO_PINGS,
    )


async def announce_reminder(bot: TutorBot, info: ChallengeInfo) -> None:
    """Tell the challenge's channel the deadline is near (a reply; pings nobody)."""
    board = await leaderboard(bot.deps, info)
    await _channel(bot, info).send(
        f"⏰ **{escape_markdown(info.title)}** closes {format_dt(info.due_at, 'R')} "
        f"({format_dt(info.due_at, 'F')}). {len(board.standings)} finished so far: "
        "press Attempt on the challenge to take part.",
        reference=_reference(info),  # type: ignore[arg-type]
        allowed_mentions=NO_PINGS,
    )


class AttemptButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{PREFIX}:(?P<challenge>\d+):go"
):
    """Starts (or resumes) the presser's attempt, privately."""

    def __init__(self, challenge_id: int, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Attempt",
                emoji="🏁",
                style=discord.ButtonStyle.primary,
                disabled=disabled,
                custom_id=f"{PREFIX}:{challenge_id}:go",
            )
        )
        self.challenge_id = challenge_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AttemptButton:
        return cls(int(match["challenge"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        from tutorbot.bot.cogs.quiz import question_view

        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            member = interaction.user
            roles = {r.id for r in member.roles} if isinstance(member, discord.Member) else set()
            first = await start_attempt(
                interaction.client.deps,  # type: ignore[attr-defined]
                self.challenge_id,
                learner=learner_of(interaction),
                role_ids=roles,
            )
            await interaction.followup.send(
                embed=question_embed(first),
                view=question_view(first),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        except Exception as exc:
            await reply_with_error(interaction, exc)


class ChallengeCog(commands.GroupCog, group_name="challenge"):
    """Cohort challenges: moderators post and close them, everyone sees the leaderboard."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        self.scheduler = ChallengeScheduler(
            lambda: bot.deps,
            on_close=lambda info: announce_closed(bot, info),
            on_remind=lambda info: announce_reminder(bot, info),
            interval=bot.settings.challenge_tick_seconds,
            wait_until_ready=bot.wait_until_ready,
        )
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(AttemptButton)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        await self.scheduler.stop()
        self.bot.remove_dynamic_items(AttemptButton)

    async def _challenge_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        found = await challenge_choices(self.bot.deps, interaction.guild_id, current)
        return [app_commands.Choice(name=label, value=value) for label, value in found]

    @app_commands.command(description="Post a challenge with a deadline (moderators)")
    @app_commands.describe(
        unit="The unit its questions come from",
        title="A short title",
        due_date="Deadline date, YYYY-MM-DD",
        due_time="Deadline time, HH:MM (24-hour)",
        time_zone="The deadline's time zone (IANA name, e.g. Europe/Paris)",
        channel="Where to post it (default: here)",
        cohort="Only this cohort may attempt (default: everyone)",
        instructions="What to tell the learners",
        questions="How many questions",
    )
    @app_commands.autocomplete(cohort=cohort_autocomplete)
    @staff_only(Rank.MODERATOR)
    async def post(
        self,
        interaction: discord.Interaction,
        unit: str,
        title: app_commands.Range[str, 1, 200],
        due_date: app_commands.Range[str, 1, 20],
        due_time: app_commands.Range[str, 1, 20],
        time_zone: str,
        channel: app_commands.AppCommandChannel | None = None,
        cohort: str | None = None,
        instructions: app_commands.Range[str, 1, 1500] | None = None,
        questions: app_commands.Range[int, 1, 20] = 5,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        assert interaction.channel_id is not None
        deps = self.bot.deps
        if channel is not None and channel.type not in POSTABLE:
            raise ChallengeError("Post challenges in a text or announcement channel.")
        deadline = parse_deadline(due_date, due_time, time_zone, deps.clock())
        target = channel.id if channel is not None else interaction.channel_id
        info = await create_challenge(
            deps,
            guild_id=interaction.guild_id,
            unit_id=unit,
            title=title,
            instructions=instructions or "",
            deadline=deadline,
            channel_id=target,
            created_by=interaction.user.id,
            cohort=cohort,
            count=questions,
        )
        try:
            message = await _channel(self.bot, info).send(
                embed=challenge_embed(info), view=challenge_view(info), allowed_mentions=NO_PINGS
            )
        except discord.HTTPException:
            await discard_challenge(deps, info.id)
            raise ChallengeError(
                f"I could not post in <#{target}>; give me Send Messages and Embed Links "
                "there and try again. Nothing was saved."
            ) from None
        info = await set_message(deps, info.id, message.id)
        await interaction.followup.send(
            f"Posted challenge #{info.id} **{escape_markdown(info.title)}** in <#{target}>: "
            f"{message.jump_url}\nIt closes {format_dt(info.due_at, 'F')} "
            f"({format_dt(info.due_at, 'R')}); a reminder and the final results follow "
            "by themselves.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @post.autocomplete("unit")
    async def _units(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return unit_choices(self.bot.deps.course, current, with_quiz=True)

    @post.autocomplete("time_zone")
    async def _zones(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in zone_choices(current)]

    @app_commands.command(name="leaderboard", description="A challenge's standings")
    @app_commands.describe(challenge="The challenge (its number or title)")
    async def leaderboard_(self, interaction: discord.Interaction, challenge: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        if interaction.guild_id is None:
            raise ChallengeError("Challenges belong to a server; use this command there.")
        info = await find_challenge(self.bot.deps, interaction.guild_id, challenge)
        board = await leaderboard(self.bot.deps, info)
        await interaction.followup.send(
            embed=leaderboard_embed(board, final=not info.is_open),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(description="Close a challenge now and post its results (moderators)")
    @app_commands.describe(challenge="The challenge (its number or title)")
    @staff_only(Rank.MODERATOR)
    async def close(self, interaction: discord.Interaction, challenge: str) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        deps = self.bot.deps
        info = await find_challenge(deps, interaction.guild_id, challenge)
        closed = await close_challenge(deps, info.id, deps.clock())
        if closed is None:
            text = f"Challenge #{info.id} was already closed; nothing changed."
        else:
            await announce_closed(self.bot, closed)
            text = f"Closed challenge #{closed.id} and posted the final results."
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    leaderboard_.autocomplete("challenge")(_challenge_choices)
    close.autocomplete("challenge")(_challenge_choices)
