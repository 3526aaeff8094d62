"""Failure handling with a frozen clock: backoff (F6), Retry-After (F5), disable (F7), 410 (F8),
and one feed's crash not stopping the others."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.engine import backoff_delay, next_poll_after_failure
from storage.records import FeedState
from tests.engine.conftest import START, World


def test_backoff_table() -> None:
    assert [backoff_delay(n) for n in (1, 2, 3)] == [
        timedelta(minutes=5),
        timedelta(minutes=10),
        timedelta(minutes=20),
    ]
    assert backoff_delay(30) == timedelta(hours=24)
    interval = timedelta(minutes=1)
    assert next_poll_after_failure(1, now=START, interval=interval, retry_after=7200) == (
        START + timedelta(seconds=7200)
    )
    assert next_poll_after_failure(1, now=START, interval=interval, retry_after=None) == (
        START + timedelta(minutes=5)
    )


async def test_failures_back_off_and_success_resets(world: World) -> None:  # F6
    await world.subscribe(100)
    world.state.status = 500
    for n in range(1, 5):
        report = await world.poll()
        feed = await world.feed()
        assert report.outcome == "failed"
        assert feed.failure_count == n
        assert feed.next_poll_at is not None
        assert feed.next_poll_at - world.clock.now() >= min(
            timedelta(minutes=5) * 2 ** (n - 1), timedelta(hours=24)
        )
        assert await world.storage.due_feeds(world.clock.now()) == []
        world.clock.set(feed.next_poll_at)
    world.state.status = 200
    world.state.add("a")
    report = await world.poll()
    feed = await world.feed()
    assert (report.outcome, feed.failure_count, feed.last_error) == ("baseline", 0, None)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("7200", timedelta(seconds=7200)), ("99999999", timedelta(hours=24))],
)
async def test_retry_after_is_honoured(world: World, header: str, expected: timedelta) -> None:
    await world.subscribe(100)
    world.state.status = 429
    world.state.headers = {"Retry-After": header}
    await world.poll()
    feed = await world.feed()
    assert feed.next_poll_at == START + expected
    assert await world.storage.due_feeds(START + expected - timedelta(seconds=1)) == []


async def test_disabled_after_ten_failures_and_three_days(world: World) -> None:  # F7
    await world.subscribe(100)
    world.state.status = 500
    notices = []
    for _ in range(12):
        feed = await world.feed()
        if feed.state is not FeedState.ACTIVE:
            break
        report = await world.poll()
        if report.notice is not None:
            notices.append(report.notice)
        world.clock.advance(timedelta(hours=12))
    feed = await world.feed()
    assert feed.state is FeedState.DISABLED_FAILING
    assert feed.failure_count >= 10
    assert len(notices) == 1 and "/flux activer" in notices[0].message
    assert [s.channel_id for s in notices[0].subscriptions] == [100]
    requests_before = len(world.state.requests)
    assert await world.engine.poll_due_feeds() == []
    assert len(world.state.requests) == requests_before
    enabled = await world.storage.set_feed_state(feed.id, FeedState.ACTIVE, now=world.clock.now())
    assert (enabled.state, enabled.failure_count) == (FeedState.ACTIVE, 0)


async def test_ten_quick_failures_do_not_disable(world: World) -> None:
    await world.subscribe(100)
    world.state.status = 500
    for _ in range(10):
        await world.poll()
    assert (await world.feed()).state is FeedState.ACTIVE


async def test_gone_disables_at_once(world: World) -> None:  # F8
    await world.subscribe(100)
    world.state.status = 410
    report = await world.poll()
    assert report.outcome == "gone" and report.notice is not None
    assert (await world.feed()).state is FeedState.GONE


async def test_one_crashing_feed_does_not_stop_the_others(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await world.subscribe(100)
    other = await world.storage.add_feed("http://127.0.0.1:1/boom.xml", now=START)
    await world.storage.add_subscription(guild_id=1, channel_id=300, feed_id=other.id, now=START)
    world.state.add("a")
    original = world.engine.poll_feed

    async def poll_feed(feed, history=None):  # type: ignore[no-untyped-def]
        if feed.id == other.id:
            raise RuntimeError("boom")
        return await original(feed, history)

    world.engine.poll_feed = poll_feed  # type: ignore[method-assign]
    reports = await world.engine.poll_due_feeds()
    assert sorted(r.outcome for r in reports) == ["baseline", "failed"]
    assert any(f"feed_id={other.id}" in r.getMessage() for r in caplog.records)
    crashed = await world.storage.get_feed(other.id)  # counted, backed off: not retried at once
    assert crashed.failure_count == 1 and crashed.last_error == "internal: RuntimeError"
    assert crashed.next_poll_at is not None and crashed.next_poll_at > START
    assert await world.engine.poll_due_feeds() == []
