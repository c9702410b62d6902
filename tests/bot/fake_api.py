"""Discord's HTTP API, faked for bot tests: every request discord.py makes is recorded and
answered the way Discord would.

Two doors lead here: ``HTTPClient.request`` (REST: channel messages, command sync, login) and
``AsyncWebhookAdapter.request`` (interaction callbacks, followups, edits of interaction
messages). Interactions behave like Discord's: one callback each, within the 3-second
deadline, and the first followup after a "thinking" defer replaces the loading message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import discord
from discord.http import Route

from tests.bot.gateway_payloads import Payload, World
from tests.bot.message_store import EPHEMERAL, LOADING, MessageStore, http_error
from tests.bot.sent_log import Sent, SentFile

Handler = Callable[[Sent, dict[str, str]], Any]
_ROLE = ("PUT", "DELETE")
MEMBER_ROLE = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"


@dataclass(slots=True)
class OpenInteraction:
    """What Discord remembers about an interaction it delivered."""

    id: int
    token: str
    channel_id: int
    opened_at: float
    message_id: int | None  # the message a clicked component is on
    user: Payload
    responded: int | None = None
    original_id: int | None = None
    loading: bool = False

    def metadata(self, guild_id: int) -> Payload:
        """``interaction_metadata`` of the messages it produces."""
        owners = {"0": str(guild_id)}
        return {
            "id": str(self.id),
            "type": 2,
            "user": self.user,
            "authorizing_integration_owners": owners,
        }


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$")


@dataclass
class FakeDiscordApi:
    """The Discord side of the wire: a log of requests and the state they change."""

    world: World
    clock: Callable[[], float]
    ack_deadline: float = 3.0
    log: list[Sent] = field(default_factory=list)
    modals: dict[str, tuple[Payload, int | None]] = field(default_factory=dict)
    interactions: dict[str, OpenInteraction] = field(default_factory=dict)
    overrides: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    # Roles the bot added to (or removed from) members, by user id.
    member_roles: dict[int, set[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store = MessageStore(self.world)
        self.messages, self.cdn = self.store.messages, self.store.cdn

    def route(self, method: str, template: str, handler: Handler) -> None:
        """Answer ``method template`` (e.g. ``GET /guilds/{guild_id}/members/{user_id}``)."""
        self.overrides.insert(0, (method, _template_regex(template), handler))

    def open_interaction(self, payload: Payload) -> OpenInteraction:
        """Remember an interaction the gateway is about to deliver."""
        message = payload.get("message")
        opened = OpenInteraction(
            id=int(payload["id"]),
            token=payload["token"],
            channel_id=int(payload["channel_id"]),
            opened_at=self.clock(),
            message_id=int(message["id"]) if message else None,
            user=payload["member"]["user"],
        )
        self.interactions[opened.token] = opened
        return opened

    # -- the doors ----------------------------------------------------------------------------

    async def rest(
        self, route: Route, *, files: Sequence[discord.File] | None = None, **kwargs: Any
    ) -> Any:
        """Stands in for ``HTTPClient.request``."""
        body, uploaded = (
            _unpack_form(kwargs["form"]) if kwargs.get("form") else (kwargs.get("json"), ())
        )
        return self._handle(route, body, uploaded, kwargs.get("params") or {})

    async def webhook(
        self,
        route: Route,
        *,
        payload: Payload | None = None,
        multipart: list[Payload] | None = None,
        params: Mapping[str, Any] | None = None,
        **_: Any,
    ) -> Any:
        """Stands in for ``AsyncWebhookAdapter.request`` (callbacks, followups, their edits)."""
        body, uploaded = _unpack_form(multipart) if multipart else (payload, ())
        return self._handle(route, body, uploaded, params or {})

    async def from_cdn(self, url: str) -> bytes:
        """Stands in for ``HTTPClient.get_from_cdn`` (attachments the tests uploaded)."""
        if url not in self.cdn:
            raise http_error(404, 0, "404: Not Found")
        return self.cdn[url]

    def _handle(
        self, route: Route, body: Any, files: tuple[SentFile, ...], params: Mapping[str, Any]
    ) -> Any:
        path = unquote(route.url.removeprefix(Route.BASE))
        sent = Sent(route.method, path, route.path, body, files, dict(params), self.clock())
        self.log.append(sent)
        args = _template_regex(route.path).match(path)
        try:
            return self._answer(sent, args.groupdict() if args else {})
        except discord.HTTPException as exc:
            sent.status = exc.status
            raise

    # -- answers ------------------------------------------------------------------------------

    def _answer(self, sent: Sent, args: dict[str, str]) -> Any:
        for method, pattern, handler in self.overrides:
            if method == sent.method and (found := pattern.match(sent.path)):
                return handler(sent, found.groupdict())
        key = f"{sent.method} {sent.route}"
        if key == "GET /users/@me":
            return self.world.bot.user() | {"verified": True, "mfa_enabled": False}
        if key == "GET /oauth2/applications/@me":
            return self.world.application()
        if sent.route.startswith("/applications/") and sent.route.endswith("/commands"):
            commands = sent.json if sent.method == "PUT" else []
            return [self.world.registered(c, args.get("guild_id")) for c in commands]
        if key == "POST /channels/{channel_id}/typing":
            return None
        if sent.method in _ROLE and sent.route == MEMBER_ROLE:
            return self._member_role(sent, args)
        if sent.route.startswith("/channels/{channel_id}/messages"):
            return self._channel_message(sent, args)
        if key == "POST /interactions/{webhook_id}/{webhook_token}/callback":
            return self._callback(sent, self._interaction(args, callback=True))
        if sent.route.startswith("/webhooks/{webhook_id}/{webhook_token}"):
            return self._webhook_message(sent, self._interaction(args), args.get("message_id"))
        raise NotImplementedError(
            f"the fake Discord API has no answer for {key}; add one with harness.api.route(...)"
        )

    def _member_role(self, sent: Sent, args: dict[str, str]) -> None:
        """Add or remove a member's role as Discord does: the bot needs Manage Roles and a
        role above the one it hands out (else 403 Missing Permissions)."""
        roles = {r["id"]: r for r in self.world.roles()}
        role = roles.get(args["role_id"])
        if role is None:
            raise http_error(404, 10011, "Unknown Role")
        own = [roles[str(r)] for r in self.world.bot.roles if str(r) in roles]
        granted = discord.Permissions(int(roles[str(self.world.guild_id)]["permissions"]))
        for mine in own:
            granted |= discord.Permissions(int(mine["permissions"]))
        top = max((mine["position"] for mine in own), default=0)
        if not (granted.manage_roles or granted.administrator) or role["position"] >= top:
            raise http_error(403, 50013, "Missing Permissions")
        held = self.member_roles.setdefault(int(args["user_id"]), set())
        if sent.method == "PUT":
            held.add(int(args["role_id"]))
        else:
            held.discard(int(args["role_id"]))

    def _interaction(self, args: dict[str, str], *, callback: bool = False) -> OpenInteraction:
        opened = self.interactions.get(args["webhook_token"])
        if callback:
            if opened is None or opened.id != int(args["webhook_id"]):
                raise http_error(404, 10062, "Unknown interaction")
            if opened.responded is not None:
                raise http_error(400, 40060, "Interaction has already been acknowledged.")
            if self.clock() - opened.opened_at > self.ack_deadline:
                raise http_error(404, 10062, "Unknown interaction")
        elif (
            opened is None
            or int(args["webhook_id"]) != self.world.application_id
            or opened.responded is None
        ):
            raise http_error(404, 10015, "Unknown Webhook")
        return opened

    def _callback(self, sent: Sent, opened: OpenInteraction) -> Payload:
        kind, data = sent.json["type"], sent.json.get("data") or {}
        opened.responded = kind
        metadata = opened.metadata(self.world.guild_id)
        result: Payload = {"id": str(opened.id), "type": kind}
        message: Payload | None = None
        if kind == 4:
            message = self.store.create(opened.channel_id, data, sent.files, interaction=metadata)
        elif kind == 5:
            flags = LOADING | (data.get("flags", 0) & EPHEMERAL)
            message = self.store.create(opened.channel_id, {"flags": flags}, interaction=metadata)
            opened.loading = True
        elif kind in (6, 7) and opened.message_id in self.messages:
            opened.original_id = opened.message_id
            if kind == 7:
                message = self.store.update(opened.message_id, data, sent.files)
        elif kind == 9:
            self.modals[data["custom_id"]] = (data, opened.message_id)
        if message is None:
            return {"interaction": result}
        opened.original_id = int(message["id"])
        result["response_message_id"] = message["id"]
        result["response_message_loading"] = bool(message["flags"] & LOADING)
        result["response_message_ephemeral"] = bool(message["flags"] & EPHEMERAL)
        return {"interaction": result, "resource": {"type": kind, "message": message}}

    def _webhook_message(self, sent: Sent, opened: OpenInteraction, target: str | None) -> Any:
        body = sent.json or {}
        if sent.method == "POST":
            if opened.loading and opened.original_id is not None:
                opened.loading = False
                message = self.store.update(opened.original_id, body, sent.files)
            else:
                metadata = opened.metadata(self.world.guild_id)
                message = self.store.create(
                    opened.channel_id, body, sent.files, interaction=metadata
                )
            return message if str(sent.params.get("wait")) in ("1", "True", "true") else None
        message_id = opened.original_id if target in (None, "@original") else int(target)
        message = self.store.get(message_id)
        if sent.method == "PATCH":
            if message_id == opened.original_id:
                opened.loading = False
            return self.store.update(int(message["id"]), body, sent.files)
        if sent.method == "DELETE":
            return self.store.delete(int(message["id"]))
        return message

    def _channel_message(self, sent: Sent, args: dict[str, str]) -> Any:
        if sent.method == "POST":
            return self.store.create(int(args["channel_id"]), sent.json or {}, sent.files)
        message_id = int(args["message_id"])
        if sent.method == "PATCH":
            return self.store.update(message_id, sent.json or {}, sent.files)
        if sent.method == "DELETE":
            return self.store.delete(message_id)
        return self.store.get(message_id)


def _unpack_form(form: Sequence[Mapping[str, Any]]) -> tuple[Any, tuple[SentFile, ...]]:
    """The JSON part and the files of a multipart body, as discord.py builds it."""
    body: Any = None
    files = []
    for part in form:
        if part["name"] == "payload_json":
            body = json.loads(part["value"])
        elif "filename" in part:
            value = part["value"]
            data = value.read() if hasattr(value, "read") else bytes(value)
            files.append(SentFile(part["filename"], data))
    return body, tuple(files)
