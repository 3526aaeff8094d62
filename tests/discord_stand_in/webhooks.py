"""Channel webhooks, as strict as Discord's documented behaviour and discord.py's calls
(``HTTPClient.create_webhook``, ``channel_webhooks``, ``Webhook.send(wait=True)``):

- ``POST /channels/{channel}/webhooks``: Manage Webhooks needed (403 50013); text and
  announcement channels and forums only (400 50024 for a thread); ``name`` 1-80 characters
  without « clyde » or « discord » (400 50035); at most 15 per channel (400 30007). The answer
  carries the webhook's ``token``;
- ``GET /channels/{channel}/webhooks`` (Manage Webhooks);
- ``POST /webhooks/{id}/{token}``: an unknown or deleted webhook, or a wrong token, is 404 10015
  Unknown Webhook; the message rules hold; ``username`` (1-80, the same words refused) and
  ``avatar_url`` replace the webhook's for this message; ``thread_id`` posts in a thread of the
  channel; no ``nonce`` is taken, so nothing de-duplicates an execution; ``wait=true`` answers
  the message (author: the webhook, ``webhook_id`` set), otherwise 204;
- ``DELETE /webhooks/{id}`` (and ``World``-side ``delete_webhook`` for a test: an admin deleting
  it in Discord's settings).

- ``PATCH /webhooks/{id}/{token}/messages/{message}``: a webhook edits its own messages only
  (404 10008 for any other, the bot's included), with the rules of ``messages.py``.

The same ``/webhooks/{id}/{token}`` routes serve interaction follow-ups and their edits: the
server hands a request here when the token is no interaction's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord_stand_in import rules
from tests.discord_stand_in.objects import (
    ANNOUNCEMENT,
    FORUM,
    TEXT,
    THREAD_TYPES,
    VIEW_CHANNEL,
    snowflake,
)

if TYPE_CHECKING:
    from tests.discord_stand_in.server import StandIn

MANAGE_WEBHOOKS = 1 << 29
WEBHOOKS_PER_CHANNEL = 15
NAME_RANGE = (1, 80)
REFUSED_WORDS = ("clyde", "discord")


@dataclass
class Hooks:
    """The webhooks of the world, by id; ``executions`` every message they created."""

    by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    executions: list[dict[str, Any]] = field(default_factory=list)

    def in_channel(self, channel_id: int) -> list[dict[str, Any]]:
        return [h for h in self.by_id.values() if h["channel_id"] == str(channel_id)]

    def delete(self, webhook_id: int | str) -> None:
        self.by_id.pop(int(webhook_id), None)


def name_error(field_name: str, name: object) -> str | None:
    low, high = NAME_RANGE
    if not isinstance(name, str) or not low <= len(name) <= high:
        return f"{field_name}: must be between {low} and {high} in length"
    if any(word in name.casefold() for word in REFUSED_WORDS):
        return f"{field_name}: cannot contain « clyde » or « discord »"
    return None


def register(stand_in: StandIn) -> None:
    from tests.discord_stand_in import server as srv

    world = stand_in.world
    hooks = stand_in.hooks

    def refused(channel: dict[str, Any] | None) -> web.Response | None:
        if channel is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        granted = world.bot_permissions(int(channel["id"]))
        if not granted & VIEW_CHANNEL:
            return srv.error_response(403, 50001, "Missing Access")
        if not granted & MANAGE_WEBHOOKS:
            return srv.error_response(403, 50013, "Missing Permissions")
        return None

    async def create(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        channel = world.find_channel(int(params["channel_id"]))
        if (answer := refused(channel)) is not None:
            return answer
        assert channel is not None
        if channel.get("type") not in (TEXT, ANNOUNCEMENT, FORUM):
            return srv.error_response(400, 50024, "Cannot execute action on this channel type")
        problem = name_error("name", (body or {}).get("name"))
        if problem:
            return srv.invalid_form([problem])
        if len(hooks.in_channel(int(channel["id"]))) >= WEBHOOKS_PER_CHANNEL:
            return srv.error_response(400, 30007, "Maximum number of webhooks reached (15)")
        webhook_id = snowflake()
        hook = {
            "id": str(webhook_id), "type": 1, "guild_id": channel["guild_id"],
            "channel_id": channel["id"], "name": body["name"], "avatar": None,
            "token": secrets.token_urlsafe(32), "application_id": world.bot_user["id"],
            "user": world.bot_user,
        }  # fmt: skip
        hooks.by_id[webhook_id] = hook
        return srv.json_response(hook)

    async def listing(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        channel = world.find_channel(int(params["channel_id"]))
        if (answer := refused(channel)) is not None:
            return answer
        return srv.json_response(hooks.in_channel(int(params["channel_id"])))

    async def delete(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        hook = hooks.by_id.get(int(params["webhook_id"]))
        if hook is None:
            return srv.error_response(404, 10015, "Unknown Webhook")
        hooks.delete(hook["id"])
        return web.Response(status=204)

    stand_in.add_route("POST", "/channels/{channel_id}/webhooks", create)
    stand_in.add_route("GET", "/channels/{channel_id}/webhooks", listing)
    stand_in.add_route("DELETE", "/webhooks/{webhook_id}", delete)


async def execute(
    stand_in: StandIn, request: web.Request, params: dict[str, str], body: Any
) -> web.Response:
    """``POST /webhooks/{id}/{token}`` for a channel webhook (see the module docstring)."""
    from tests.discord_stand_in import server as srv

    world = stand_in.world
    hook = stand_in.hooks.by_id.get(int(params["app_id"])) if params["app_id"].isdigit() else None
    if hook is None or hook["token"] != params["token"]:
        return srv.error_response(404, 10015, "Unknown Webhook")
    body = body if isinstance(body, dict) else {}
    errors = rules.check_message(body)
    for key in ("username",):
        if key in body and (problem := name_error(key, body[key])):
            errors.append(problem)
    if errors:
        return srv.invalid_form(errors)
    channel_id = int(hook["channel_id"])
    thread_id = request.query.get("thread_id")
    if thread_id is not None:
        thread = world.find_channel(int(thread_id))
        if thread is None or thread.get("parent_id") != hook["channel_id"]:
            return srv.error_response(400, 10003, "Unknown Channel")
        if thread.get("type") in THREAD_TYPES and thread["thread_metadata"]["archived"]:
            return srv.error_response(400, 50083, "Thread is archived")
        channel_id = int(thread_id)
    author = {
        "id": hook["id"], "username": body.get("username") or hook["name"],
        "avatar": None, "discriminator": "0000", "bot": True,
    }  # fmt: skip
    message = world.make_message(
        channel_id, {**body, "nonce": None}, author=author, webhook_id=hook["id"]
    )
    message.pop("nonce", None)  # an execution takes none
    world.messages.setdefault(channel_id, []).append(message)
    stand_in.hooks.executions.append({"webhook_id": hook["id"], **body})
    guild_id = hook.get("guild_id")
    await stand_in.gateway.message_created(message, int(guild_id) if guild_id else None)
    if request.query.get("wait") in ("1", "true", "True"):
        return srv.json_response(message)
    return web.Response(status=204)


async def edit(
    stand_in: StandIn, request: web.Request, params: dict[str, str], body: Any
) -> web.Response:
    """``PATCH /webhooks/{id}/{token}/messages/{message}`` for a channel webhook."""
    from tests.discord_stand_in import server as srv
    from tests.discord_stand_in.messages import Edit, EditRefused, edit_message

    world = stand_in.world
    hook = stand_in.hooks.by_id.get(int(params["app_id"])) if params["app_id"].isdigit() else None
    if hook is None or hook["token"] != params["token"]:
        return srv.error_response(404, 10015, "Unknown Webhook")
    channel_id = int(request.query.get("thread_id") or hook["channel_id"])
    message_id = int(params["message_id"])
    message = world.get_message(channel_id, message_id)
    if message is None or message.get("webhook_id") != hook["id"]:
        return srv.error_response(404, 10008, "Unknown Message")
    payload = body if isinstance(body, dict) else {}
    try:
        updated = edit_message(world, channel_id, message_id, payload, as_author=True)
    except EditRefused as refused:
        return srv.error_response(refused.status, refused.code, refused.message, refused.errors)
    stand_in.edits.edits.append(Edit(channel_id, message_id, payload))
    return srv.json_response(updated)
