"""The ``tutorbot`` command: course validation, search, and (later) the bot and console.

An adapter like the Discord bot: it parses arguments, builds resources from settings,
calls the core and renders. ``TutorError`` messages are shown as they are; exit codes are
0 for success, 1 for problems found, 2 for bad usage.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

import discord
import typer
from rich.console import Console
from rich.markup import escape

from tutorbot.app import open_course, open_tutor
from tutorbot.console import ConsoleTutor
from tutorbot.curriculum import load_course, load_course_or_raise
from tutorbot.errors import TutorError
from tutorbot.retrieval import Retriever, SearchResult
from tutorbot.settings import Settings, load_settings
from tutorbot.storage.cli import db_app
from tutorbot.tutor import Answer, LearnerRef, ask
from tutorbot.tutor.certify_cli import certificate_app, export_app
from tutorbot.tutor.costs_cli import costs_command
from tutorbot.tutor.questions_cli import questions_app
from tutorbot.tutor.reports.cli import report_app

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__.splitlines()[0])
curriculum_app = typer.Typer(no_args_is_help=True, help="Check and inspect a course.")
app.add_typer(curriculum_app, name="curriculum")
app.add_typer(db_app, name="db", help="Database schema: upgrade, current revision.")
app.add_typer(certificate_app, name="certificate")
app.add_typer(export_app, name="export")
app.add_typer(questions_app, name="questions")
app.add_typer(report_app, name="report")
app.command("costs")(costs_command)
out = Console(soft_wrap=True)
err = Console(stderr=True)

CurriculumOption = Annotated[
    Path | None,
    typer.Option("--curriculum", "-c", help="Course folder (default: TUTORBOT_CURRICULUM)."),
]


def _settings(curriculum: Path | None = None) -> Settings:
    settings = load_settings()
    return settings.model_copy(update={"curriculum": curriculum}) if curriculum else settings


@curriculum_app.command("validate")
def validate(
    path: Annotated[Path | None, typer.Argument(help="Course folder or course.yaml.")] = None,
) -> None:
    """Print every problem as file:line: message; exit 1 if there is any."""
    target = path or _settings().curriculum
    result = load_course(target)
    for problem in result.problems:
        print(problem)
    if not result.ok or result.course is None:
        err.print(f"[red]{len(result.problems)} problem(s) in {escape(str(target))}[/red]")
        raise typer.Exit(1)
    c = result.course
    print(
        f"{c.id} {c.version}: {len(c.units)} units, {len(c.sections)} sections, "
        f"{c.question_count} questions ({len(c.final_questions)} in the final bank), "
        f"{c.word_count:,} words"
    )


@curriculum_app.command("sections")
def sections(path: Annotated[Path | None, typer.Argument(help="Course folder.")] = None) -> None:
    """List every citation id with its title and word count (for authors)."""
    course = load_course_or_raise(path or _settings().curriculum)
    for section in course.sections:
        print(f"{section.id}\t{section.title}\t{len(section.text.split())}")


def _render(result: SearchResult) -> None:
    verdict = (
        "[green]covered by the course[/green]"
        if result.covers_question
        else ("[yellow]not covered by the course[/yellow]")
    )
    out.print(f"{verdict} (coverage {result.coverage:.2f})")
    for n, hit in enumerate(result.hits, start=1):
        snippet = " ".join(hit.text.split())[:300]
        out.print(
            f"[bold]{n}. {escape(hit.title)}[/bold] [dim]{hit.id}  score {hit.score:.2f}[/dim]"
        )
        out.print(f"   {escape(snippet)}")


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="Words or a question.")] = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="Hits to return.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print hits as JSON.")] = False,
    curriculum: CurriculumOption = None,
) -> None:
    """Search the course. With --json and no QUERY, answer one query per stdin line."""
    _, _, retriever = open_course(_settings(curriculum))
    if query is not None:
        result = retriever.search(query, k)
        if as_json:
            print(json.dumps([h.as_json() for h in result.hits], ensure_ascii=False))
        else:
            _render(result)
        return
    if as_json:
        for line in sys.stdin:
            hits = retriever.search(line, k).hits if line.strip() else []
            print(json.dumps([h.as_json() for h in hits], ensure_ascii=False), flush=True)
        return
    _interactive(retriever, k)


def _interactive(retriever: Retriever, k: int) -> None:
    interactive = sys.stdin.isatty()
    if interactive:
        out.print("Search the course (empty line or Ctrl-D to quit).")
    while True:
        try:
            line = input("search> " if interactive else "")
        except EOFError:
            break
        if not line.strip():
            if interactive:
                break
            continue
        try:
            _render(retriever.search(line, k))
        except TutorError as exc:
            err.print(f"[red]{escape(exc.user_message)}[/red]")


LOCAL_LEARNER_ID = 0  # the console's learner; Discord ids are never 0


def _local_learner() -> LearnerRef:
    return LearnerRef(LOCAL_LEARNER_ID, getpass.getuser() or "learner")


async def _stdin_lines() -> AsyncIterator[str]:
    interactive = sys.stdin.isatty()
    while True:
        line = await asyncio.to_thread(_read_line, "you> " if interactive else None)
        if line is None:
            return
        yield line


def _read_line(prompt: str | None) -> str | None:
    try:
        return input(prompt) if prompt is not None else (sys.stdin.readline() or None)
    except EOFError:
        return None


@app.command()
def chat(curriculum: CurriculumOption = None) -> None:
    """Talk with the tutor in the terminal (same commands as the Discord bot)."""

    async def run() -> None:
        async with open_tutor(_settings(curriculum)) as deps:
            mode = (
                "model: " + deps.settings.model
                if deps.llm
                else "offline: answers come from the course text"
            )
            out.print(f"[dim]{escape(mode)}[/dim]")
            await ConsoleTutor(deps, _local_learner(), out).run(_stdin_lines())

    asyncio.run(run())


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="A question about the course.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")] = False,
    curriculum: CurriculumOption = None,
) -> None:
    """Ask one question; --json prints {answer, citations, in_course, mode}."""

    async def run() -> Answer:
        async with open_tutor(_settings(curriculum)) as deps:
            return await ask(question, learner=_local_learner(), deps=deps)

    answer = asyncio.run(run())
    if as_json:
        print(json.dumps(answer.as_json(), ensure_ascii=False))
        return
    out.print(escape(answer.text))
    for citation in answer.citations:
        out.print(f"[dim]  {escape(citation.title)} [{citation.id}][/dim]")


@app.command()
def run() -> None:
    """Start the Discord bot (needs DISCORD_TOKEN; no privileged intents)."""
    settings = load_settings()
    if settings.discord_token is None:
        raise TutorError("DISCORD_TOKEN is not set. Use `tutorbot chat` for the terminal tutor.")
    from tutorbot.bot.client import create_bot

    create_bot(settings).run(settings.discord_token.get_secret_value(), log_handler=None)


@app.command("sync-commands")
def sync_commands(
    guild: Annotated[
        int | None, typer.Option(help="Sync to one server (instant, for development).")
    ] = None,
) -> None:
    """Register the slash commands with Discord: per guild while developing, global to ship."""
    settings = load_settings()
    if settings.discord_token is None:
        raise TutorError("DISCORD_TOKEN is not set.")
    token = settings.discord_token.get_secret_value()
    from tutorbot.bot.client import create_bot

    async def sync() -> int:
        async with create_bot(settings) as bot:
            await bot.login(token)  # runs the setup hook, which registers the commands
            target = discord.Object(id=guild) if guild else None
            if target is not None:
                bot.tree.copy_global_to(guild=target)
            return len(await bot.tree.sync(guild=target))

    count = asyncio.run(sync())
    where = f"server {guild}" if guild else "every server (global; may take up to an hour)"
    out.print(f"Synced {count} commands to {where}.")


def main() -> None:
    """Entry point: run the CLI with one error handler for expected failures."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG
    try:
        app()
    except TutorError as exc:
        err.print(f"[red]{escape(exc.user_message)}[/red]")
        for problem in getattr(exc, "problems", [])[:50]:
            print(problem, file=sys.stderr)
        sys.exit(1)
