"""Pool the top hits of every system for relevance judging (TREC-style pooling).

A question often has more than one section that answers it; scoring only the section its
writer had in mind penalises every system for the others. This script lists, for each
question where some system misses that section, the union of all systems' top-5 sections
(in alphabetical order, without saying which system found what), with their text, for a
judge to mark. The judgments live in bench/questions/judgments/ and bench/retrieval.py
counts a hit on any section judged relevant, for every system alike.

    python bench/pool.py written|heldout|ai-for-beginners OUT.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from retrieval import (
    CAP,
    QUESTIONS,
    ROOT,
    SHARED,
    bm25s_system,
    load_questions,
    rank_bm25_system,
    tutorbot_system,
)
from tutorbot.curriculum import load_course_or_raise
from tutorbot.retrieval import chunk_course
from tutorbot.retrieval.analyzer import course_analyzer
from tutorbot.tokens import token_counter

SETS = {
    "written": (ROOT / "curriculum" / "ai-foundations", QUESTIONS / "ai-foundations"),
    "heldout": (ROOT / "curriculum" / "ai-foundations", QUESTIONS / "ai-foundations-heldout.yaml"),
    "ai-for-beginners": (SHARED, QUESTIONS / "ai-for-beginners.yaml"),
}


def main() -> None:
    course_dir, question_file = SETS[sys.argv[1]]
    course = load_course_or_raise(course_dir)
    chunks = chunk_course(course, token_counter(), CAP)
    systems = [
        rank_bm25_system(chunks),
        bm25s_system(chunks, stem=False),
        bm25s_system(chunks, stem=True),
        tutorbot_system(chunks, course_analyzer(course.root)),
    ]
    sections = {s.id: s for s in course.sections}
    parents = {s.id: s.parent_id for s in course.sections if s.parent_id}
    pool = []
    for question, target in load_questions(question_file):
        tops = [search(question, 5) for search in systems]
        if all(any(s == target or parents.get(s) == target for s in top) for top in tops):
            continue
        candidates = sorted({s for top in tops for s in top} | {target})
        pool.append(
            {
                "question": question,
                "candidates": [
                    {"id": c, "title": sections[c].title, "text": sections[c].text}
                    for c in candidates
                ],
            }
        )
    Path(sys.argv[2]).write_text(
        yaml.safe_dump(pool, sort_keys=False, allow_unicode=True, width=100)
    )
    print(f"{len(pool)} questions, {sum(len(p['candidates']) for p in pool)} candidates")


if __name__ == "__main__":
    main()
