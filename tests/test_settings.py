"""Settings come from the environment when built, with the SDK's own variable names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutorbot.errors import ConfigError
from tutorbot.settings import bundled_curriculum, load_settings


def test_openai_variables_keep_their_usual_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-123")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    settings = load_settings()
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-test-123"
    assert settings.openai_base_url == "http://127.0.0.1:9/v1"


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    assert "very-secret-token" not in repr(load_settings())


def test_curriculum_defaults_to_the_bundled_course(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TUTORBOT_CURRICULUM", raising=False)
    settings = load_settings()
    assert settings.curriculum == bundled_curriculum()
    assert (settings.curriculum / "course.yaml").is_file()


def test_curriculum_is_read_from_the_environment_when_built(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TUTORBOT_CURRICULUM", str(tmp_path))
    assert load_settings().curriculum == tmp_path


def test_bad_values_are_refused_with_the_field_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TUTORBOT_CHUNK_TOKENS", "3")
    with pytest.raises(ConfigError, match="chunk_tokens"):
        load_settings()
