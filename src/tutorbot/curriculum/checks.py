"""Checks across units: ids, prerequisites and the sections questions point at."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from tutorbot.curriculum.problems import Problem
from tutorbot.curriculum.units import ParsedUnit


def prerequisite_problems(units: Sequence[ParsedUnit]) -> list[Problem]:
    """Unknown prerequisites, and cycles (reported once, at each unit on the cycle)."""
    known = {u.id for u in units}
    by_id = {u.id: u for u in units}
    problems = []
    graph: dict[str, list[str]] = {}
    for unit in units:
        for prereq in unit.prerequisites:
            if prereq == unit.id:
                problems.append(
                    Problem(
                        unit.file,
                        unit.prerequisites_line,
                        f"unit '{unit.id}' lists itself as a prerequisite",
                    )
                )
            elif prereq not in known:
                problems.append(
                    Problem(unit.file, unit.prerequisites_line, f"unknown prerequisite '{prereq}'")
                )
        graph[unit.id] = [p for p in unit.prerequisites if p in known and p != unit.id]
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        cycle: list[str] = exc.args[1]
        text = " -> ".join(cycle)
        for unit_id in dict.fromkeys(cycle):
            unit = by_id[unit_id]
            problems.append(
                Problem(unit.file, unit.prerequisites_line, f"prerequisites form a cycle: {text}")
            )
    return problems


def duplicate_problems(items: Iterable[tuple[str, Path, int]], what: str) -> list[Problem]:
    """One problem per repeated id, pointing at the repeat and naming the first place."""
    first: dict[str, tuple[Path, int]] = {}
    problems = []
    for item_id, file, line in items:
        if item_id in first:
            where = f"{first[item_id][0].name}:{first[item_id][1]}"
            problems.append(
                Problem(file, line, f"duplicate {what} id '{item_id}' (first at {where})")
            )
        else:
            first[item_id] = (file, line)
    return problems
