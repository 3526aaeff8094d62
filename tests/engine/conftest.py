"""Fixtures for the engine tests: a real feed server on 127.0.0.1, a real SQLite file, the real
guarded client and core, a frozen clock and a thread worker pool."""

from __future__ import annotations

import ipaddress
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.net.client import FetchLimits, GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.records import FeedRecord, Subscription
from storage.storage import Storage
from tests.engine.feedserver import FeedState, feed_app
from tests.patience import PATIENCE
from tests.servers import serve

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@dataclass
class World:
    state: FeedState
    storage: Storage
    engine: Engine
    clock: FrozenClock
    feed_url: str

    async def feed(self) -> FeedRecord:
        found = await self.storage.feed_by_url(self.feed_url)
        assert found is not None
        return found

    async def subscribe(self, channel_id: int, guild_id: int = 1) -> Subscription:
        feed = await self.storage.add_feed(self.feed_url, now=self.clock.now())
        return await self.storage.add_subscription(
            guild_id=guild_id, channel_id=channel_id, feed_id=feed.id, now=self.clock.now()
        )

    async def poll(self):  # type: ignore[no-untyped-def]
        return await self.engine.poll_feed(await self.feed())


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    state = FeedState()
    # The feed server tells one story (the same médiathèque) under every key: these tests are
    # about other rules, grouping has its own (tests/engine/test_story_grouping.py).
    settings = Settings(
        database_path=tmp_path / "depeche.db", max_posts_per_cycle=5, story_grouping=False
    )
    clock = FrozenClock(START)
    workers = WorkerPool(mode="thread", timeout=PATIENCE)
    storage = await Storage.open(settings.database_path)
    client = GuardedClient(
        user_agent="Depeche-test/0.1",
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        limits=FetchLimits(total=5, connect=2, sock_read=5),
    )
    async with serve(feed_app(state)) as base, client:
        state.base = base
        engine = Engine(settings, storage, client, workers, clock, rng=random.Random(1))
        yield World(state, storage, engine, clock, f"{base}/feed.xml")
    await storage.close()
    workers.close()
