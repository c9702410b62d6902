"""Text to index terms: the one place that decides what a 'word' is for search.

Lowercase word pieces, English stop words removed, Snowball stems (PyStemmer, C speed),
Markdown link targets, images and HTML tags dropped so URLs do not look like course text.
Queries are also expanded with synonyms (data/synonyms.txt plus a course's own
synonyms.txt): learners say "picture" and "recap" where the course says "image" and
"summary". The analyzer's ``version`` is part of the index key, so a change here rebuilds
persisted indexes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS

_MARKUP = re.compile(
    r"!\[[^\]]*\]\([^)]*\)"  # images
    r"|\]\([^)]*\)"  # link targets (keep the link text)
    r"|<[^>]+>"  # HTML tags
    r"|https?://\S+"  # bare URLs
)
_WORDS = re.compile(r"[a-z0-9]+")
# NLTK's English list (via bm25s) plus the modal verbs learners start questions with.
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | {
    "would",
    "could",
    "may",
    "might",
    "must",
    "shall",
    "please",
    "also",
    "us",
}


def _read_synonym_lines(lines: Iterable[str]) -> list[list[str]]:
    groups = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([p.strip() for p in line.split(",") if p.strip()])
    return groups


def default_synonyms() -> list[list[str]]:
    """The synonym groups shipped with tutorbot."""
    text = resources.files("tutorbot.retrieval").joinpath("data/synonyms.txt").read_text("utf-8")
    return _read_synonym_lines(text.splitlines())


def course_synonyms(course_root: Path) -> list[list[str]]:
    """A course's own ``synonyms.txt`` (same format), if it has one."""
    path = course_root / "synonyms.txt"
    return _read_synonym_lines(path.read_text("utf-8").splitlines()) if path.is_file() else []


class Analyzer:
    """Turns text into stemmed terms, the same way for the index and for queries.

    Synonym groups are collapsed to one term on both sides (Solr's ``expand=false``), so
    "recap", "tl;dr" and "summary" are one term with one IDF, and a query is not
    outweighted by the number of synonyms one of its words happens to have. A matched
    phrase ("large language model") adds the group's term and keeps its own words.
    """

    version = "en-snowball-6"

    def __init__(self, synonyms: Iterable[Iterable[str]] = ()) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stems: dict[str, str] = {}
        # first stem of a phrase -> [(phrase, canonical term)], longest phrase first
        self._phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for group in synonyms:
            phrases = [tuple(self._stemmed(p)) for p in group]
            phrases = [p for p in dict.fromkeys(phrases) if p]
            if len(phrases) < 2:
                continue
            canonical = "_".join(phrases[0])
            for phrase in phrases:
                self._phrases.setdefault(phrase[0], []).append((phrase, canonical))
        for options in self._phrases.values():
            options.sort(key=lambda item: -len(item[0]))

    @property
    def key(self) -> str:
        """Identity of everything that shapes terms, for persisted index keys."""
        table = sorted((p, c) for options in self._phrases.values() for p, c in options)
        return f"{self.version}:{hashlib.sha256(repr(table).encode()).hexdigest()[:16]}"

    def _stemmed(self, text: str) -> list[str]:
        words = _WORDS.findall(_MARKUP.sub(" ", text.lower()))
        stems = self._stems
        out = []
        for word in words:
            if word in STOPWORDS:
                continue
            stem = stems.get(word)
            if stem is None:
                stem = stems[word] = self._stemmer.stemWord(word)
            out.append(stem)
        return out

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` in order (repeats kept: BM25 counts them)."""
        stems = self._stemmed(text)
        if not self._phrases:
            return stems
        out = []
        i = 0
        while i < len(stems):
            for phrase, canonical in self._phrases.get(stems[i], ()):
                if tuple(stems[i : i + len(phrase)]) == phrase:
                    out.append(canonical)
                    if len(phrase) > 1:  # keep a phrase's own words: "network" still matches
                        out.extend(p for p in phrase if p != canonical)
                    i += len(phrase)
                    break
            else:
                out.append(stems[i])
                i += 1
        return out


def course_analyzer(course_root: Path | None) -> Analyzer:
    """The analyzer for a course: shipped synonyms plus the course's own."""
    extra = course_synonyms(course_root) if course_root else []
    return Analyzer(default_synonyms() + extra)
