"""``tutorbot certificate verify|revoke`` and ``tutorbot export xapi`` through Typer's runner,
on a data folder a real tutor filled (a passed final, a certificate, the event log)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tests.fakes.lrs_server import FakeLrs
from tests.fakes.xapi_rules import problems
from tests.tutor.certify_helpers import pass_final
from tests.tutor.conftest import ADA
from tutorbot.app import open_tutor
from tutorbot.cli import app
from tutorbot.errors import TutorError
from tutorbot.settings import load_settings
from tutorbot.tutor.certificates import IssuedCertificate


def tutorbot(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def issued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IssuedCertificate:
    """A data folder where Ada passed the final; the CLI is pointed at it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TUTORBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TUTORBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("TUTORBOT_CERTIFICATE_SECRET", raising=False)

    async def learn() -> IssuedCertificate:
        async with open_tutor(load_settings()) as deps:
            return await pass_final(deps, ADA)

    return asyncio.run(learn())


def test_verify_names_the_holder_of_a_genuine_certificate(issued: IssuedCertificate) -> None:
    result = tutorbot("certificate", "verify", issued.id)

    assert result.exit_code == 0, result.output
    assert "GENUINE" in result.stdout
    assert "Ada" in result.stdout


def test_verify_accepts_the_signed_code(issued: IssuedCertificate) -> None:
    result = tutorbot("certificate", "verify", issued.code)

    assert (result.exit_code, "GENUINE" in result.stdout) == (0, True)


def test_verify_fails_an_id_or_code_with_one_changed_character(
    issued: IssuedCertificate,
) -> None:
    bad_id = issued.id[:-1] + ("0" if issued.id[-1] != "0" else "1")
    middle = len(issued.code) // 2
    bad_code = issued.code[:middle] + ("A" if issued.code[middle] != "A" else "B")
    bad_code += issued.code[middle + 1 :]

    by_id = tutorbot("certificate", "verify", bad_id)
    by_code = tutorbot("certificate", "verify", bad_code)

    assert (by_id.exit_code, "UNKNOWN" in by_id.stdout) == (1, True)
    assert by_code.exit_code == 1
    assert "GENUINE" not in by_code.stdout


def test_a_revoked_certificate_then_verifies_as_revoked(issued: IssuedCertificate) -> None:
    revoked = tutorbot("certificate", "revoke", issued.id, "--reason", "Issued by mistake")

    checked = tutorbot("certificate", "verify", issued.id)

    assert revoked.exit_code == 0, revoked.output
    assert checked.exit_code == 1
    assert "REVOKED" in checked.stdout
    assert "Issued by mistake" in checked.stdout


def test_export_writes_a_json_array_of_valid_xapi_statements(
    issued: IssuedCertificate, tmp_path: Path
) -> None:
    out = tmp_path / "statements.json"

    result = tutorbot("export", "xapi", "--out", str(out))

    found = json.loads(out.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert f"Wrote {len(found)} xAPI statements" in result.stdout
    assert len(found) > 20
    assert [p for s in found for p in problems(s)] == []
    assert not out.with_name("statements.json.partial").exists()


def test_export_posts_every_statement_to_the_configured_lrs(
    issued: IssuedCertificate, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "statements.json"
    with FakeLrs() as lrs:
        monkeypatch.setenv("TUTORBOT_LRS_ENDPOINT", lrs.endpoint)
        monkeypatch.setenv("TUTORBOT_LRS_USERNAME", lrs.username)
        monkeypatch.setenv("TUTORBOT_LRS_PASSWORD", lrs.password)

        result = tutorbot("export", "xapi", "--out", str(out), "--post")

    written = json.loads(out.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    assert set(lrs.statements) == {s["id"] for s in written}
    assert f"Posted {len(written)} statements" in result.stdout


def test_export_since_a_later_date_writes_nothing(
    issued: IssuedCertificate, tmp_path: Path
) -> None:
    out = tmp_path / "later.json"

    result = tutorbot("export", "xapi", "--out", str(out), "--since", "2999-01-01")

    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == []


def test_posting_without_an_lrs_endpoint_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TUTORBOT_LRS_ENDPOINT", raising=False)

    result = tutorbot("export", "xapi", "--out", str(tmp_path / "x.json"), "--post")

    assert isinstance(result.exception, TutorError)
    assert "TUTORBOT_LRS_ENDPOINT" in result.exception.user_message
