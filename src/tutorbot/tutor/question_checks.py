"""Checks in code for model-written questions, before any moderator sees them.

A generated (or edited) question is a bank entry like an authored one, and it must pass:

- **schema**: it validates as a bank question, with Bloom level, explanation, sizes that fit
  Discord, and the fields its type needs (a rubric and a model answer for short answers);
- **one correct choice**: a multiple-choice question has exactly one, and no repeated choice;
- **section**: it cites a section of its own unit;
- **answer supported**: the answer's content words are in the cited section's text. Words are
  the search analyzer's terms (lowercase, stop words dropped, Snowball stems, synonym groups
  collapsed), so "layers" matches "layer" and "picture" matches "image". The *claim* checked
  is what a learner is told is right: the correct choice of a multiple-choice question, the
  statement of a true/false one, the model answer of a short answer. Its *support* is the
  share of its distinct terms found in the section (its subsections included); it passes at
  ``SUPPORT_MIN``. Each rubric criterion needs a keyword that appears in the section, so a
  learner who answers from the course can meet it when grading is offline (keywords are
  alternatives; requiring every one would reject every authored rubric of the bundled
  course, whose authors add learner synonyms and computed numbers);
- **not a duplicate**: the Jaccard similarity of its prompt's term set with any existing
  question's (authored, approved or pending) stays below ``DUPLICATE_MIN``.

The thresholds come from ``bench/question_checks.py``, which scores the bundled course's
authored questions against their own sections and against other sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tutorbot.curriculum.models import (
    Course,
    MultipleChoiceQuestion,
    Question,
    Section,
    ShortAnswerQuestion,
    TrueFalseQuestion,
    Unit,
)
from tutorbot.curriculum.questions import question_issues
from tutorbot.llm.structured import describe_problems
from tutorbot.retrieval.analyzer import Analyzer, course_analyzer
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.grading import _normal as grader_normal

# Chosen with bench/question_checks.py on the bundled course (figures in its docstring):
# at 0.60, 68% of authored answers pass against their own section, 4% against another
# section of the unit; the closest distinct authored prompts score 0.60, rewordings >= 0.67.
SUPPORT_MIN = 0.6
DUPLICATE_MIN = 0.65

# Sizes that keep a question readable in an embed and editable in a modal.
MAX_PROMPT_CHARS = 1000
MAX_CHOICE_CHARS = 200
MAX_TEXT_CHARS = 1000

_bank_question = TypeAdapter[AnyQuestion](Question)
_WORD = re.compile(r"[a-z0-9]+")

SCHEMA = "schema"
ONE_CORRECT = "one correct choice"
SECTION = "section"
SUPPORTED = "answer supported"
KEYWORDS = "rubric keywords"
DUPLICATE = "not a duplicate"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's verdict and, passed or not, why (shown to the moderator)."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Every check run on one question, in order."""

    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(r.passed for r in self.results)

    @property
    def reasons(self) -> list[str]:
        """What failed, one line per check."""
        return [f"{r.name}: {r.detail}" for r in self.results if not r.passed]


@dataclass(frozen=True, slots=True)
class Support:
    """How much of a claim the section says: ``score`` is found / distinct terms."""

    score: float
    terms: int
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class KnownQuestion:
    """An existing question, for the duplicate check."""

    id: str
    prompt: str


def parse_bank_entry(entry: dict[str, Any]) -> AnyQuestion:
    """The entry as a bank question, or ``ValueError`` saying what is wrong with it."""
    try:
        return _bank_question.validate_python(entry)
    except ValidationError as exc:
        raise ValueError(describe_problems(exc)) from None


