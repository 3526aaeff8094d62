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


async def _stand_in() -> tuple[asyncio.subprocess.Process, dict[str, str]]:
    args = ["-m", "tests.discord_stand_in", "--shards", str(SHARDS)]
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
    )  # fmt: skip
    return env


async def _messages(control: str) -> dict[str, list[dict[str, Any]]]:
    async with aiohttp.ClientSession() as session, session.get(f"{control}/messages") as answer:
        record: dict[str, Any] = await answer.json()
    return dict(record["messages"])


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
                bots.append(await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "tests.chaos.fast_bot", cwd=ROOT,
                    env=_env(urls, postgres_url, shard), stdout=asyncio.subprocess.DEVNULL,
                    stderr=logs[shard], start_new_session=True,
                ))  # fmt: skip
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
