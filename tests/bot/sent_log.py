"""What the bot sent: each request to the fake Discord API, views of them by kind, and the
turn of one interaction."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, overload

from tests.bot.gateway_payloads import Payload

MESSAGE_ROUTES = ("send", "followup", "edit")


@dataclass(frozen=True, slots=True)
class SentFile:
    """A file uploaded with a request."""

    filename: str
    data: bytes


@dataclass(slots=True)
class Sent:
    """One request the bot made: what, where, the JSON body, files, and when (loop time)."""

    method: str
    path: str
    route: str
    json: Any
    files: tuple[SentFile, ...]
    params: Mapping[str, Any]
    at: float
    status: int = 200

    @property
    def kind(self) -> str:
        """response, followup, edit, send, delete, fetch or other."""
        if self.route.endswith("/callback"):
            return "response"
        if self.method == "DELETE":
            return "delete"
        if self.method == "GET":
            return "fetch"
        if self.method == "PATCH" and "/messages/" in self.route:
            return "edit"
        if self.method == "POST" and self.route == "/webhooks/{webhook_id}/{webhook_token}":
            return "followup"
        if self.method == "POST" and self.route == "/channels/{channel_id}/messages":
            return "send"
        return "other"

    @property
    def callback_type(self) -> int | None:
        """The interaction callback type: 4 message, 5 deferred, 6 deferred update, 7 update,
        8 autocomplete result, 9 modal."""
        return self.json.get("type") if self.kind == "response" else None

    @property
    def message(self) -> Payload | None:
        """The message fields this request carries (a callback's ``data`` for 4 and 7)."""
        if self.kind == "response":
            return self.json.get("data") if self.callback_type in (4, 7) else None
        return self.json if self.kind in MESSAGE_ROUTES and isinstance(self.json, dict) else None

    @property
    def content(self) -> str | None:
        """The message text sent, if any."""
        return None if self.message is None else self.message.get("content")


class SentLog(Sequence[Sent]):
    """The requests in order, with views by kind."""

    def __init__(self, items: list[Sent]) -> None:
        self._items = items

    @overload
    def __getitem__(self, index: int) -> Sent: ...
    @overload
    def __getitem__(self, index: slice) -> SentLog: ...
    def __getitem__(self, index: int | slice) -> Sent | SentLog:
        return SentLog(self._items[index]) if isinstance(index, slice) else self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Sent]:
        return iter(list(self._items))

    def of_kind(self, kind: str) -> SentLog:
        return SentLog([s for s in self._items if s.kind == kind])

    @property
    def responses(self) -> SentLog:
        """Interaction callbacks (see ``Sent.callback_type``)."""
        return self.of_kind("response")

    @property
    def followups(self) -> SentLog:
        return self.of_kind("followup")

    @property
    def edits(self) -> SentLog:
        """Message edits, through the interaction webhook or the channel."""
        return self.of_kind("edit")

    @property
    def sends(self) -> SentLog:
        """Plain channel messages."""
        return self.of_kind("send")

    @property
    def with_message(self) -> SentLog:
        """Every request that carries message fields (content, embeds, components...)."""
        return SentLog([s for s in self._items if s.message is not None])

    @property
    def contents(self) -> list[str]:
        return [s.content for s in self._items if s.content is not None]

    @property
    def last_content(self) -> str | None:
        return self.contents[-1] if self.contents else None


@dataclass(frozen=True, slots=True)
class Turn:
    """One interaction and what the bot sent while handling it."""

    interaction_id: int
    token: str
    started_at: float
    sent: SentLog
    errors: tuple[str, ...]

    @property
    def responses(self) -> SentLog:
        return self.sent.responses

    @property
    def followups(self) -> SentLog:
        return self.sent.followups

    @property
    def edits(self) -> SentLog:
        return self.sent.edits

    @property
    def last_content(self) -> str | None:
        return self.sent.last_content

    @property
    def acknowledged_after(self) -> float | None:
        """Seconds from delivery to the interaction's callback (Discord allows 3)."""
        first = next(iter(self.sent.responses), None)
        return None if first is None else first.at - self.started_at

    @property
    def choices(self) -> list[Payload]:
        """The autocomplete choices the bot offered."""
        return [
            c for r in self.responses if r.callback_type == 8 for c in r.json["data"]["choices"]
        ]

    @property
    def modal(self) -> Payload | None:
        """The modal the bot opened, if it did."""
        return next((r.json["data"] for r in self.responses if r.callback_type == 9), None)
