"""The course: files on disk (course.yaml, unit Markdown, question banks) to ``Course``."""

from tutorbot.curriculum.loader import LoadResult, load_course, load_course_or_raise
from tutorbot.curriculum.models import (
    Bloom,
    Course,
    MultipleChoiceQuestion,
    NumericQuestion,
    Question,
    Section,
    ShortAnswerQuestion,
    TrueFalseQuestion,
    Unit,
)
from tutorbot.curriculum.problems import Problem

__all__ = [
    "Bloom",
    "Course",
    "LoadResult",
    "MultipleChoiceQuestion",
    "NumericQuestion",
    "Problem",
    "Question",
    "Section",
    "ShortAnswerQuestion",
    "TrueFalseQuestion",
    "Unit",
    "load_course",
    "load_course_or_raise",
]
