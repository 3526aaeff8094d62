"""Run the Discord stand-in as a standalone process (chaos tests, manual runs).

    python -m tests.discord_stand_in --port 0 --nonce-window 300

It binds 127.0.0.1 only, prints one JSON line ``{"base_url", "api_base", "gateway_url",
"control"}`` on stdout once it listens, and runs until SIGTERM or SIGINT. The default world has
one guild (``GUILD_ID``) with the channels ``CHANNEL_ID`` and ``OTHER_CHANNEL_ID``;
``--channel ID`` adds more channels to that guild.

A small control API lives beside the Discord API (never under ``/api/v10``):

- ``GET  /_stand_in/messages``: ``{"messages": {channel_id: [message, ...]}, "posts": n}``
  (every created message as Discord keeps it, without its nonce, and the number of
  ``POST .../messages`` requests received);
- ``POST /_stand_in/stall`` ``{"count": 1, "seconds": 60}``: the next ``count`` messages are
  created, then their responses are held for ``seconds`` (a crash "after the post, before the
  confirmation" can then be provoked at will), or until ``POST /_stand_in/let_go``; ``held`` in
  ``/messages`` lists the channels (or webhooks) whose answer is being held;
- ``POST /_stand_in/config`` ``{"nonce_window": 0.5, "post_delay": 0.3}``: change the nonce
  de-duplication window; make every message creation take ``post_delay`` seconds (half before
  the message exists, half after). A client that disconnects cancels its request's handler.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import Awaitable, Sequence
from typing import Any

from aiohttp import web

from tests.discord_stand_in.server import API_PREFIX, StandIn, json_response
from tests.discord_stand_in.webhooks import MANAGE_WEBHOOKS
from tests.discord_stand_in.world import GUILD_ID, channel_object

CONTROL_PREFIX = "/_stand_in"


class StandaloneStandIn(StandIn):
    """The stand-in with a fixed port, a control API and scripted stalls after a create."""

    def __init__(self, *, nonce_window: float) -> None:
        super().__init__(nonce_window=nonce_window)
        self.stall_count = 0
        self.stall_seconds = 0.0
        self.post_delay = 0.0
        self.held: list[str] = []  # where a created message's answer is held right now
        self._let_go = asyncio.Event()

    async def start_on(self, port: int) -> None:
        app = web.Application()
        app.router.add_get("/gateway-ws", self.gateway.handle)
        app.router.add_get(CONTROL_PREFIX + "/messages", self._control_messages)
        app.router.add_post(CONTROL_PREFIX + "/stall", self._control_stall)
        app.router.add_post(CONTROL_PREFIX + "/config", self._control_config)
        app.router.add_post(CONTROL_PREFIX + "/let_go", self._control_let_go)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        bound = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{bound}"
        self.gateway.url = f"ws://127.0.0.1:{bound}/gateway-ws"
        self.attachments.base = self.api_base

    async def _post_message(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        return await self._slowly(super()._post_message(request, params, body), params)

    async def _followup(
        self, request: web.Request, params: dict[str, str], body: Any
    ) -> web.Response:
        """A channel webhook's execution creates a message as slowly as a channel send."""
        if self.world.by_token(params["token"]) is not None:  # an interaction's follow-up
            return await super()._followup(request, params, body)
        return await self._slowly(super()._followup(request, params, body), params)

    async def _slowly(
        self, creating: Awaitable[web.Response], params: dict[str, str]
    ) -> web.Response:
        if self.post_delay:
            await asyncio.sleep(self.post_delay / 2)
        response = await creating
        if self.post_delay:
            await asyncio.sleep(self.post_delay / 2)
        if response.status == 200 and self.stall_count > 0:
            self.stall_count -= 1
            where = params.get("channel_id") or params.get("webhook_id") or "?"
            self.held.append(where)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._let_go.wait(), self.stall_seconds)
            finally:
                self.held.remove(where)
        return response

    async def _control_messages(self, request: web.Request) -> web.Response:
        posts = len(self.sent("POST"))
        messages = {str(cid): items for cid, items in self.world.messages.items()}
        return json_response({"messages": messages, "posts": posts, "held": self.held})

    async def _control_stall(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.stall_count = int(body.get("count", 1))
        self.stall_seconds = float(body.get("seconds", 60.0))
        return json_response({"ok": True})

    async def _control_let_go(self, request: web.Request) -> web.Response:
        """Every held answer goes out now; later stalls wait again."""
        self._let_go.set()
        self._let_go = asyncio.Event()
        return json_response({"ok": True})

    async def _control_config(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "nonce_window" in body:
            self.world.nonce_window = float(body["nonce_window"])
        if "post_delay" in body:
            self.post_delay = float(body["post_delay"])
        return json_response({"ok": True})


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.discord_stand_in")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--nonce-window", type=float, default=300.0, help="seconds")
    parser.add_argument("--post-delay", type=float, default=0.0, help="seconds per message")
    parser.add_argument("--channel", type=int, action="append", default=[], help="extra channel")
    parser.add_argument(
        "--grant-webhooks", action="store_true", help="the bot's role may manage webhooks"
    )
    parser.add_argument(
        "--guild", type=int, action="append", default=[],
        help="extra guild ID with one text channel, ID + 1 (sharded bots: guilds on each shard)",
    )  # fmt: skip
    parser.add_argument("--shards", type=int, default=1, help="GET /gateway/bot's shard count")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    server = StandaloneStandIn(nonce_window=args.nonce_window)
    server.post_delay = args.post_delay
    if args.grant_webhooks:
        server.world.grant_bot(MANAGE_WEBHOOKS)
    channels = server.world.guilds[GUILD_ID]["channels"]
    for channel_id in args.channel:
        if server.world.find_channel(channel_id) is None:
            position = len(channels)
            channels.append(channel_object(channel_id, f"salon-{position}", GUILD_ID, position))
    for guild_id in args.guild:
        server.world.add_guild(guild_id, f"Serveur {guild_id}", {guild_id + 1: "actualites"})
    server.gateway.shard_count = args.shards
    await server.start_on(args.port)
    urls = {
        "base_url": server.base_url,
        "api_base": server.api_base,
        "gateway_url": server.gateway.url,
        "control": server.base_url + CONTROL_PREFIX,
    }
    print(json.dumps(urls), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.close()


def main(argv: Sequence[str] | None = None) -> int:
    asyncio.run(serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
