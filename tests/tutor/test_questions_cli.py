"""``tutorbot questions``: generate with the (fake) model, list, approve and reject, from the
command line through Typer's test runner."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.fakes.openai_server import FakeOpenAI
from tests.tutor.test_generate import mc, short
from tutorbot.cli import app


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh data folder (SQLite file and index) and no model unless a test sets one."""
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUTORBOT_DATABASE_URL", raising=False)
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


async def questions(*args: str) -> Result:
    """Run the command in a thread: it runs its own event loop, and the fake model keeps
    answering on this one."""
    return await asyncio.to_thread(CliRunner().invoke, app, ["questions", *args])


async def test_generate_without_a_model_says_what_to_configure_and_exits_1(
    data_dir: Path,
) -> None:
    result = await questions("generate", "training")
    assert result.exit_code == 1
    assert "needs a model endpoint" in result.output


async def test_generate_queues_drafts_that_approve_and_reject_then_settle(
    data_dir: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    drafts = [mc(), short(), mc(section="no-such-section")]
    fake_openai.reply(json.dumps({"questions": drafts}))
    generated = await questions("generate", "training", "--count", "3")
    pending = await questions("list", "--status", "pending")
    approved = await questions("approve", "gen-1")
    rejected = await questions("reject", "2")
    settled = await questions("list")
    assert "Queued 2 of 3 question(s) on training" in generated.output
    assert "draft 3 rejected" in generated.output
    assert "gen-1" in pending.output
    assert "gen-2" in pending.output
    assert "Approved gen-1: it is now in the bank of unit training." in approved.output
    assert "Rejected gen-2." in rejected.output
    assert "approved" in settled.output
    assert "rejected" in settled.output
    assert "pending" not in settled.output
