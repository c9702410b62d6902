"""Quiz load: 200 concurrent simulated learners answering questions graded in code, on SQLite.

Three runs on one fresh SQLite file (WAL): learners pacing themselves with think time so
that the offered load is about 1,300 answers per second (the goal: >= 1,000 graded
answers/s with p99 < 20 ms); learners answering back to back (the most the process can
take); then the paced run again on the database the first two runs filled.
Latency is from calling ``answer_question`` to its result (grade, attempt, progress and
event written). Errors are counted by message, so any "database is locked" shows.

    python bench/quiz_load.py [--learners 200] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from tutorbot.app import freeze_startup_objects
from tutorbot.curriculum import load_course_or_raise
from tutorbot.curriculum.models import MultipleChoiceQuestion, TrueFalseQuestion
from tutorbot.retrieval import Retriever, build_index
from tutorbot.settings import bundled_curriculum, load_settings
from tutorbot.storage import Database, QuizAttempt
from tutorbot.tokens import token_counter
from tutorbot.tutor import LearnerRef, QuestionView, TutorDeps, answer_question, start_quiz
from tutorbot.tutor.writer import DatabaseWriter

CODE_GRADED = ("multiple_choice", "true_false")


async def learner_loop(
    n: int,
    deps: TutorDeps,
    until: float,
    think: float,
    latencies: list[float],
    errors: Counter[str],
) -> None:
    rng = random.Random(n)
    learner = LearnerRef(10_000 + n, f"learner-{n}")
    units = [u.id for u in deps.course.units]
    while time.perf_counter() < until:
        view: QuestionView | None = await start_quiz(
            rng.choice(units), learner=learner, deps=deps, count=5
        )
        while view is not None and time.perf_counter() < until:
            if think:
                await asyncio.sleep(rng.expovariate(1 / think))
            answer = (
                rng.choice(["1", "2", "3", "4"])
                if view.kind == "multiple_choice"
                else (rng.choice(["true", "false"]) if view.kind == "true_false" else "some words")
            )
            started = time.perf_counter()
            try:
                step = await answer_question(view.session_id, answer, learner=learner, deps=deps)
            except Exception as exc:  # counted, not raised: the figure is the error rate
                errors[f"{type(exc).__name__}: {str(exc)[:60]}"] += 1
                break
            latencies.append(time.perf_counter() - started)
            view = step.next_question


async def run(deps: TutorDeps, learners: int, seconds: float, think: float) -> None:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(
        *(learner_loop(n, deps, until, think, latencies, errors) for n in range(learners))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    label = "back to back" if not think else f"think time {think * 1000:.0f} ms"
    async with deps.db.session() as session:
        stored = await session.scalar(select(func.count()).select_from(QuizAttempt)) or 0
    print(
        f"{learners} learners, {label}: {len(latencies) / elapsed:,.0f} graded answers/s; "
        f"latency p50 {pct(0.5):.1f} ms, p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms, "
        f"mean {1000 * statistics.fmean(latencies):.1f} ms; errors {sum(errors.values())}; "
        f"{stored:,} attempts stored"
    )
    for message, count in errors.most_common(5):
        print(f"   {count} x {message}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    course = load_course_or_raise(bundled_curriculum())
    for unit in course.units:  # keep only questions graded in code
        object.__setattr__(
            unit,
            "questions",
            tuple(
                q
                for q in unit.questions
                if isinstance(q, MultipleChoiceQuestion | TrueFalseQuestion)
            ),
        )
    retriever = Retriever(build_index(course, token_counter(), 350))
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(data_dir=Path(folder))
        db = await Database.connect(settings.effective_database_url)
        deps = TutorDeps(
            settings, course, retriever, db, DatabaseWriter.for_database(db), None, token_counter()
        )
        print(f"SQLite file {settings.effective_database_url.rsplit('/', 1)[-1]} (WAL)")
        freeze_startup_objects()  # as tutorbot.app.open_tutor does
        paced = args.learners / 1300
        await run(deps, args.learners, args.seconds, think=paced)
        await run(deps, args.learners, args.seconds, think=0.0)
        await run(deps, args.learners, args.seconds, think=paced)
        await deps.aclose()


if __name__ == "__main__":
    asyncio.run(main())
