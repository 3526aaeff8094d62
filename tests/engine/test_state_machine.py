"""P3 (harness item 6): a Hypothesis state machine over the versions of one feed.

A real loopback feed server (``versioned_feed``), a real SQLite file, the real guarded client,
engine, delivery and core (thread workers), a ``FrozenClock``, and a recording publisher on two
channels. Rules: add an item, change the GUID scheme (``?utm=x`` appended, GUID dropped so the
link is the key), reorder, remove, re-add an old item, a 304, a 500 or a 429/503 with
Retry-After, a crash and restart (also one right after a send, before ``sent`` is stored),
advance the clock, poll, deliver.

The model reads what the server really answered. Invariants: each logical article (its link)
reaches each channel at most once, and never one of the first poll's (F1, F15-F17, F20, D4/D5);
the failure counter equals the consecutive failures (F6); the next poll is not before the
Retry-After (F5) or the backoff of 5 min * 2^(n-1) (F6), and no request is sent before it.
At the end the server is healthy and the machine polls and delivers: every new article within
the caps is then posted once per channel.
The machine keeps at most ``max_posts_per_cycle`` unseen items in the feed (F18) and fewer than
ten failures in a row (F7), so every new article is within the caps.
"""

from __future__ import annotations

import asyncio
import ipaddress
import random
import shutil
import tempfile
from collections import Counter
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery
from bot.net.client import FetchLimits, GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.records import FeedRecord
from storage.storage import Storage
from tests.engine.versioned_feed import (
    SCHEMES,
    Crash,
    RecordingPublisher,
    Served,
    VersionedFeed,
    versioned_app,
)
from tests.patience import PATIENCE

T = TypeVar("T")
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
CHANNELS = (100, 200)
MAX_NEW = 5  # Settings.max_posts_per_cycle
MAX_FAILURES = 8  # below F7's ten
DAY = timedelta(hours=24)
BACKOFF = timedelta(minutes=5)


