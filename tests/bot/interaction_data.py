"""The ``data`` of INTERACTION_CREATE for a bot's own commands, components and modals.

Built from what the bot registered (its command tree, the components on its messages, the
modals it opened) and checked the way Discord's client checks them: required options,
choices, ranges, disabled buttons and required modal fields. A test that asks for something
a user could not do fails with ``HarnessError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import discord
from discord import app_commands

from tests.bot.gateway_payloads import Payload, Persona, World

OptionType = discord.AppCommandOptionType
Command = app_commands.Command[Any, ..., Any]


class HarnessError(AssertionError):
    """The bot did something a test did not expect, or Discord would not allow."""


def command_data(
    tree: app_commands.CommandTree[Any],
    world: World,
    command: str,
    given: Mapping[str, Any],
    *,
    focused: str | None = None,
) -> Payload:
    """``/command`` with options (subcommands separated by spaces: ``"cohort create"``)."""
    root, *path = command.split()
    found = tree.get_command(root) or tree.get_command(root, guild=discord.Object(world.guild_id))
    if found is None:
        raise HarnessError(f"no slash command /{root}")
    node: Command | app_commands.Group = found
    for name in path:
        child = node.get_command(name) if isinstance(node, app_commands.Group) else None
        if child is None:
            raise HarnessError(f"/{command}: no subcommand {name!r}")
        node = child
    if not isinstance(node, app_commands.Command):
        raise HarnessError(f"/{command} is a group; name a subcommand")
    resolved: dict[str, dict[str, Any]] = {}
    options = [_option(node, world, n, v, resolved, focused) for n, v in given.items()]
    named = {o["name"] for o in options}
    missing = [
        p.display_name for p in node.parameters if p.required and p.display_name not in named
    ]
    if missing and focused is None:
        raise HarnessError(f"/{command} needs {missing}; Discord would not send it")
    for name in reversed(path):
        options = [{"type": 1 if name == path[-1] else 2, "name": name, "options": options}]
    data: Payload = {
        "id": str(_command_id(world, root)),
        "name": root,
        "type": 1,
        "options": options,
    }
    if tree.get_command(root) is None:
        data["guild_id"] = str(world.guild_id)
    if resolved:
        data["resolved"] = resolved
    return data


def _option(
    command: Command,
    world: World,
    name: str,
    value: Any,
    resolved: dict[str, dict[str, Any]],
    focused: str | None,
) -> Payload:
    param = next((p for p in command.parameters if name in (p.name, p.display_name)), None)
    if param is None:
        raise HarnessError(f"/{command.qualified_name} has no option {name!r}")
    option: Payload = {"name": param.display_name, "type": param.type.value}
    if param.display_name == focused:
        return {**option, "value": value, "focused": True}
    if param.choices and value not in [c.value for c in param.choices]:
        raise HarnessError(f"{name}={value!r} is not one of the offered choices")
    low, high = param.min_value, param.max_value
    size = len(value) if isinstance(value, str) else value
    if isinstance(size, int | float) and (
        (low is not None and size < low) or (high is not None and size > high)
    ):
        raise HarnessError(f"{name}={value!r} is outside {low}..{high}")
    kind = param.type
    if kind in (OptionType.user, OptionType.mentionable) and isinstance(value, Persona | int):
        person = value if isinstance(value, Persona) else world.persona(value)
        _merge(resolved, resolved_member(world, person))
        value = str(person.id)
    elif kind is OptionType.role:
        role = next(r for r in world.roles() if r["id"] == str(value))
        _merge(resolved, {"roles": {role["id"]: role}})
        value = role["id"]
    elif kind is OptionType.channel:
        _merge(resolved, resolved_channel(world, int(value)))
        value = str(value)
    elif kind is OptionType.attachment:
        _merge(resolved, {"attachments": {value["id"]: value}})
        value = value["id"]
    return {**option, "value": value}


def resolved_member(world: World, persona: Persona) -> Payload:
    """The ``resolved`` entries Discord sends for a user or member option."""
    member = persona.member(world.joined_at, with_user=False)
    member["permissions"] = str(world.permissions_of(persona).value)
    return {"users": {str(persona.id): persona.user()}, "members": {str(persona.id): member}}


def resolved_channel(world: World, channel_id: int) -> Payload:
    """The ``resolved`` entry for a channel option: a partial channel with permissions."""
    full = world.channel(channel_id)
    keep = ("id", "type", "name", "parent_id", "nsfw", "topic", "last_message_id", "flags")
    partial = {k: full[k] for k in keep}
    partial["permissions"] = str(world.permissions_of(world.learner).value)
    return {"channels": {str(channel_id): partial}}


def find_component(messages: Iterable[Payload], custom_id: str) -> tuple[Payload, Payload]:
    """The first of ``messages`` showing component ``custom_id``, and the component."""
    for message in messages:
        for component in walk(message.get("components", [])):
            if component.get("custom_id") == custom_id:
                if component.get("disabled"):
                    raise HarnessError(f"{custom_id} is disabled; it cannot be used")
                return message, component
    raise HarnessError(f"no message shows a component {custom_id!r}")


def walk(components: Sequence[Payload]) -> list[Payload]:
    """Every component, depth first (rows, labels, sections, containers)."""
    found = []
    for component in components:
        found.append(component)
        found += walk(component.get("components", []))
        for key in ("component", "accessory"):
            if key in component:
                found += walk([component[key]])
    return found


def modal_submission(modal: Payload, values: Mapping[str, str]) -> Payload:
    """MODAL_SUBMIT data: the modal's fields filled with ``values``, in its own layout."""
    fields = {c["custom_id"] for c in walk(modal["components"]) if "custom_id" in c}
    if unknown := set(values) - fields:
        raise HarnessError(f"modal {modal['custom_id']!r} has no fields {sorted(unknown)}")
    return {"custom_id": modal["custom_id"], "components": _filled(modal["components"], values)}


def _filled(components: Sequence[Payload], values: Mapping[str, str]) -> list[Payload]:
    out: list[Payload] = []
    for component in components:
        if component["type"] == 1:
            out.append({"type": 1, "components": _filled(component["components"], values)})
        elif component["type"] == 18:
            out += [{"type": 18, "component": c} for c in _filled([component["component"]], values)]
        elif component["type"] == 4:
            name = component["custom_id"]
            value = values.get(name, component.get("value") or "")
            if component.get("required", True) and not value:
                raise HarnessError(f"{name} is required")
            if (
                not component.get("min_length", 0)
                <= len(value)
                <= component.get("max_length", 4000)
            ):
                raise HarnessError(f"{name}: {len(value)} characters is not allowed")
            out.append({"type": 4, "custom_id": name, "value": value})
    return out


def _command_id(world: World, name: str) -> int:
    """A stable id per command name, as Discord assigns on registration."""
    return world.application_id + 1 + sum(map(ord, name))


def _merge(into: dict[str, dict[str, Any]], extra: Mapping[str, Mapping[str, Any]]) -> None:
    for key, entries in extra.items():
        into.setdefault(key, {}).update(entries)
