"""The one reply renderer: every message the bot sends is shaped here, with mentions off.

Splitting past Discord's 2,000 characters without breaking words or code fences, streaming
text into messages at a paced rate per channel, very long replies as a file, and the text,
embeds and chart for the tutor's plain results.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import re
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import discord
from discord.utils import escape_markdown

from tutorbot.tutor.results import Answer, Grade, Hint, ProgressReport, QuestionView, QuizStep

NO_PINGS = discord.AllowedMentions.none()
MESSAGE_LIMIT = 2000
MIN_LIMIT = 40
OFFLINE_LABEL = "(offline: from the course text)"
CHART_FILENAME = "progress.png"

# ---------------------------------------------------------------------------------------------
# Splitting

# A fence line as CommonMark reads it: up to 3 spaces, 3+ backticks, an info string without
# backticks. A closing line has at least as many backticks and no info string.
_FENCE_LINE = re.compile(r" {0,3}(`{3,})([^`]*)")
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)+")
# Where to cut, best first; group 1 is the whitespace dropped between two parts.
_BREAKS = (
    re.compile(r"(\n[ \t]*\n|\n(?= {0,3}```))"),  # paragraph, or just before a fence line
    re.compile(r"(\n)"),  # line
    re.compile(r"[.!?][\"')\]»”’]*([ \t]+)"),  # sentence
    re.compile(r"([ \t]+)"),  # word
)


@dataclass(frozen=True, slots=True)
class _Fence:
    ticks: int
    info: str

    @property
    def opener(self) -> str:
        return "`" * self.ticks + self.info

    @property
    def closer(self) -> str:
        return "`" * self.ticks


def _fence_after(text: str, fence: _Fence | None) -> _Fence | None:
    """The code fence still open after ``text``, reading its lines as Discord would."""
    for line in text.split("\n"):
        found = _FENCE_LINE.fullmatch(line)
        if found is None:
            continue
        ticks, info = len(found[1]), found[2].strip()
        if fence is None:
            fence = _Fence(ticks, info)
        elif ticks >= fence.ticks and not info:
            fence = None
    return fence


def _carried(fence: _Fence | None, limit: int) -> _Fence | None:
    """The fence to close and reopen, if its lines leave room for text (absurd ones are not)."""
    for candidate in (fence, fence and _Fence(fence.ticks, "")):
        if candidate and len(candidate.opener) + len(candidate.closer) + 2 <= limit // 3:
            return candidate
    return None


def _close(fence: _Fence | None) -> str:
    return f"\n{fence.closer}" if fence else ""


def _cut(rest: str, budget: int) -> tuple[int, int]:
    """Where the part ends and the next begins: the best break in the second half, else any."""
    window = rest[: budget + 1]
    for floor in (budget // 2, 1):
        for pattern in _BREAKS:
            best = None
            for found in pattern.finditer(window):
                if floor <= found.start(1) <= budget:
                    best = found
            if best is not None:
                return best.start(1), best.end(1)
    return budget, budget  # one unbroken word longer than a message


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as messages of at most ``limit`` characters, cut at the most natural break.

    Paragraphs, then lines, then sentences, then spaces; a word is cut only when it alone is
    longer than a message. A part that ends inside a code fence closes it, and the next part
    reopens it with the same language, so every part renders as code where the text did.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit must be at least {MIN_LIMIT}")
    parts: list[str] = []
    fence: _Fence | None = None
    rest = text.rstrip()
    while rest := rest[_skip_blank_lines(rest) :]:
        head = f"{fence.opener}\n" if fence else ""
        if len(head) + len(rest) <= limit:
            whole = head + rest + _close(_fence_after(rest, fence))
            if len(whole) <= limit:
                parts.append(whole)
                break
        budget = limit - len(head) - 4
        while True:
            end, resume = _cut(rest, budget)
            body = rest[:end].rstrip()
            after = _carried(_fence_after(body, fence), limit)
            part = head + body + _close(after)
            if len(part) <= limit:
                break
            budget = max(1, min(budget - 1, budget - (len(part) - limit)))
        if body.strip():
            parts.append(part)
            fence = after
        rest = rest[resume:]
    return parts


def _skip_blank_lines(text: str) -> int:
    found = _LEADING_BLANK_LINES.match(text)
    return found.end() if found else 0


def as_file_if_huge(
    text: str, threshold: int = 6000, *, filename: str = "reply.md"
) -> discord.File | None:
    """A Markdown file for text too long to read as a run of messages, else ``None``."""
    if len(text) <= threshold:
        return None
    return discord.File(io.BytesIO(text.encode()), filename=filename)


# ---------------------------------------------------------------------------------------------
# Streaming

M = TypeVar("M")
Postable = (
    discord.TextChannel
    | discord.Thread
    | discord.VoiceChannel
    | discord.StageChannel
    | discord.DMChannel
    | discord.PartialMessageable
)
_PACERS: weakref.WeakKeyDictionary[discord.Client, EditPacer] = weakref.WeakKeyDictionary()


class EditPacer:
    """At most one paced message call per channel per ``interval``, shared by all editors.

    A turn starts only ``interval`` seconds after the channel's previous call *finished*, so
    calls never land closer together than that however long each one takes.
    """

    def __init__(
        self,
        interval: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}

    @classmethod
    def of(cls, client: discord.Client) -> EditPacer:
        """The pacer every editor of ``client`` shares (made on first use)."""
        if (pacer := _PACERS.get(client)) is None:
            pacer = _PACERS[client] = cls()
        return pacer

    def serve(self, client: discord.Client) -> EditPacer:
        """Make this the pacer ``EditPacer.of(client)`` returns (another interval, a test clock)."""
        _PACERS[client] = self
        return self

    @contextlib.asynccontextmanager
    async def turn(self, channel_id: int) -> AsyncIterator[None]:
        """Wait for the channel's next slot; the call made inside it is counted when it ends."""
        async with self._locks.setdefault(channel_id, asyncio.Lock()):
            while (due := self._last.get(channel_id, -math.inf) + self.interval) > self._clock():
                await self._sleep(due - self._clock())
            try:
                yield
            finally:
                self._last[channel_id] = self._clock()

    def note(self, channel_id: int) -> None:
        """Count a call that was not paced (the first text of a reply) as just finished."""
        self._last[channel_id] = self._clock()


