"""Searching the course: cited hits, the coverage signal, and the persisted index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutorbot.cli import app
from tutorbot.curriculum import Course, load_course_or_raise
from tutorbot.errors import BadQueryError
from tutorbot.retrieval import Retriever, build_index, load_or_build_index
from tutorbot.retrieval.chunking import Chunk
from tutorbot.retrieval.lexical import ScoredChunk
from tutorbot.tokens import EstimatingCounter, token_counter


@pytest.fixture(scope="module")
def retriever(bundled_course: Course) -> Retriever:
    return Retriever(build_index(bundled_course, token_counter(), 350))


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("how does backpropagation use the chain rule", "training"),
        ("what do precision and recall measure", "model-evaluation"),
        ("how does k-means pick its clusters", "unsupervised-learning"),
        ("what is prompt injection", "prompting"),
        ("queries keys and values in self-attention", "language-models"),
    ],
)
def test_best_hit_comes_from_the_unit_that_teaches_it(
    retriever: Retriever, question: str, unit: str
) -> None:
    assert retriever.search(question, 5).hits[0].unit == unit


def test_every_hit_carries_citation_unit_title_score_and_text(retriever: Retriever) -> None:
    hit = retriever.search("gradient descent learning rate", 5).hits[0]
    assert hit.id.startswith(f"{hit.unit}#")
    assert set(hit.as_json()) == {"id", "unit", "title", "score", "text"}
    assert hit.score > 0
    assert hit.text


def test_hits_are_one_per_section_best_first(retriever: Retriever) -> None:
    hits = retriever.search("neural network layers and activation functions", 8).hits
    assert len({h.id for h in hits}) == len(hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_course_question_is_covered(retriever: Retriever) -> None:
    assert retriever.search("why do we keep a separate test set", 5).covers_question


@pytest.mark.parametrize(
    "question", ["how do I bake sourdough bread", "who won the 1998 world cup", "zxqv"]
)
def test_off_topic_question_is_not_covered(retriever: Retriever, question: str) -> None:
    assert not retriever.search(question, 5).covers_question


def test_nearest_units_are_suggested_even_when_not_covered(retriever: Retriever) -> None:
    result = retriever.search("train a dog with treats and a clicker", 5)
    assert result.nearest_units()


@pytest.mark.parametrize("query", ["", "   ", "x" * 2001])
def test_empty_or_oversized_query_gets_a_clear_message(retriever: Retriever, query: str) -> None:
    with pytest.raises(BadQueryError):
        retriever.search(query, 5)


def test_index_is_persisted_and_reused_until_the_course_changes(
    tiny_course_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "index"
    counter = EstimatingCounter()
    load_or_build_index(load_course_or_raise(tiny_course_dir), counter, 200, store)
    first = sorted(store.iterdir())
    again = load_or_build_index(load_course_or_raise(tiny_course_dir), counter, 200, store)
    assert sorted(store.iterdir()) == first
    assert Retriever(again).search("average of past gradients", 3).ids[0] == "advanced#momentum"
    unit = tiny_course_dir / "units" / "advanced.md"
    unit.write_text(unit.read_text() + "\n## Adam\n\nAdam adapts a step size per weight.\n")
    changed = load_or_build_index(load_course_or_raise(tiny_course_dir), counter, 200, store)
    assert len(list(store.iterdir())) == 2
    assert Retriever(changed).search("adam step size", 3).hits[0].id == "advanced#adam"


class FixedRanking:
    """A stand-in dense index: a real ranking supplied by the test."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks

    def search(self, query: str, k: int) -> list[ScoredChunk]:
        return [ScoredChunk(c, 1.0, 0.0) for c in self.chunks[:k]]


def test_dense_ranking_is_fused_with_lexical(tiny_course_dir: Path) -> None:
    index = build_index(load_course_or_raise(tiny_course_dir), EstimatingCounter(), 200)
    schedules = next(c for c in index.chunks if c.id == "basics#learning-rate-schedules")
    hybrid = Retriever(index, dense=FixedRanking([schedules]))
    ids = hybrid.search("average of past gradients", 3).ids
    assert ids[:2] == ["advanced#momentum", "basics#learning-rate-schedules"] or ids[:2] == [
        "basics#learning-rate-schedules",
        "advanced#momentum",
    ]


def test_search_json_prints_one_array_of_hits(
    tiny_course_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        app,
        [
            "search",
            "average of past gradients",
            "--json",
            "--k",
            "2",
            "--curriculum",
            str(tiny_course_dir),
        ],
    )
    hits = json.loads(result.output)
    assert hits[0]["id"] == "advanced#momentum"
    assert set(hits[0]) == {"id", "unit", "title", "score", "text"}


def test_search_json_reads_one_query_per_line_from_stdin(
    tiny_course_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(
        app,
        ["search", "--json", "--curriculum", str(tiny_course_dir)],
        input="average of past gradients\nlearning rate schedule\nnothing-matches-this\n",
    )
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [batch[0]["id"] if batch else None for batch in lines] == [
        "advanced#momentum",
        "basics#learning-rate-schedules",
        None,
    ]
