"""The hint ladder for quiz questions: 1 a nudge, 2 the concept, 3 a worked step.

Hints never give the answer. Offline, they come from the course itself: the section to
re-read, its key sentences, then a step that narrows the question (for choices, one wrong
option removed; for short answers, what a full answer must address).
"""

from __future__ import annotations

import random

from sqlalchemy import update
from sqlalchemy.orm import Session

from tutorbot.curriculum.models import MultipleChoiceQuestion, ShortAnswerQuestion
from tutorbot.llm import ContextFit, LlmError
from tutorbot.retrieval import Hit
from tutorbot.storage.models import QuizSession
from tutorbot.tutor.citations import gist
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.quiz import QuizNotFoundError, active_session, question_at
from tutorbot.tutor.records import log_event
from tutorbot.tutor.results import Hint, Mode

LAST_STEP = 3


def offline_hint(question: AnyQuestion, step: int, deps: TutorDeps) -> str:
    """A hint built from the course text and the question's structure."""
    unit_id, _, slug = (question.section or "").partition("#")
    unit = deps.course.unit(unit_id)
    section = unit.section(slug) if unit else None
    if step == 1:
        if section is not None and unit is not None:
            return f'Re-read "{section.title}" in {unit.title}: what does the answer depend on?'
        return "Re-read the question slowly: which word in it matters most?"
    if step == 2:
        passage = section.text if section else ""
        hits = deps.retriever.search(question.prompt, 1, unit=unit_id or None).hits
        if hits:
            passage = hits[0].text
        return gist(passage, 2) or "Think about the definition the question relies on."
    if isinstance(question, MultipleChoiceQuestion):
        wrong = [c.text for c in question.choices if not c.correct]
        return (
            f'You can rule out: "{random.choice(wrong)}".'
            if wrong
            else "Compare the options one by one."
        )
    if isinstance(question, ShortAnswerQuestion) and question.rubric:
        return "A full answer covers: " + "; ".join(c.criterion for c in question.rubric)
    return "Work it through in two steps: recall the rule, then apply it to this case."


async def _model_hint(
    question: AnyQuestion,
    step: int,
    unit_id: str,
    learner_id: int,
    guild_id: int | None,
    deps: TutorDeps,
) -> str | None:
    """The model's hint at this step, or None without a model or when it fails."""
    if deps.llm is None:
        return None
    hits = deps.retriever.search(question.prompt, 2, unit=unit_id).hits
    choices = (
        [c.text for c in question.choices] if isinstance(question, MultipleChoiceQuestion) else []
    )
    try:
        fitted: ContextFit[Hit, object] = deps.llm.fit_context(
            "hint", passages=hits, step=step, question=question.prompt, choices=choices
        )
        completion = await deps.llm.complete(
            "hint",
            learner_id=learner_id,
            guild_id=guild_id,
            step=step,
            question=question.prompt,
            choices=choices,
            passages=fitted.passages,
        )
    except LlmError:
        return None
    return completion.text.strip()


async def hint(session_id: int, *, learner: LearnerRef, deps: TutorDeps) -> Hint:
    """The next rung of the ladder for the current question of a quiz."""
    session = await active_session(deps, learner, session_id)
    question = question_at(deps, session, session.position)
    if question is None:
        raise QuizNotFoundError("This quiz's questions are no longer in the course.")
    step = min(session.hints_used + 1, LAST_STEP)
    unit_id = question.unit or session.unit_id  # a review session's questions span units
    written = await _model_hint(question, step, unit_id, session.learner_id, learner.guild_id, deps)
    # The course-built hint is made only when the model did not write one.
    text = written if written is not None else offline_hint(question, step, deps)
    mode: Mode = "llm" if written is not None else "offline"
    now = deps.clock()

    def save(db: Session) -> None:
        db.execute(update(QuizSession).where(QuizSession.id == session.id).values(hints_used=step))
        log_event(
            db,
            session.learner_id,
            "asked-hint",
            f"{session.course_id}/{session.unit_id}/{question.id}",
            now,
            guild_id=learner.guild_id,
            step=step,
            mode=mode,
        )

    await deps.writer.run(save)
    session.hints_used = step
    return Hint(step, text, mode, step == LAST_STEP)
