"""The stand-in's websocket gateway: HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE,
RESUME -> RESUMED, then events pushed by the test (INTERACTION_CREATE, CHANNEL_DELETE...) and
MESSAGE_CREATE for every message created, to the sessions whose intents ask for it."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Any

import aiohttp
from aiohttp import web

from tests.discord_stand_in.world import BOT_ID, World

log = logging.getLogger(__name__)

HELLO, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, INVALID_SESSION, HEARTBEAT_ACK = (
    10,
    1,
    2,
    6,
    7,
    9,
    11,
)
GUILD_MESSAGES, DIRECT_MESSAGES = 1 << 9, 1 << 12  # the intents that receive MESSAGE_CREATE


class Gateway:
    def __init__(self, world: World) -> None:
        self.world = world
        self.url = ""
        self.sockets: list[web.WebSocketResponse] = []
        self.identify_count = 0
        self.resume_count = 0
        self.identifies: list[dict[str, Any]] = []
        self.intents: dict[web.WebSocketResponse, int] = {}
        self.sequence = 0
        self.ready = asyncio.Event()
        self.accepting = asyncio.Event()  # cleared by ``hold``: the gateway is unreachable
        self.accepting.set()

    def bot_info(self) -> dict[str, Any]:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return {"url": self.url, "shards": 1, "session_start_limit": limit}

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        await self.accepting.wait()  # held: the handshake waits, as behind a network outage
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await self._send(socket, HELLO, {"heartbeat_interval": 45_000})
        try:
            async for message in socket:
                if message.type is aiohttp.WSMsgType.TEXT:
                    await self._on_frame(socket, json.loads(message.data))
        except Exception:
            log.exception("stand-in gateway failed")
            raise
        finally:
            if socket in self.sockets:
                self.sockets.remove(socket)
            self.intents.pop(socket, None)
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == HEARTBEAT:
            # A real gateway answers after a network round trip; an instant ACK can reach
            # discord.py before it records the send time and reads as a 45 s lag.
            await asyncio.sleep(0.002)
            await self._send(socket, HEARTBEAT_ACK, None)
        elif op == IDENTIFY:
            self.identify_count += 1
            self.identifies.append(frame["d"])
            self.intents[socket] = int(frame["d"].get("intents") or 0)
            await self._identify(socket, frame["d"])
        elif op == RESUME:
            self.resume_count += 1
            await self._event(socket, "RESUMED", {})
            self.ready.set()

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        guilds = list(self.world.guilds.values())
        ready: dict[str, Any] = {
            "v": 10,
            "user": self.world.bot_user,
            "session_id": secrets.token_hex(8),
            "resume_gateway_url": self.url,
            "guilds": [{"id": g["id"], "unavailable": True} for g in guilds],
            "application": {"id": str(BOT_ID), "flags": 0},
        }
        if "shard" in data:
            ready["shard"] = data["shard"]
        await self._event(socket, "READY", ready)
        for guild in guilds:  # like Discord, only the active threads
            active = [t for t in guild["threads"] if not t["thread_metadata"]["archived"]]
            await self._event(socket, "GUILD_CREATE", {**guild, "threads": active})
        self.ready.set()

    async def _send(self, socket: web.WebSocketResponse, op: int, data: Any) -> None:
        await socket.send_str(json.dumps({"op": op, "d": data, "s": None, "t": None}))

    async def _event(self, socket: web.WebSocketResponse, name: str, data: Any) -> None:
        self.sequence += 1
        frame = {"op": 0, "d": data, "s": self.sequence, "t": name}
        await socket.send_str(json.dumps(frame))

    async def dispatch(self, name: str, data: Any) -> None:
        """Send one event to every connected session."""
        for socket in list(self.sockets):
            await self._event(socket, name, data)

    async def message_created(
        self, message: dict[str, Any], guild_id: int | None, event: str = "MESSAGE_CREATE"
    ) -> None:
        """MESSAGE_CREATE (the create response's message, nonce included; or ``event``, such as
        MESSAGE_UPDATE) to every session with the GUILD_MESSAGES intent (a guild channel) or
        DIRECT_MESSAGES (a DM)."""
        needed = GUILD_MESSAGES if guild_id is not None else DIRECT_MESSAGES
        data = message if guild_id is None else {**message, "guild_id": str(guild_id)}
        for socket in list(self.sockets):
            if self.intents.get(socket, 0) & needed:
                await self._event(socket, event, data)

    async def invalidate_sessions(self) -> None:
        """Op 9 (not resumable): the client reconnects and IDENTIFYs again (READY again)."""
        self.ready.clear()
        for socket in list(self.sockets):
            await self._send(socket, INVALID_SESSION, False)

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every session with a resumable code (4000 Unknown error): the client
        reconnects and RESUMEs (or IDENTIFYs again)."""
        self.ready.clear()
        for socket in list(self.sockets):
            await socket.close(code=code)

    def hold(self) -> None:
        """From now on, new connections hang before the handshake until ``release``."""
        self.accepting.clear()

    def release(self) -> None:
        self.accepting.set()

    async def wait_for_session(self, resumes: int, identifies: int, within: float = 10.0) -> None:
        """Wait until a new session started (RESUMED or READY) after the given counts."""

        await asyncio.wait_for(self.ready.wait(), within)
        assert self.resume_count > resumes or self.identify_count > identifies

    async def close(self) -> None:
        self.release()
        for socket in list(self.sockets):
            await socket.close()