class ThrottledEditor(Generic[M]):
    """Streams text into a message, continuing into new ones past the limit.

    The first visible text is sent at once; later text is coalesced by one background task
    and shown at the pacer's rate. ``finish`` leaves every message showing its final part.
    Works with any ``send_first(content) -> message`` and ``edit(message, content)`` pair;
    ``for_interaction`` and ``for_channel`` build them with mentions off.
    """

    def __init__(
        self,
        send_first: Callable[[str], Awaitable[M]],
        edit: Callable[[M, str], Awaitable[object]],
        *,
        channel_id: int,
        pacer: EditPacer,
        delete: Callable[[M], Awaitable[object]] | None = None,
        limit: int = MESSAGE_LIMIT,
    ) -> None:
        self._send_first, self._edit, self._delete = send_first, edit, delete
        self._channel_id, self._pacer, self._limit = channel_id, pacer, limit
        self.text = ""
        self.messages: list[M] = []
        self._shown: list[str] = []
        self._flusher: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @staticmethod
    def for_interaction(
        interaction: discord.Interaction,
        *,
        pacer: EditPacer | None = None,
        ephemeral: bool = False,
    ) -> ThrottledEditor[discord.WebhookMessage]:
        """Followups of an acknowledged interaction (the first replaces a deferred reply)."""

        async def send_first(content: str) -> discord.WebhookMessage:
            return await interaction.followup.send(
                content, wait=True, ephemeral=ephemeral, allowed_mentions=NO_PINGS
            )

        async def edit(message: discord.WebhookMessage, content: str) -> None:
            await message.edit(content=content, allowed_mentions=NO_PINGS)

        async def delete(message: discord.WebhookMessage) -> None:
            await message.delete()

        return ThrottledEditor(
            send_first,
            edit,
            delete=delete,
            channel_id=interaction.channel_id or interaction.id,
            pacer=pacer or EditPacer.of(interaction.client),
        )

    @staticmethod
    def for_channel(channel: Postable, *, pacer: EditPacer) -> ThrottledEditor[discord.Message]:
        """Plain messages in a channel; pass the bot's ``EditPacer.of(bot)``."""

        async def send_first(content: str) -> discord.Message:
            return await channel.send(content, allowed_mentions=NO_PINGS)

        async def edit(message: discord.Message, content: str) -> None:
            await message.edit(content=content, allowed_mentions=NO_PINGS)

        async def delete(message: discord.Message) -> None:
            await message.delete()

        return ThrottledEditor(send_first, edit, delete=delete, channel_id=channel.id, pacer=pacer)

    async def push(self, delta: str) -> None:
        """Add streamed text: shown now if it is the first, else at the channel's next slot."""
        self.text += delta
        if not self.messages:
            if not self.text.strip():
                return
            async with self._lock:
                await self._open()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._sync(), name="throttled-editor")

    async def finish(self, text: str | None = None) -> list[M]:
        """Show the complete text (``text`` replaces what was streamed); the messages used."""
        if text is not None:
            self.text = text
        if self._flusher is not None:
            await self._flusher
        if not self.messages and self.text.strip():
            async with self._lock:
                await self._open()
        await self._sync()
        return list(self.messages)

    async def cancel(self) -> None:
        """Stop showing further text (the stream failed); what was shown stays."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher

    async def _open(self) -> None:
        if self.messages:
            return
        first = split_message(self.text, self._limit)[0]
        self.messages.append(await self._send_first(first))
        self._shown.append(first)
        self._pacer.note(self._channel_id)

    def _next_change(self) -> tuple[int, str | None] | None:
        """The first message whose content is out of date (``None`` content: no longer needed)."""
        parts = split_message(self.text, self._limit) if self.text.strip() else []
        for index, part in enumerate(parts):
            if index >= len(self._shown) or self._shown[index] != part:
                return index, part
        if len(self._shown) > max(len(parts), 1) and self._delete is not None:
            return len(self._shown) - 1, None
        return None

    async def _sync(self) -> None:
        async with self._lock:
            while self._next_change() is not None:
                async with self._pacer.turn(self._channel_id):
                    if (change := self._next_change()) is None:
                        break
                    index, content = change
                    if content is None and self._delete is not None:
                        await self._delete(self.messages.pop())
                        self._shown.pop()
                    elif content is not None and index < len(self.messages):
                        await self._edit(self.messages[index], content)
                        self._shown[index] = content
                    elif content is not None:
                        self.messages.append(await self._send_first(content))
                        self._shown.append(content)


# ---------------------------------------------------------------------------------------------
# The tutor's results

_KINDS = {
    "multiple_choice": "Multiple choice: pick one",
    "true_false": "True or false",
    "short_answer": "Short answer: a few sentences",
    "numeric": "A number",
}
_STATUS = {"completed": "✅", "in_progress": "📘", "not_started": "▫️"}
_GREEN, _AMBER, _RED, _BLUE = (
    discord.Colour.green(),
    discord.Colour.gold(),
    discord.Colour.red(),
    discord.Colour.blurple(),
)


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def answer_text(answer: Answer) -> str:
    """The answer, then the sections it cites (or the closest units when off-course)."""
    blocks = [f"-# {answer.note}"] if answer.note else []
    blocks.append(answer.text.strip())
    if answer.in_course:
        titles = dict.fromkeys(escape_markdown(c.title) for c in answer.citations)
        meta = f"Sources: {', '.join(titles)}" if titles else ""
        if answer.mode == "offline":
            meta = f"{meta} {OFFLINE_LABEL}".strip()
        if meta:
            blocks.append(f"-# {meta}")
    elif answer.suggestions:
        blocks.append("-# Closest units: " + ", ".join(f"`{s}`" for s in answer.suggestions))
    return "\n\n".join(blocks)


def hint_text(hint: Hint) -> str:
    """One rung of the hint ladder, saying how many are left."""
    more = "that was the last hint" if hint.last else "ask again for a bigger hint"
    return f"💡 **Hint {hint.level}/3**: {hint.text}\n-# {more}"


def progress_bar(mastery: float, width: int = 10) -> str:
    """A bar of block characters, ``width`` long, filled in proportion to ``mastery`` (0..1)."""
    filled = round(max(0.0, min(1.0, mastery)) * width)
    return "█" * filled + "░" * (width - filled)


def progress_embed(report: ProgressReport) -> discord.Embed:
    """One line per unit: status, a bar, mastery and the unit's title."""
    lines = [
        f"{_STATUS.get(u.status, '▫️')} `{progress_bar(u.mastery)} {u.mastery:4.0%}` "
        f"**{escape_markdown(u.title)}** · {u.status.replace('_', ' ')}"
        for u in report.units
    ]
    done = bool(report.units) and report.completed == len(report.units)
    embed = discord.Embed(
        title=_clip(f"Progress: {report.course_title}", 256),
        description=_clip("\n".join(lines) or "No units yet.", 4096),
        colour=_GREEN if done else _BLUE,
    )
    footer = f"{report.completed}/{len(report.units)} units completed"
    if report.retention is not None:
        footer += f" · {report.reviews_due} reviews due (/review)"
        footer += f" · predicted recall {report.retention:.0%}"
    embed.set_footer(text=footer)
    return embed


