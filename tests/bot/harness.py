"""Drive a real discord.py bot with real gateway payloads and see everything it sends.

    harness = await Harness.start(bot)        # login, setup_hook, READY, GUILD_CREATE
    turn = await harness.slash("ask", question="What is a gradient?")
    assert turn.responses[0].callback_type == 5 and turn.acknowledged_after < 3
    await harness.click("quiz:answer:2")       # the newest message with that button
    await harness.close()

Interactions go through ``ConnectionState.parse_interaction_create``, so the bot's real
``CommandTree``, views and modals handle them; each call returns when the handlers it
started have finished. Requests land in ``FakeDiscordApi`` (fake_api.py); network use
outside loopback fails. Payloads: gateway_payloads.py and interaction_data.py.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from ipaddress import ip_address
from types import TracebackType
from typing import Any

import aiohttp
import pytest
from discord.ext import commands
from discord.webhook.async_ import AsyncWebhookAdapter
from yarl import URL

from tests.bot.fake_api import FakeDiscordApi
from tests.bot.gateway_payloads import Payload, Persona, World
from tests.bot.interaction_data import (
    HarnessError,
    command_data,
    find_component,
    modal_submission,
)
from tests.bot.sent_log import SentLog, Turn

__all__ = ["Harness", "HarnessError", "NetworkBlockedError", "Turn"]

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhArNs.harness-token-not-a-real-one"
_ORIGINAL_REQUEST = aiohttp.ClientSession._request


class NetworkBlockedError(RuntimeError):
    """A request left the machine while a harness was running."""


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Harness:
    """A bot wired to a fake Discord; build it with ``await Harness.start(bot)``."""

    def __init__(
        self,
        bot: commands.Bot,
        *,
        world: World | None = None,
        ack_deadline: float = 3.0,
        turn_timeout: float = 10.0,
        strict: bool = True,
        watch_loggers: Sequence[str] = ("discord",),
    ) -> None:
        self.bot = bot
        self.world = world or World()
        self.api = FakeDiscordApi(self.world, asyncio.get_running_loop().time, ack_deadline)
        self.turn_timeout = turn_timeout
        self.strict = strict
        self._patches = pytest.MonkeyPatch()
        self._errors = _ErrorLog()
        self._loggers = [logging.getLogger(name) for name in watch_loggers]

    @classmethod
    async def start(
        cls, bot: commands.Bot, *, messages: Mapping[int, Payload] | None = None, **options: Any
    ) -> Harness:
        """Log in against the fake (running ``setup_hook``), then READY and GUILD_CREATE.

        ``messages`` are already in Discord (a previous process posted them), before the
        bot's background tasks start."""
        harness = cls(bot, **options)
        harness.api.messages.update(messages or {})
        harness._install()
        try:
            await bot.login(TOKEN)
            state = bot._connection
            state.guild_ready_timeout = 0.01
            state.parse_ready(harness.world.ready())  # type: ignore[arg-type]
            state.parse_guild_create(harness.world.guild_create())
            await asyncio.wait_for(bot.wait_until_ready(), timeout=5)
        except BaseException:
            await harness.close()
            raise
        return harness

    async def close(self) -> None:
        """Close the bot (and what its setup hook opened), then undo every patch."""
        try:
            await self.bot.close()
        finally:
            self._patches.undo()
            for logger in self._loggers:
                logger.removeHandler(self._errors)

    async def __aenter__(self) -> Harness:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def _install(self) -> None:
        api = self.api

        async def adapter_request(
            adapter: AsyncWebhookAdapter, route: Any, *a: Any, **kw: Any
        ) -> Any:
            return await api.webhook(route, **kw)

        self._patches.setattr(self.bot.http, "request", api.rest)
        self._patches.setattr(self.bot.http, "get_from_cdn", api.from_cdn)
        self._patches.setattr(AsyncWebhookAdapter, "request", adapter_request)
        self._patches.setattr(aiohttp.ClientSession, "_request", _loopback_only)
        for logger in self._loggers:
            logger.addHandler(self._errors)

    # -- who and what -------------------------------------------------------------------------

    @property
    def learner(self) -> Persona:
        return self.world.learner

    @property
    def moderator(self) -> Persona:
        return self.world.moderator

    @property
    def admin(self) -> Persona:
        return self.world.admin

    @property
    def sent(self) -> SentLog:
        """Every request so far, in order."""
        return SentLog(self.api.log)

    @property
    def messages(self) -> list[Payload]:
        """Every message that exists now, as Discord would return it, oldest first."""
        return list(self.api.messages.values())

    def attachment(self, filename: str, data: bytes) -> Payload:
        """An uploaded file to pass as an attachment option; ``read()`` returns ``data``."""
        attachment_id = self.world.ids()
        url = f"https://cdn.discordapp.com/ephemeral-attachments/{attachment_id}/{filename}"
        self.api.cdn[url] = data
        return {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": "application/octet-stream",
            "ephemeral": True,
        }

    # -- interactions -------------------------------------------------------------------------

    async def slash(
        self,
        command: str,
        /,
        *,
        actor: Persona | None = None,
        channel_id: int | None = None,
        **options: Any,
    ) -> Turn:
        """``/command`` (a space separates subcommands: ``"cohort create"``) with options."""
        data = command_data(self.bot.tree, self.world, command, options)
        payload = self.world.interaction(
            2, data, actor=actor or self.learner, channel_id=channel_id
        )
        return await self.dispatch(payload)

    async def autocomplete(
        self,
        command: str,
        /,
        *,
        focused: str,
        value: str,
        actor: Persona | None = None,
        **options: Any,
    ) -> Turn:
        """Typing ``value`` into option ``focused``; ``turn.choices`` is what the bot offered."""
        given = {**options, focused: value}
        data = command_data(self.bot.tree, self.world, command, given, focused=focused)
        return await self.dispatch(self.world.interaction(4, data, actor=actor or self.learner))

    async def click(
        self, custom_id: str, /, *, message_id: int | None = None, actor: Persona | None = None
    ) -> Turn:
        """Pressing the button ``custom_id`` on the newest message that has it."""
        message, component = find_component(self._showing(message_id), custom_id)
        data = {"custom_id": custom_id, "component_type": component["type"]}
        return await self._component_turn(message, data, actor)

    async def select(
        self,
        custom_id: str,
        values: Sequence[str],
        /,
        *,
        message_id: int | None = None,
        actor: Persona | None = None,
    ) -> Turn:
        """Picking ``values`` in the select menu ``custom_id``."""
        message, component = find_component(self._showing(message_id), custom_id)
        offered = {o["value"] for o in component.get("options", [])}
        if offered and not set(values) <= offered:
            raise HarnessError(f"{custom_id} offers {sorted(offered)}, not {list(values)}")
        data = {"custom_id": custom_id, "component_type": component["type"], "values": list(values)}
        return await self._component_turn(message, data, actor)

    async def submit_modal(
        self, custom_id: str, values: Mapping[str, str], /, *, actor: Persona | None = None
    ) -> Turn:
        """Filling in and submitting the modal the bot opened last with this custom id."""
        if custom_id not in self.api.modals:
            raise HarnessError(f"the bot never opened a modal {custom_id!r}")
        modal, message_id = self.api.modals[custom_id]
        data = modal_submission(modal, values)
        message = self.api.messages.get(message_id) if message_id else None
        payload = self.world.interaction(5, data, actor=actor or self.learner, message=message)
        return await self.dispatch(payload)

    async def dispatch(self, payload: Payload) -> Turn:
        """Deliver INTERACTION_CREATE and wait for the handlers it started."""
        self.api.open_interaction(payload)
        first_sent = len(self.api.log)
        started = asyncio.get_running_loop().time()
        errors = await self.gateway_event("INTERACTION_CREATE", payload)
        sent = SentLog(self.api.log[first_sent:])
        return Turn(int(payload["id"]), payload["token"], started, sent, tuple(errors))

    async def gateway_event(self, event: str, payload: Payload) -> list[str]:
        """Deliver a gateway event (``"MESSAGE_CREATE"``, ...) through discord.py's parser and
        wait for the handlers it started; returns errors they raised or logged."""
        first_error = len(self._errors.lines)
        parse = getattr(self.bot._connection, f"parse_{event.lower()}")
        spawned = _tasks_started_by(lambda: parse(payload))
        if spawned:
            _, pending = await asyncio.wait(spawned, timeout=self.turn_timeout)
            if pending:
                raise HarnessError(f"handlers still running after {self.turn_timeout}s: {pending}")
        crashed = [repr(t.exception()) for t in spawned if not t.cancelled() and t.exception()]
        errors = [*self._errors.lines[first_error:], *crashed]
        if self.strict and errors:
            raise HarnessError("the bot failed:\n" + "\n".join(errors))
        return errors

    def _showing(self, message_id: int | None) -> list[Payload]:
        """Where to look for a component: that message, or every message, newest first."""
        return [self.api.store.get(message_id)] if message_id else self.messages[::-1]

    async def _component_turn(self, message: Payload, data: Payload, actor: Persona | None) -> Turn:
        channel_id = int(message["channel_id"])
        payload = self.world.interaction(
            3, data, actor=actor or self.learner, channel_id=channel_id, message=message
        )
        return await self.dispatch(payload)


def _tasks_started_by(parse: Callable[[], object]) -> set[asyncio.Task[Any]]:
    """The tasks a (synchronous) gateway parser starts, seen through the loop's task factory:
    cheaper than diffing ``asyncio.all_tasks()``, which walks every live task (the
    interactions bench dispatches 200 at once)."""
    loop = asyncio.get_running_loop()
    previous = loop.get_task_factory()
    started: set[asyncio.Task[Any]] = set()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> asyncio.Future[Any]:
        task = (
            previous(loop, coro, **options)
            if previous is not None
            else asyncio.Task(coro, loop=loop, **options)
        )
        assert isinstance(task, asyncio.Task)
        started.add(task)
        return task

    loop.set_task_factory(factory)
    try:
        parse()
    finally:
        loop.set_task_factory(previous)
    return started


async def _loopback_only(session: aiohttp.ClientSession, method: str, url: Any, **kw: Any) -> Any:
    """Stands in for ``ClientSession._request``: only 127.0.0.1 and friends are reachable."""
    host = URL(str(url)).host or ""
    try:
        local = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local:
        raise NetworkBlockedError(f"{method} {url}: no network in bot tests")
    return await _ORIGINAL_REQUEST(session, method, url, **kw)
