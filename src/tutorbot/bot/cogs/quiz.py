"""/quiz: one question at a time, answered with buttons or a modal; survives restarts.

Every component's custom_id carries the quiz session id and the question number, and the
session's state is in the database, so buttons keep working after the bot restarts
(discord.py's ``DynamicItem`` rebuilds them from their custom_id) and a click on an old
question is refused instead of answering the current one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from tutorbot.bot.errors import reply_with_error
from tutorbot.bot.identity import learner_of, unit_choices
from tutorbot.bot.render import NO_PINGS, question_embed, step_embeds
from tutorbot.errors import TutorError
from tutorbot.tutor import (
    QuestionView,
    QuizStep,
    answer_question,
    current_question,
    hint,
    start_quiz,
)

if TYPE_CHECKING:
    from tutorbot.bot.client import TutorBot

PREFIX = "tq"


def _bot(interaction: discord.Interaction) -> TutorBot:
    return interaction.client  # type: ignore[return-value]


async def _check_current(interaction: discord.Interaction, session: int, number: int) -> None:
    view = await current_question(
        session, learner=learner_of(interaction), deps=_bot(interaction).deps
    )
    if view.number != number:
        raise TutorError("That question was already answered; use the latest message.")


def question_view(q: QuestionView) -> discord.ui.View:
    """Buttons for the question: one per choice (or a 'write' button), and a hint."""
    view = discord.ui.View(timeout=None)
    if q.choices:
        for n, _ in enumerate(q.choices):
            view.add_item(ChoiceButton(q.session_id, q.number, n))
    else:
        view.add_item(WriteButton(q.session_id, q.number))
    view.add_item(HintButton(q.session_id, q.number))
    return view


async def show_step(interaction: discord.Interaction, step: QuizStep) -> None:
    """Replace the question with its grade, and the next question (or the final score)."""
    embeds = step_embeds(step)
    view = question_view(step.next_question) if step.next_question is not None else None
    await interaction.edit_original_response(embeds=embeds, view=view, allowed_mentions=NO_PINGS)


async def submit(interaction: discord.Interaction, session: int, number: int, answer: str) -> None:
    """Grade an answer given through a button or the modal, and show what follows."""
    await interaction.response.defer()
    await _check_current(interaction, session, number)
    step = await answer_question(
        session, answer, learner=learner_of(interaction), deps=_bot(interaction).deps
    )
    await show_step(interaction, step)
    if step.final is not None:
        from tutorbot.bot.cogs.certify import announce_final  # it builds on this module

        await announce_final(interaction, step.final)


class ChoiceButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<session>\d+):(?P<number>\d+):c(?P<choice>\d+)",
):
    """Answers the question with choice ``choice`` (0-based; shown as A, B, ...)."""

    def __init__(self, session: int, number: int, choice: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=chr(65 + choice),
                style=discord.ButtonStyle.secondary,
                custom_id=f"{PREFIX}:{session}:{number}:c{choice}",
            )
        )
        self.session, self.number, self.choice = session, number, choice

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ChoiceButton:
        return cls(int(match["session"]), int(match["number"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await submit(interaction, self.session, self.number, str(self.choice + 1))
        except Exception as exc:  # the one error path renders it
            await reply_with_error(interaction, exc)


class AnswerModal(discord.ui.Modal, title="Your answer"):
    """A text box for short answers."""

    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Answer", style=discord.TextStyle.paragraph, max_length=2000, custom_id="answer"
    )

    def __init__(self, session: int, number: int) -> None:
        super().__init__(custom_id=f"{PREFIX}:{session}:{number}:modal")
        self.session, self.number = session, number

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await submit(interaction, self.session, self.number, self.answer.value)

    async def on_error(  # type: ignore[override]  # Modal passes no item (discord.py typing)
        self, interaction: discord.Interaction, error: Exception
    ) -> None:
        await reply_with_error(interaction, error)


class WriteButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<session>\d+):(?P<number>\d+):write",
):
    """Opens the modal for a short answer."""

    def __init__(self, session: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Write my answer",
                style=discord.ButtonStyle.primary,
                custom_id=f"{PREFIX}:{session}:{number}:write",
            )
        )
        self.session, self.number = session, number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> WriteButton:
        return cls(int(match["session"]), int(match["number"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AnswerModal(self.session, self.number))


class HintButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"{PREFIX}:(?P<session>\d+):(?P<number>\d+):hint",
):
    """The next rung of the hint ladder, privately."""

    def __init__(self, session: int, number: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Hint",
                emoji="💡",
                style=discord.ButtonStyle.success,
                custom_id=f"{PREFIX}:{session}:{number}:hint",
            )
        )
        self.session, self.number = session, number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HintButton:
        return cls(int(match["session"]), int(match["number"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            await _check_current(interaction, self.session, self.number)
            given = await hint(
                self.session, learner=learner_of(interaction), deps=_bot(interaction).deps
            )
            await interaction.followup.send(
                f"💡 Hint {given.level}/3: {given.text}", ephemeral=True, allowed_mentions=NO_PINGS
            )
        except Exception as exc:
            await reply_with_error(interaction, exc)


async def begin_quiz(interaction: discord.Interaction, unit: str | None, count: int) -> None:
    """Open a quiz privately and show its first question."""
    await interaction.response.defer(ephemeral=True, thinking=True)
    first = await start_quiz(
        unit, learner=learner_of(interaction), deps=_bot(interaction).deps, count=count
    )
    await interaction.followup.send(
        embed=question_embed(first),
        view=question_view(first),
        ephemeral=True,
        allowed_mentions=NO_PINGS,
    )


def quiz_components() -> list[type[discord.ui.DynamicItem[Any]]]:
    """The components the bot must recognise after a restart."""
    from tutorbot.bot.cogs.learn import StartQuizButton, UnitPageButton

    return [ChoiceButton, WriteButton, HintButton, UnitPageButton, StartQuizButton]


class QuizCog(commands.Cog):
    """Quizzes over the course's authored questions."""

    def __init__(self, bot: TutorBot) -> None:
        self.bot = bot

    @app_commands.command(description="A quiz on a unit, one question at a time")
    @app_commands.describe(unit="The unit (default: your next one)", count="How many questions")
    async def quiz(
        self,
        interaction: discord.Interaction,
        unit: str | None = None,
        count: app_commands.Range[int, 1, 20] = 5,
    ) -> None:
        await begin_quiz(interaction, unit, count)

    @quiz.autocomplete("unit")
    async def _unit_choices(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return unit_choices(self.bot.deps.course, current, with_quiz=True)
