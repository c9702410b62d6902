"""Text to index terms: the one place that decides what a 'word' is for search.

Lowercase word pieces, English stop words removed, Snowball stems (PyStemmer, C speed),
Markdown link targets, images and HTML tags dropped so URLs do not look like course text.
The same analyzer must serve the index and the query; its ``version`` is part of the
index key so a change here rebuilds persisted indexes.
"""

from __future__ import annotations

import re

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


class Analyzer:
    """Turns text into stemmed terms; caches stems because vocabularies are small."""

    version = "en-snowball-2"

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._stop = STOPWORDS
        self._stems: dict[str, str] = {}

    def terms(self, text: str) -> list[str]:
        """Index terms of ``text`` in order (repeats kept: BM25 counts them)."""
        words = _WORDS.findall(_MARKUP.sub(" ", text.lower()))
        stems = self._stems
        out = []
        for word in words:
            if word in self._stop:
                continue
            stem = stems.get(word)
            if stem is None:
                stem = stems[word] = self._stemmer.stemWord(word)
            out.append(stem)
        return out
