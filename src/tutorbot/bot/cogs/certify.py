"""/certify, /verify and /certificate (admin): the course certificate on Discord.

``/certify`` privately shows what is still missing, or starts (resumes) the final
assessment with the usual quiz buttons; when the last answer passes it, the quiz cog
hands the outcome to ``announce_final``: the certificate PNG, its id and signed code, and
the server's certificate role, granted once. ``/verify`` answers anyone, privately, so a
check does not post someone's certificate in the channel.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from tutorbot.bot.cogs.quiz import question_view
from tutorbot.bot.identity import learner_of
from tutorbot.bot.permissions import Rank, staff_only
from tutorbot.bot.render import NO_PINGS, question_embed
from tutorbot.tutor.certificate_checks import Verdict, revoke, verify
from tutorbot.tutor.certificate_image import certificate_png
from tutorbot.tutor.certificates import IssuedCertificate
from tutorbot.tutor.certificates import certificate as find_certificate
from tutorbot.tutor.certify import AlreadyCertified, certify, set_certificate_role
from tutorbot.tutor.results import FinalOutcome

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

log = logging.getLogger(__name__)
_VERDICT_STYLE = {
    Verdict.GENUINE: ("✅ Genuine certificate", discord.Colour.green()),
    Verdict.REVOKED: ("⛔ Revoked certificate", discord.Colour.orange()),
    Verdict.TAMPERED: ("⚠️ Tampered certificate", discord.Colour.red()),
    Verdict.UNKNOWN: ("❓ Unknown certificate", discord.Colour.light_grey()),
    Verdict.INVALID: ("❓ Not a certificate id", discord.Colour.light_grey()),
}


def _bot(interaction: discord.Interaction) -> TutorBot:
    return interaction.client  # type: ignore[return-value]


async def grant_role(interaction: discord.Interaction, cert: IssuedCertificate) -> str | None:
    """Give the server's certificate role once (skipped when held); a sentence for the
    learner about it, or None when the server has no such role."""
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        return None
    config = await _bot(interaction).deps.rules.config(guild.id)  # cached, dropped on change
    if config.certificate_role_id is None:
        return None
    role = guild.get_role(config.certificate_role_id)
    if role is None:
        log.warning(
            "certificate role %s is gone from guild %s", config.certificate_role_id, guild.id
        )
        return "The certificate role set here no longer exists; an admin can set a new one."
    name = escape_markdown(role.name)
    if member.get_role(role.id) is not None:
        return f"You already have the **{name}** role."
    try:
        await member.add_roles(role, reason=f"Course certificate {cert.id}")
    except discord.Forbidden:
        log.warning("cannot grant role %s in guild %s: missing Manage Roles", role.id, guild.id)
        return (
            f"I could not give you the **{name}** role: I need the Manage Roles permission "
            "and a role above it. Please tell an admin; your certificate is valid anyway."
        )
    return f"You now have the **{name}** role."


async def deliver_certificate(
    interaction: discord.Interaction, cert: IssuedCertificate, *, new: bool
) -> None:
    """The certificate privately: PNG, id, signed code, and the role."""
    deps = _bot(interaction).deps
    title = deps.course.title if cert.course_id == deps.course.id else cert.course_id
    png = await asyncio.to_thread(certificate_png, cert, title)
    role_note = await grant_role(interaction, cert)
    lines = [
        ("🎓 Congratulations, you passed! " if new else "You hold this certificate. ")
        + f"Anyone can check it with `/verify {cert.id}`.",
    ]
    if role_note:
        lines.append(role_note)
    embed = discord.Embed(
        title=f"Certificate: {escape_markdown(title)}"[:256],
        description="\n".join(lines),
        colour=discord.Colour.green(),
    )
    embed.add_field(name="Certificate id", value=f"`{cert.id}`")
    embed.add_field(name="Score", value=f"{cert.score:.0%}")
    embed.add_field(name="Issued", value=discord.utils.format_dt(cert.issued_at, "D"))
    filename = f"certificate-{cert.id}.png"
    embed.set_image(url=f"attachment://{filename}")
    await interaction.followup.send(
        f"Signed code (for `tutorbot certificate verify`):\n```\n{cert.code}\n```",
        embed=embed,
        file=discord.File(io.BytesIO(png), filename=filename),
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )


async def announce_final(interaction: discord.Interaction, outcome: FinalOutcome) -> None:
    """After the last answer of a final assessment: the certificate, or when to try again."""
    if outcome.passed and outcome.certificate_id is not None:
        issued = await find_certificate(outcome.certificate_id, _bot(interaction).deps)
        if issued is not None:
            await deliver_certificate(interaction, issued, new=True)
            return
    again = (
        f" Your next attempt opens {discord.utils.format_dt(outcome.retry_at, 'R')}."
        if outcome.retry_at is not None
        else ""
    )
    await interaction.followup.send(
        f"You scored {outcome.score:.0%}; the pass mark is {outcome.pass_score:.0%}.{again} "
        "Reviewing the units you found hard is the best preparation.",
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )


class CertifyCog(commands.Cog):
    """Certificates: earn one, check one, and (admins) revoke one or set its role."""

    certificate_group = app_commands.Group(
        name="certificate",
        description="Course certificates (admins)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    @app_commands.command(description="Take the final assessment, or see what is missing")
    async def certify(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await certify(learner_of(interaction), self.bot.deps)
        if isinstance(result, AlreadyCertified):
            await deliver_certificate(interaction, result.certificate, new=result.new)
            return
        q = result.question
        intro = (
            f"Welcome back to your final assessment (question {q.number} of {q.total})."
            if result.resumed
            else f"Final assessment: {q.total} questions; you pass at {result.pass_score:.0%}. "
            "Good luck!"
        )
        await interaction.followup.send(
            intro,
            embed=question_embed(q),
            view=question_view(q),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @app_commands.command(description="Check whether a course certificate is genuine")
    @app_commands.describe(certificate="The certificate id, like 7K3QD-M9XWA")
    async def verify(
        self, interaction: discord.Interaction, certificate: app_commands.Range[str, 1, 600]
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = await verify(certificate, self.bot.deps)
        title, colour = _VERDICT_STYLE[found.verdict]
        embed = discord.Embed(
            title=title, description=escape_markdown(found.message)[:4096], colour=colour
        )
        await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)

    @certificate_group.command(name="revoke", description="Revoke a certificate from this server")
    @app_commands.describe(certificate="The certificate id", reason="Why (shown on verification)")
    @staff_only(Rank.ADMIN)
    async def revoke_certificate(
        self,
        interaction: discord.Interaction,
        certificate: app_commands.Range[str, 1, 40],
        reason: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await revoke(
            certificate,
            by=interaction.user.id,
            reason=reason,
            deps=self.bot.deps,
            guild_id=interaction.guild_id,
        )
        await interaction.followup.send(
            f"Certificate `{done.id}` of {escape_markdown(done.learner_name)} is revoked; "
            "/verify now reports it as revoked. (Roles already granted stay; remove them by "
            "hand if needed.)",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @certificate_group.command(name="role", description="The role given to certified learners")
    @app_commands.describe(role="The role to grant (leave empty to grant none)")
    @staff_only(Rank.ADMIN)
    async def certificate_role(
        self, interaction: discord.Interaction, role: discord.Role | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None  # guild_only
        await set_certificate_role(interaction.guild_id, role.id if role else None, self.bot.deps)
        text = (
            f"Learners who earn the certificate here now get **{escape_markdown(role.name)}**. "
            "I need the Manage Roles permission and a role above it."
            if role
            else "Earning the certificate here no longer grants a role."
        )
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
