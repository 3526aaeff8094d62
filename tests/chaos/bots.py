"""Several real bot processes for the chaos tests: the standalone Discord stand-in (sharded
gateway sessions, one guild per shard), a feed subscribed in each shard's guild, and ``depeche
run`` processes (``tests.chaos.fast_bot``) of shards 0-2 of 3 over one database, each with
its own stderr log. Used by ``test_processes`` (SIGKILLs) and ``test_database_outages``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from storage.records import SeenKey, SeenStatus
from storage.storage import Storage
from tests.patience import PATIENCE

ROOT = Path(__file__).resolve().parents[2]
SHARDS = 3
GUILDS = [((1000 * SHARDS + shard) << 22) | 99 for shard in range(SHARDS)]  # one per shard


async def stand_in(*extra: str) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    args = ["-m", "tests.discord_stand_in", "--shards", str(SHARDS), *extra]
    args += [arg for guild in GUILDS for arg in ("--guild", str(guild))]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(PATIENCE):
        line = await process.stdout.readline()
    return process, json.loads(line)


async def prepare(database: str, feed_url: str) -> None:
    """A feed already polled once (its baseline), subscribed in the guild of each shard."""
    now = datetime.now(UTC)
    storage = await Storage.open(database)
    try:
        feed = await storage.add_feed(feed_url, now=now, title="La Gazette")
        for guild in GUILDS:
            await storage.add_subscription(
                guild_id=guild, channel_id=guild + 1, feed_id=feed.id, now=now
            )
        await polled_once(storage, feed.id, now, key="baseline")
    finally:
        await storage.close()


async def polled_once(storage: Storage, feed_id: int, now: datetime, *, key: str) -> None:
    """The feed as after its first poll: one baseline key seen, due again now."""
    await storage.record_seen(feed_id, [SeenKey(key, None, None, SeenStatus.BASELINE)], now=now)
    await storage.record_poll_success(
        feed_id, now=now, next_poll_at=now - timedelta(seconds=1),
        etag=None, last_modified=None, body_hash=None,
    )  # fmt: skip


def bot_env(urls: dict[str, str], database: str, shard: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE"))}
    env.update(
        DISCORD_TOKEN="stand-in-token", DISCORD_API_BASE=urls["api_base"],
        DISCORD_GATEWAY_URL=urls["gateway_url"], DATABASE_URL=database,
        SHARD_COUNT=str(SHARDS), SHARD_IDS=str(shard), PROCESS_NAME=f"processus-{shard}",
        ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8", MAX_POSTS_PER_CYCLE="1000",
        MAX_POSTS_PER_DAY="1000", DEFAULT_FEEDS="", LOG_LEVEL="INFO", PYTHONUNBUFFERED="1",
        STORY_GROUPING="non",  # every entry tells the same story: each must be posted once
    )  # fmt: skip
    return env


async def messages(control: str) -> dict[str, list[dict[str, Any]]]:
    async with aiohttp.ClientSession() as session, session.get(f"{control}/messages") as answer:
        record: dict[str, Any] = await answer.json()
    return dict(record["messages"])


async def spawn(urls: dict[str, str], database: str, shard: int, log: Any) -> Any:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.chaos.fast_bot", cwd=ROOT, env=bot_env(urls, database, shard),
        stdout=asyncio.subprocess.DEVNULL, stderr=log, start_new_session=True,
    )  # fmt: skip


def episodes(messages: list[dict[str, Any]]) -> list[int]:
    return [
        int(found.group(1))
        for m in messages
        for embed in m.get("embeds") or []
        if (found := re.search(r"épisode (\d+)", str(embed.get("title") or "")))
    ]


async def control(urls: dict[str, str], action: str, body: dict[str, Any]) -> None:
    """``POST`` to the stand-in's control API (``stall``, ``let_go``, ``config``)."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{urls['control']}/{action}", json=body) as answer,
    ):
        answer.raise_for_status()


async def held(urls: dict[str, str]) -> list[str]:
    """The channels whose created message's answer the stand-in holds right now."""
    async with aiohttp.ClientSession() as session, session.get(f"{urls['control']}/messages") as a:
        record: dict[str, Any] = await a.json()
    return list(record["held"])


async def stop_all(bots: Any, stand_in_process: asyncio.subprocess.Process) -> None:
    """SIGTERM every bot (its process group) and the stand-in; wait for them."""
    for bot in bots:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(bot.pid, signal.SIGTERM)
    for bot in bots:
        await bot.wait()
    stand_in_process.terminate()
    await stand_in_process.wait()
