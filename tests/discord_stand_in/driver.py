"""Drive the stand-in like a Discord user would: slash commands, autocomplete, channel and guild
deletions. Interactions are built from the commands the bot actually synced."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import (
    ADMIN_ID,
    ADMIN_PERMISSIONS,
    BOT_ID,
    BOT_PERMISSIONS,
    CHANNEL_ID,
    GUILD_ID,
    MEMBER_ID,
    MEMBER_PERMISSIONS,
    Interaction,
    now_iso,
)
from tests.patience import PATIENCE

SUBCOMMAND_TYPES = (1, 2)


def _member(user: dict[str, Any], permissions: int) -> dict[str, Any]:
    return {
        "user": user,
        "roles": [],
        "joined_at": now_iso(),
        "flags": 0,
        "deaf": False,
        "mute": False,
        "permissions": str(permissions),
    }


def _build_options(
    stand_in: StandIn,
    definition: dict[str, Any],
    path: list[str],
    values: dict[str, Any],
    focused: str | None,
    resolved: dict[str, Any],
) -> list[dict[str, Any]]:
    known = {option["name"]: option for option in definition.get("options") or []}
    if path:
        sub = known[path[0]]
        inner = _build_options(stand_in, sub, path[1:], values, focused, resolved)
        return [{"type": sub["type"], "name": sub["name"], "options": inner}]
    options = []
    for name, value in values.items():
        option_type = known[name]["type"]  # KeyError: the option was never synced
        option: dict[str, Any] = {"type": option_type, "name": name, "value": value}
        if option_type == 7:
            channel = stand_in.world.find_channel(int(value))
            assert channel is not None, value
            resolved.setdefault("channels", {})[str(value)] = {
                **channel,
                "permissions": str(ADMIN_PERMISSIONS),
            }
            option["value"] = str(value)
        if option_type == 11:  # an attachment: ``value`` is Attachments.upload()'s object
            resolved.setdefault("attachments", {})[value["id"]] = value
            option["value"] = value["id"]
        if name == focused:
            option["focused"] = True
        options.append(option)
    return options


def build_interaction(
    stand_in: StandIn,
    command: str,
    *path: str,
    kind: int = 2,
    focused: str | None = None,
    admin: bool = True,
    user_id: int | None = None,
    channel_id: int = CHANNEL_ID,
    guild_id: int | None = GUILD_ID,
    locale: str = "fr",
    **values: Any,
) -> dict[str, Any]:
    scope, definition = stand_in.world.find_command(command)
    resolved: dict[str, Any] = {}
    options = _build_options(stand_in, definition, list(path), values, focused, resolved)
    data: dict[str, Any] = {
        "id": definition["id"],
        "name": definition["name"],
        "type": 1,
        "options": options,
        "resolved": resolved,
    }
    if scope is not None:
        data["guild_id"] = str(scope)
    user_id = user_id or (ADMIN_ID if admin else MEMBER_ID)
    user = stand_in.world.users[user_id]
    permissions = ADMIN_PERMISSIONS if admin else MEMBER_PERMISSIONS
    payload: dict[str, Any] = {
        "application_id": str(BOT_ID),
        "type": kind,
        "data": data,
        "version": 1,
        "attachment_size_limit": 8 * 1024 * 1024,
        "channel_id": str(channel_id),
        "locale": locale,
        "app_permissions": str(BOT_PERMISSIONS),
        "entitlements": [],
        "authorizing_integration_owners": {"0": str(guild_id or user_id)},
    }
    if guild_id is not None:
        channel = stand_in.world.find_channel(channel_id) or {}
        payload.update(
            guild_id=str(guild_id),
            guild_locale="fr",
            context=0,
            member=_member(user, permissions),
            channel={**channel, "permissions": str(permissions)},
        )
    else:
        payload.update(user=user, context=1, channel={"id": str(channel_id), "type": 1})
    return payload


async def slash(stand_in: StandIn, command: str, *path: str, **kwargs: Any) -> Interaction:
    """Send a slash command (``slash(s, "feed", "add", url=...)``) and return its record."""
    interaction = stand_in.world.new_interaction(
        build_interaction(stand_in, command, *path, **kwargs)
    )
    interaction.created = time.monotonic()
    await stand_in.gateway.dispatch("INTERACTION_CREATE", interaction.payload)
    return interaction


async def autocomplete(
    stand_in: StandIn, command: str, *path: str, focused: str, **values: Any
) -> list[dict[str, Any]]:
    """Send an autocomplete interaction and return the choices the bot answered."""
    payload = build_interaction(stand_in, command, *path, kind=4, focused=focused, **values)
    interaction = stand_in.world.new_interaction(payload)
    await stand_in.gateway.dispatch("INTERACTION_CREATE", interaction.payload)
    await wait_for(interaction, lambda i: i.responded)
    assert interaction.response is not None and interaction.response["type"] == 8
    return list(interaction.response["data"]["choices"])


async def wait_for(interaction: Interaction, done: Any, within: float = PATIENCE) -> Interaction:
    async def _wait() -> None:
        while not done(interaction):
            interaction.changed.clear()
            await interaction.changed.wait()

    await asyncio.wait_for(_wait(), within)
    return interaction


async def answered(interaction: Interaction, within: float = PATIENCE) -> Interaction:
    """Wait until the interaction has a visible answer: a message response, or a follow-up or
    an edit after a deferral."""

    def done(i: Interaction) -> bool:
        return bool(i.messages)

    return await wait_for(interaction, done, within)


async def delete_channel(stand_in: StandIn, channel_id: int) -> None:
    channel = stand_in.world.remove_channel(channel_id)
    assert channel is not None
    await stand_in.gateway.dispatch("CHANNEL_DELETE", channel)


async def remove_guild(stand_in: StandIn, guild_id: int = GUILD_ID) -> None:
    stand_in.world.guilds.pop(guild_id, None)
    await stand_in.gateway.dispatch("GUILD_DELETE", {"id": str(guild_id)})
