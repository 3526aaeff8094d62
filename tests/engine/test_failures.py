"""Failure handling with a frozen clock: backoff (F6), Retry-After (F5), disable (F7), 410 and
404 (F8), a 304 after failures (F2), one hanging feed among healthy ones (F9), a malformed
document (F21) and one feed's crash not stopping the others (F25)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.net.client import FetchLimits, GuardedClient
from bot.news.engine import Engine, backoff_delay, next_poll_after_failure
from storage.records import FeedState
from tests.engine.conftest import START, World
from tests.patience import PATIENCE
from tests.servers import FakeResolver


def test_f5_f6_backoff_table() -> None:
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


async def test_f6_failures_back_off_and_success_resets(world: World) -> None:
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
    ("status", "header", "expected"),
    [
        (429, "7200", timedelta(seconds=7200)),
        (429, "99999999", timedelta(hours=24)),
        (503, "Mon, 01 Jan 1990 00:00:00 GMT", timedelta(minutes=10)),  # past: the interval
        (429, "bientôt", timedelta(minutes=10)),  # garbage: the backoff (5 min) or the interval
    ],
)
async def test_f5_retry_after_is_honoured(
    world: World, status: int, header: str, expected: timedelta
) -> None:
    """F5: the next poll is at the Retry-After (capped at 24 h), or at the normal interval and
    backoff when it is in the past or garbage; the feed is not due one second before."""
    await world.subscribe(100)
    world.state.status = status
    world.state.headers = {"Retry-After": header}
    await world.poll()
    feed = await world.feed()
    assert feed.next_poll_at == START + expected
    assert await world.storage.due_feeds(START + expected - timedelta(seconds=1)) == []


async def test_f7_disabled_after_ten_failures_and_three_days(world: World) -> None:
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
    world.clock.advance(timedelta(days=30))  # long after its last next_poll_at: still not polled
    assert await world.engine.poll_due_feeds() == []
    assert len(world.state.requests) == requests_before
    enabled = await world.storage.set_feed_state(feed.id, FeedState.ACTIVE, now=world.clock.now())
    assert (enabled.state, enabled.failure_count) == (FeedState.ACTIVE, 0)


async def test_f7_ten_quick_failures_do_not_disable(world: World) -> None:
    await world.subscribe(100)
    world.state.status = 500
    for _ in range(10):
        await world.poll()
    assert (await world.feed()).state is FeedState.ACTIVE


async def test_f8_gone_disables_at_once(world: World) -> None:
    await world.subscribe(100)
    world.state.status = 410
    report = await world.poll()
    assert report.outcome == "gone" and report.notice is not None
    assert (await world.feed()).state is FeedState.GONE


async def test_f25_one_crashing_feed_does_not_stop_the_others(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """F25: an unexpected exception in one feed's poll is logged with the feed's id and its
    traceback, counted as a failure (backed off), and the other feeds are polled."""
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
    crashes = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert [r.getMessage() for r in crashes] == [f"poll crashed feed_id={other.id}"]
    crashed = await world.storage.get_feed(other.id)  # counted, backed off: not retried at once
    assert crashed.failure_count == 1 and crashed.last_error == "internal: RuntimeError"
    assert crashed.next_poll_at is not None and crashed.next_poll_at > START
    assert await world.engine.poll_due_feeds() == []


@contextlib.asynccontextmanager
async def short_deadline_engine(world: World, total: float = 1.0) -> AsyncIterator[Engine]:
    """An engine on the world's storage, workers and clock whose client gives up after
    ``total`` seconds and resolves ``feeds.test`` (any other name fails like DNS)."""
    client = GuardedClient(
        user_agent="Depeche-test/0.1",
        allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),),
        limits=FetchLimits(total=total, connect=total, sock_read=total),
        resolver=FakeResolver({"feeds.test": ["127.0.0.1"]}),
    )
    async with client:
        yield Engine(
            world.engine.settings, world.storage, client, world.engine.workers, world.clock,
            rng=random.Random(1),
        )  # fmt: skip


@pytest.mark.parametrize("kind", ["http_500", "timeout", "dns_error", "invalid_xml"])
async def test_f6_each_kind_of_failure_is_counted_and_backed_off(world: World, kind: str) -> None:
    """F6: a 500, a timeout, a DNS error and a document that is not a feed are each a failure:
    the counter grows by one and the next attempt is at least 5 min * 2^(n-1) away."""
    port = world.state.base.rsplit(":", 1)[1]
    url = {
        "timeout": f"{world.state.base}/hang.xml",
        "dns_error": f"http://missing.test:{port}/feed.xml",
    }.get(kind, world.feed_url)
    world.state.status = 500 if kind == "http_500" else 200
    world.state.body = b"Ceci n'est pas un flux RSS." if kind == "invalid_xml" else None
    feed = await world.storage.add_feed(url, now=START)
    await world.storage.add_subscription(guild_id=1, channel_id=100, feed_id=feed.id, now=START)
    async with short_deadline_engine(world) as engine:
        for n in (1, 2, 3):
            report = await engine.poll_feed(await world.storage.get_feed(feed.id))
            stored = await world.storage.get_feed(feed.id)
            assert report.outcome == "failed", report
            assert stored.failure_count == n and stored.last_error
            assert stored.next_poll_at is not None
            assert stored.next_poll_at - world.clock.now() >= timedelta(minutes=5) * 2 ** (n - 1)
            world.clock.set(stored.next_poll_at)
    expected = {"http_500": "http_error", "timeout": "timeout", "dns_error": "dns_error"}
    assert stored.last_error.startswith(expected.get(kind, "parse: not_a_feed"))


async def test_f2_a_304_after_failures_is_a_success_that_keeps_the_validators(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2: the request carries the stored ETag and Last-Modified; the 304 resets the failure
    counter and clears ``last_error``, parses nothing, posts nothing and keeps the validators."""
    modified = "Tue, 24 Nov 2026 07:00:00 GMT"
    await world.subscribe(100)
    world.state.add("a")
    world.state.headers = {"Last-Modified": modified}
    await world.poll()  # baseline: stores "v1" and the date
    world.state.status = 500
    for _ in range(2):
        await world.poll()
        world.clock.set((await world.feed()).next_poll_at)  # type: ignore[arg-type]
    assert (await world.feed()).failure_count == 2
    world.state.status = 200
    ran: list[str] = []
    run = world.engine.workers.run

    async def recording_run(fn, *args, **options):  # type: ignore[no-untyped-def]
        ran.append(fn.__name__)
        return await run(fn, *args, **options)

    monkeypatch.setattr(world.engine.workers, "run", recording_run)
    report = await world.poll()
    assert report.outcome == "not_modified"
    sent = world.state.requests[-1]
    assert (sent.get("If-None-Match"), sent.get("If-Modified-Since")) == ('"v1"', modified)
    feed = await world.feed()
    assert (feed.failure_count, feed.last_error, feed.first_failure_at) == (0, None, None)
    assert (feed.etag, feed.last_modified) == ('"v1"', modified)
    assert ran == []
    assert await world.storage.list_posts() == []


