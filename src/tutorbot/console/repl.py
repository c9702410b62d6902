"""A terminal tutor: slash commands like the bot's, progress in the same database.

It reads lines from any source (a terminal or a pipe) and renders service results with
rich; with piped input it prints no prompts, so transcripts stay clean.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tutorbot.errors import TutorError
from tutorbot.tutor import (
    Answer,
    LearnerRef,
    QuestionView,
    QuizStep,
    TutorDeps,
    answer_question,
    ask,
    explain,
    find_unit,
    hint,
    progress_report,
    start_quiz,
)
from tutorbot.tutor.review import describe_wait, start_review

HELP = """Commands:
  /units               the course's units and your status
  /unit ID             objectives and sections of a unit
  /explain TOPIC       an explanation from the course
  /ask QUESTION        ask anything about the course (plain text works too)
  /quiz [UNIT]         start a quiz; then type answers (a number or letter for choices)
  /hint                a hint for the current quiz question
  /review              go through your due review cards, oldest first
  /progress            your progress in every unit
  /quit                leave (progress is saved)"""


class ConsoleTutor:
    """One learner's terminal session over the tutor services."""

    def __init__(self, deps: TutorDeps, learner: LearnerRef, out: Console) -> None:
        self.deps = deps
        self.learner = learner
        self.out = out
        self.quiz: int | None = None
        self._commands: dict[str, Callable[[str], Awaitable[None]]] = {
            "/units": self._units,
            "/unit": self._unit,
            "/explain": self._explain,
            "/ask": self._ask,
            "/quiz": self._quiz,
            "/hint": self._hint,
            "/review": self._review,
            "/progress": self._progress,
            "/help": self._help,
        }

    async def run(self, lines: AsyncIterator[str]) -> None:
        """Handle lines until /quit or the end of input."""
        self.out.print(f"[bold]{escape(self.deps.course.title)}[/bold] — type /help for commands.")
        async for raw in lines:
            line = raw.strip()
            if not line:
                continue
            if line in {"/quit", "/exit"}:
                break
            try:
                await self.handle(line)
            except TutorError as exc:
                self.out.print(f"[yellow]{escape(exc.user_message)}[/yellow]")

    async def handle(self, line: str) -> None:
        """One command, or an answer to the open quiz, or a question."""
        command, _, rest = line.partition(" ")
        if command in self._commands:
            await self._commands[command](rest.strip())
        elif command.startswith("/"):
            self.out.print(f"Unknown command {escape(command)}. Type /help.")
        elif self.quiz is not None:
            await self._answer(line)
        else:
            await self._ask(line)

    async def _help(self, _: str) -> None:
        self.out.print(HELP, markup=False)

    async def _units(self, _: str) -> None:
        report = await progress_report(learner=self.learner, deps=self.deps)
        table = Table("unit", "title", "status", "mastery")
        for u in report.units:
            table.add_row(u.unit_id, u.title, u.status.replace("_", " "), f"{u.mastery:.0%}")
        self.out.print(table)

    async def _unit(self, unit_id: str) -> None:
        if not unit_id:
            raise TutorError("Which unit? For example: /unit what-is-ai")
        unit = find_unit(self.deps, unit_id)
        self.out.print(f"[bold]{escape(unit.title)}[/bold] ({unit.estimated_minutes or '?'} min)")
        for objective in unit.objectives:
            self.out.print(f"  • {escape(objective)}")
        for section in unit.sections:
            if section.level >= 2:
                indent = "    " if section.level == 3 else "  "
                self.out.print(f"{indent}{escape(section.title)} [dim]{section.id}[/dim]")
        self.out.print(f"{len(unit.questions)} quiz questions: /quiz {unit.id}")

    def _render_answer(self, answer: Answer) -> None:
        if answer.in_course and answer.mode == "offline":
            self.out.print("[dim](offline: from the course text)[/dim]")
        if answer.note:
            self.out.print(f"[dim]{escape(answer.note)}[/dim]")
        self.out.print(escape(answer.text))
        if answer.citations:
            cited = ", ".join(f"{c.title} [{c.id}]" for c in answer.citations)
            self.out.print(f"[dim]Sources: {escape(cited)}[/dim]")
        if answer.suggestions:
            self.out.print(f"[dim]Try: {escape(', '.join(answer.suggestions))}[/dim]")

    async def _ask(self, question: str) -> None:
        self._render_answer(await ask(question, learner=self.learner, deps=self.deps))

    async def _explain(self, topic: str) -> None:
        answer = await explain(
            topic, unit_id=None, level="beginner", learner=self.learner, deps=self.deps
        )
        self._render_answer(answer)

    def _render_question(self, q: QuestionView) -> None:
        self.out.print(f"\n[bold]Question {q.number}/{q.total}[/bold] {escape(q.prompt)}")
        for n, choice in enumerate(q.choices):
            self.out.print(f"  {chr(65 + n)}) {escape(choice)}")
        if q.kind == "short_answer":
            self.out.print("[dim]Type a short answer (a few sentences).[/dim]")

    async def _quiz(self, unit_id: str) -> None:
        question = await start_quiz(unit_id or None, learner=self.learner, deps=self.deps)
        self.quiz = question.session_id
        self._render_question(question)

    async def _review(self, _: str) -> None:
        started = await start_review(learner=self.learner, deps=self.deps)
        if started.first is None:
            when = started.next_due and describe_wait(started.next_due, self.deps.clock())
            self.out.print(
                f"Nothing is due for review now. Your next card is due {when}."
                if when
                else "Nothing to review yet: the questions you answer in /quiz come back here."
            )
            return
        self.out.print(f"{started.due} review cards due, oldest first.")
        self.quiz = started.first.session_id
        self._render_question(started.first)

    async def _answer(self, text: str) -> None:
        assert self.quiz is not None
        step: QuizStep = await answer_question(
            self.quiz, text, learner=self.learner, deps=self.deps
        )
        g = step.grade
        mark = "[green]✓[/green]" if g.correct else "[red]✗[/red]"
        if g.grader == "code":
            self.out.print(f"{mark} {escape(g.feedback)}")
        else:
            how = "graded by the model" if g.mode == "llm" else "graded offline by rubric keywords"
            self.out.print(f"{mark} {g.score:.0%} [dim]({how})[/dim]\n{escape(g.feedback)}")
        if g.explanation:
            self.out.print(f"[dim]{escape(g.explanation)}[/dim]")
        if step.finished:
            self.quiz = None
            self.out.print(f"[bold]Quiz finished: {step.score or 0:.0%}[/bold]")
        elif step.next_question:
            self._render_question(step.next_question)

    async def _hint(self, _: str) -> None:
        if self.quiz is None:
            raise TutorError("Hints are for quiz questions; start one with /quiz.")
        h = await hint(self.quiz, learner=self.learner, deps=self.deps)
        self.out.print(f"[cyan]Hint {h.level}/3:[/cyan] {escape(h.text)}")

    async def _progress(self, _: str) -> None:
        report = await progress_report(learner=self.learner, deps=self.deps)
        self.out.print(f"{report.completed}/{len(report.units)} units completed")
        if report.retention is not None:
            self.out.print(
                f"{report.reviews_due} review cards due (/review); "
                f"predicted recall {report.retention:.0%}"
            )
        for u in report.units:
            bar = "█" * round(u.mastery * 10) + "░" * (10 - round(u.mastery * 10))
            self.out.print(
                f"  {bar} {u.mastery:4.0%} {escape(u.title)} "
                f"[dim]({u.attempts} answers, {u.status.replace('_', ' ')})[/dim]"
            )
