"""The stand-in's gateway is sharded as Discord's is: a session that IDENTIFYs with
``shard: [id, count]`` gets the guilds of its shard only (READY, GUILD_CREATE, later events),
DMs go to shard 0, and a shard outside its count is closed with 4010."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.discord_stand_in.gateway import IDENTIFY, INVALID_SHARD
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import GUILD_ID
from tests.patience import PATIENCE

OTHER_GUILD = ((GUILD_ID >> 22) + 1) << 22  # the next shard of two


@pytest.fixture
async def server() -> AsyncIterator[StandIn]:
    stand_in = StandIn()
    await stand_in.start()
    stand_in.world.add_guild(OTHER_GUILD, "Autre", {OTHER_GUILD + 1: "infos"})
    yield stand_in
    await stand_in.close()


async def frames(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    found = []
    async with asyncio.timeout(PATIENCE):
        while len(found) < count:
            message = await ws.receive_json()
            if message.get("t"):
                found.append(message)
    return found


def shard_of(guild_id: int, count: int) -> int:
    return (guild_id >> 22) % count


async def test_each_shard_gets_its_guilds_and_their_events(server: StandIn) -> None:
    sessions = {}
    async with aiohttp.ClientSession() as http:
        for shard in (0, 1):
            ws = await http.ws_connect(server.gateway.url)
            await ws.receive_json()  # HELLO
            await ws.send_json({"op": IDENTIFY, "d": {"token": "t", "intents": 0,
                                                       "shard": [shard, 2]}})  # fmt: skip
            sessions[shard] = ws
        mine = {}
        for shard, ws in sessions.items():
            ready, created = await frames(ws, 2)
            assert ready["t"] == "READY" and ready["d"]["shard"] == [shard, 2]
            assert created["t"] == "GUILD_CREATE"
            assert [g["id"] for g in ready["d"]["guilds"]] == [created["d"]["id"]]
            mine[shard] = int(created["d"]["id"])
        assert {shard_of(g, 2) for g in mine.values()} == {0, 1}
        assert all(shard_of(guild, 2) == shard for shard, guild in mine.items())
        for guild in mine.values():
            await server.gateway.dispatch("TYPING_START", {"guild_id": str(guild)})
        await server.gateway.dispatch("TYPING_START", {"user_id": "1"})  # a DM: shard 0
        got = {shard: await frames(ws, 1) for shard, ws in sessions.items()}
        assert got[0][0]["d"] == {"guild_id": str(mine[0])}
        assert got[1][0]["d"] == {"guild_id": str(mine[1])}
        assert (await frames(sessions[0], 1))[0]["d"] == {"user_id": "1"}
        for ws in sessions.values():
            await ws.close()


async def test_a_shard_outside_its_count_is_closed_with_4010(server: StandIn) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(server.gateway.url)
        await ws.receive_json()  # HELLO
        await ws.send_json({"op": IDENTIFY, "d": {"token": "t", "intents": 0, "shard": [2, 2]}})
        async with asyncio.timeout(PATIENCE):
            message = await ws.receive()
        assert message.type is aiohttp.WSMsgType.CLOSE and message.data == INVALID_SHARD
