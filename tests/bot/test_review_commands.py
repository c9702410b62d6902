"""/review, /review-nudges and the daily nudge on real payloads, with the tutor's clock moved."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from discord.ext import commands

from tests.bot.conftest import StartHarness
from tests.bot.gateway_payloads import Payload
from tests.bot.harness import Harness
from tests.bot.message_store import http_error
from tests.bot.sent_log import Sent
from tests.bot.test_learner_journey import answer_current, buttons, start
from tests.tutor.conftest import FakeClock, MakeTutor
from tutorbot.bot.cogs.review import ReviewCog
from tutorbot.storage import GuildSettings

MORNING = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def review_cog(harness: Harness) -> ReviewCog:
    bot = harness.bot
    assert isinstance(bot, commands.Bot)
    cog = bot.get_cog("ReviewCog")
    assert isinstance(cog, ReviewCog)
    return cog


def open_dms(harness: Harness, *, closed: bool = False) -> None:
    """Let the bot open DM channels (and, if ``closed``, refuse messages in them)."""

    def create_dm(sent: Sent, _: dict[str, str]) -> Payload:
        recipient = harness.learner.user() | {"id": str(sent.json["recipient_id"])}
        return {"id": str(harness.world.ids()), "type": 1, "recipients": [recipient]}

    def refuse(sent: Sent, args: dict[str, str]) -> Any:
        raise http_error(403, 50007, "Cannot send messages to this user")

    harness.api.route("POST", "/users/@me/channels", create_dm)
    if closed:
        harness.api.route("POST", "/channels/{channel_id}/messages", refuse)


def dm_sends(harness: Harness) -> list[Sent]:
    """Messages the bot posted anywhere but the guild's channels (DMs)."""
    guild_channels = {harness.world.channel_id, harness.world.other_channel_id}
    return [
        s
        for s in harness.sent
        if s.method == "POST"
        and s.route == "/channels/{channel_id}/messages"
        and int(s.path.split("/")[2]) not in guild_channels
    ]


async def quiz_and_answer(
    harness: Harness, clock: FakeClock, count: int = 2, seconds: float = 90
) -> None:
    """A quiz, each answer after ``seconds`` of thought (90: never Easy, so every card
    is due again within ten minutes; 30: a right short answer may be Easy, due in days)."""
    await harness.slash("quiz", unit="data", count=count)
    for _ in range(count):
        clock.advance(seconds=seconds)
        await answer_current(harness)


async def test_review_serves_answered_questions_once_the_clock_reaches_them(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock(MORNING)
    harness = await start(start_harness, await make_tutor(clock=clock))
    await quiz_and_answer(harness, clock, seconds=30)
    too_soon = await harness.slash("review")
    clock.advance(days=15)
    served = await harness.slash("review")
    shown = buttons(served.followups[-1].json)  # the quiz's own persistent buttons
    for _ in range(2):
        clock.advance(seconds=30)
        await answer_current(harness)
    assert "Nothing is due for review now" in (too_soon.last_content or "")
    assert "<t:" in (too_soon.last_content or "")  # a Discord timestamp, in the reader's zone
    assert "2 cards due; here are 2, oldest first." in (served.last_content or "")
    assert shown
    assert all(i.startswith("tq:") for i in shown)
    assert "Review finished" in str(harness.messages[-1].get("embeds"))


async def test_review_without_any_answers_says_how_cards_are_made(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.slash("review")
    assert "Every quiz question you answer becomes a review card" in (turn.last_content or "")
    assert turn.acknowledged_after is not None


async def test_the_nudge_tick_sends_one_dm_a_day_while_cards_are_due(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock(MORNING)
    harness = await start(start_harness, await make_tutor(clock=clock))
    open_dms(harness)
    opted = await harness.slash("review-nudges", mode="dm")
    await quiz_and_answer(harness, clock)
    nudger = review_cog(harness).nudger
    clock.now = datetime(2026, 3, 1, 17, 1, tzinfo=UTC)
    first_day = [await nudger.tick(), await nudger.tick()]
    clock.advance(hours=6)
    late_evening = await nudger.tick()
    clock.advance(days=1)
    next_day = await nudger.tick()
    sent = dm_sends(harness)
    assert "once a day" in (opted.last_content or "")
    assert [len(t) for t in [*first_day, late_evening, next_day]] == [1, 0, 0, 1]
    assert len(sent) == 2
    assert "2 review cards due" in (sent[0].content or "")
    assert all(s.json["allowed_mentions"] == {"parse": []} for s in sent)


async def test_closed_dms_are_logged_and_skipped_until_tomorrow(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock(MORNING)
    harness = await start(start_harness, await make_tutor(clock=clock))
    open_dms(harness, closed=True)
    await harness.slash("review-nudges", mode="dm")
    await quiz_and_answer(harness, clock, count=1)
    nudger = review_cog(harness).nudger
    clock.now = datetime(2026, 3, 1, 17, 1, tzinfo=UTC)
    ticks = [await nudger.tick(), await nudger.tick()]
    refused = [s for s in dm_sends(harness) if s.status == 403]
    assert ticks == [[], []]
    assert len(refused) == 1


async def test_channel_nudges_name_the_learner_without_pinging(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock(MORNING)
    deps = await make_tutor(clock=clock)
    harness = await start(start_harness, deps)
    channel_id = harness.world.other_channel_id

    def configure(session: Any) -> None:
        session.add(GuildSettings(guild_id=harness.world.guild_id, nudge_channel_id=channel_id))

    await deps.writer.run(configure)
    await harness.slash("review-nudges", mode="channel")
    await quiz_and_answer(harness, clock, count=1)
    clock.now = datetime(2026, 3, 1, 17, 1, tzinfo=UTC)
    await review_cog(harness).nudger.tick()
    posted = [s for s in harness.sent.sends if s.path == f"/channels/{channel_id}/messages"]
    assert len(posted) == 1
    assert harness.learner.username.title() in (posted[0].content or "")
    assert "<@" not in (posted[0].content or "")
    assert posted[0].json["allowed_mentions"] == {"parse": []}


async def test_channel_nudges_without_a_channel_get_a_clear_message(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.slash("review-nudges", mode="channel")
    assert "no review-nudge channel" in (turn.last_content or "")


async def test_progress_shows_reviews_due_and_predicted_recall(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    clock = FakeClock(MORNING)
    harness = await start(start_harness, await make_tutor(clock=clock))
    await quiz_and_answer(harness, clock)
    clock.advance(days=2)
    turn = await harness.slash("progress")
    footer = str(turn.followups[-1].json["embeds"][0]["footer"]["text"])
    assert "2 reviews due" in footer
    assert "predicted recall" in footer
