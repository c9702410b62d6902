"""Tutor services: plain values in, plain results out; no adapter imports here."""

from tutorbot.tutor.answers import ask, ask_stream, explain, explain_stream
from tutorbot.tutor.deps import LearnerRef, TutorDeps
from tutorbot.tutor.hints import hint
from tutorbot.tutor.progress import progress_report
from tutorbot.tutor.quiz import answer_question, current_question, find_unit, start_quiz
from tutorbot.tutor.results import (
    Answer,
    Citation,
    Grade,
    Hint,
    ProgressReport,
    QuestionView,
    QuizStep,
    UnitStanding,
)

__all__ = [
    "Answer",
    "Citation",
    "Grade",
    "Hint",
    "LearnerRef",
    "ProgressReport",
    "QuestionView",
    "QuizStep",
    "TutorDeps",
    "UnitStanding",
    "answer_question",
    "ask",
    "ask_stream",
    "current_question",
    "explain",
    "explain_stream",
    "find_unit",
    "hint",
    "progress_report",
    "start_quiz",
]
