"""Retrieval benchmark: quality and speed of tutorbot's search against the usual choices.

Prints, for the bundled course (and ../shared/corpora/ai-for-beginners when present):
recall@5 and MRR@10 over a written question set, queries per second and p50/p95 latency for
one query at a time (how a bot asks), side by side with rank-bm25 and bm25s on the same
chunks; the calibration of the "covered by the course" signal; and a scaled corpus of
about 1.5M tokens (build time, p95 latency, peak RSS, measured in a child process).

    python bench/retrieval.py            # everything
    python bench/retrieval.py --scale    # only the scaled corpus (used as the child process)
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import Stemmer
import yaml
from rank_bm25 import BM25Okapi

from tutorbot.curriculum import Course, load_course_or_raise
from tutorbot.curriculum.models import Section, Unit
from tutorbot.retrieval import Chunk, Retriever, chunk_course
from tutorbot.retrieval.analyzer import Analyzer, course_analyzer
from tutorbot.retrieval.lexical import LexicalIndex
from tutorbot.tokens import token_counter

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "bench" / "questions"
SHARED = ROOT.parent / "shared" / "corpora" / "ai-for-beginners"
CAP = 350
Search = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Figures:
    name: str
    recall5: float
    mrr10: float
    qps: float
    p50_ms: float
    p95_ms: float
    single5: float  # recall@5 counting only the section the question was written for


def load_questions(path: Path) -> list[tuple[str, str]]:
    """Question files are one YAML file or a folder of them: [{question, section}]."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    pairs = []
    for file in files:
        for item in yaml.safe_load(file.read_text(encoding="utf-8")):
            pairs.append((item["question"], item["section"]))
    return pairs


def load_judgments(name: str) -> dict[str, set[str]]:
    """Sections a judge found also answer a question (bench/pool.py explains the pooling)."""
    path = QUESTIONS / "judgments" / f"{name}.yaml"
    if not path.is_file():
        return {}
    return {item["question"]: set(item["relevant"]) for item in yaml.safe_load(path.read_text())}


def sections_from_chunks(chunks: Sequence[Chunk], order: Iterable[Any], k: int) -> list[str]:
    """Chunk ranking to section ranking (first occurrence wins), cut at ``k``."""
    seen: dict[str, None] = {}
    for i in order:
        seen.setdefault(chunks[int(i)].id, None)
        if len(seen) == k:
            break
    return list(seen)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def rank_bm25_system(chunks: list[Chunk]) -> Search:
    """rank-bm25 as its README shows it: BM25Okapi over lowercase word lists."""
    bm25 = BM25Okapi([words(f"{c.title}\n{c.text}") for c in chunks])

    def search(query: str, k: int) -> list[str]:
        scores = bm25.get_scores(words(query))
        return sections_from_chunks(chunks, np.argsort(-scores), k)

    return search


