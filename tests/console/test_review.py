"""/review in the terminal tutor: due cards served as a quiz once the clock reaches them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from tests.tutor.conftest import ADA, FakeClock, MakeTutor
from tutorbot.cli import app
from tutorbot.console.repl import ConsoleTutor


def terminal(tutor: ConsoleTutor) -> str:
    file = tutor.out.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


async def test_review_serves_quiz_answers_when_due_and_says_when_next(
    make_tutor: MakeTutor,
) -> None:
    clock = FakeClock()
    console = ConsoleTutor(
        await make_tutor(clock=clock), ADA, Console(file=io.StringIO(), width=120)
    )
    await console.handle("/quiz data")
    for _ in range(5):
        clock.advance(seconds=11)  # not Easy for a choice; wrong ones are due in a minute
        await console.handle("1")
    await console.handle("/review")
    too_soon = terminal(console)
    clock.advance(days=1)
    await console.handle("/review")
    await console.handle("/progress")
    served = terminal(console)[len(too_soon) :]
    assert "Nothing is due for review now. Your next card is due in " in too_soon
    assert "5 review cards due, oldest first." in served
    assert "Question 1/5" in served
    assert "5 review cards due (/review); predicted recall" in served


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return tmp_path / "data"


def test_review_before_any_quiz_explains_where_cards_come_from(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["chat"], input="/review\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "Nothing to review yet" in result.output
