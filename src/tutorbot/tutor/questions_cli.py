"""``tutorbot questions``: generate questions with the model, list and review the queue.

The command-line twin of the moderators' ``/questions`` commands, for operators. Reviews
made here have no Discord reviewer, so ``reviewed_by`` stays empty. Failures are
``TutorError`` messages, shown by the CLI's one handler (exit code 1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tutorbot.app import open_tutor
from tutorbot.settings import load_settings
from tutorbot.tutor.deps import TutorDeps
from tutorbot.tutor.generate import MAX_COUNT, GenerationResult, NoModelError, generate_questions
from tutorbot.tutor.question_review import (
    STATUSES,
    approve_question,
    list_generated,
    parse_row_id,
    reject_question,
)

T = TypeVar("T")
questions_app = typer.Typer(
    no_args_is_help=True, help="Model-written questions and the review queue they wait in."
)
out = Console(soft_wrap=True)
err = Console(stderr=True)


def _with_tutor(work: Callable[[TutorDeps], Awaitable[T]]) -> T:
    async def run() -> T:
        async with open_tutor(load_settings()) as deps:
            return await work(deps)

    return asyncio.run(run())


def _clip(text: str, size: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1] + "…"


def print_generation(result: GenerationResult) -> None:
    """What was queued and what was discarded, with the reasons."""
    out.print(
        f"Queued {len(result.queued)} of {result.requested} question(s) on "
        f"{escape(result.unit_id)} for review (model {escape(result.model)})."
    )
    for queued in result.queued:
        out.print(f"  [green]{queued.question_id}[/green] [dim]{queued.section}[/dim]")
        out.print(f"    {escape(_clip(queued.prompt))}")
    for rejected in result.rejected:
        prompt = escape(_clip(rejected.prompt))
        out.print(f"  [red]draft {rejected.number} rejected[/red]: {prompt}")
        for reason in rejected.reasons:
            out.print(f"    - {escape(reason)}")
    if result.queued:
        out.print("Review them with `tutorbot questions list` and `approve` / `reject`.")


@questions_app.command("generate")
def generate(
    unit: Annotated[str, typer.Argument(help="The unit's id.")],
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=MAX_COUNT, help="Questions to draft.")
    ] = 5,
) -> None:
    """Ask the model for new questions on UNIT; those passing the checks wait for review."""
    if not load_settings().llm_configured:  # say so before opening the database and index
        err.print(f"[red]{escape(NoModelError().user_message)}[/red]")
        raise typer.Exit(1)
    result = _with_tutor(lambda deps: generate_questions(unit, count, deps=deps, created_by=None))
    print_generation(result)


@questions_app.command("list")
def list_questions(
    status: Annotated[
        str | None, typer.Option("--status", "-s", help=f"One of {', '.join(STATUSES)}.")
    ] = None,
    unit: Annotated[str | None, typer.Option("--unit", "-u", help="Only this unit.")] = None,
) -> None:
    """List generated questions, oldest first."""
    items = _with_tutor(lambda deps: list_generated(deps, status=status, unit_id=unit))
    if not items:
        out.print("No generated questions" + (f" with status {status}." if status else "."))
        return
    table = Table("id", "status", "section", "bloom", "prompt")
    for item in items:
        table.add_row(
            item.question.id,
            item.status,
            item.question.section or "",
            item.question.bloom or "",
            escape(_clip(item.question.prompt, 70)),
        )
    out.print(table)


@questions_app.command("approve")
def approve(question_id: Annotated[str, typer.Argument(help="gen-<n> or n.")]) -> None:
    """Approve a pending question (its checks run again first); it joins its unit's bank."""
    row_id = parse_row_id(question_id)
    item = _with_tutor(lambda deps: approve_question(deps, row_id, reviewer=None))
    out.print(f"Approved {item.question.id}: it is now in the bank of unit {item.unit_id}.")


@questions_app.command("reject")
def reject(question_id: Annotated[str, typer.Argument(help="gen-<n> or n.")]) -> None:
    """Reject a pending question; it stays on record but never reaches learners."""
    row_id = parse_row_id(question_id)
    item = _with_tutor(lambda deps: reject_question(deps, row_id, reviewer=None))
    out.print(f"Rejected {item.question.id}.")