def claim_of(question: AnyQuestion) -> str:
    """The text a learner is told is right, whose support the section must give."""
    if isinstance(question, MultipleChoiceQuestion):
        return " ".join(question.choices[i].text for i in question.correct_indexes)
    if isinstance(question, ShortAnswerQuestion):
        return question.model_answer or " ".join(question.accepted_answers)
    return question.prompt  # a true/false statement, or a numeric question's wording


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """|a ∩ b| / |a ∪ b|; 0 for two empty sets."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def cited_section(question: AnyQuestion, unit: Unit) -> Section | None:
    """The section of ``unit`` the question cites, or ``None`` if it cites none of them."""
    unit_id, _, slug = (question.section or "").partition("#")
    return unit.section(slug) if unit_id == unit.id else None


class QuestionChecker:
    """The checks for one course, with the course's own search analyzer (synonyms included)."""

    def __init__(
        self,
        course: Course,
        analyzer: Analyzer | None = None,
        *,
        support_min: float = SUPPORT_MIN,
        duplicate_min: float = DUPLICATE_MIN,
    ) -> None:
        self.course = course
        self.analyzer = analyzer or course_analyzer(course.root)
        self.support_min = support_min
        self.duplicate_min = duplicate_min
        self._section_terms: dict[str, frozenset[str]] = {}

    # -- measures (also used by the bench) -----------------------------------------------------

    def terms(self, text: str) -> frozenset[str]:
        """The distinct analyzer terms of ``text``."""
        return frozenset(self.analyzer.terms(text))

    def section_text(self, unit: Unit, slug: str) -> str | None:
        """A section's title and text with its subsections', or ``None`` if there is none."""
        section = unit.section(slug)
        if section is None:
            return None
        children = [s.text for s in unit.sections if s.parent_id == section.id]
        return "\n\n".join([section.title, section.text, *children])

    def section_terms(self, unit: Unit, slug: str) -> frozenset[str]:
        """Terms of ``section_text`` (cached: the course never changes under a checker)."""
        key = f"{unit.id}#{slug}"
        if key not in self._section_terms:
            self._section_terms[key] = self.terms(self.section_text(unit, slug) or "")
        return self._section_terms[key]

    def support(self, claim: str, section_terms: frozenset[str]) -> Support:
        """The share of the claim's distinct terms found in the section, and the missing
        words (as written, so a moderator can read them)."""
        terms = self.terms(claim)
        if not terms:
            return Support(0.0, 0, ())
        missing = terms - section_terms
        words: dict[str, str] = {}
        for word in _WORD.findall(claim.lower()):
            for term in self.analyzer.terms(word):
                words.setdefault(term, word)
        shown = tuple(sorted(words.get(t, t) for t in missing))
        return Support(1 - len(missing) / len(terms), len(terms), shown)

    def keyword_in(self, keyword: str, section: str, section_terms: frozenset[str]) -> bool:
        """A keyword appears when its words do (as the grader matches it: a piece of the
        text) or when all its terms do (another inflection of the same words)."""
        normal = grader_normal(keyword)
        if normal and normal in grader_normal(section):
            return True
        terms = self.terms(keyword)
        return bool(terms) and terms <= section_terms

    # -- the checks ----------------------------------------------------------------------------

    def check(
        self, question: AnyQuestion, unit: Unit, existing: Iterable[KnownQuestion]
    ) -> CheckReport:
        """Run every check on ``question`` (a bank entry of ``unit``)."""
        results = [self._schema(question)]
        if isinstance(question, MultipleChoiceQuestion):
            issues = question_issues(question, strict=False)
            if len(question.correct_indexes) != 1 and not issues:
                issues = [f"question {question.id} must have exactly one correct choice"]
            results.append(
                CheckResult(ONE_CORRECT, not issues, "; ".join(issues) or "exactly one is correct")
            )
        section = cited_section(question, unit)
        if section is None:
            cited = question.section or "(none)"
            results.append(
                CheckResult(SECTION, False, f"'{cited}' is not a section of unit '{unit.id}'")
            )
        else:
            results.append(CheckResult(SECTION, True, f"{section.id} ({section.title})"))
            results += self._supported(question, unit, section.slug)
        results.append(self._not_duplicate(question, existing))
        return CheckReport(tuple(results))

    def _schema(self, question: AnyQuestion) -> CheckResult:
        issues = question_issues(question, strict=True)
        if isinstance(question, MultipleChoiceQuestion):
            loose = question_issues(question, strict=False)  # choice issues: the next check
            issues = [i for i in issues if i not in loose]
            if any(len(c.text) > MAX_CHOICE_CHARS for c in question.choices):
                issues.append(f"a choice is longer than {MAX_CHOICE_CHARS} characters")
        if not isinstance(
            question, MultipleChoiceQuestion | TrueFalseQuestion | ShortAnswerQuestion
        ):
            issues.append("generated questions are multiple choice, true/false or short answer")
        if len(question.prompt) > MAX_PROMPT_CHARS:
            issues.append(f"the prompt is longer than {MAX_PROMPT_CHARS} characters")
        longest = max(
            len(question.explanation or ""),
            len(question.model_answer or "") if isinstance(question, ShortAnswerQuestion) else 0,
        )
        if longest > MAX_TEXT_CHARS:
            issues.append(f"the answer or explanation is longer than {MAX_TEXT_CHARS} characters")
        return CheckResult(SCHEMA, not issues, "; ".join(issues) or "a valid bank question")

    def _supported(self, question: AnyQuestion, unit: Unit, slug: str) -> list[CheckResult]:
        section_terms = self.section_terms(unit, slug)
        found = self.support(claim_of(question), section_terms)
        share = f"{found.score:.0%} of {found.terms} content words in the section"
        if found.terms == 0:
            result = CheckResult(SUPPORTED, False, "the answer has no content words to check")
        elif found.score >= self.support_min:
            result = CheckResult(SUPPORTED, True, share)
        else:
            missing = ", ".join(found.missing[:12])
            result = CheckResult(
                SUPPORTED,
                False,
                f"only {share} (needs {self.support_min:.0%}); not in the section: {missing}",
            )
        results = [result]
        if isinstance(question, ShortAnswerQuestion) and question.rubric:
            results.append(
                self._keywords(question, self.section_text(unit, slug) or "", section_terms)
            )
        return results

    def grounded_criteria(
        self, question: ShortAnswerQuestion, section: str, section_terms: frozenset[str]
    ) -> list[bool]:
        """For each rubric criterion: does any of its keywords appear in the section?"""
        return [
            any(self.keyword_in(k, section, section_terms) for k in c.keywords)
            for c in question.rubric
        ]

    def _keywords(
        self, question: ShortAnswerQuestion, section: str, section_terms: frozenset[str]
    ) -> CheckResult:
        grounded = self.grounded_criteria(question, section, section_terms)
        ungrounded = [c for c, ok in zip(question.rubric, grounded, strict=True) if not ok]
        if not ungrounded:
            return CheckResult(KEYWORDS, True, "every criterion has a keyword in the section")
        lines = [f"'{c.criterion}' ({', '.join(c.keywords) or 'no keywords'})" for c in ungrounded]
        return CheckResult(
            KEYWORDS, False, "no keyword of these criteria is in the section: " + "; ".join(lines)
        )

    def _not_duplicate(
        self, question: AnyQuestion, existing: Iterable[KnownQuestion]
    ) -> CheckResult:
        mine = self.terms(question.prompt)
        best: tuple[float, str] = (0.0, "")
        for other in existing:
            if other.id == question.id:
                continue
            best = max(best, (jaccard(mine, self.terms(other.prompt)), other.id))
        if best[0] >= self.duplicate_min:
            return CheckResult(
                DUPLICATE,
                False,
                f"{best[0]:.0%} the same words as question {best[1]} "
                f"(limit {self.duplicate_min:.0%})",
            )
        closest = f"; closest {best[1]} at {best[0]:.0%}" if best[1] else ""
        return CheckResult(DUPLICATE, True, f"no question that close{closest}")


def course_questions(course: Course) -> list[KnownQuestion]:
    """Every question the course has (units and final bank), for the duplicate check."""
    questions: Sequence[AnyQuestion] = [q for u in course.units for q in u.questions]
    return [KnownQuestion(q.id, q.prompt) for q in [*questions, *course.final_questions]]
