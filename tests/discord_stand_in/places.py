"""The stand-in's forums, threads and announcement channels, as strict as Discord's documented
behaviour (and never kinder):

- ``POST /channels/{forum}/threads``: a forum post, the thread and its starter message at once
  (the thread's id is the message's); ``name`` 1-100, ``applied_tags`` at most 5 and among the
  forum's, a tag required when the forum's ``REQUIRE_TAG`` flag is set (400 40067); the message
  follows the message rules; no ``nonce`` is taken there: nothing de-duplicates a forum post;
- a thread takes messages with Send Messages in Threads; an archived one refuses them (400 50083)
  until it is unarchived (``PATCH /channels/{thread}`` ``archived: false``: a locked thread needs
  Manage Threads);
- ``GET /guilds/{guild}/threads/active`` and ``GET /channels/{forum}/threads/archived/public``
  (``before`` an ISO time, ``limit`` 2-100, newest archived first, ``has_more``);
- ``GET /channels/{channel}/messages/{id}``: one message (a thread's starter message is read in
  the thread, by the thread's id);
- ``POST /channels/{channel}/messages/{id}/crosspost``: announcement channels only, once per
  message (400 40033 after), the bot's own messages only without Manage Messages;
- ``POST /channels/{channel}/messages/{id}/threads``: a thread under a message of a text or
  announcement channel (Create Public Threads; its id is the message's; one per message, 400
  160004 after; ``name`` 1-100).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord_stand_in import rules
from tests.discord_stand_in.world import (
    ANNOUNCEMENT,
    BOT_ID,
    CREATE_PUBLIC_THREADS,
    FORUM,
    MANAGE_MESSAGES,
    MANAGE_THREADS,
    NEWS_THREAD,
    PUBLIC_THREAD,
    REQUIRE_TAG,
    SEND_IN_THREADS,
    SEND_MESSAGES,
    TAGS_MAX,
    TEXT,
    THREAD_TYPES,
    VIEW_CHANNEL,
    now_iso,
    snowflake,
)

if TYPE_CHECKING:
    from tests.discord_stand_in.server import StandIn

CROSSPOSTED = 1 << 0  # message flag


def _server() -> Any:
    from tests.discord_stand_in import server

    return server


def _errors(field: str, message: str) -> web.Response:
    body = {field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}}
    return _server().error_response(400, 50035, "Invalid Form Body", body)


def register(stand_in: StandIn) -> None:
    world = stand_in.world
    srv = _server()

    async def create_post(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        forum = world.find_channel(int(params["channel_id"]))
        if forum is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        if forum.get("type") != FORUM:  # threads from messages are not the stand-in's business
            return srv.error_response(400, 50024, "Cannot execute action on this channel type")
        needed = VIEW_CHANNEL | SEND_MESSAGES  # "Create Posts" is Send Messages in a forum
        if world.bot_permissions(int(forum["id"])) & needed != needed:
            return srv.error_response(403, 50013, "Missing Permissions")
        body = body or {}
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            return _errors("name", "Must be between 1 and 100 in length.")
        tags = [str(t) for t in body.get("applied_tags") or []]
        known = {tag["id"] for tag in forum["available_tags"]}
        if len(tags) > TAGS_MAX:
            return _errors("applied_tags", f"Must be {TAGS_MAX} or fewer in length.")
        if any(tag not in known for tag in tags):
            return _errors("applied_tags", "Unknown tag.")
        if int(forum.get("flags") or 0) & REQUIRE_TAG and not tags:
            return srv.error_response(
                400, 40067, "A tag is required to create a forum post in this channel"
            )
        message_body = body.get("message")
        if not isinstance(message_body, dict):
            return _errors("message", "This field is required")
        errors = rules.check_message(message_body)
        if errors:
            return srv.invalid_form(errors)
        thread_id = snowflake()
        thread = world.add_thread(
            thread_id, name, int(forum["id"]), owner_id=BOT_ID, applied_tags=tags
        )
        message = world.make_message(thread_id, {**message_body, "nonce": None})
        message["id"] = str(thread_id)  # a forum post's starter message has the thread's id
        world.messages.setdefault(thread_id, []).append(message)
        thread["last_message_id"] = message["id"]
        thread["message_count"] = 1
        guild_id = int(forum["guild_id"])
        await stand_in.gateway.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        await stand_in.gateway.message_created(message, guild_id)
        return srv.json_response({**thread, "message": message})

    async def get_one(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        channel_id = int(params["channel_id"])
        if world.find_channel(channel_id) is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        message = world.get_message(channel_id, int(params["message_id"]))
        if message is None:
            return srv.error_response(404, 10008, "Unknown Message")
        return srv.json_response(message)

    async def active(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        guild = world.guilds.get(int(params["guild_id"]))
        if guild is None:
            return srv.error_response(404, 10004, "Unknown Guild")
        threads = [t for t in guild["threads"] if not t["thread_metadata"]["archived"]]
        threads.sort(key=lambda t: int(t["id"]), reverse=True)
        return srv.json_response({"threads": threads, "members": []})

    async def archived(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        parent = world.find_channel(int(params["channel_id"]))
        if parent is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        if not world.bot_permissions(int(parent["id"])) & VIEW_CHANNEL:
            return srv.error_response(403, 50001, "Missing Access")
        try:
            limit = int(request.query.get("limit", "50"))
            before = request.query.get("before")
            moment = datetime.fromisoformat(before) if before else None
        except ValueError:
            return _errors("before", "Could not interpret the value as a timestamp.")
        if not 2 <= limit <= 100:
            return _errors("limit", "Must be between 2 and 100.")
        guild = world.guilds[int(parent["guild_id"])]
        found = [
            t
            for t in guild["threads"]
            if t.get("parent_id") == parent["id"] and t["thread_metadata"]["archived"]
        ]

        def stamp(thread: dict[str, Any]) -> datetime:
            return datetime.fromisoformat(thread["thread_metadata"]["archive_timestamp"])

        if moment is not None:
            found = [t for t in found if stamp(t) < moment]
        found.sort(key=stamp, reverse=True)
        page = found[:limit]
        return srv.json_response({"threads": page, "members": [], "has_more": len(found) > limit})

    async def edit_thread(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        channel = world.find_channel(int(params["channel_id"]))
        if channel is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        if channel.get("type") not in THREAD_TYPES:  # the bot edits nothing else
            return srv.error_response(403, 50013, "Missing Permissions")
        body = body or {}
        metadata = channel["thread_metadata"]
        granted = world.bot_permissions(int(channel["id"]))
        moderator = bool(granted & MANAGE_THREADS)
        if set(body) - {"archived"} and not moderator:
            return srv.error_response(403, 50013, "Missing Permissions")
        if body.get("archived") is False and metadata["archived"]:
            if (metadata["locked"] and not moderator) or not granted & SEND_IN_THREADS:
                return srv.error_response(403, 50013, "Missing Permissions")
            metadata["archived"] = False
            metadata["archive_timestamp"] = now_iso()
            await stand_in.gateway.dispatch("THREAD_UPDATE", channel)
        return srv.json_response(channel)

    async def crosspost(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        channel_id = int(params["channel_id"])
        channel = world.find_channel(channel_id)
        if channel is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        if channel.get("type") != ANNOUNCEMENT:
            return srv.error_response(400, 50024, "Cannot execute action on this channel type")
        message = world.get_message(channel_id, int(params["message_id"]))
        if message is None:
            return srv.error_response(404, 10008, "Unknown Message")
        own = message["author"]["id"] == str(BOT_ID)
        if not own and not world.bot_permissions(channel_id) & MANAGE_MESSAGES:
            return srv.error_response(403, 50013, "Missing Permissions")
        if int(message.get("flags") or 0) & CROSSPOSTED:
            return srv.error_response(400, 40033, "This message has already been crossposted.")
        message["flags"] = int(message.get("flags") or 0) | CROSSPOSTED
        world.crossposts.append(message["id"])
        return srv.json_response(message)

    async def thread_from_message(
        request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        channel_id = int(params["channel_id"])
        channel = world.find_channel(channel_id)
        if channel is None:
            return srv.error_response(404, 10003, "Unknown Channel")
        if channel.get("type") not in (TEXT, ANNOUNCEMENT):
            return srv.error_response(400, 50024, "Cannot execute action on this channel type")
        needed = VIEW_CHANNEL | CREATE_PUBLIC_THREADS
        if world.bot_permissions(channel_id) & needed != needed:
            return srv.error_response(403, 50013, "Missing Permissions")
        message = world.get_message(channel_id, int(params["message_id"]))
        if message is None:
            return srv.error_response(404, 10008, "Unknown Message")
        name = (body or {}).get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            return _errors("name", "Must be between 1 and 100 in length.")
        if world.find_channel(int(message["id"])) is not None:
            return srv.error_response(
                400, 160004, "A thread has already been created for this message"
            )
        kind = NEWS_THREAD if channel.get("type") == ANNOUNCEMENT else PUBLIC_THREAD
        thread = world.add_thread(int(message["id"]), name, channel_id, owner_id=BOT_ID, kind=kind)
        message["thread"] = thread
        await stand_in.gateway.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return srv.json_response(thread)

    stand_in.add_route("POST", "/channels/{channel_id}/threads", create_post)
    stand_in.add_route(
        "POST", "/channels/{channel_id}/messages/{message_id}/threads", thread_from_message
    )
    stand_in.add_route("GET", "/channels/{channel_id}/messages/{message_id}", get_one)
    stand_in.add_route("GET", "/guilds/{guild_id}/threads/active", active)
    stand_in.add_route("GET", "/channels/{channel_id}/threads/archived/public", archived)
    stand_in.add_route("PATCH", "/channels/{channel_id}", edit_thread)
    stand_in.add_route("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", crosspost)
