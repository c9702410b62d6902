"""/tutor on real payloads: a private thread, replies to mentions there, memory that lasts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tests.bot.conftest import StartHarness
from tests.bot.gateway_payloads import Payload, Persona
from tests.bot.harness import Harness, Turn
from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.conftest import MakeTutor
from tutorbot.bot.client import create_bot
from tutorbot.tutor import TutorDeps


async def start(start_harness: StartHarness, deps: TutorDeps, **options: Any) -> Harness:
    harness = await start_harness(create_bot(deps.settings, deps=deps), **options)
    world = harness.world

    def create_thread(sent: Any, args: dict[str, str]) -> Payload:
        body = sent.json
        return {
            "id": str(world.ids()),
            "type": body["type"],
            "guild_id": str(world.guild_id),
            "parent_id": args["channel_id"],
            "owner_id": str(world.application_id),
            "name": body["name"],
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body["auto_archive_duration"],
                "archive_timestamp": datetime.now(UTC).isoformat(),
                "locked": False,
                "invitable": body.get("invitable", True),
            },
        }

    harness.api.route("POST", "/channels/{channel_id}/threads", create_thread)
    harness.api.route(
        "PUT", "/channels/{channel_id}/thread-members/{user_id}", lambda sent, args: None
    )
    return harness


def message_in(harness: Harness, channel_id: str, author: Persona, content: str) -> Payload:
    """MESSAGE_CREATE as Discord sends it to a bot without the message-content intent: the
    text is there because the message mentions the bot."""
    world = harness.world
    mentioned = [world.bot.user()] if f"<@{world.bot.id}>" in content else []
    return {
        "id": str(world.ids()),
        "channel_id": channel_id,
        "guild_id": str(world.guild_id),
        "author": author.user(),
        "member": author.member(world.joined_at, with_user=False),
        "content": content,
        "timestamp": datetime.now(UTC).isoformat(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": mentioned,
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": False,
        "type": 0,
        "flags": 0,
        "components": [],
    }


def replies_in(harness: Harness, channel_id: str) -> list[str]:
    return [m["content"] for m in harness.messages if m["channel_id"] == channel_id]


def thread_of(turn: Turn) -> str:
    """The id of the thread a /tutor turn opened (where it added the learner)."""
    return next(str(s.path.split("/")[2]) for s in turn.sent if "thread-members" in s.route)


async def open_thread(harness: Harness, **options: Any) -> str:
    turn = await harness.slash("tutor", **options)
    created = [s for s in turn.sent if s.route == "/channels/{channel_id}/threads"]
    assert len(created) == 1
    assert created[0].json["type"] == 12
    assert created[0].json["invitable"] is False
    return thread_of(turn)


async def test_tutor_opens_a_private_thread_and_answers_mentions_there(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    harness = await start(start_harness, await make_tutor(fake_openai))
    turn = await harness.slash("tutor", unit="training")
    assert turn.responses[0].callback_type == 5  # deferred before any work
    thread = thread_of(turn)
    added = [s.path.rsplit("/", 1)[1] for s in turn.sent if "thread-members" in s.route]
    assert added == [str(harness.learner.id)]
    assert "Training" in replies_in(harness, thread)[0]

    fake_openai.reply("The learning rate sets how big each step is. [training#learning-rate]")
    me = f"<@{harness.world.bot.id}>"
    await harness.gateway_event(
        "MESSAGE_CREATE",
        message_in(harness, thread, harness.learner, f"{me} what is a learning rate?"),
    )
    fake_openai.reply("Too large a rate overshoots the minimum.")
    await harness.gateway_event(
        "MESSAGE_CREATE",
        message_in(harness, thread, harness.learner, f"{me} and if it is too big?"),
    )

    replies = replies_in(harness, thread)
    assert any("learning rate sets how big" in r for r in replies)
    assert any("overshoots" in r for r in replies)
    second_prompt = fake_openai.requests[1]["messages"][-1]["content"]
    assert "what is a learning rate?" in second_prompt  # remembered
    assert f"<@{harness.world.bot.id}>" not in second_prompt  # the mention is not the question


async def test_other_people_and_other_channels_get_no_tutoring(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    harness = await start(start_harness, await make_tutor(fake_openai))
    thread = await open_thread(harness)
    me = f"<@{harness.world.bot.id}>"
    before = len(harness.messages)

    await harness.gateway_event(
        "MESSAGE_CREATE",
        message_in(harness, str(harness.world.channel_id), harness.learner, f"{me} hi"),
    )
    await harness.gateway_event(
        "MESSAGE_CREATE", message_in(harness, thread, harness.learner, "no mention here")
    )
    assert len(harness.messages) == before
    assert fake_openai.requests == []

    other = harness.world.other_learner
    await harness.gateway_event(
        "MESSAGE_CREATE", message_in(harness, thread, other, f"{me} what is data?")
    )
    assert "belongs to another learner" in replies_in(harness, thread)[-1]
    assert fake_openai.requests == []


async def test_the_thread_is_remembered_after_a_restart(
    start_harness: StartHarness, make_tutor: MakeTutor, fake_openai: FakeOpenAI
) -> None:
    first = await start(start_harness, await make_tutor(fake_openai))
    thread = await open_thread(first, unit="data")
    me = f"<@{first.world.bot.id}>"
    await first.gateway_event(
        "MESSAGE_CREATE", message_in(first, thread, first.learner, f"{me} what is a feature?")
    )
    await first.close()

    second = await start(start_harness, await make_tutor(fake_openai), world=first.world)
    await second.gateway_event(
        "MESSAGE_CREATE", message_in(second, thread, first.learner, f"{me} give me an example")
    )

    assert len(fake_openai.requests) == 2
    assert "what is a feature?" in fake_openai.requests[1]["messages"][-1]["content"]


async def test_tutor_with_an_unknown_unit_says_so_and_opens_nothing(
    start_harness: StartHarness, make_tutor: MakeTutor
) -> None:
    harness = await start(start_harness, await make_tutor())
    turn = await harness.slash("tutor", unit="no-such-unit")
    assert not [s for s in turn.sent if "threads" in s.route]
    assert re.search(r"no unit called 'no-such-unit'", turn.sent[-1].json["content"])
