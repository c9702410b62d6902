"""Prompt templates from the repo's ``prompts/`` folder, rendered into chat messages.

Each task template (``ask.j2``, ``hint.j2``...) defines ``{% block system %}`` and
``{% block user %}``; rendering yields one system message and one user message. Untrusted
text (learner answers, questions, course passages, past turns) enters a prompt only through
the ``data`` filter (or ``passage`` / ``turn``), which puts it inside delimiters it cannot
close, so the model can be told that everything inside them is data, not instructions.

Every rendered prompt carries the template's content hash: the sha256 of the template file's
bytes followed by those of every template it includes (NUL-separated, breadth first),
so a grade or answer can be traced to the exact prompt text that produced it.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NoReturn, TypedDict

from jinja2 import (
    BaseLoader,
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateRuntimeError,
    meta,
)
from jinja2.loaders import split_template_path

from tutorbot.llm.errors import PromptTemplateError

SUFFIX = ".j2"
PROMPTS_DIR = Path(__file__).resolve().parents[3] / "prompts"

_TAG = re.compile(r"[a-z][a-z0-9_]*")
_ATTR = re.compile(r"[a-z][a-z0-9_-]*")
# Whitespace and invisible format characters a forged delimiter might hide behind.
_GAP = r"[\s\u00ad\u200b-\u200f\u2060-\u2064\ufeff]*"


def default_prompts_dir() -> Path:
    """The ``prompts/`` folder shipped next to ``src/`` in the source checkout."""
    return PROMPTS_DIR


class ChatMessage(TypedDict):
    """One chat message in the OpenAI shape."""

    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """Messages ready to send, and the template name and hash that made them."""

    template: str
    template_hash: str
    messages: list[ChatMessage]


def wrap_data(text: object, tag: str, **attrs: object) -> str:
    """``text`` inside ``<tag ...>`` and ``</tag>``; no opening or closing ``tag`` in it survives.

    A forged delimiter inside the text (any case, spacing or invisible characters) has its
    ``<`` replaced by ``&lt;``, so the text cannot end its block and speak as instructions.
    Attribute values (ids, titles, roles) are HTML-escaped for the same reason.
    """
    if not _TAG.fullmatch(tag):
        raise ValueError(f"data tag must be lowercase letters, digits or _: {tag!r}")
    forged = re.compile(rf"<(?={_GAP}/?{_GAP}{re.escape(tag)}(?![a-z0-9_-]))", re.IGNORECASE)
    body = forged.sub("&lt;", str(text).strip())
    attributes = ""
    for name, value in attrs.items():
        if not _ATTR.fullmatch(name):
            raise ValueError(f"data attribute name not allowed: {name!r}")
        if value is not None:
            attributes += f' {name}="{html.escape(str(value), quote=True)}"'
    return f"<{tag}{attributes}>\n{body}\n</{tag}>"


def _field(item: object, name: str) -> object:
    if isinstance(item, Mapping):
        return item[name]
    return getattr(item, name)


def format_passage(passage: object) -> str:
    """A course passage ({id, title, text} mapping or object) as a delimited data block."""
    return wrap_data(
        _field(passage, "text"), "passage", id=_field(passage, "id"), title=_field(passage, "title")
    )


def format_turn(turn: object) -> str:
    """A past conversation turn ({role, content}) as a delimited data block."""
    speaker = "learner" if _field(turn, "role") == "user" else "tutor"
    return wrap_data(_field(turn, "content"), "turn", speaker=speaker)


def _fail(message: str) -> NoReturn:
    """Lets a template reject a bad value (``{{ fail("step must be 1, 2 or 3") }}``)."""
    raise TemplateRuntimeError(message)


class _SnapshotLoader(BaseLoader):
    """Reads each template file once, so the hash always matches the text Jinja compiled."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._files: dict[str, bytes] = {}

    def raw(self, template: str) -> bytes:
        """The file's bytes as first read."""
        if template not in self._files:
            path = self.folder.joinpath(*split_template_path(template))
            try:
                self._files[template] = path.read_bytes()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise TemplateNotFound(template) from None
        return self._files[template]

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        text = self.raw(template).decode("utf-8")
        return text, str(self.folder / template), lambda: True


class PromptLibrary:
    """The prompt templates of one folder; built once at start-up and shared."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loader = _SnapshotLoader(folder)
        self._env = Environment(
            loader=self._loader,
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self._env.filters["data"] = wrap_data
        self._env.filters["passage"] = format_passage
        self._env.filters["turn"] = format_turn
        self._env.globals["fail"] = _fail
        self._hashes: dict[str, str] = {}
        self._closures: dict[str, list[str]] = {}

    def names(self) -> list[str]:
        """Every template in the folder, by name without the ``.j2`` suffix."""
        return sorted(path.stem for path in self.folder.glob(f"*{SUFFIX}"))

    def task_names(self) -> list[str]:
        """Templates that render to messages (they define both ``system`` and ``user``)."""
        return [name for name in self.names() if {"system", "user"} <= set(self._load(name).blocks)]

    def template_hash(self, name: str) -> str:
        """First 16 hex chars of the sha256 of the template and the templates it includes."""
        if name not in self._hashes:
            files = self._closure(name)
            digest = hashlib.sha256(b"\0".join(self._loader.raw(file) for file in files))
            self._hashes[name] = digest.hexdigest()[:16]
        return self._hashes[name]

    def render(self, name: str, **context: object) -> RenderedPrompt:
        """One system and one user message from template ``name`` and ``context``."""
        template = self._load(name)
        try:
            missing = {"system", "user"} - set(template.blocks)
            if missing:
                raise PromptTemplateError(name, f"missing block(s): {', '.join(sorted(missing))}")
            ctx = template.new_context(dict(context))
            system = "".join(template.blocks["system"](ctx)).strip()
            user = "".join(template.blocks["user"](ctx)).strip()
        except TemplateError as exc:
            raise PromptTemplateError(name, str(exc)) from exc
        return RenderedPrompt(
            template=name,
            template_hash=self.template_hash(name),
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
        )

    def _load(self, name: str) -> Template:
        self._closure(name)
        try:
            return self._env.get_template(name + SUFFIX)
        except TemplateError as exc:
            raise PromptTemplateError(name, str(exc) or type(exc).__name__) from exc

    def _closure(self, name: str) -> list[str]:
        """The template's file, then every file it includes, imports or extends (breadth first).

        Cached: finding the includes parses the template, which costs more than rendering.
        """
        if name not in self._closures:
            self._closures[name] = self._find_closure(name)
        return self._closures[name]

    def _find_closure(self, name: str) -> list[str]:
        seen: list[str] = []
        pending = [name + SUFFIX]
        try:
            while pending:
                current = pending.pop(0)
                if current in seen:
                    continue
                seen.append(current)
                source = self._loader.raw(current).decode("utf-8")
                for ref in meta.find_referenced_templates(self._env.parse(source)):
                    if ref is None:
                        raise PromptTemplateError(name, f"{current} includes a run-time choice")
                    pending.append(ref)
        except TemplateNotFound as exc:
            raise PromptTemplateError(
                name, f"no template file {exc.name} in {self.folder}"
            ) from None
        except TemplateError as exc:
            raise PromptTemplateError(name, str(exc)) from exc
        return seen
