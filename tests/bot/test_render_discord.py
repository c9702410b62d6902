"""The renderer inside a real bot: streamed replies through interaction followups and channel
messages, paced per channel, complete at the end, and never pinging anyone."""

from __future__ import annotations

import asyncio
import itertools

import discord
from discord import app_commands
from discord.ext import commands

from tests.bot.conftest import StartHarness
from tests.bot.harness import Harness
from tutorbot.bot.render import NO_PINGS, EditPacer, ThrottledEditor, progress_chart
from tutorbot.tutor.results import ProgressReport, UnitStanding

INTERVAL = 0.05
PINGY = "Ask @everyone or <@{user}> or <@&{role}> about @here. "


class Streaming(commands.Cog):
    """Commands that stream text like the tutor does, through each kind of target."""

    def __init__(self, words: list[str]) -> None:
        self.words = words

    async def _feed(
        self, editor: ThrottledEditor[discord.WebhookMessage] | ThrottledEditor[discord.Message]
    ) -> None:
        for word in self.words:
            await editor.push(word)
            await asyncio.sleep(0.002)
        await editor.finish()

    @app_commands.command(description="Stream into followups")
    async def stream(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await self._feed(ThrottledEditor.for_interaction(interaction))

    @app_commands.command(description="Stream into channel messages")
    async def announce(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            "Posting below.", ephemeral=True, allowed_mentions=NO_PINGS
        )
        channel = interaction.channel
        assert isinstance(channel, discord.TextChannel)
        await self._feed(
            ThrottledEditor.for_channel(channel, pacer=EditPacer.of(interaction.client))
        )

    @app_commands.command(description="A chart")
    async def chart(self, interaction: discord.Interaction) -> None:
        units = [UnitStanding("training", "Training", "in_progress", 0.5, 2, None)]
        chart = progress_chart(ProgressReport("c", "Course", units))
        await interaction.response.send_message(
            file=chart, ephemeral=True, allowed_mentions=NO_PINGS
        )


async def streaming_harness(start_harness: StartHarness, words: list[str]) -> Harness:
    # No bot-wide allowed_mentions: the renderer alone must keep pings off.
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=discord.Intents.default())
    await bot.add_cog(Streaming(words))
    EditPacer(INTERVAL).serve(bot)
    return await start_harness(bot)


def words_of(text: str, count: int) -> list[str]:
    return [f"{w} " for w in itertools.islice(itertools.cycle(text.split()), count)]


async def test_streamed_followup_shows_first_text_at_once_then_the_whole_text(
    start_harness: StartHarness,
) -> None:
    words = words_of("gradients point uphill so step the other way", 120)
    harness = await streaming_harness(start_harness, words)

    turn = await harness.slash("stream")

    assert turn.followups[0].content == words[0].strip()
    assert len(turn.edits) >= 2
    assert harness.messages[0]["content"] == "".join(words).strip()


async def test_edits_in_a_channel_are_paced_even_across_two_streams(
    start_harness: StartHarness,
) -> None:
    harness = await streaming_harness(start_harness, words_of("one two three four", 80))

    await asyncio.gather(harness.slash("stream"), harness.slash("stream"))

    times = sorted(s.at for s in harness.sent.edits)
    assert len(times) >= 4
    assert min(b - a for a, b in itertools.pairwise(times)) >= INTERVAL


async def test_a_long_stream_continues_in_more_messages_within_the_limit(
    start_harness: StartHarness,
) -> None:
    words = ["A sentence about learning rates and their schedules. "] * 100
    harness = await streaming_harness(start_harness, words)

    await harness.slash("stream")

    shown = [m["content"] for m in harness.messages]
    assert len(shown) >= 2
    assert all(len(text) <= 2000 for text in shown)
    assert " ".join(shown).split() == "".join(words).split()


async def test_channel_messages_stream_through_the_channel_route(
    start_harness: StartHarness,
) -> None:
    words = words_of("posted in the channel itself", 40)
    harness = await streaming_harness(start_harness, words)

    turn = await harness.slash("announce")

    assert [s.path for s in turn.sent.sends] == [f"/channels/{harness.world.channel_id}/messages"]
    assert harness.messages[-1]["content"] == "".join(words).strip()


async def test_no_message_the_renderer_sends_can_ping_anyone(start_harness: StartHarness) -> None:
    pingy = PINGY.format(user=1, role=2)
    harness = await streaming_harness(start_harness, words_of(pingy, 60))

    await harness.slash("stream")
    await harness.slash("announce")

    carrying = harness.sent.with_message
    assert len(carrying) >= 4
    assert all(
        s.message is not None and s.message.get("allowed_mentions") == {"parse": []}
        for s in carrying
    )


async def test_chart_arrives_as_a_png_attachment(start_harness: StartHarness) -> None:
    harness = await streaming_harness(start_harness, [])

    turn = await harness.slash("chart")

    (response,) = turn.responses
    assert response.files[0].filename == "progress.png"
    assert response.files[0].data.startswith(b"\x89PNG")
    assert harness.messages[-1]["attachments"][0]["content_type"] == "image/png"
