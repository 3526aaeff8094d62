"""Polling policy (bot.news.polling) and its use by the engine: adaptive intervals, jitter,
bounded lanes (which process polls a feed: tests/engine/test_feed_leases.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.news.polling import (
    MAX_INTERVAL,
    ChangeHistory,
    adaptive_interval,
    first_poll_delay,
    jittered,
    observe_change,
)
from tests.engine.conftest import START, World

BASE = timedelta(minutes=10)
T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def test_unknown_history_polls_at_the_base_interval() -> None:
    assert adaptive_interval(BASE, ChangeHistory(), T0) == BASE


def test_recent_change_polls_at_the_base_interval_even_for_a_slow_feed() -> None:
    slow = ChangeHistory(T0 - timedelta(minutes=15), timedelta(days=1))
    assert adaptive_interval(BASE, slow, T0) == BASE


def test_daily_feed_is_polled_every_six_hours_not_every_ten_minutes() -> None:
    daily = ChangeHistory(T0 - timedelta(hours=3), timedelta(days=1))
    assert adaptive_interval(BASE, daily, T0) == MAX_INTERVAL


def test_busy_feed_stays_at_the_base_interval() -> None:
    busy = ChangeHistory(T0 - timedelta(minutes=25), timedelta(minutes=20))
    assert adaptive_interval(BASE, busy, T0) == BASE


def test_interval_grows_with_the_current_quiet_period() -> None:
    usual = timedelta(minutes=20)
    short = adaptive_interval(BASE, ChangeHistory(T0 - timedelta(hours=1), usual), T0)
    long = adaptive_interval(BASE, ChangeHistory(T0 - timedelta(hours=8), usual), T0)
    assert BASE <= short < long <= MAX_INTERVAL
    assert long == timedelta(hours=2)  # a quarter of the 8 h quiet period


def test_base_above_the_ceiling_wins() -> None:
    slow = ChangeHistory(T0 - timedelta(days=2), timedelta(days=1))
    assert adaptive_interval(timedelta(hours=8), slow, T0) == timedelta(hours=8)


@given(
    quiet=st.integers(min_value=-3600, max_value=30 * 86400),
    usual=st.none() | st.integers(min_value=1, max_value=30 * 86400),
    base_minutes=st.integers(min_value=1, max_value=600),
)
def test_interval_is_always_within_bounds(quiet: int, usual: int | None, base_minutes: int) -> None:
    base = timedelta(minutes=base_minutes)
    history = ChangeHistory(
        T0 - timedelta(seconds=quiet), None if usual is None else timedelta(seconds=usual)
    )
    interval = adaptive_interval(base, history, T0)
    assert base <= interval <= max(base, MAX_INTERVAL)


def test_observed_changes_smooth_the_estimate() -> None:
    first = observe_change(ChangeHistory(), T0)
    assert first == ChangeHistory(T0, None)
    second = observe_change(first, T0 + timedelta(hours=1))
    assert second.change_interval == timedelta(hours=1)
    third = observe_change(second, T0 + timedelta(hours=3))
    assert third.last_changed_at == T0 + timedelta(hours=3)
    assert third.change_interval == timedelta(hours=1) * 0.7 + timedelta(hours=2) * 0.3


def test_jitter_stays_within_its_spread_and_varies() -> None:
    rng = random.Random(7)
    delays = {jittered(BASE, rng) for _ in range(200)}
    assert len(delays) > 100
    assert all(BASE * 0.95 <= d <= BASE * 1.05 for d in delays)


def test_first_poll_delays_are_spread_over_an_interval() -> None:
    rng = random.Random(3)
    delays = [first_poll_delay(BASE, rng) for _ in range(500)]
    assert all(BASE * 0.5 <= d <= BASE * 1.5 for d in delays)
    assert max(delays) - min(delays) > BASE * 0.8  # not a lockstep


# --- engine -------------------------------------------------------------------------------


async def test_baseline_spreads_the_next_poll_and_starts_the_history(world: World) -> None:
    await world.subscribe(100)
    world.state.add("a")
    await world.poll()
    feed = await world.feed()
    assert feed.next_poll_at is not None
    delay = feed.next_poll_at - START
    assert BASE * 0.5 <= delay <= BASE * 1.5
    history = await world.storage.poll_history(feed.id)
    assert history.last_changed_at == START and history.change_interval_s is None


async def test_quiet_feed_backs_off_and_a_change_brings_it_back(world: World) -> None:
    await world.subscribe(100)
    world.state.add("a")
    await world.poll()  # baseline at START
    world.clock.advance(timedelta(hours=2))
    world.state.add("b")
    world.state.etag = '"v2"'
    await world.poll()  # a change: the estimate is 2 h
    history = await world.storage.poll_history((await world.feed()).id)
    assert history.change_interval_s == 7200
    world.clock.advance(timedelta(hours=8))
    await world.poll()  # 304, quiet for 8 h: polled about every 2 h
    feed = await world.feed()
    assert feed.next_poll_at is not None
    assert timedelta(hours=1.9) <= feed.next_poll_at - world.clock.now() <= timedelta(hours=2.1)
    world.clock.advance(timedelta(hours=2))
    world.state.add("c")
    world.state.etag = '"v3"'
    await world.poll()  # a change: back to the base interval
    feed = await world.feed()
    assert feed.next_poll_at is not None
    assert feed.next_poll_at - world.clock.now() <= BASE * 1.05


async def test_bounded_lanes_still_poll_every_due_feed(world: World) -> None:
    base = world.state.base
    for n in range(7):
        feed = await world.storage.add_feed(f"{base}/feed.xml?lane={n}", now=START)
        await world.storage.add_subscription(
            guild_id=3, channel_id=400 + n, feed_id=feed.id, now=START
        )
    world.state.add("a")
    world.engine.concurrency = 2
    reports = await world.engine.poll_due_feeds()
    assert sorted(r.feed_id for r in reports) == sorted(
        f.id for f in await world.storage.list_feeds()
    )
    assert await world.storage.due_feeds(world.clock.now(), 100) == []