class FeedVersions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = Path(tempfile.mkdtemp(prefix="depeche-p3-"))
        self.clock = FrozenClock(START)
        self.feed = VersionedFeed(self.clock, articles=[2, 1])
        self.next_article = 3
        self.removed: list[int] = []
        self.publisher = RecordingPublisher(self.clock)
        self.settings = Settings(database_path=self.tmp / "depeche.db", max_posts_per_cycle=MAX_NEW)
        self.workers = WorkerPool(mode="thread", timeout=PATIENCE)
        self.crashes = 0  # sends interrupted by a crash (D5 then reconciles them)
        # The model, built from what the server answered.
        self.read = 0  # entries of feed.log already folded into the model
        self.baseline: set[int] | None = None
        self.exposed: set[int] = set()  # articles the engine has seen in a 200 document
        self.consecutive = 0
        # The earliest next request after the last answer: Retry-After (F5) or backoff (F6).
        self.not_before: datetime | None = None
        self.run(self._start())

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    async def _start(self) -> None:
        self.runner = web.AppRunner(versioned_app(self.feed), shutdown_timeout=0.1)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.feed.base = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        self.client = GuardedClient(
            user_agent="Depeche-test/0.1",
            allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
            limits=FetchLimits(total=5, connect=2, sock_read=5),
        )
        await self.client.__aenter__()
        await self._open()
        feed = await self.storage.add_feed(f"{self.feed.base}/feed.xml", now=START)
        self.feed_id = feed.id
        for channel in CHANNELS:
            await self.storage.add_subscription(
                guild_id=1, channel_id=channel, feed_id=feed.id, now=START
            )

    async def _open(self) -> None:
        self.storage = await Storage.open(self.settings.database_path)
        self.engine = Engine(
            self.settings, self.storage, self.client, self.workers, self.clock,
            rng=random.Random(7),
        )  # fmt: skip
        self.delivery = Delivery(self.storage, self.publisher, self.clock)
        await self.delivery.recover()

    def teardown(self) -> None:
        try:
            self.run(self._drain_and_check())
        finally:
            self.run(self._stop())
            self.loop.close()
            self.workers.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    async def _stop(self) -> None:
        await self.storage.close()
        await self.client.__aexit__(None, None, None)
        await self.runner.cleanup()

    # --- the model -----------------------------------------------------------------------

    def fold(self) -> None:
        """Fold the server's new answers into the model; check no request came too early."""
        for served in self.feed.log[self.read :]:
            if self.not_before is not None:
                assert served.at >= self.not_before, "F5/F6: a request before its time"
            self.not_before = None
            if served.status in (200, 304):
                self.consecutive = 0
            else:
                self.consecutive += 1
                wait = BACKOFF * 2 ** (self.consecutive - 1)
                if served.retry_after is not None:
                    wait = timedelta(seconds=served.retry_after)
                self.not_before = served.at + min(wait, DAY)
            if served.status == 200:
                self._expose(served)
        self.read = len(self.feed.log)

    def _expose(self, served: Served) -> None:
        if self.baseline is None and served.articles:  # F1: the first non-empty document
            self.baseline = set(served.articles)
        self.exposed.update(served.articles)

    @property
    def unseen_in_feed(self) -> int:
        return sum(1 for a in self.feed.articles if a not in self.exposed)

    async def record(self) -> FeedRecord:
        return await self.storage.get_feed(self.feed_id)

    # --- rules: feed versions --------------------------------------------------------------

    @precondition(lambda self: self.unseen_in_feed < MAX_NEW and self.next_article < 60)
    @rule()
    def add_item(self) -> None:
        self.feed.articles.insert(0, self.next_article)
        self.next_article += 1

    @rule(scheme=st.sampled_from(SCHEMES))
    def change_guid_scheme(self, scheme: str) -> None:  # F17
        self.feed.scheme = scheme

    @rule(rng=st.randoms(use_true_random=False))
    def reorder(self, rng: random.Random) -> None:
        rng.shuffle(self.feed.articles)

    @precondition(lambda self: bool(self.feed.articles))
    @rule(data=st.data())
    def remove_item(self, data: st.DataObject) -> None:
        article = data.draw(st.sampled_from(self.feed.articles), label="removed")
        self.feed.articles.remove(article)
        self.removed.append(article)

    @precondition(lambda self: bool(self.removed))
    @rule(data=st.data())
    def readd_old_item(self, data: st.DataObject) -> None:  # F20-like: an old item comes back
        article = data.draw(st.sampled_from(self.removed), label="re-added")
        if article not in self.exposed and self.unseen_in_feed >= MAX_NEW:
            return  # it would be new, and the caps are full
        self.removed.remove(article)
        self.feed.articles.insert(data.draw(st.integers(0, len(self.feed.articles))), article)

    @rule()
    def poll_not_modified(self) -> None:  # F2: a 304, whatever changed since
        self.feed.force_not_modified = True
        self.poll_when_due()

    @precondition(lambda self: self.consecutive < MAX_FAILURES)
    @rule(
        status=st.sampled_from([500, 429, 503]),
        retry_after=st.sampled_from([None, 60, 3600, 7200, 200_000]),
    )
    def poll_failing(self, status: int, retry_after: int | None) -> None:  # F5, F6
        self.feed.failures.append((status, None if status == 500 else retry_after))
        self.poll_when_due()

    # --- rules: time, the engine, delivery, crashes ------------------------------------------

    @rule(minutes=st.integers(1, 12 * 60))
    def advance_clock(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def poll_due(self) -> None:
        self.run(self.engine.poll_due_feeds())
        self.fold()

    @rule()
    def poll_when_due(self) -> None:
        next_at = self.run(self.record()).next_poll_at
        if next_at is not None and next_at > self.clock.now():
            self.clock.set(next_at)
        self.poll_due()

    @rule()
    def deliver(self) -> None:
        self.run(self.delivery.deliver_pending(limit=100))

    @rule()
    def crash_and_restart(self) -> None:
        self.run(self._restart())

    @rule()
    def crash_after_a_send(self) -> None:  # D4/D5: sent to Discord, ``sent`` never stored
        self.publisher.crash_after_send = True
        try:
            self.run(self.delivery.deliver_pending(limit=100))
        except Crash:
            self.crashes += 1
        self.publisher.crash_after_send = False
        self.run(self._restart())

    async def _restart(self) -> None:
        await self.storage.close()
        await self._open()

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def each_article_at_most_once_per_channel(self) -> None:
        for channel in CHANNELS:
            counts = Counter(self.publisher.articles_in(channel))
            assert [a for a, n in counts.items() if n > 1] == [], f"channel {channel}"
            assert not set(counts) & (self.baseline or set()), "F1: a baseline item was posted"

    @invariant()
    def failure_counter_and_retry_after(self) -> None:
        feed = self.run(self.record())
        assert feed.failure_count == self.consecutive, "F6: counter != consecutive failures"
        if self.not_before is not None:
            assert feed.next_poll_at is not None and feed.next_poll_at >= self.not_before

    # --- the end: a healthy server, then every new article is posted once ---------------------

    async def _drain_and_check(self) -> None:
        self.feed.failures.clear()
        self.feed.force_not_modified = False
        for _ in range(3):
            feed = await self.record()
            if feed.next_poll_at is not None and feed.next_poll_at > self.clock.now():
                self.clock.set(feed.next_poll_at)
            await self.engine.poll_due_feeds()
            self.fold()
            await self.delivery.deliver_pending(limit=100)
        expected = sorted(self.exposed - (self.baseline or set()))
        for channel in CHANNELS:
            assert sorted(self.publisher.articles_in(channel)) == expected, f"channel {channel}"


P3_SETTINGS = settings(  # examples from the profile (500, nightly 10,000): tests/conftest.py
    stateful_step_count=20,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.property
def test_p3_feed_versions_state_machine() -> None:
    """P3: posted at most once, new articles eventually posted, counters and Retry-After."""
    run_state_machine_as_test(FeedVersions, settings=P3_SETTINGS)