def bm25s_system(chunks: list[Chunk], *, stem: bool) -> Search:
    """bm25s as its README shows it: bm25s.tokenize (English stop words, optional stemmer)."""
    stemmer = Stemmer.Stemmer("english") if stem else None
    corpus = [f"{c.title}\n{c.text}" for c in chunks]
    index = bm25s.BM25()
    index.index(
        bm25s.tokenize(corpus, stopwords="en", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    depth = min(40, len(chunks))

    def search(query: str, k: int) -> list[str]:
        tokens = bm25s.tokenize([query], stopwords="en", stemmer=stemmer, show_progress=False)
        docs, _ = index.retrieve(tokens, k=depth, show_progress=False, n_threads=0)
        return sections_from_chunks(chunks, docs[0], k)

    return search


def tutorbot_system(chunks: list[Chunk], analyzer: Analyzer | None = None) -> Search:
    retriever = Retriever(LexicalIndex.build(chunks, analyzer or course_analyzer(None)))
    return lambda query, k: retriever.search(query, k).ids


def score(
    search: Search,
    questions: list[tuple[str, str]],
    parents: dict[str, str],
    judged: dict[str, set[str]] | None = None,
) -> tuple[float, float]:
    """recall@5 and MRR@10. Relevant: the written section (a hit on one of its subsections
    counts), plus any section judged relevant for that question."""
    found5, rr = 0, 0.0
    judged = judged or {}
    for question, target in questions:
        relevant = {target} | judged.get(question, set())
        for rank, sid in enumerate(search(question, 10), start=1):
            if sid in relevant or parents.get(sid) in relevant:
                found5 += rank <= 5
                rr += 1 / rank
                break
    return found5 / len(questions), rr / len(questions)


def latency(search: Search, queries: list[str], rounds: int = 3) -> tuple[float, float, float]:
    """Queries per second and p50/p95 milliseconds, one query at a time."""
    for q in queries[:20]:
        search(q, 5)
    times = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            search(q, 5)
            times.append(time.perf_counter() - start)
    times.sort()
    return (
        len(times) / sum(times),
        1000 * statistics.median(times),
        1000 * times[int(0.95 * len(times))],
    )


QuestionSet = tuple[list[tuple[str, str]], dict[str, set[str]]]


def compare(label: str, course: Course, sets: dict[str, QuestionSet]) -> None:
    """Every system on the same chunks, for each question set."""
    counter = token_counter()
    chunks = chunk_course(course, counter, CAP)
    parents = {s.id: s.parent_id for s in course.sections if s.parent_id}
    systems: dict[str, Search] = {
        "rank-bm25 (BM25Okapi)": rank_bm25_system(chunks),
        "bm25s (stop words)": bm25s_system(chunks, stem=False),
        "bm25s (stop words + stemmer)": bm25s_system(chunks, stem=True),
        "tutorbot": tutorbot_system(chunks, course_analyzer(course.root)),
    }
    print(
        f"\n## {label}: {len(course.units)} units, {len(chunks)} chunks (cap {CAP} tokens, "
        f"{counter.name})"
    )
    for set_name, (questions, judged) in sets.items():
        figures = []
        for name, search in systems.items():
            recall, mrr = score(search, questions, parents, judged)
            single, _ = score(search, questions, parents)
            qps, p50, p95 = latency(search, [q for q, _ in questions])
            figures.append(Figures(name, recall, mrr, qps, p50, p95, single))
        print(f"\n{set_name}: {len(questions)} questions, {len(judged)} with pooled judgments")
        print(
            f"{'system':32} {'recall@5':>9} {'MRR@10':>7} {'(1 label)':>9} {'q/s':>8} "
            f"{'p50 ms':>7} {'p95 ms':>7}"
        )
        for f in figures:
            print(
                f"{f.name:32} {f.recall5:9.3f} {f.mrr10:7.3f} {f.single5:9.3f} {f.qps:8.0f} "
                f"{f.p50_ms:7.3f} {f.p95_ms:7.3f}"
            )
        ours, fastest = figures[-1], figures[2]
        print(f"tutorbot vs bm25s+stemmer: {ours.qps / fastest.qps:.2f}x the queries per second")


def ablations(
    course: Course, questions: list[tuple[str, str]], judged: dict[str, set[str]]
) -> None:
    """What each choice adds: chunk size, headings, quiz prompts, synonyms."""
    parents = {s.id: s.parent_id for s in course.sections if s.parent_id}
    counter = token_counter()
    analyzer = course_analyzer(course.root)
    print("\n## Ablations on the bundled course, written set, pooled (recall@5 / MRR@10)")
    for cap in (150, 250, 350, 500, 800):
        chunks = chunk_course(course, counter, cap)
        r, m = score(tutorbot_system(chunks, analyzer), questions, parents, judged)
        print(f"chunk cap {cap:4} tokens ({len(chunks):4} chunks):  {r:.3f} / {m:.3f}")
    base = chunk_course(course, counter, CAP)
    variants = {
        "without headings in the index": (
            [replace(c, title="", breadcrumb=()) for c in base],
            analyzer,
        ),
        "without synonyms": (base, Analyzer()),
    }
    for name, (chunks, variant) in variants.items():
        r, m = score(tutorbot_system(chunks, variant), questions, parents, judged)
        print(f"{name:36} {r:.3f} / {m:.3f}")


def calibration(course: Course, questions: list[tuple[str, str]]) -> None:
    """How well coverage separates course questions from off-topic ones, per threshold."""
    chunks = chunk_course(course, token_counter(), CAP)
    retriever = Retriever(LexicalIndex.build(chunks, course_analyzer(course.root)))
    off_topic = yaml.safe_load((QUESTIONS / "off-topic.yaml").read_text(encoding="utf-8"))
    inside = [retriever.search(q, 5).coverage for q, _ in questions]
    outside = [retriever.search(q, 5).coverage for q in off_topic]
    print(f"\n## Coverage signal: {len(inside)} course questions vs {len(outside)} off-topic")
    print(f"{'threshold':>9} {'course kept':>12} {'off-topic refused':>18} {'balanced acc':>13}")
    best = (0.0, 0.0)
    for step in range(6, 13):
        t = step / 20
        kept = sum(c >= t for c in inside) / len(inside)
        refused = sum(c < t for c in outside) / len(outside)
        balanced = (kept + refused) / 2
        best = max(best, (balanced, t))
        mark = "   <- COVERAGE_THRESHOLD" if abs(t - retriever.threshold) < 1e-9 else ""
        print(f"{t:9.2f} {kept:12.3f} {refused:18.3f} {balanced:13.3f}{mark}")
    print(f"best balanced accuracy {best[0]:.3f} at {best[1]:.2f}")


def scaled_course(course: Course, target_tokens: int, seed: int = 7) -> Course:
    """A synthetic course of ~``target_tokens``: course sentences with a long-tail vocabulary."""
    rng = random.Random(seed)
    sentences = [
        s
        for sec in course.sections
        for s in re.split(r"(?<=[.!?])\s+", sec.text)
        if len(s.split()) > 5
    ]
    invented = [
        f"{rng.choice('bcdfgklmnprstvz')}{rng.choice('aeiou')}"
        f"{rng.choice('bcdfgklmnprstvz')}{rng.choice('aeiou')}{n}"
        for n in range(60_000)
    ]
    weights = [1 / (r + 1) for r in range(len(invented))]
    per_section = 330  # about one chunk per section, like the real course
    units = []
    total = 0
    n = 0
    while total < target_tokens:
        secs = []
        for s in range(20):
            text_words: list[str] = []
            while len(text_words) < per_section * 0.75:
                text_words += rng.choice(sentences).split()
            rare = rng.choices(invented, weights=weights, k=len(text_words) // 6)
            text_words += rare
            rng.shuffle(text_words)
            body = " ".join(text_words)
            total += int(len(text_words) * 1.35)
            secs.append(
                Section(
                    f"u{n}", f"s{s}", f"Section {s} of unit {n}", 2, body, Path("synthetic.md"), 1
                )
            )
        units.append(Unit(f"u{n}", f"Unit {n}", Path("synthetic.md"), tuple(secs)))
        n += 1
    return Course("synthetic", "Synthetic", "1", Path(), tuple(units), "x")


def scale(questions: list[tuple[str, str]]) -> None:
    """The scaled corpus figures; run in its own process so peak RSS is its own."""
    course = load_course_or_raise(ROOT / "curriculum" / "ai-foundations")
    big = scaled_course(course, 1_500_000)
    counter = token_counter()
    started = time.perf_counter()
    chunks = chunk_course(big, counter, CAP)
    chunked = time.perf_counter() - started
    tokens = sum(counter.count(c.text) for c in chunks)
    started = time.perf_counter()
    index = LexicalIndex.build(chunks, course_analyzer(None))
    built = time.perf_counter() - started
    retriever = Retriever(index)
    queries = [q for q, _ in questions]
    _, p50, p95 = latency(lambda q, k: retriever.search(q, k).ids, queries, rounds=5)
    started = time.perf_counter()
    baseline = bm25s_system(chunks, stem=True)
    baseline_built = time.perf_counter() - started
    _, b50, b95 = latency(baseline, queries, rounds=2)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n## Scaled corpus: {tokens:,} tokens in {len(chunks):,} chunks ({counter.name})")
    print(f"chunking {chunked:.2f}s, index build {built:.2f}s (goal < 5 s)")
    print(f"query latency p50 {p50:.3f} ms, p95 {p95:.3f} ms (goal p95 <= 1 ms)")
    print(
        f"bm25s+stemmer on the same chunks: build {baseline_built:.2f}s, p50 {b50:.3f} ms, "
        f"p95 {b95:.3f} ms; tutorbot p95 is {b95 / p95:.1f}x faster"
    )
    print(f"peak RSS {rss:.0f} MB (goal < 300 MB; includes the bm25s baseline)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="store_true", help="only the scaled corpus")
    args = parser.parse_args()
    questions = load_questions(QUESTIONS / "ai-foundations")
    if args.scale:
        scale(questions)
        return
    course = load_course_or_raise(ROOT / "curriculum" / "ai-foundations")
    heldout = load_questions(QUESTIONS / "ai-foundations-heldout.yaml")
    compare(
        "AI Foundations (bundled)",
        course,
        {
            "written set (used while tuning)": (questions, load_judgments("written")),
            "held-out set (written after tuning, never tuned on)": (
                heldout,
                load_judgments("heldout"),
            ),
        },
    )
    ablations(course, questions, load_judgments("written"))
    calibration(course, questions + heldout)
    if SHARED.is_dir() and (QUESTIONS / "ai-for-beginners.yaml").is_file():
        shared = load_course_or_raise(SHARED)
        compare(
            "ai-for-beginners (../shared, text we did not write)",
            shared,
            {
                "questions written for it": (
                    load_questions(QUESTIONS / "ai-for-beginners.yaml"),
                    load_judgments("ai-for-beginners"),
                )
            },
        )
    else:
        print("\n(../shared/corpora/ai-for-beginners not found: skipped)")
    sys.stdout.flush()
    subprocess.run([sys.executable, __file__, "--scale"], check=True)


if __name__ == "__main__":
    main()
