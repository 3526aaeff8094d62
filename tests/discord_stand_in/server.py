"""A protocol-level stand-in for Discord: REST under ``/api/v10`` and a websocket gateway.

The unmodified discord.py bot logs in to it (see ``fixtures.py``). It enforces Discord's payload
rules (``rules.py``), records every REST request and lets a test script faults per route. Its
history behaves like Discord's (``history.py``): snowflake ids of the creation time, paging by
``before``/``after``/``around`` with ``limit`` 1-100, and no nonce kept in stored messages (only
the create response and MESSAGE_CREATE carry it). Bound to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.discord_stand_in import attachments, messages, places, rules, webhooks
from tests.discord_stand_in.faults import FAULTS, Fault
from tests.discord_stand_in.gateway import Gateway
from tests.discord_stand_in.history import HistoryQueryError, history_page, parse_query
from tests.discord_stand_in.world import FORUM, THREAD_TYPES, World
from tests.patience import PATIENCE

API_PREFIX = "/api/v10"
JSON_HEADERS = {"Content-Type": "application/json"}

Handler = Callable[[web.Request, dict[str, str], Any], Awaitable[web.Response]]


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response whose Content-Type is exactly ``application/json`` (no charset)."""
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers={**JSON_HEADERS, **(headers or {})}
    )


def error_response(status: int, code: int, message: str, errors: Any = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status)


def invalid_form(errors: list[str]) -> web.Response:
    return error_response(400, 50035, "Invalid Form Body", {"_errors": errors})


@dataclass
class RecordedRequest:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    status: int = 0
    files: list[Any] = field(default_factory=list)  # attachments.Upload of a multipart request
    at: float = field(default_factory=time.monotonic)


