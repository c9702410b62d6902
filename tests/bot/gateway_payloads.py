"""Discord gateway payloads (API v10) for bot tests, shaped like the ones Discord sends.

``World`` is one guild as the gateway describes it: the application, the bot's user, roles,
two text channels and a few people (a learner, a moderator, an admin who owns the guild).
It builds READY, GUILD_CREATE and INTERACTION_CREATE payloads that discord.py parses with
its own code, so a test's ``interaction.user`` is a real ``Member`` with real permissions.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
from discord.utils import time_snowflake

Payload = dict[str, Any]

EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
)
MODERATOR_PERMISSIONS = discord.Permissions(
    manage_messages=True, moderate_members=True, kick_members=True, manage_threads=True
)
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | discord.Permissions(manage_messages=True)
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024


def _iso(moment: datetime) -> str:
    return moment.isoformat()


class Snowflakes:
    """Ids like Discord's: the time in the high bits, unique and increasing."""

    def __init__(self) -> None:
        self._counter = itertools.count(time_snowflake(datetime.now(UTC)))

    def __call__(self) -> int:
        return next(self._counter)


@dataclass(frozen=True, slots=True)
class Persona:
    """Someone in the guild: the user, their roles and their permissions there."""

    id: int
    username: str
    roles: tuple[int, ...] = ()
    permissions: discord.Permissions = field(default_factory=discord.Permissions.none)
    bot: bool = False

    def user(self) -> Payload:
        """The USER object."""
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": None if self.bot else self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
            "banner": None,
            "accent_color": None,
            "avatar_decoration_data": None,
        }

    def member(self, joined_at: datetime, *, with_user: bool = True) -> Payload:
        """The GUILD MEMBER object; interactions add the resolved ``permissions`` string."""
        payload: Payload = {
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "joined_at": _iso(joined_at),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            payload["user"] = self.user()
        return payload


@dataclass
class World:
    """One guild with its channels, roles and people, and the payloads that describe them."""

    ids: Snowflakes = field(default_factory=Snowflakes)
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        ids = self.ids
        self.application_id = ids()
        self.guild_id = ids()
        self.channel_id = ids()  # #learning, where tests act by default
        self.other_channel_id = ids()  # #general
        self.moderator_role_id, self.admin_role_id, self.bot_role_id = ids(), ids(), ids()
        admin_perms = discord.Permissions(administrator=True)
        self.bot = Persona(
            self.application_id, "tutorbot", (self.bot_role_id,), BOT_PERMISSIONS, True
        )
        self.learner = Persona(ids(), "ada", (), EVERYONE_PERMISSIONS)
        self.other_learner = Persona(ids(), "alan", (), EVERYONE_PERMISSIONS)
        moderator_perms = EVERYONE_PERMISSIONS | MODERATOR_PERMISSIONS
        self.moderator = Persona(ids(), "grace", (self.moderator_role_id,), moderator_perms)
        self.admin = Persona(ids(), "linus", (self.admin_role_id,), admin_perms)
        # A plain role (no permissions) held by one learner: cohort links, configured roles.
        self.study_role_id = ids()
        self.role_learner = Persona(ids(), "katherine", (self.study_role_id,), EVERYONE_PERMISSIONS)
        self.people = (
            self.bot,
            self.learner,
            self.other_learner,
            self.moderator,
            self.admin,
            self.role_learner,
        )

    # -- descriptions of the guild ------------------------------------------------------------

    def role(
        self, role_id: int, name: str, position: int, permissions: discord.Permissions
    ) -> Payload:
        """A ROLE object."""
        managed = role_id == self.bot_role_id
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": position,
            "permissions": str(permissions.value),
            "managed": managed,
            "mentionable": False,
            "flags": 0,
            **({"tags": {"bot_id": str(self.application_id)}} if managed else {}),
        }

    def roles(self) -> list[Payload]:
        """@everyone (whose id is the guild's), the bot's, Moderator, Admin and Study Group."""
        return [
            self.role(self.guild_id, "@everyone", 0, EVERYONE_PERMISSIONS),
            self.role(self.bot_role_id, "tutorbot", 1, BOT_PERMISSIONS),
            self.role(self.moderator_role_id, "Moderator", 2, MODERATOR_PERMISSIONS),
            self.role(self.admin_role_id, "Admin", 3, discord.Permissions(administrator=True)),
            self.role(self.study_role_id, "Study Group", 1, discord.Permissions.none()),
        ]

    def channel(self, channel_id: int | None = None) -> Payload:
        """A GUILD_TEXT CHANNEL object (type 0)."""
        channel_id = channel_id or self.channel_id
        name = "learning" if channel_id == self.channel_id else "general"
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": 0 if name == "learning" else 1,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": f"#{name}",
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def ready(self) -> Payload:
        """READY: the bot's user and its guilds, not yet available."""
        return {
            "v": 10,
            "user": {**self.bot.user(), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "resume_gateway_url": "wss://gateway-us-east1-b.discord.gg",
            "shard": [0, 1],
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "auth": {},
        }

    def application(self) -> Payload:
        """The APPLICATION object login fetches."""
        return {
            "id": str(self.application_id),
            "name": "tutorbot",
            "description": "An AI tutor",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self.admin.user(),
            "verify_key": "1e0a356058d627ca38a5c8c9648818061d49e49bd9da9e3ab17d98ad4d6b2f08",
            "flags": 0,
            "team": None,
            "interactions_endpoint_url": None,
            "rpc_origins": [],
            "redirect_uris": [],
            "tags": [],
        }

    def registered(self, command: Payload, guild_id: str | None) -> Payload:
        """A command as Discord returns it once registered (``tree.sync``)."""
        extra = {"guild_id": guild_id} if guild_id else {}
        return {
            **command,
            "id": str(self.ids()),
            "application_id": str(self.application_id),
            "version": str(self.ids()),
            **extra,
        }

    def guild_create(self) -> Payload:
        """GUILD_CREATE: the full guild with its roles, channels and members."""
        nothing = [
            "icon",
            "splash",
            "discovery_splash",
            "banner",
            "description",
            "afk_channel_id",
            "application_id",
            "rules_channel_id",
            "public_updates_channel_id",
            "vanity_url_code",
            "incidents_data",
        ]
        empty = [
            "emojis",
            "stickers",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
        ]
        return {
            **dict.fromkeys(nothing),
            **{key: [] for key in empty},
            "id": str(self.guild_id),
            "name": "AI Study Group",
            "owner_id": str(self.admin.id),
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": ["COMMUNITY", "NEWS"],
            "roles": self.roles(),
            "system_channel_id": str(self.other_channel_id),
            "system_channel_flags": 0,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "joined_at": _iso(self.joined_at),
            "large": False,
            "unavailable": False,
            "member_count": len(self.people),
            "members": [p.member(self.joined_at) for p in self.people],
            "channels": [self.channel(self.channel_id), self.channel(self.other_channel_id)],
        }

    # -- interactions -------------------------------------------------------------------------

    def permissions_of(self, persona: Persona) -> discord.Permissions:
        """What ``persona`` may do in a channel (no overwrites): their roles' union."""
        value = EVERYONE_PERMISSIONS | persona.permissions
        return discord.Permissions.all() if value.administrator else value

    def interaction(
        self,
        kind: int,
        data: Payload,
        *,
        actor: Persona,
        channel_id: int | None = None,
        message: Payload | None = None,
        locale: str = "en-US",
    ) -> Payload:
        """INTERACTION_CREATE for ``actor`` in a channel of the guild (version 1)."""
        interaction_id = self.ids()
        raw = f"interaction:{interaction_id}:{self.application_id}".encode()
        channel = {**self.channel(channel_id), "permissions": str(self.permissions_of(actor).value)}
        payload: Payload = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(self.guild_id),
            "guild": {"id": str(self.guild_id), "locale": "en-US", "features": ["COMMUNITY"]},
            "channel_id": channel["id"],
            "channel": channel,
            "member": {
                **actor.member(self.joined_at),
                "permissions": str(self.permissions_of(actor).value),
            },
            "token": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            "version": 1,
            "app_permissions": str(self.permissions_of(self.bot).value),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
        }
        if message is not None:
            payload["message"] = message
        return payload

    def persona(self, user_id: int) -> Persona:
        """The person with this id."""
        return next(p for p in self.people if p.id == user_id)
