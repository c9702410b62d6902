"""Interactions under load: 200 concurrent /ask through real discord.py parsing.

The interactions arrive over ``--spread`` seconds (default 0.5 s, i.e. 400/s; all 200 are
in flight together since each takes longer than that), or in one burst with --spread 0.
Uses the bot tests' harness (real INTERACTION_CREATE payloads, a fake Discord API at
discord.py's HTTP layer) and the fake OpenAI-compatible server, which waits MODEL_DELAY
before streaming each answer. Prints, per interaction: time from dispatch to Discord
acknowledgement (goal p99 < 50 ms); time from the model's first token to the first visible
text (goal <= 300 ms); and the closest two edits of one channel's streamed message
(goal >= 1 s apart).

    python bench/interactions.py [--n 200]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.bot.harness import Harness  # noqa: E402
from tests.bot.interaction_data import command_data  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402

from tutorbot.app import open_tutor  # noqa: E402
from tutorbot.bot.client import create_bot  # noqa: E402
from tutorbot.settings import load_settings  # noqa: E402

MODEL_DELAY = 0.4
CALLBACK = re.compile(r"/interactions/(\d+)/")
QUESTION = "how does gradient descent use the learning rate"
NUMBER = re.compile(re.escape(QUESTION) + r" #(\d+)")
ANSWER = (
    "Gradient descent moves each weight a small step against its gradient, and the "
    "learning rate sets the size of the step. "
) * 6


def serve_model(answers: int, conn: Connection) -> None:
    """The fake model endpoint in its own process: a real endpoint is remote, and sharing
    this process's CPU would charge its streaming to the bot."""

    async def run() -> None:
        async with FakeOpenAI() as server:
            for _ in range(answers):
                server.reply(ANSWER, delay=MODEL_DELAY, chunk_size=40)
            conn.send(server.base_url)
            await asyncio.to_thread(conn.recv)  # "report"
            conn.send(server.first_tokens)
            await asyncio.Event().wait()

    asyncio.run(run())


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def measure(
    base_url: str, n: int, spread: float, first_tokens: Callable[[], list[tuple[str, float]]]
) -> dict[str, list[float]]:
    """Run ``n`` /ask interactions arriving over ``spread`` seconds; collect the timings."""
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(
            data_dir=Path(folder),
            openai_base_url=base_url,
            openai_api_key="bench",
            quota_max=10_000,
        )
        async with open_tutor(settings) as deps:
            harness = await Harness.start(
                create_bot(settings, deps=deps), strict=False, turn_timeout=120
            )
            world, loop = harness.world, asyncio.get_running_loop()
            # One question per interaction, so the model's first-token stamps can be matched.
            payloads = [
                world.interaction(
                    2,
                    command_data(harness.bot.tree, world, "ask", {"question": f"{QUESTION} #{k}"}),
                    actor=world.learner,
                    channel_id=world.ids(),
                )
                for k in range(n)
            ]
            dispatched: dict[int, float] = {}

            async def one(k: int, payload: dict[str, object]) -> None:
                await asyncio.sleep(spread * k / n)
                dispatched[int(str(payload["id"]))] = loop.time()
                await harness.dispatch(payload)

            await asyncio.gather(*(one(k, p) for k, p in enumerate(payloads)))
            sent = list(harness.sent)
            await harness.close()
    acked: dict[int, float] = {}
    shown: dict[str, list[float]] = {}
    for request in sent:
        match = CALLBACK.search(request.path)
        if request.kind == "response" and match:
            acked.setdefault(int(match.group(1)), request.at)
        elif request.kind in ("followup", "edit") and "/webhooks/" in request.path:
            shown.setdefault(request.path.split("/")[3], []).append(request.at)
    token_of = [str(p["token"]) for p in payloads]
    first_token_at = {
        int(found[1]): at for message, at in first_tokens() if (found := NUMBER.search(message))
    }
    return {
        "acks": [1000 * (acked[i] - t) for i, t in dispatched.items() if i in acked],
        "first": [
            1000 * (min(shown[token_of[k]]) - at)
            for k, at in first_token_at.items()
            if token_of[k] in shown
        ],
        "gaps": [
            b - a
            for times in shown.values()
            for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument(
        "--spread",
        type=float,
        default=0.5,
        help="seconds over which the interactions arrive (0: one burst)",
    )
    args = parser.parse_args()
    parent, child = multiprocessing.Pipe()
    model = multiprocessing.Process(target=serve_model, args=(args.n, child), daemon=True)
    model.start()
    try:
        started = time.perf_counter()

        def first_tokens() -> list[tuple[str, float]]:
            parent.send("report")
            reported: list[tuple[str, float]] = parent.recv()
            return reported

        figures = asyncio.run(measure(parent.recv(), args.n, args.spread, first_tokens))
        elapsed = time.perf_counter() - started
    finally:
        model.terminate()
    acks, first, gaps = figures["acks"], figures["first"], figures["gaps"]
    print(
        f"{args.n} concurrent /ask arriving over {args.spread:.1f} s, all done in "
        f"{elapsed:.1f} s (the model, in another process, waits {MODEL_DELAY * 1000:.0f} ms "
        "then streams)"
    )
    print(
        f"acknowledged {len(acks)}/{args.n}: dispatch to ack p50 {statistics.median(acks):.1f}"
        f" ms, p99 {pct(acks, 0.99):.1f} ms (goal p99 < 50 ms)"
    )
    print(
        f"first visible text after the model's first token: p50 "
        f"{statistics.median(first):.0f} ms, p99 {pct(first, 0.99):.0f} ms (goal <= 300 ms)"
    )
    if gaps:
        print(
            f"closest two edits of one streamed message: {min(gaps) * 1000:.0f} ms "
            "(goal >= 1000 ms)"
        )


if __name__ == "__main__":
    main()
