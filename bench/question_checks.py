"""Thresholds of the generated-question checks, measured on the bundled course's own questions.

The authored questions of AI Foundations are known good: each answer is supported by the
section it cites, and no two are the same question. So:

- *support*: each authored question's claim (correct choice, true/false statement, model
  answer) is scored against its own section (should pass) and against a random other
  section of the same unit and of another unit (should mostly fail);
- *rubric keywords*: for each short answer, whether every criterion has a keyword found in
  the section (the rule), and whether every keyword is (a stricter rule, for comparison),
  in its own section versus another section of its unit;
- *duplicates*: each authored prompt's highest Jaccard similarity with any other authored
  prompt (distinct questions: should stay under the limit), and with a light rewording of
  itself (the same question: should reach it).

    python bench/question_checks.py

Figures (208 authored unit questions, 244 prompts with the final bank):

- support: own section median 0.70; another section of the unit median 0.20, of another
  unit 0.13. At 0.60, 68% of authored claims pass against their own section and 4% / 1%
  against a wrong one; 0.50 would pass 88% but let 11% / 6% of wrong sections through,
  0.75 would keep 2% / 1% out but pass only 40%. Authored claims include computed numbers
  and scenario words the text cannot contain; generated ones are told to use the section's
  words, so 0.60 (SUPPORT_MIN) rejects mostly what it should.
- rubric keywords: "every criterion has a keyword in the section" holds for 70% of authored
  short answers in their own section and 15% in another; "every keyword is in the section"
  holds for 0% (authors list learner synonyms and computed numbers), so it is not the rule.
- duplicates: the most similar pair of distinct authored prompts scores 0.60 (two ReLU
  forward-pass exercises); light rewordings of a prompt score 0.67 or more. DUPLICATE_MIN
  0.65 flags no distinct pair and every rewording.
"""

from __future__ import annotations

import random
import statistics

from tutorbot.curriculum import load_course_or_raise
from tutorbot.curriculum.models import ShortAnswerQuestion, Unit
from tutorbot.settings import bundled_curriculum
from tutorbot.tutor.grading import AnyQuestion
from tutorbot.tutor.question_checks import (
    DUPLICATE_MIN,
    SUPPORT_MIN,
    QuestionChecker,
    cited_section,
    claim_of,
    jaccard,
)

THRESHOLDS = (0.5, 0.6, 0.67, 0.75, 0.8, 0.9, 1.0)


def quantiles(values: list[float]) -> str:
    values = sorted(values)
    cut = statistics.quantiles(values, n=10, method="inclusive")
    return (
        f"min {values[0]:.2f}  p10 {cut[0]:.2f}  median {statistics.median(values):.2f}  "
        f"p90 {cut[-1]:.2f}  max {values[-1]:.2f}"
    )


def pass_rate(values: list[float], threshold: float) -> float:
    return sum(v >= threshold for v in values) / len(values)


def reword(prompt: str, rng: random.Random) -> str:
    """The same question in lightly different words: one word dropped, two swapped."""
    words = prompt.split()
    if len(words) > 4:
        del words[rng.randrange(len(words))]
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def main() -> None:
    course = load_course_or_raise(bundled_curriculum())
    checker = QuestionChecker(course)
    rng = random.Random(6)
    pairs: list[tuple[Unit, AnyQuestion, str]] = []
    for unit in course.units:
        for question in unit.questions:
            section = cited_section(question, unit)
            if section is not None:
                pairs.append((unit, question, section.slug))

    own, same_unit, other_unit = [], [], []
    kw_own: list[tuple[bool, bool]] = []
    kw_other: list[tuple[bool, bool]] = []
    for unit, question, slug in pairs:
        claim = claim_of(question)
        own.append(checker.support(claim, checker.section_terms(unit, slug)).score)
        sibling = rng.choice([s for s in unit.sections if s.slug != slug])
        same_unit.append(checker.support(claim, checker.section_terms(unit, sibling.slug)).score)
        elsewhere = rng.choice([u for u in course.units if u.id != unit.id])
        far = rng.choice(elsewhere.sections)
        other_unit.append(checker.support(claim, checker.section_terms(elsewhere, far.slug)).score)
        if isinstance(question, ShortAnswerQuestion) and question.rubric:
            keywords = [k for c in question.rubric for k in c.keywords]
            for where, out in ((slug, kw_own), (sibling.slug, kw_other)):
                text = checker.section_text(unit, where) or ""
                terms = checker.section_terms(unit, where)
                every_criterion = all(checker.grounded_criteria(question, text, terms))
                every_keyword = all(checker.keyword_in(k, text, terms) for k in keywords)
                out.append((every_criterion, every_keyword))

    print(f"{len(pairs)} authored questions citing a section of their unit ({course.id})")
    print("\nanswer support = share of the claim's distinct terms found in the section")
    for name, values in (
        ("own section", own),
        ("other section, same unit", same_unit),
        ("section of another unit", other_unit),
    ):
        print(f"  {name:<26} {quantiles(values)}")
    print("\n  pass rate at threshold    own    same unit  other unit")
    for t in THRESHOLDS:
        mark = "  <- SUPPORT_MIN" if t == SUPPORT_MIN else ""
        print(
            f"  >= {t:<4.2f}                 {pass_rate(own, t):5.0%}  "
            f"{pass_rate(same_unit, t):9.0%}  {pass_rate(other_unit, t):10.0%}{mark}"
        )
    if kw_own:
        print(
            f"\nrubric keywords in the section ({len(kw_own)} short answers)   own  other section"
        )
        for n, rule in enumerate(("every criterion has one (the rule)", "every keyword is")):
            mine = sum(pair[n] for pair in kw_own) / len(kw_own)
            theirs = sum(pair[n] for pair in kw_other) / len(kw_other)
            print(f"  {rule:<40} {mine:4.0%}  {theirs:4.0%}")

    prompts = [(q.id, checker.terms(q.prompt)) for _, q, _ in pairs]
    prompts += [(q.id, checker.terms(q.prompt)) for q in course.final_questions]
    nearest = []
    closest_pair = (0.0, "", "")
    for i, (qid, terms) in enumerate(prompts):
        best = (0.0, "")
        for j, (other_id, other_terms) in enumerate(prompts):
            if i != j:
                best = max(best, (jaccard(terms, other_terms), other_id))
        nearest.append(best[0])
        closest_pair = max(closest_pair, (best[0], qid, best[1]))
    reworded = [
        jaccard(checker.terms(q.prompt), checker.terms(reword(q.prompt, rng))) for _, q, _ in pairs
    ]
    print(f"\nduplicates: Jaccard of prompt term sets ({len(prompts)} prompts, final bank too)")
    print(f"  nearest other question    {quantiles(nearest)}")
    print(f"  closest pair: {closest_pair[1]} ~ {closest_pair[2]} at {closest_pair[0]:.2f}")
    print(f"  a light rewording of self {quantiles(reworded)}")
    print("  flagged at threshold      distinct questions  rewordings")
    for t in (0.5, 0.55, 0.6, 0.65, 0.7, 0.8):
        mark = "  <- DUPLICATE_MIN" if t == DUPLICATE_MIN else ""
        print(
            f"  >= {t:<4.2f}                 {pass_rate(nearest, t):17.1%}  "
            f"{pass_rate(reworded, t):10.0%}{mark}"
        )


if __name__ == "__main__":
    main()
