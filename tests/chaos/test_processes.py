"""End to end with several processes: three real ``depeche run`` processes (shards 0, 1 and 2 of
3) over one real PostgreSQL, the standalone Discord stand-in (sharded gateway sessions: each
process gets only its shard's guild) and a local news site. One feed, subscribed in a guild of
each shard: every article reaches every channel exactly once, sent by the process of that
channel's shard (each process only knows its own guild), feeds shared by lease."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.bots import GUILDS, SHARDS, episodes, messages, prepare, spawn, stand_in, stop_all
from tests.chaos.feeds import feed_app
from tests.patience import PATIENCE
from tests.servers import serve

ENTRIES = 6


@pytest.mark.timeout(900)
async def test_three_sharded_processes_post_every_article_once(
    postgres_url: str, tmp_path: Path
) -> None:
    stand_in_process, urls = await stand_in()
    bots: list[asyncio.subprocess.Process] = []
    logs = [(tmp_path / f"bot-{n}.log").open("wb") for n in range(SHARDS)]
    try:
        async with serve(feed_app(ENTRIES)) as site:
            await prepare(postgres_url, f"{site}/feed.xml")
            for shard in range(SHARDS):
                bots.append(await spawn(urls, postgres_url, shard, logs[shard]))
            channels = [str(guild + 1) for guild in GUILDS]
            async with asyncio.timeout(10 * PATIENCE):
                while True:
                    found = await messages(urls["control"])
                    if all(len(episodes(found.get(c, []))) >= ENTRIES for c in channels):
                        break
                    assert all(b.returncode is None for b in bots), "a bot process ended"
                    await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # a duplicate would come within a delivery round or two
            found = await messages(urls["control"])
    finally:
        await stop_all(bots, stand_in_process)
        for log in logs:
            log.close()
    for channel in channels:
        counted = Counter(episodes(found.get(channel, [])))
        assert counted == Counter(range(ENTRIES)), (channel, counted)
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
    stand_in_process, urls = await stand_in("--nonce-window", "0", "--post-delay", "0.2")
    log = (tmp_path / "bots.log").open("wb")
    bots: dict[int, Any] = {}
    try:
        async with serve(feed_app(entries, page_delay=0.05)) as site:
            await prepare(postgres_url, f"{site}/feed.xml")
            for shard in range(SHARDS):
                bots[shard] = await spawn(urls, postgres_url, shard, log)
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(0.2, 1.2))
                victim = rng.randrange(SHARDS)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(bots[victim].pid, signal.SIGKILL)
                await bots[victim].wait()
                log.write(f"---- SIGKILL shard {victim} ----\n".encode())
                bots[victim] = await spawn(urls, postgres_url, victim, log)
            channels = [str(guild + 1) for guild in GUILDS]
            async with asyncio.timeout(20 * PATIENCE):
                while True:
                    found = await messages(urls["control"])
                    if all(set(episodes(found.get(c, []))) >= set(range(entries))
                           for c in channels):  # fmt: skip
                        break
                    await asyncio.sleep(0.5)
            await asyncio.sleep(3)  # a late duplicate would come within a few rounds
            found = await messages(urls["control"])
    finally:
        await stop_all(bots.values(), stand_in_process)
        log.close()
    for channel in channels:
        counted = Counter(episodes(found.get(channel, [])))
        assert counted == Counter(range(entries)), (channel, counted)