class StandIn:
    """The stand-in server. ``world`` holds Discord's state; ``requests`` every REST call."""

    def __init__(self, *, nonce_window: float = 300.0, interaction_deadline: float = 3.0) -> None:
        self.world = World(nonce_window=nonce_window, interaction_deadline=interaction_deadline)
        self.gateway = Gateway(self.world)
        self.requests: list[RecordedRequest] = []
        self.faults: list[Fault] = []
        self.edits = messages.EditLog()  # every message edit Discord accepted
        self.hooks = webhooks.Hooks()  # channel webhooks and what they posted
        self.attachments = attachments.Attachments()  # files on the "CDN"
        self.request_event = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._register_routes()

    # ---- life cycle --------------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway-ws", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        self.gateway.url = f"ws://127.0.0.1:{port}/gateway-ws"
        self.attachments.base = self.api_base

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    # ---- scripting ---------------------------------------------------------------------------
    def fail(
        self,
        kind: str,
        *,
        method: str = "POST",
        path: str,
        times: int = 1,
        seconds: float | None = None,
        **body: Any,
    ) -> None:
        """Make the next ``times`` requests to ``path`` (a regex) fail with a ``FAULTS`` kind,
        or, with ``seconds``, every one for that long after the first.

        Extra keyword arguments update the JSON body (``retry_after=1.2``)."""
        status, default_body, headers = FAULTS[kind]
        payload = {**default_body, **body} if isinstance(default_body, dict) else default_body
        self.faults.append(
            Fault(method, re.compile(path), status, payload, headers, times, seconds)
        )

    def fail_channel(self, kind: str, channel_id: int, *, times: int = 1, **body: Any) -> None:
        self.fail(kind, path=rf"/channels/{channel_id}/messages", times=times, **body)

    def sent(
        self, method: str = "POST", path: str = r"/channels/\d+/messages"
    ) -> list[RecordedRequest]:
        """Recorded requests matching ``method`` and the ``path`` regex (full match)."""
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    async def wait_for_request(
        self, method: str, path: str, *, count: int = 1, within: float = PATIENCE
    ) -> list[RecordedRequest]:
        async def _wait() -> list[RecordedRequest]:
            while len(found := self.sent(method, path)) < count:
                self.request_event.clear()
                await self.request_event.wait()
            return found

        return await asyncio.wait_for(_wait(), within)

    # ---- dispatch ----------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        payload, uploads = await attachments.read_body(request)
        record = RecordedRequest(request.method, path, dict(request.query), payload, files=uploads)
        self.requests.append(record)
        try:
            payload = attachments.attach(self, payload, uploads) if uploads else payload
        except attachments.TooLarge:
            payload = None
            response = error_response(413, 40005, "Request entity too large")
        else:
            response = self._scripted_fault(request.method, path) or await self._route(
                request, path, payload
            )
        record.status = response.status
        self.request_event.set()
        return response

    def _scripted_fault(self, method: str, path: str) -> web.Response | None:
        for fault in self.faults:
            if fault.applies(method, path):
                if isinstance(fault.body, str):
                    return web.Response(text=fault.body, status=fault.status, headers=fault.headers)
                return json_response(fault.body, fault.status, fault.headers)
        return None

    async def _route(self, request: web.Request, path: str, payload: Any) -> web.Response:
        for method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match and method == request.method:
                return await handler(request, match.groupdict(), payload)
        return error_response(404, 0, f"404: Not Found ({request.method} {path})")

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        """Serve ``method`` ``path`` (``{name}`` parts are path parameters) with ``handler``."""
        self._add(method, path, handler)

    def _add(self, method: str, path: str, handler: Handler) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path)
        self._routes.append((method, re.compile(regex), handler))

    def _register_routes(self) -> None:
        w = self.world
        self._add("GET", "/users/@me", self._simple(lambda p, b: w.bot_user))
        self._add("GET", "/oauth2/applications/@me", self._simple(lambda p, b: w.application()))
        self._add("GET", "/gateway", self._simple(lambda p, b: {"url": self.gateway.url}))
        self._add("GET", "/gateway/bot", self._simple(lambda p, b: self.gateway.bot_info()))
        self._add("GET", "/users/{user_id}", self._users)
        for scope in ("/applications/{app_id}", "/applications/{app_id}/guilds/{guild_id}"):
            self._add("GET", scope + "/commands", self._get_commands)
            self._add("PUT", scope + "/commands", self._put_commands)
        self._add("GET", "/channels/{channel_id}", self._get_channel)
        self._add("GET", "/channels/{channel_id}/messages", self._get_messages)
        self._add("POST", "/channels/{channel_id}/messages", self._post_message)
        self._add("POST", "/users/@me/channels", self._simple(lambda p, b: w.dm_channel(b)))
        self._add("POST", "/interactions/{iid}/{token}/callback", self._callback)
        self._add("POST", "/webhooks/{app_id}/{token}", self._followup)
        self._add("PATCH", "/webhooks/{app_id}/{token}/messages/{message_id}", self._edit)
        self._add("GET", "/webhooks/{app_id}/{token}/messages/{message_id}", self._get_original)
        self._add("DELETE", "/webhooks/{app_id}/{token}/messages/{message_id}", self._delete)
        places.register(self)
        messages.register(self)
        webhooks.register(self)
        attachments.register(self)

    def _simple(self, build: Callable[[dict[str, str], Any], Any]) -> Handler:
        async def handler(request: web.Request, params: dict[str, str], body: Any) -> web.Response:
            return json_response(build(params, body))

        return handler

    # ---- handlers ----------------------------------------------------------------------------
    async def _users(self, request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        user = self.world.users.get(int(params["user_id"]))
        if user is None:
            return error_response(404, 10013, "Unknown User")
        return json_response(user)

    async def _get_commands(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        return json_response(self.world.commands.get(_scope(params), []))

    async def _put_commands(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        if not isinstance(body, list) or len(body) > 100:
            return invalid_form(["commands: a list of at most 100 commands"])
        errors = [error for command in body for error in rules.check_command(command)]
        if errors:
            return invalid_form(errors)
        return json_response(self.world.store_commands(_scope(params), body))

    async def _get_channel(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        channel = self.world.find_channel(int(params["channel_id"]))
        if channel is None:
            return error_response(404, 10003, "Unknown Channel")
        return json_response(channel)

    async def _get_messages(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        """Discord's history (see ``history.py``): ``before``/``after``/``around``, ``limit``
        1-100 (400 50035 otherwise), newest first, no nonces."""
        channel_id = int(params["channel_id"])
        channel = self.world.find_channel(channel_id)
        if channel is None:
            return error_response(404, 10003, "Unknown Channel")
        if channel.get("type") == FORUM:  # a forum holds posts (threads), not messages
            return error_response(400, 50024, "Cannot execute action on this channel type")
        try:
            cursor, at, limit = parse_query(request.query)
        except HistoryQueryError as exc:
            errors = {
                exc.field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": exc.message}]}
            }
            return error_response(400, 50035, "Invalid Form Body", errors)
        page = history_page(self.world.messages.get(channel_id, []), cursor, at, limit)
        return json_response(page)

    async def _post_message(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        channel_id = int(params["channel_id"])
        channel = self.world.find_channel(channel_id)
        if channel is None:
            return error_response(404, 10003, "Unknown Channel")
        if channel.get("type") == FORUM:
            return error_response(400, 50008, "Cannot send messages in a non-text channel")
        if not self.world.bot_can_send(channel_id):
            return error_response(403, 50013, "Missing Permissions")
        if channel.get("type") in THREAD_TYPES and channel["thread_metadata"]["archived"]:
            return error_response(400, 50083, "Thread is archived")
        errors = rules.check_message(body or {})
        if errors:
            return invalid_form(errors)
        message, created = self.world.post_message(channel_id, body)
        if created:
            channel = self.world.find_channel(channel_id) or {}
            guild_id = channel.get("guild_id")
            await self.gateway.message_created(message, int(guild_id) if guild_id else None)
        return json_response(message)

    async def _callback(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        interaction = self.world.interactions.get(int(params["iid"]))
        if interaction is None or interaction.token != params["token"]:
            return error_response(404, 10062, "Unknown interaction")
        if interaction.responded:
            return error_response(400, 40060, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.created > self.world.interaction_deadline:
            return error_response(404, 10062, "Unknown interaction")
        errors = _callback_errors(body or {})
        if errors:
            return invalid_form(errors)
        return json_response(self.world.respond(interaction, body))

    async def _followup(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        interaction = self.world.by_token(params["token"])
        if interaction is None:  # a channel webhook's execution, then
            return await webhooks.execute(self, request, params, body)
        if not interaction.responded:
            return error_response(404, 10015, "Unknown Webhook")
        errors = rules.check_message(body or {})
        if errors:
            return invalid_form(errors)
        return json_response(self.world.add_followup(interaction, body))

    async def _edit(self, request: web.Request, params: dict[str, str], body: Any) -> web.Response:
        interaction = self.world.by_token(params["token"])
        if interaction is None:  # a channel webhook editing one of its messages, then
            return await webhooks.edit(self, request, params, body)
        if not interaction.responded:
            return error_response(404, 10015, "Unknown Webhook")
        errors = rules.check_message(body or {}, allow_empty=True)
        if errors:
            return invalid_form(errors)
        return json_response(self.world.edit_response(interaction, params["message_id"], body))

    async def _get_original(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        interaction = self.world.by_token(params["token"])
        if interaction is None or interaction.original is None:
            return error_response(404, 10008, "Unknown Message")
        return json_response(interaction.original)

    async def _delete(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        interaction = self.world.by_token(params["token"])
        if interaction is None or not interaction.responded:
            return error_response(404, 10015, "Unknown Webhook")
        if params["message_id"] == "@original":
            interaction.original_deleted = True
            interaction.changed.set()
        return web.Response(status=204)


def _scope(params: dict[str, str]) -> int | None:
    return int(params["guild_id"]) if "guild_id" in params else None


def _callback_errors(body: dict[str, Any]) -> list[str]:
    kind = body.get("type")
    data = body.get("data") or {}
    if kind == 8:
        return rules.check_autocomplete(data)
    if kind in (4, 7):
        return rules.check_message(data)
    if kind in (5, 6):
        return []
    return [f"type: unsupported callback type {kind!r}"]