def progress_chart(report: ProgressReport) -> discord.File:
    """A PNG bar chart of mastery per unit, drawn in memory with Agg.

    CPU-bound (about 80 ms for a course); matplotlib is imported here, not at start-up.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    units = list(reversed(report.units))  # barh draws bottom-up; the first unit goes on top
    figure = Figure(figsize=(7.0, 1.2 + 0.45 * max(len(units), 1)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = {"completed": "#3ba55d", "in_progress": "#faa61a"}
    rows = range(len(units))  # positions, not titles: two units may share a title
    axes.barh(
        rows,
        [u.mastery * 100 for u in units],
        color=[colours.get(u.status, "#99aab5") for u in units],
    )
    axes.set_yticks(rows, [_clip(u.title, 32) for u in units])
    for row, unit in enumerate(units):
        axes.annotate(
            f"{unit.mastery:.0%}",
            (unit.mastery * 100, row),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_xlim(0, 110)
    axes.set_xlabel("mastery (%)")
    axes.set_title(_clip(report.course_title, 60))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    buffer.seek(0)
    return discord.File(buffer, filename=CHART_FILENAME)


def question_embed(view: QuestionView) -> discord.Embed:
    """The question and its lettered choices; never the answer."""
    lines = [view.prompt, ""] if view.choices else [view.prompt]
    lines += [f"**{chr(65 + n)}.** {choice}" for n, choice in enumerate(view.choices)]
    embed = discord.Embed(
        title=f"Question {view.number} of {view.total}",
        description=_clip("\n".join(lines), 4096),
        colour=_BLUE,
    )
    footer = _KINDS.get(view.kind, view.kind.replace("_", " "))
    if view.hints_used:
        footer += f" · hints used: {view.hints_used}"
    embed.set_footer(text=footer)
    return embed


def grade_embed(grade: Grade) -> discord.Embed:
    """Right, partly right or not yet, with the feedback, the why, and who graded it."""
    if grade.correct:
        title, colour = (
            ("✅ Correct" if grade.score >= 1 else f"✅ Correct ({grade.score:.0%})"),
            _GREEN,
        )
    elif grade.score > 0:
        title, colour = f"🟡 Partly right ({grade.score:.0%})", _AMBER
    else:
        title, colour = "❌ Not quite", _RED
    embed = discord.Embed(title=title, description=_clip(grade.feedback, 4096), colour=colour)
    if grade.explanation:
        embed.add_field(name="Why", value=_clip(grade.explanation, 1024), inline=False)
    if grade.citations:
        titles = dict.fromkeys(escape_markdown(c.title) for c in grade.citations)
        embed.add_field(name="Read more", value=_clip(", ".join(titles), 1024), inline=False)
    if grade.grader == "code":
        graded_by = "Graded in code"
    elif grade.mode == "llm":
        graded_by = "Graded by the model against the rubric"
    else:
        graded_by = "Graded offline by rubric keywords"
    embed.set_footer(text=graded_by)
    return embed


FINISHED = {
    "unit": "Quiz finished",
    "challenge": "Challenge attempt finished",
    "review": "Review finished",
    "final": "Final assessment finished",
}


def step_embeds(step: QuizStep) -> list[discord.Embed]:
    """The grade, then the next question or the final score."""
    embeds = [grade_embed(step.grade)]
    if step.next_question is not None:
        embeds.append(question_embed(step.next_question))
    elif step.finished:
        score = f"Your score: **{step.score or 0:.0%}**"
        if step.total:
            score += f" ({step.answered}/{step.total} answered)"
        title = FINISHED.get(step.kind, FINISHED["unit"])
        embeds.append(discord.Embed(title=title, description=score, colour=_BLUE))
    return embeds
