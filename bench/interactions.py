"""Interactions under load: 200 concurrent /ask through real discord.py parsing.

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
import re
import statistics
import sys
import tempfile
import time
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
ANSWER = (
    "Gradient descent moves each weight a small step against its gradient, and the "
    "learning rate sets the size of the step. "
) * 6


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    async with FakeOpenAI() as server:
        for _ in range(args.n):
            server.reply(ANSWER, delay=MODEL_DELAY, chunk_size=40)
        with tempfile.TemporaryDirectory() as folder:
            settings = load_settings(
                data_dir=Path(folder),
                openai_base_url=server.base_url,
                openai_api_key="bench",
                quota_max=10_000,
            )
            async with open_tutor(settings) as deps:
                harness = await Harness.start(
                    create_bot(settings, deps=deps), strict=False, turn_timeout=120
                )
                world, loop = harness.world, asyncio.get_running_loop()
                payloads = [
                    world.interaction(
                        2,
                        command_data(
                            harness.bot.tree,
                            world,
                            "ask",
                            {"question": "how does gradient descent use the learning rate"},
                        ),
                        actor=world.learner,
                        channel_id=world.ids(),
                    )
                    for _ in range(args.n)
                ]
                dispatched: dict[int, float] = {}

                async def one(payload: dict[str, object]) -> None:
                    dispatched[int(str(payload["id"]))] = loop.time()
                    await harness.dispatch(payload)

                started = time.perf_counter()
                await asyncio.gather(*(one(p) for p in payloads))
                elapsed = time.perf_counter() - started
                acked: dict[int, float] = {}
                for sent in harness.sent:
                    match = CALLBACK.search(sent.path)
                    if sent.kind == "response" and match:
                        acked.setdefault(int(match.group(1)), sent.at)
                acks = [1000 * (acked[i] - t) for i, t in dispatched.items() if i in acked]
                by_channel: dict[str, list[float]] = {}
                for sent in harness.sent:
                    if sent.kind in ("followup", "edit") and "/webhooks/" in sent.path:
                        token = sent.path.split("/")[3]
                        by_channel.setdefault(token, []).append(sent.at)
                token_of = {int(str(p["id"])): str(p["token"]) for p in payloads}
                first_text = [
                    1000 * (min(by_channel[token_of[i]]) - acked[i] - MODEL_DELAY)
                    for i in acked
                    if token_of[i] in by_channel
                ]
                gaps = [
                    b - a
                    for times in by_channel.values()
                    for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
                ]
                await harness.close()
    print(
        f"{args.n} concurrent /ask in {elapsed:.1f} s (model waits {MODEL_DELAY * 1000:.0f} "
        "ms, then streams)"
    )
    print(
        f"acknowledged: {len(acks)}/{args.n}; dispatch to ack p50 {statistics.median(acks):.1f} "
        f"ms, p99 {pct(acks, 0.99):.1f} ms, max {max(acks):.1f} ms (goal p99 < 50 ms)"
    )
    print(
        f"first visible text after the model's first token (upper bound): p50 "
        f"{statistics.median(first_text):.0f} ms, p99 {pct(first_text, 0.99):.0f} ms "
        "(goal <= 300 ms)"
    )
    if gaps:
        print(
            f"closest two edits of one streamed message: {min(gaps) * 1000:.0f} ms "
            "(goal >= 1000 ms)"
        )


if __name__ == "__main__":
    asyncio.run(main())
