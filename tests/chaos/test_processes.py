"""End to end with several processes: three real ``depeche run`` processes (shards 0, 1 and 2 of
3) over one real PostgreSQL, the standalone Discord stand-in (sharded gateway sessions: each
process gets only its shard's guild) and a local news site. One feed, subscribed in a guild of
each shard: every article reaches every channel exactly once, sent by the process of that
channel's shard (each process only knows its own guild), feeds shared by lease."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import re
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from storage.records import SeenKey, SeenStatus
from storage.storage import Storage
from tests.chaos.feeds import feed_app
from tests.patience import PATIENCE
from tests.servers import serve

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = 6
SHARDS = 3
GUILDS = [((1000 * SHARDS + shard) << 22) | 99 for shard in range(SHARDS)]  # one per shard


async def _stand_in(*extra: str) -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    args = ["-m", "tests.discord_stand_in", "--shards", str(SHARDS), *extra]
    args += [arg for guild in GUILDS for arg in ("--guild", str(guild))]
    process = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(PATIENCE):
        line = await process.stdout.readline()
    return process, json.loads(line)


async def _prepare(database: str, feed_url: str) -> None:
    """A feed already polled once (its baseline), subscribed in the guild of each shard."""
    now = datetime.now(UTC)
    storage = await Storage.open(database)
    try:
        feed = await storage.add_feed(feed_url, now=now, title="La Gazette")
        for guild in GUILDS:
            await storage.add_subscription(
                guild_id=guild, channel_id=guild + 1, feed_id=feed.id, now=now
            )
        baseline = SeenKey("baseline", None, None, SeenStatus.BASELINE)
        await storage.record_seen(feed.id, [baseline], now=now)
        await storage.record_poll_success(
            feed.id, now=now, next_poll_at=now - timedelta(seconds=1),
            etag=None, last_modified=None, body_hash=None,
        )  # fmt: skip
    finally:
        await storage.close()


def _env(urls: dict[str, str], database: str, shard: int) -> dict[str, str]:
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


async def _messages(control: str) -> dict[str, list[dict[str, Any]]]:
    async with aiohttp.ClientSession() as session, session.get(f"{control}/messages") as answer:
        record: dict[str, Any] = await answer.json()
    return dict(record["messages"])


async def _spawn(urls: dict[str, str], database: str, shard: int, log: Any) -> Any:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.chaos.fast_bot", cwd=ROOT, env=_env(urls, database, shard),
        stdout=asyncio.subprocess.DEVNULL, stderr=log, start_new_session=True,
    )  # fmt: skip


def _episodes(messages: list[dict[str, Any]]) -> list[int]:
    return [
        int(found.group(1))
        for m in messages
        for embed in m.get("embeds") or []
        if (found := re.search(r"épisode (\d+)", str(embed.get("title") or "")))
    ]


@pytest.mark.timeout(900)
async def test_three_sharded_processes_post_every_article_once(
    postgres_url: str, tmp_path: Path
) -> None:
    stand_in, urls = await _stand_in()
    bots: list[asyncio.subprocess.Process] = []
    logs = [(tmp_path / f"bot-{n}.log").open("wb") for n in range(SHARDS)]
    try:
        async with serve(feed_app(ENTRIES)) as site:
            await _prepare(postgres_url, f"{site}/feed.xml")
            for shard in range(SHARDS):
                bots.append(await _spawn(urls, postgres_url, shard, logs[shard]))
            channels = [str(guild + 1) for guild in GUILDS]
            async with asyncio.timeout(10 * PATIENCE):
                while True:
                    found = await _messages(urls["control"])
                    if all(len(_episodes(found.get(c, []))) >= ENTRIES for c in channels):
                        break
                    assert all(b.returncode is None for b in bots), "a bot process ended"
                    await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # a duplicate would come within a delivery round or two
            found = await _messages(urls["control"])
    finally:
        for bot in bots:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(bot.pid, signal.SIGTERM)
        for bot in bots:
            await bot.wait()
        stand_in.terminate()
        await stand_in.wait()
        for log in logs:
            log.close()
    for channel in channels:
        episodes = Counter(_episodes(found.get(channel, [])))
        assert episodes == Counter(range(ENTRIES)), (channel, episodes)
    texts = [(tmp_path / f"bot-{n}.log").read_text(errors="replace") for n in range(SHARDS)]
    published = [t.count("published target=") for t in texts]
    assert published == [ENTRIES] * SHARDS, published  # each process: its own shard's channel
    assert not any("Traceback" in t for t in texts)


@pytest.mark.timeout(1800)
async def test_sigkills_of_one_of_three_processes_lose_nothing_and_post_nothing_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    """30 SIGKILLs, each of a random one of the three processes at a random moment, each
    restarted at once under the same name (its leases and its shard's in-flight posts are its
    own again). The stand-in's nonce window is 0 and the loopback links are never shown (S17),
    so only the outbox and the reconciliation by post reference stand between a kill and a
    duplicate. Then: every article in every channel exactly once."""
    entries, kills = 30, 30
    rng = random.Random(12)
    stand_in, urls = await _stand_in("--nonce-window", "0", "--post-delay", "0.2")
    log = (tmp_path / "bots.log").open("wb")
    bots: dict[int, Any] = {}
    try:
        async with serve(feed_app(entries, page_delay=0.05)) as site:
            await _prepare(postgres_url, f"{site}/feed.xml")
            for shard in range(SHARDS):
                bots[shard] = await _spawn(urls, postgres_url, shard, log)
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(0.2, 1.2))
                victim = rng.randrange(SHARDS)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(bots[victim].pid, signal.SIGKILL)
                await bots[victim].wait()
                log.write(f"---- SIGKILL shard {victim} ----\n".encode())
                bots[victim] = await _spawn(urls, postgres_url, victim, log)
            channels = [str(guild + 1) for guild in GUILDS]
            async with asyncio.timeout(20 * PATIENCE):
                while True:
                    found = await _messages(urls["control"])
                    if all(set(_episodes(found.get(c, []))) >= set(range(entries))
                           for c in channels):  # fmt: skip
                        break
                    await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # a late duplicate would come within a few rounds
            found = await _messages(urls["control"])
    finally:
        for bot in bots.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(bot.pid, signal.SIGTERM)
        for bot in bots.values():
            await bot.wait()
        stand_in.terminate()
        await stand_in.wait()
        log.close()
    for channel in channels:
        episodes = Counter(_episodes(found.get(channel, [])))
        assert episodes == Counter(range(entries)), (channel, episodes)
