"""Chaos with the database: the real PostgreSQL server stopped and started again under three
real bot processes (shards 0-2 of 3, ``tests.chaos.bots``), the stand-in and a feed that grows.

Each outage is placed by what happened, not by the clock: the feed gains a few articles, the
stand-in creates the first message of the round and holds its answer (``stall``), and only then
is the server stopped (``fast`` or ``immediate``, in turn); the answer is let go, so the process
that sent it meets the outage with a message created on Discord and its ``sent`` update
impossible, and the posts claimed with it unsent. Once that process has said so in its log
("post outcome owed"), the server starts again. The nonce window is 0 and the loopback links
are never shown (S17): only the outbox, the process's memory of what it owes
(``bot.delivery.owed``) and the reconciliation by post reference stand between an outage and a
duplicate or a post stuck ``sending`` for ``STALE_SENDING``.

A poll cut by an outage keeps its feed's lease until it ends (``FEED_LEASE_SECONDS``, short
here): the next round's articles only arrive if that feed is polled again within one lease.
At the end every article is in every channel exactly once, and every post is recorded ``sent``
with the id of its message.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from storage.records import PostState
from storage.storage import Storage
from tests.chaos.bots import (
    GUILDS,
    SHARDS,
    control,
    episodes,
    held,
    messages,
    prepare,
    spawn,
    stand_in,
    stop_all,
)
from tests.chaos.feeds import SiteStats, feed_app
from tests.patience import PATIENCE
from tests.postgres import PostgresServer
from tests.servers import serve

OWED = "post outcome owed"


async def _until(check: Any, what: str) -> Any:
    """Poll ``check()`` until it returns something truthy (PATIENCE at most)."""
    async with asyncio.timeout(2 * PATIENCE):
        while not (found := await check()):  # noqa: ASYNC110 - another process's state
            await asyncio.sleep(0.1)
    return found


async def _outages(
    server: PostgresServer, database: str, tmp_path: Path, *, outages: int, step: int
) -> None:
    stand_in_process, urls = await stand_in("--nonce-window", "0", "--post-delay", "0.1")
    logs = [tmp_path / f"bot-{shard}.log" for shard in range(SHARDS)]
    files = [path.open("wb") for path in logs]
    channels = [str(guild + 1) for guild in GUILDS]  # channel n is on shard n
    stats = SiteStats(shown=0)
    entries = outages * step
    bots: list[Any] = []

    def owed_lines(shard: int) -> int:
        return logs[shard].read_text(errors="replace").count(OWED)

    try:
        async with serve(feed_app(entries, stats=stats)) as site:
            await prepare(database, f"{site}/feed.xml")
            bots = [await spawn(urls, database, shard, files[shard]) for shard in range(SHARDS)]
            for outage in range(outages):
                await control(urls, "stall", {"count": 1, "seconds": 20 * PATIENCE})
                stats.shown = (outage + 1) * step  # new articles: polled, posted, sent...
                [channel] = await _until(lambda: held(urls), "a created message held")
                shard = channels.index(channel)
                before = owed_lines(shard)
                await asyncio.to_thread(server.shut_down, "immediate" if outage % 2 else "fast")
                await control(urls, "let_go", {})  # ...and the answer comes after the server left

                async def owed(shard: int = shard, before: int = before) -> bool:
                    return owed_lines(shard) > before

                await _until(owed, "the sender says what it owes")
                await asyncio.to_thread(server.start_again)
                assert all(b.returncode is None for b in bots), "a bot process ended"

            async def settled() -> bool:
                found = await messages(urls["control"])
                if any(set(episodes(found.get(c, []))) < set(range(entries)) for c in channels):
                    return False
                storage = await Storage.open(database)
                try:
                    posts = await storage.list_posts()
                finally:
                    await storage.close()
                return len(posts) == entries * SHARDS and all(
                    p.state is PostState.SENT for p in posts
                )

            await _until(settled, "every post sent and recorded")  # nothing can be sent again
            found = await messages(urls["control"])
            storage = await Storage.open(database)
            try:
                posts = await storage.list_posts()
            finally:
                await storage.close()
    finally:
        await stop_all(bots, stand_in_process)
        for file in files:
            file.close()
    for channel in channels:
        assert Counter(episodes(found.get(channel, []))) == Counter(range(entries)), channel
    recorded = Counter((str(p.target_id), p.message_id) for p in posts)
    on_discord = Counter((c, str(m["id"])) for c in channels for m in found.get(c, []))
    assert recorded == on_discord  # each post recorded with its own message's id
    texts = [path.read_text(errors="replace") for path in logs]
    assert sum(t.count(OWED) for t in texts) >= outages
    assert sum(t.count("database reconnected") for t in texts) >= outages
    # Nothing of the bot's failed on anything but the outage (asyncpg's pool logs its own
    # reconnection attempts with their traceback, at WARNING).
    errors = [line for t in texts for line in t.splitlines() if " ERROR " in line]
    assert errors == []
    assert not any("job failed" in t for t in texts)


@pytest.mark.timeout(900)
async def test_ten_database_restarts_lose_nothing_and_post_nothing_twice(
    stoppable_postgres: PostgresServer,
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FEED_LEASE_SECONDS", "5")  # a poll cut by an outage: its feed waits this
    monkeypatch.setenv("CHAOS_FEED_SECONDS", "1")  # the feed is due a second after each poll
    monkeypatch.setenv("CHAOS_POLL_SECONDS", "1")
    await _outages(stoppable_postgres, postgres_url, tmp_path, outages=10, step=3)
