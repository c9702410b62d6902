"""ThrottledEditor and EditPacer on a virtual clock: first text at once, edits paced per
channel, the complete text at the end, and long text continued in new messages."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from tutorbot.bot.render import EditPacer, ThrottledEditor

INTERVAL = 1.0


@dataclass
class VirtualClock:
    """Time that moves only when something sleeps (or a test says so)."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Screen:
    """Messages as a channel shows them, and every call made to change them, timed."""

    clock: VirtualClock
    shown: dict[int, str] = field(default_factory=dict)
    calls: list[tuple[float, str, int]] = field(default_factory=list)

    async def send(self, content: str) -> int:
        message = len(self.shown)
        self.calls.append((self.clock(), "send", message))
        self.shown[message] = content
        await asyncio.sleep(0)
        return message

    async def edit(self, message: int, content: str) -> None:
        self.calls.append((self.clock(), "edit", message))
        self.shown[message] = content
        await asyncio.sleep(0)

    async def delete(self, message: int) -> None:
        self.calls.append((self.clock(), "delete", message))
        del self.shown[message]

    def times(self, kind: str) -> list[float]:
        return [at for at, k, _ in self.calls if k == kind]


def editor_on(screen: Screen, pacer: EditPacer, channel_id: int = 1) -> ThrottledEditor[int]:
    return ThrottledEditor(
        screen.send, screen.edit, delete=screen.delete, channel_id=channel_id, pacer=pacer
    )


async def stream(editor: ThrottledEditor[int], clock: VirtualClock, deltas: list[str]) -> None:
    """Deltas arriving a tenth of a second apart, as a model writes."""
    for delta in deltas:
        await editor.push(delta)
        clock.now += 0.1
        await asyncio.sleep(0)


def gaps(times: list[float]) -> list[float]:
    ordered = sorted(times)
    return [b - a for a, b in itertools.pairwise(ordered)]


async def test_first_text_is_sent_at_once_without_waiting_for_the_pacer() -> None:
    clock = VirtualClock()
    pacer = EditPacer(INTERVAL, clock=clock, sleep=clock.sleep)
    pacer.note(1)  # the channel was just used
    screen = Screen(clock)

    await editor_on(screen, pacer).push("Gradients")

    assert screen.calls == [(0.0, "send", 0)]
    assert clock.sleeps == []


async def test_whitespace_alone_sends_nothing() -> None:
    clock = VirtualClock()
    screen = Screen(clock)

    await editor_on(screen, EditPacer(clock=clock, sleep=clock.sleep)).push("\n ")

    assert screen.calls == []


async def test_edits_in_a_channel_are_never_closer_than_the_interval() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))

    await stream(editor, clock, [f"word{i} " for i in range(60)])
    await editor.finish()

    assert len(screen.times("edit")) >= 3
    assert min(gaps([at for at, _, _ in screen.calls])) >= INTERVAL


async def test_a_fast_stream_costs_about_one_edit_per_interval_not_one_per_delta() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))

    await stream(editor, clock, [f"w{i} " for i in range(100)])
    await editor.finish()

    assert len(screen.calls) <= clock.now / INTERVAL + 2


async def test_finish_shows_the_complete_text() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))
    deltas = [f"token{i} " for i in range(25)]

    await stream(editor, clock, deltas)
    await editor.finish()

    assert screen.shown == {0: "".join(deltas).strip()}


async def test_finish_with_a_final_text_replaces_what_was_streamed() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))
    await stream(editor, clock, ["draft ", "answer"])

    await editor.finish("Checked answer.\n\n-# Sources: Gradient descent")

    assert screen.shown == {0: "Checked answer.\n\n-# Sources: Gradient descent"}


async def test_text_past_the_limit_continues_in_a_new_message() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))
    deltas = [f"Sentence number {i} about learning rates. " for i in range(120)]

    await stream(editor, clock, deltas)
    messages = await editor.finish()

    assert messages == [0, 1, 2]
    assert all(len(text) <= 2000 for text in screen.shown.values())
    assert " ".join(screen.shown.values()).split() == "".join(deltas).split()


async def test_a_shorter_final_text_removes_messages_it_no_longer_needs() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))
    await stream(editor, clock, ["long draft " * 150, "more " * 200])

    await editor.finish("Short answer.")

    assert screen.shown == {0: "Short answer."}


async def test_editors_in_one_channel_share_its_pace() -> None:
    clock = VirtualClock()
    pacer = EditPacer(INTERVAL, clock=clock, sleep=clock.sleep)
    screen = Screen(clock)
    first, second = editor_on(screen, pacer), editor_on(screen, pacer)

    await asyncio.gather(
        stream(first, clock, [f"a{i} " for i in range(30)]),
        stream(second, clock, [f"b{i} " for i in range(30)]),
    )
    await asyncio.gather(first.finish(), second.finish())

    assert min(gaps(screen.times("edit"))) >= INTERVAL


async def test_editors_in_different_channels_do_not_wait_for_each_other() -> None:
    clock = VirtualClock()
    pacer = EditPacer(INTERVAL, clock=clock, sleep=clock.sleep)
    here, there = Screen(clock), Screen(clock)
    first, second = editor_on(here, pacer, channel_id=1), editor_on(there, pacer, channel_id=2)
    await first.push("one")
    await second.push("two")
    clock.now += INTERVAL

    await first.push(" more")
    await second.push(" more")
    await asyncio.gather(first.finish(), second.finish())

    assert clock.sleeps == []
    assert here.shown == {0: "one more"}
    assert there.shown == {0: "two more"}


async def test_cancel_stops_further_edits_and_keeps_what_was_shown() -> None:
    clock = VirtualClock()
    screen = Screen(clock)
    editor = editor_on(screen, EditPacer(INTERVAL, clock=clock, sleep=clock.sleep))
    await editor.push("partial")
    await editor.push(" answer")

    await editor.cancel()
    await asyncio.sleep(0)

    assert screen.shown == {0: "partial"}
