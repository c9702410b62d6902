"""/questions generate and /questions review: model-written questions and their review queue.

The whole group is for moderators (Discord hides it from others by default; every command,
button and modal checks again at run time). Review messages are private (they show
answers) and their buttons are persistent: the custom_id carries the generated question's
row id and whether the review stays in that question's unit, so a click works after a
restart and acts on exactly the question shown, never on whatever is pending now.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands
from discord.utils import escape_markdown

from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.identity import unit_choices
from tutorbot.bot.permissions import Rank, require, staff_only
from tutorbot.bot.render import NO_PINGS, split_message
from tutorbot.curriculum.models import MultipleChoiceQuestion, ShortAnswerQuestion
from tutorbot.tutor.generate import MAX_COUNT, GenerationResult, generate_questions
from tutorbot.tutor.question_checks import MAX_PROMPT_CHARS, MAX_TEXT_CHARS
from tutorbot.tutor.question_review import (
    QuestionEdit,
    ReviewItem,
    answer_field,
    approve_question,
    edit_question,
    next_pending,
    pending_count,
    reject_question,
    review_item,
)

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot
    from tutorbot.tutor.deps import TutorDeps

PREFIX = "gq"
ACTIONS = {
    "approve": ("Approve", discord.ButtonStyle.success),
    "edit": ("Edit", discord.ButtonStyle.primary),
    "reject": ("Reject", discord.ButtonStyle.danger),
}
TEXT_INPUT_LIMIT = 4000  # Discord's longest text input value


def _bot(interaction: discord.Interaction) -> TutorBot:
    return interaction.client  # type: ignore[return-value]


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def review_embed(item: ReviewItem, waiting: int) -> discord.Embed:
    """The question as learners would see it, plus its key, source and check results."""
    q = item.question
    lines = [_clip(q.prompt, MAX_PROMPT_CHARS + 100)]
    if isinstance(q, MultipleChoiceQuestion):
        lines += [
            f"{'✅' if c.correct else '▫️'} **{chr(65 + n)}.** {_clip(c.text, 250)}"
            for n, c in enumerate(q.choices)
        ]
    embed = discord.Embed(
        title=f"Review {q.id} ({q.type.replace('_', ' ')})",
        description="\n".join(lines),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(name="Answer", value=_clip(item.answer_text, 1024), inline=False)
    embed.add_field(name="Section", value=_clip(q.section or "none", 1024))
    embed.add_field(name="Bloom level", value=q.bloom.value if q.bloom else "none")
    embed.add_field(name="Explanation", value=_clip(q.explanation or "none", 1024), inline=False)
    if isinstance(q, ShortAnswerQuestion) and q.rubric:
        rubric = [f"{c.points} pt: {c.criterion} ({', '.join(c.keywords)})" for c in q.rubric]
        embed.add_field(name="Rubric", value=_clip("\n".join(rubric), 600), inline=False)
    if item.report is not None:
        checks = [f"{'✓' if r.passed else '✗'} {r.name}: {r.detail}" for r in item.report.results]
        embed.add_field(name="Checks", value=_clip("\n".join(checks), 900), inline=False)
    embed.set_footer(text=f"{waiting} waiting for review · drafted by {item.model}")
    return embed


def review_view(item: ReviewItem, same_unit: bool) -> discord.ui.View:
    """Approve, Edit and Reject buttons for this one question."""
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ReviewButton(item.row_id, action, same_unit))
    return view


async def next_review(
    deps: TutorDeps, unit_id: str | None
) -> tuple[discord.Embed, discord.ui.View] | None:
    """The oldest pending question (of ``unit_id``, whose buttons then stay in it) with its
    buttons, or ``None`` when none wait."""
    item = await next_pending(deps, unit_id)
    if item is None:
        return None
    waiting = await pending_count(deps, unit_id)
    return review_embed(item, waiting), review_view(item, same_unit=unit_id is not None)


async def show_next(
    interaction: discord.Interaction, note: str, unit_id: str | None, same_unit: bool
) -> None:
    """Replace the review message with ``note`` and the next pending question, if any."""
    shown = await next_review(_bot(interaction).deps, unit_id if same_unit else None)
    if shown is None:
        await interaction.edit_original_response(
            content=f"{note}\nNo more questions are waiting for review.",
            embed=None,
            view=None,
            allowed_mentions=NO_PINGS,
        )
        return
    embed, view = shown
    await interaction.edit_original_response(
        content=note, embed=embed, view=view, allowed_mentions=NO_PINGS
    )


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<row>\d+):(?P<action>approve|edit|reject):(?P<scope>[ua])",
):
    """Approve, edit or reject generated question ``row``; ``u`` keeps the review in its unit."""

    def __init__(self, row: int, action: str, same_unit: bool) -> None:
        label, style = ACTIONS[action]
        scope = "u" if same_unit else "a"
        super().__init__(
            discord.ui.Button(
                label=label, style=style, custom_id=f"{PREFIX}:{row}:{action}:{scope}"
            )
        )
        self.row_id, self.action, self.same_unit = row, action, same_unit

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReviewButton:
        return cls(int(match["row"]), match["action"], match["scope"] == "u")

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            if self.action == "edit":
                await self._open_editor(interaction)
                return
            await interaction.response.defer()
            await require(interaction, Rank.MODERATOR)
            deps, who = _bot(interaction).deps, interaction.user.id
            if self.action == "approve":
                done = await approve_question(deps, self.row_id, reviewer=who)
                note = (
                    f"✅ Approved **{done.question.id}**: it is now in the `{done.unit_id}` bank."
                )
            else:
                done = await reject_question(deps, self.row_id, reviewer=who)
                note = f"🗑️ Rejected **{done.question.id}**."
            await show_next(interaction, note, done.unit_id, self.same_unit)
        except Exception as exc:  # the one error path renders it
            await reply_with_error(interaction, exc)

    async def _open_editor(self, interaction: discord.Interaction) -> None:
        # A modal must be the first response, so the rank check and the read come first.
        await require(interaction, Rank.MODERATOR)
        item = await review_item(_bot(interaction).deps, self.row_id)
        if item.status != "pending":
            await interaction.response.send_message(
                f"{item.question.id} was already {item.status}; nothing to edit.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        await interaction.response.send_modal(EditModal(item, self.same_unit))


class EditModal(discord.ui.Modal):
    """The editable parts of a pending question; submitting approves it if it passes."""

    def __init__(self, item: ReviewItem, same_unit: bool) -> None:
        scope = "u" if same_unit else "a"
        super().__init__(
            title=f"Edit {item.question.id}"[:45],
            custom_id=f"{PREFIX}:{item.row_id}:modal:{scope}",
            timeout=None,
        )
        self.row_id, self.same_unit = item.row_id, same_unit
        q = item.question
        if isinstance(q, MultipleChoiceQuestion):
            answer_label = "Choices (one per line, * marks the correct)"
        elif isinstance(q, ShortAnswerQuestion):
            answer_label = "Model answer"
        else:
            answer_label = "Answer: true or false"
        self.prompt: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Question",
            style=discord.TextStyle.paragraph,
            default=q.prompt[:MAX_PROMPT_CHARS],
            max_length=MAX_PROMPT_CHARS,
            custom_id="prompt",
        )
        self.answer: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label=answer_label,
            style=discord.TextStyle.paragraph,
            default=answer_field(q)[:TEXT_INPUT_LIMIT],
            max_length=TEXT_INPUT_LIMIT,
            custom_id="answer",
        )
        self.explanation: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Explanation",
            style=discord.TextStyle.paragraph,
            default=(q.explanation or "")[:MAX_TEXT_CHARS],
            max_length=MAX_TEXT_CHARS,
            custom_id="explanation",
        )
        self.bloom: discord.ui.TextInput[EditModal] = discord.ui.TextInput(
            label="Bloom level (remember … create)",
            default=q.bloom.value if q.bloom else "",
            max_length=20,
            custom_id="bloom",
        )
        for field in (self.prompt, self.answer, self.explanation, self.bloom):
            self.add_item(field)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await require(interaction, Rank.MODERATOR)
        edit = QuestionEdit(
            self.prompt.value, self.answer.value, self.explanation.value, self.bloom.value
        )
        done = await edit_question(
            _bot(interaction).deps, self.row_id, edit, reviewer=interaction.user.id
        )
        note = f"✏️ Edited and approved **{done.question.id}**: now in the `{done.unit_id}` bank."
        await show_next(interaction, note, done.unit_id, self.same_unit)

    async def on_error(  # type: ignore[override]  # Modal passes no item (discord.py typing)
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await reply_with_error(interaction, error)


def generation_text(result: GenerationResult) -> str:
    """What a generate request queued and discarded, and why."""
    lines = [
        f"Queued **{len(result.queued)}** of {result.requested} drafted question(s) on "
        f"`{result.unit_id}` for review."
    ]
    for queued in result.queued:
        prompt = escape_markdown(_clip(queued.prompt, 150))
        lines.append(f"• `{queued.question_id}` ({queued.section}): {prompt}")
    for rejected in result.rejected:
        why = "; ".join(rejected.reasons)
        lines.append(
            f"✗ draft {rejected.number} discarded: {escape_markdown(_clip(rejected.prompt, 100))}"
            f"\n  -# {_clip(why, 400)}"
        )
    if result.queued:
        lines.append("Review them with `/questions review`.")
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class QuestionsCog(
    commands.GroupCog, group_name="questions", group_description="Generated questions (moderators)"
):
    """Drafting questions with the model and reviewing them before learners see them."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot
        super().__init__()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(ReviewButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ReviewButton)

    @app_commands.command(description="Draft new questions for a unit with the model")
    @app_commands.describe(unit="The unit", count=f"How many to draft (1 to {MAX_COUNT})")
    @staff_only(Rank.MODERATOR)
    async def generate(
        self,
        interaction: discord.Interaction,
        unit: str,
        count: app_commands.Range[int, 1, MAX_COUNT] = 5,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await generate_questions(
            unit,
            count,
            deps=self.bot.deps,
            created_by=interaction.user.id,
            guild_id=interaction.guild_id,
        )
        for part in split_message(generation_text(result)):
            await interaction.followup.send(part, ephemeral=True, allowed_mentions=NO_PINGS)

    @app_commands.command(description="Review the oldest question waiting for approval")
    @app_commands.describe(unit="Only this unit's questions (default: every unit)")
    @staff_only(Rank.MODERATOR)
    async def review(self, interaction: discord.Interaction, unit: str | None = None) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = await next_review(self.bot.deps, unit)
        if shown is None:
            await interaction.followup.send(
                "No generated questions are waiting for review.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
            return
        embed, view = shown
        await interaction.followup.send(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @generate.autocomplete("unit")
    @review.autocomplete("unit")
    async def _unit_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return unit_choices(self.bot.deps.course, current)