async def test_f8_a_persisting_404_follows_the_f7_rule(world: World) -> None:
    """F8: unlike a 410, a 404 does not disable at once: ten quick 404s leave the feed active;
    after ten failures and three days it is ``disabled_failing`` (F7)."""
    await world.subscribe(100)
    world.state.status = 404
    for _ in range(10):
        report = await world.poll()
        assert (report.outcome, report.notice) == ("failed", None)
    assert (await world.feed()).state is FeedState.ACTIVE
    world.clock.advance(timedelta(days=3))
    report = await world.poll()
    assert report.outcome == "disabled" and report.notice is not None
    assert (await world.feed()).state is FeedState.DISABLED_FAILING


async def test_f9_one_hanging_feed_among_twenty_delays_none_of_the_others(world: World) -> None:
    """F9: 19 healthy feeds and one that accepts and never answers, in one cycle: the 19 are
    fetched, prepared and stored while the hanging one is still waiting (the cycle is still
    running), whatever the machine's speed; then the hang is let go and the cycle ends with it
    as the one failure. The deadline itself (the hang fails as ``timeout``) is F6's test."""
    world.state.page_status = 404  # the feed's own text: no article pages
    world.state.add("old", published=START - timedelta(hours=1))
    async with short_deadline_engine(world, total=10 * PATIENCE) as engine:
        for n in range(19):
            feed = await world.storage.add_feed(f"{world.feed_url}?n={n}", now=START)
            await world.storage.add_subscription(
                guild_id=1, channel_id=100 + n, feed_id=feed.id, now=START
            )
        assert [r.outcome for r in await engine.poll_due_feeds()] == ["baseline"] * 19
        hanging = await world.storage.add_feed(f"{world.state.base}/hang.xml", now=START)
        await world.storage.add_subscription(
            guild_id=1, channel_id=99, feed_id=hanging.id, now=START
        )
        world.state.add("fresh", published=START + timedelta(minutes=30))
        world.state.etag = '"v2"'
        world.clock.advance(timedelta(hours=1))
        cycle = asyncio.create_task(engine.poll_due_feeds())
        async with asyncio.timeout(PATIENCE):
            while len(await world.storage.list_posts()) < 19:
                assert not cycle.done()
                await asyncio.sleep(0.02)
        assert not cycle.done()  # the 19 are stored; the hang still holds its lane
        assert [p for p, _ in world.state.arrivals if p.startswith("/hang.xml")] == ["/hang.xml"]
        world.state.hang_release.set()
        reports = await asyncio.wait_for(cycle, PATIENCE)
    by_feed = {r.feed_id: r for r in reports}
    stuck = by_feed.pop(hanging.id)
    assert stuck.outcome == "failed" and stuck.reason == "http_error"
    assert [(r.outcome, r.posts) for r in by_feed.values()] == [("processed", 1)] * 19


async def test_f21_a_malformed_document_is_a_loose_success(world: World) -> None:
    """F21, the policy chosen: entries that feedparser reads in its lenient mode are accepted
    (an item with an unclosed tag does not lose the others); the poll is a success, so the
    failure counter of F6 is reset and ``last_error`` cleared."""
    await world.subscribe(100)
    world.state.add("seed")
    await world.poll()  # baseline
    world.state.status = 500
    await world.poll()
    assert (await world.feed()).failure_count == 1
    world.clock.set((await world.feed()).next_poll_at)  # type: ignore[arg-type]
    world.state.status = 200
    world.state.add("broken", published=START)
    world.state.etag = '"v2"'
    world.state.body = world.state.rss().replace(b"<description>", b"<description><b>", 1)
    report = await world.poll()
    assert (report.outcome, report.posts) == ("processed", 1)
    feed = await world.feed()
    assert (feed.failure_count, feed.last_error) == (0, None)
