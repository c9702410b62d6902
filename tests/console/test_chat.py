"""The console tutor end to end: piped input, the same services, progress kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tutorbot.cli import app
from tutorbot.errors import TutorError


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return tmp_path / "data"


def chat(lines: list[str]) -> str:
    result = CliRunner().invoke(app, ["chat"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_piped_session_prints_answers_without_prompt_echo(data_dir: Path) -> None:
    output = chat(["/ask what is overfitting", "/quit"])
    assert "you>" not in output
    assert "offline" in output
    assert "supervised-learning#overfitting-and-underfitting" in output


def test_plain_text_during_a_quiz_is_an_answer(data_dir: Path) -> None:
    output = chat(["/quiz data", "1", "/quit"])
    assert "Question 1/5" in output
    assert "Question 2/5" in output


def test_progress_persists_between_sessions(data_dir: Path) -> None:
    chat(["/quiz data", "1", "1", "/quit"])
    output = chat(["/progress", "/quit"])
    assert "(2 answers, in progress)" in output


def test_unknown_unit_and_command_get_clear_messages(data_dir: Path) -> None:
    output = chat(["/unit astrology", "/dance", "/quit"])
    assert "There is no unit called 'astrology'" in output
    assert "Unknown command /dance" in output


def test_ask_json_prints_answer_citations_coverage_and_mode(data_dir: Path) -> None:
    result = CliRunner().invoke(app, ["ask", "what is gradient descent", "--json"])
    payload = json.loads(result.output)
    assert set(payload) == {"answer", "citations", "in_course", "mode"}
    assert (payload["in_course"], payload["mode"]) == (True, "offline")
    assert payload["citations"][0]["id"].startswith("training#")


def test_run_without_a_token_points_to_the_terminal_tutor(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.chdir(data_dir.parent)  # no .env here
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code != 0
    assert isinstance(result.exception, TutorError)
    assert "tutorbot chat" in result.exception.user_message
