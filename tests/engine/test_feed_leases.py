"""Feed polling by lease, through the real engine, on both backends: two ``Engine`` objects, each
with its own ``Storage`` on one database, are two processes; the real feed server counts the
requests; time moves only by the frozen clock (a lease ends when the clock says so)."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import socket
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.net.client import FetchLimits, GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.leases import owner_name
from storage.storage import Storage
from tests.engine.conftest import START
from tests.engine.feedserver import FeedState, feed_app
from tests.patience import PATIENCE
from tests.servers import serve

LEASE = timedelta(seconds=Settings().feed_lease_seconds)


@dataclass
class Farm:
    state: FeedState
    clock: FrozenClock
    engines: tuple[Engine, Engine]

    @property
    def storage(self) -> Storage:
        return self.engines[0].storage

    async def add_feeds(self, count: int, path: str = "/feed.xml") -> list[int]:
        ids = []
        for n in range(count):
            url = f"{self.state.base}{path}" + (f"?n={n}" if count > 1 else "")
            feed = await self.storage.add_feed(url, now=self.clock.now())
            await self.storage.add_subscription(
                guild_id=1, channel_id=100 + n, feed_id=feed.id, now=self.clock.now()
            )
            ids.append(feed.id)
        return ids

    def requests(self, path: str) -> Counter[str]:
        return Counter(p for p, _ in self.state.arrivals if p.startswith(path))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    if request.param == "sqlite":
        return tmp_path / "depeche.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def farm(database: Path | str, tmp_path: Path) -> AsyncIterator[Farm]:
    state = FeedState()
    clock = FrozenClock(START)
    settings = Settings(database_path=tmp_path / "unused.db")
    workers = WorkerPool(mode="thread", timeout=PATIENCE)
    client = GuardedClient(
        user_agent="Depeche-test/0.1",
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        limits=FetchLimits(total=10 * PATIENCE, connect=PATIENCE, sock_read=10 * PATIENCE),
    )
    stores = (await Storage.open(database), await Storage.open(database))
    try:
        async with serve(feed_app(state)) as base, client:
            state.base = base
            engines = tuple(
                Engine(
                    settings,
                    store,
                    client,
                    workers,
                    clock,
                    rng=random.Random(n),
                    concurrency=2,
                    owner=f"processus-{n}",
                )
                for n, store in enumerate(stores)
            )
            yield Farm(state, clock, (engines[0], engines[1]))
            state.hang_release.set()
    finally:
        for store in stores:
            await store.close()
        workers.close()


async def test_two_processes_polling_together_poll_each_feed_once(farm: Farm) -> None:
    farm.state.add("a")
    ids = await farm.add_feeds(12)
    first, second = await asyncio.gather(*(e.poll_due_feeds() for e in farm.engines))
    mine, theirs = {r.feed_id for r in first}, {r.feed_id for r in second}
    assert mine and theirs and not mine & theirs  # both worked, never on the same feed
    assert mine | theirs == set(ids)
    requests = farm.requests("/feed.xml")
    assert len(requests) == 12 and set(requests.values()) == {1}
    assert await farm.storage.feed_leases() == {}  # every outcome ended its lease


async def _die_mid_poll(farm: Farm) -> int:
    """Process 0 starts polling the hanging feed and dies there (its task is cancelled: it
    records nothing, its lease stays)."""
    [feed_id] = await farm.add_feeds(1, "/hang.xml")
    cycle = asyncio.create_task(farm.engines[0].poll_due_feeds())
    async with asyncio.timeout(PATIENCE):
        while not farm.requests("/hang.xml"):  # noqa: ASYNC110 - the server's log, not an event
            await asyncio.sleep(0.02)
    cycle.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cycle
    farm.state.hang_release.set()  # from now on /hang.xml answers 500 at once
    assert set(await farm.storage.feed_leases()) == {feed_id}
    return feed_id


async def test_the_feeds_of_a_dead_process_are_polled_again_when_its_lease_ends(
    farm: Farm,
) -> None:
    feed_id = await _die_mid_poll(farm)
    survivor = farm.engines[1]
    farm.clock.advance(LEASE - timedelta(seconds=1))
    assert await survivor.poll_due_feeds() == []  # still held by the dead process
    assert farm.requests("/hang.xml")["/hang.xml"] == 1
    farm.clock.advance(timedelta(seconds=1))  # the lease ends: no operator action
    [report] = await survivor.poll_due_feeds()
    assert (report.feed_id, report.outcome) == (feed_id, "failed")
    assert farm.requests("/hang.xml")["/hang.xml"] == 2
    assert await farm.storage.feed_leases() == {}


async def test_a_process_that_stops_cleanly_hands_its_feeds_over_at_once(farm: Farm) -> None:
    feed_id = await _die_mid_poll(farm)
    assert await farm.engines[0].release_leases() == 1  # what a clean stop does
    [report] = await farm.engines[1].poll_due_feeds()  # the clock has not moved
    assert report.feed_id == feed_id


async def test_a_process_restarted_after_a_crash_takes_its_own_feeds_back_at_once(
    farm: Farm,
) -> None:
    """What ``open_runtime`` does at start-up: the same name (host and shards), so the leases
    its killed run left are its own to end; nobody else was polling those feeds."""
    feed_id = await _die_mid_poll(farm)
    dead = farm.engines[0]
    restarted = Engine(
        dead.settings, dead.storage, dead.fetcher, dead.workers, farm.clock, owner=dead.owner
    )
    assert await restarted.release_leases() == 1
    [report] = await restarted.poll_due_feeds()  # the clock has not moved
    assert report.feed_id == feed_id


def test_a_process_keeps_its_name_across_restarts() -> None:
    assert owner_name("", (2, 0)) == owner_name("", (0, 2)) == f"{socket.gethostname()}/shards-0,2"
    assert owner_name("", ()).endswith("/shards-tous")
    assert owner_name(" hote-b ", (1,)) == "hote-b"
    settings = Settings(shard_ids=(1,))
    assert Engine(settings, None, None, None, FrozenClock(START)).owner.endswith("/shards-1")  # type: ignore[arg-type]
