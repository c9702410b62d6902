"""Messages as Discord keeps them for the fake API: created, edited and deleted, their files
served from a fake CDN, so a test can read what a channel shows now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import discord

from tests.bot.gateway_payloads import Payload, World
from tests.bot.sent_log import SentFile

LOADING, EPHEMERAL = 128, 64
_TYPES = {"png": "image/png", "md": "text/markdown", "txt": "text/plain", "csv": "text/csv"}


def http_error(status: int, code: int, message: str) -> discord.HTTPException:
    """The exception discord.py raises for this Discord error response."""
    response = type("FakeResponse", (), {"status": status, "reason": message, "headers": {}})()
    error = {404: discord.NotFound, 403: discord.Forbidden}.get(status, discord.HTTPException)
    return error(cast(Any, response), {"code": code, "message": message})


@dataclass
class MessageStore:
    """Every message that exists, by id, in the order they were created."""

    world: World
    messages: dict[int, Payload] = field(default_factory=dict)
    cdn: dict[str, bytes] = field(default_factory=dict)

    def get(self, message_id: int | None) -> Payload:
        """The message, or Discord's 404 Unknown Message."""
        if message_id is None or message_id not in self.messages:
            raise http_error(404, 10008, "Unknown Message")
        return self.messages[message_id]

    def create(
        self,
        channel_id: int,
        body: Payload,
        files: tuple[SentFile, ...] = (),
        *,
        interaction: Payload | None = None,
    ) -> Payload:
        """A new message by the bot; ``interaction`` metadata makes it an interaction reply."""
        w = self.world
        message_id = w.ids()
        message: Payload = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(w.guild_id),
            "author": w.bot.user(),
            "content": body.get("content") or "",
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(channel_id, files),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
        }
        if interaction is not None:
            message["type"] = 20
            message["webhook_id"] = message["application_id"] = str(w.application_id)
            message["interaction_metadata"] = interaction
        self.messages[message_id] = message
        return message

    def update(self, message_id: int, body: Payload, files: tuple[SentFile, ...] = ()) -> Payload:
        """An edit: fields the body names change, the rest stay; a loading message is done."""
        message = self.get(message_id)
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in body:
                message[key] = body[key] if body[key] is not None else empty
        if "attachments" in body or files:
            keep = {str(a.get("id")) for a in body.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] = kept + self._attachments(int(message["channel_id"]), files)
        message["flags"] &= ~LOADING
        message["edited_timestamp"] = datetime.now(UTC).isoformat()
        return message

    def delete(self, message_id: int) -> None:
        self.get(message_id)
        del self.messages[message_id]

    def _attachments(self, channel_id: int, files: tuple[SentFile, ...]) -> list[Payload]:
        attachments = []
        for file in files:
            attachment_id = self.world.ids()
            url = f"https://cdn.discordapp.com/attachments/{channel_id}/{attachment_id}/{file.filename}"
            self.cdn[url] = file.data
            suffix = file.filename.rsplit(".", 1)[-1].lower()
            attachments.append(
                {
                    "id": str(attachment_id),
                    "filename": file.filename,
                    "size": len(file.data),
                    "url": url,
                    "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
                    "content_type": _TYPES.get(suffix, "application/octet-stream"),
                }
            )
        return attachments
