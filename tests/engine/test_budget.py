"""Each process's share of Discord's global budget (bot.delivery.budget), counted on an injected
clock whose time moves only when the budget sleeps: how many requests fit, never how fast."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.delivery.budget import DISCORD_GLOBAL_PER_SECOND, RequestBudget, share_of
from bot.delivery.outbox import Delivery
from storage.records import PlannedPost
from storage.storage import Storage
from tests.engine.conftest import START
from tests.engine.test_delivery import RecordingPublisher
from tests.storage.helpers import article, seen


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_budget_lets_one_second_of_requests_through_then_keeps_the_rate() -> None:
    clock = Clock()
    budget = RequestBudget(10, monotonic=clock.monotonic, sleep=clock.sleep)
    for _ in range(10):  # the burst: one second's worth, no wait
        await budget.take()
    assert clock.now == 0
    for _ in range(30):  # then 10 per second
        await budget.take()
    assert clock.now == pytest.approx(3.0)
    assert budget.waited == pytest.approx(3.0)


async def test_concurrent_lanes_share_one_budget() -> None:
    clock = Clock()
    budget = RequestBudget(5, monotonic=clock.monotonic, sleep=clock.sleep)
    await asyncio.gather(*(budget.take() for _ in range(25)))
    assert clock.now == pytest.approx(4.0)  # 5 at once, then 20 more at 5 per second


def test_the_processes_shares_add_up_to_less_than_discords_global_limit() -> None:
    shares = [share_of(3, 1) for _ in range(3)]
    assert sum(shares) < DISCORD_GLOBAL_PER_SECOND
    assert share_of(3, 2) == pytest.approx(2 * share_of(3, 1))
    assert share_of(None, 0) == share_of(3, 3) < DISCORD_GLOBAL_PER_SECOND
    with pytest.raises(ValueError):
        RequestBudget(0)


async def test_delivery_spends_one_token_per_post(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "depeche.db")
    try:
        feed = await storage.add_feed("https://exemple.fr/rss", now=START)
        subs = [
            await storage.add_subscription(
                guild_id=1, channel_id=100 + n, feed_id=feed.id, now=START
            )
            for n in range(4)
        ]
        for key in ("a", "b", "c"):
            await storage.save_article(
                article(feed.id, key), now=START, seen=seen(key),
                posts=[PlannedPost(s) for s in subs],
            )  # fmt: skip
        clock = Clock()
        budget = RequestBudget(5, monotonic=clock.monotonic, sleep=clock.sleep)
        publisher = RecordingPublisher()
        delivery = Delivery(storage, publisher, FrozenClock(START), budget=budget)
        assert (await delivery.deliver_pending(limit=50)).sent == 12
        assert len(publisher.calls) == 12
        assert clock.now == pytest.approx((12 - 5) / 5)
    finally:
        await storage.close()
