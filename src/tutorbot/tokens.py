"""Token counting for prompt budgets and chunk caps: tiktoken when its files are here.

tiktoken downloads its BPE files on first use; machines without internet cannot. We look
for the files first (``TIKTOKEN_CACHE_DIR``, the usual cache, or an installed offline
encoding) and never trigger a download; without them we use an estimate calibrated
against cl100k_base (see bench/token_estimate.py) that errs on the side of counting more.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import regex
import tiktoken

log = logging.getLogger(__name__)

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"
# Encodings whose single BPE file tiktoken fetches from _BLOB (harmony reuses o200k's).
_FILES = {
    "cl100k_base": "cl100k_base",
    "o200k_base": "o200k_base",
    "o200k_harmony": "o200k_base",
    "p50k_base": "p50k_base",
    "r50k_base": "r50k_base",
}
# Pre-tokenizer of cl100k/o200k, simplified: every piece it yields is at least one token.
_PIECES = regex.compile(
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
    r"""|\s*[\r\n]|\s+(?!\S)|\s+"""
)
# Least-squares fit of cl100k_base counts on course prose, Markdown and Python, scaled so the
# estimate's worst chunk is still >= 98.5% of the real count (bench/token_estimate.py).
_PER_SPACE = 0.58
_PER_WORD = 1.04
_PER_LONG_WORD_CHAR = 0.19  # each letter past the 6th
_LONG_WORD = 6
_PER_NUMBER = 1.53
_PER_SYMBOL_RUN = 1.17
_PER_SYMBOL_CHAR = 0.105


class TokenCounter(Protocol):
    """Counts tokens the way the model will; ``exact`` is False for the estimate."""

    @property
    def name(self) -> str:
        """Encoding name, or 'estimate'."""
        ...

    @property
    def exact(self) -> bool:
        """False when counts are estimated."""
        ...

    def count(self, text: str) -> int:
        """Number of tokens in ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class TiktokenCounter:
    """Exact counts from a loaded tiktoken encoding."""

    encoding: tiktoken.Encoding
    exact: bool = True

    @property
    def name(self) -> str:
        """The encoding's name."""
        return self.encoding.name

    def count(self, text: str) -> int:
        """Exact token count (special-token text is counted as ordinary text)."""
        return len(self.encoding.encode_ordinary(text))


@dataclass(frozen=True, slots=True)
class EstimatingCounter:
    """Upper-leaning estimate from the pre-tokenizer's pieces; no files needed."""

    name: str = "estimate"
    exact: bool = False

    def count(self, text: str) -> int:
        """Estimated token count from the pieces the real pre-tokenizer would cut."""
        total = 0.0
        for piece in _PIECES.findall(text):
            core = piece.strip()
            if not core:
                total += _PER_SPACE
            elif core.isalpha():
                total += _PER_WORD + _PER_LONG_WORD_CHAR * max(0, len(core) - _LONG_WORD)
            elif core.isdigit():
                total += _PER_NUMBER
            else:
                total += _PER_SYMBOL_RUN + _PER_SYMBOL_CHAR * len(core)
        return math.ceil(total)


class CachedCounter:
    """Remembers the counts of recent texts: the same course passages come back in prompt
    after prompt, and counting is the costliest part of fitting one."""

    def __init__(self, inner: TokenCounter, size: int = 8192) -> None:
        self._inner = inner
        self._count = lru_cache(maxsize=size)(inner.count)

    @property
    def name(self) -> str:
        """The wrapped counter's name."""
        return self._inner.name

    @property
    def exact(self) -> bool:
        """Whether the wrapped counter is exact."""
        return self._inner.exact

    def count(self, text: str) -> int:
        """Tokens in ``text`` (cached)."""
        return self._count(text)


def _cache_dir() -> Path | None:
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return Path(os.environ[var]) if os.environ[var] else None
    return Path(tempfile.gettempdir()) / "data-gym-cache"


def encoding_is_cached(name: str) -> bool:
    """True when tiktoken can load ``name`` without touching the network."""
    file = _FILES.get(name)
    cache = _cache_dir()
    if file is None or cache is None:
        return False
    key = hashlib.sha1(_BLOB.format(file).encode()).hexdigest()
    return (cache / key).is_file()


def _encoding_for(model: str | None, fallback: str) -> str:
    if model:
        try:
            return tiktoken.encoding_name_for_model(model)
        except KeyError:
            pass
    return fallback


@lru_cache(maxsize=8)
def token_counter(model: str | None = None, encoding: str = "o200k_base") -> TokenCounter:
    """The best counter available offline for ``model`` (or ``encoding`` if unknown)."""
    wanted = _encoding_for(model, encoding)
    candidates = [wanted] + [n for n in tiktoken.list_encoding_names() if n.endswith("_offline")]
    for name in candidates:
        if name in _FILES and not encoding_is_cached(name):
            continue
        if name not in _FILES and not name.endswith("_offline"):
            continue
        try:
            counter = TiktokenCounter(tiktoken.get_encoding(name))
        except (OSError, ValueError) as exc:
            log.warning("tiktoken encoding %s could not be loaded: %s", name, exc)
            continue
        if name != wanted:
            log.info("tiktoken %s not cached; counting with local encoding %s", wanted, name)
        return CachedCounter(counter)
    log.warning(
        "tiktoken encoding %s is not available offline; using a calibrated estimate "
        "(put the encoding files in TIKTOKEN_CACHE_DIR for exact counts)",
        wanted,
    )
    return CachedCounter(EstimatingCounter())
