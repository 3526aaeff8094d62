"""Editing a channel message, as strict as Discord's documented behaviour (never kinder):

``PATCH /channels/{channel}/messages/{message}`` (discord.py's ``HTTPClient.edit_message``, which
``Message.edit`` and ``PartialMessage.edit`` call):

- 404 10003 for an unknown channel, 404 10008 Unknown Message for a message not in it;
- without View Channel, 403 50001 Missing Access;
- only the author may change ``content``, ``embeds``, ``attachments`` or ``components`` (403
  50005 "Cannot edit a message authored by another user", a webhook's message included: its
  author is the webhook, not the bot); anyone with Manage Messages may change ``flags``, and of
  the flags only SUPPRESS_EMBEDS can be set or cleared by an edit;
- a message in an archived thread cannot be edited (400 50083);
- the fields given replace the stored ones (``null`` clears ``content``, ``[]`` the embeds), the
  others stay; the new fields follow the message rules (content 2000, embed limits: 400 50035)
  and the result cannot be empty (400 50006 "Cannot send an empty message");
- a content or embed change sets ``edited_timestamp``; the response is the whole updated
  message (no nonce) and MESSAGE_UPDATE goes to the gateway.

Every accepted edit is kept in ``EditLog`` (``stand_in.edits``) for the tests' assertions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord_stand_in import rules
from tests.discord_stand_in.history import without_nonce
from tests.discord_stand_in.objects import (
    BOT_ID,
    MANAGE_MESSAGES,
    THREAD_TYPES,
    VIEW_CHANNEL,
    now_iso,
)

if TYPE_CHECKING:
    from tests.discord_stand_in.server import StandIn
    from tests.discord_stand_in.world import World

SUPPRESS_EMBEDS = 1 << 2  # the one message flag an edit may change
AUTHOR_FIELDS = ("content", "embeds", "attachments", "components")


@dataclass
class Edit:
    channel_id: int
    message_id: int
    body: dict[str, Any]


@dataclass
class EditLog:
    edits: list[Edit] = field(default_factory=list)

    def of(self, message_id: int | str) -> list[Edit]:
        return [edit for edit in self.edits if edit.message_id == int(message_id)]


class EditRefused(Exception):
    """Discord's answer to an edit it refuses: ``status``, ``code``, ``message``, ``errors``."""

    def __init__(self, status: int, code: int, message: str, errors: Any = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors


def edit_message(
    world: World,
    channel_id: int,
    message_id: int,
    body: dict[str, Any],
    *,
    as_author: bool = False,
) -> dict[str, Any]:
    """Apply an edit to the stored message and return it, or raise ``EditRefused``.
    ``as_author``: the message's own webhook edits it (``webhooks.py``)."""
    channel = world.find_channel(channel_id)
    if channel is None:
        raise EditRefused(404, 10003, "Unknown Channel")
    message = world.get_message(channel_id, message_id)
    if message is None:
        raise EditRefused(404, 10008, "Unknown Message")
    is_dm = channel.get("type") == 1
    granted = -1 if is_dm else world.bot_permissions(channel_id)
    if not granted & VIEW_CHANNEL:
        raise EditRefused(403, 50001, "Missing Access")
    own = as_author or (message["author"]["id"] == str(BOT_ID) and not message.get("webhook_id"))
    if not own and any(key in body for key in AUTHOR_FIELDS):
        raise EditRefused(403, 50005, "Cannot edit a message authored by another user")
    if not own and "flags" in body and not granted & MANAGE_MESSAGES:
        raise EditRefused(403, 50013, "Missing Permissions")
    if channel.get("type") in THREAD_TYPES and channel["thread_metadata"]["archived"]:
        raise EditRefused(400, 50083, "Thread is archived")
    errors = rules.check_message({k: v for k, v in body.items() if k != "nonce"}, allow_empty=True)
    if errors:
        raise EditRefused(400, 50035, "Invalid Form Body", {"_errors": errors})
    updated = _apply(message, body)
    if not updated["content"] and not updated["embeds"] and not updated["attachments"]:
        raise EditRefused(400, 50006, "Cannot send an empty message")
    message.clear()
    message.update(updated)
    return message


def _apply(message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    updated = dict(message)
    changed = False
    for key in AUTHOR_FIELDS:
        if key in body:
            value = body[key]
            updated[key] = value if value is not None else ("" if key == "content" else [])
            changed = changed or updated[key] != message.get(key)
    if "flags" in body:
        old = int(message.get("flags") or 0)
        wanted = int(body["flags"] or 0)
        updated["flags"] = (old & ~SUPPRESS_EMBEDS) | (wanted & SUPPRESS_EMBEDS)
    if changed:
        updated["edited_timestamp"] = now_iso()
    return updated


def register(stand_in: StandIn) -> None:
    from tests.discord_stand_in import server as srv

    async def edit(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        channel_id, message_id = int(params["channel_id"]), int(params["message_id"])
        payload = body if isinstance(body, dict) else {}
        try:
            message = edit_message(stand_in.world, channel_id, message_id, payload)
        except EditRefused as refused:
            return srv.error_response(refused.status, refused.code, refused.message, refused.errors)
        stand_in.edits.edits.append(Edit(channel_id, message_id, payload))
        channel = stand_in.world.find_channel(channel_id) or {}
        guild_id = channel.get("guild_id")
        shown = without_nonce(message)
        await stand_in.gateway.message_created(
            shown, int(guild_id) if guild_id else None, "MESSAGE_UPDATE"
        )
        return srv.json_response(shown)

    stand_in.add_route("PATCH", "/channels/{channel_id}/messages/{message_id}", edit)
