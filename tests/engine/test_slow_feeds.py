"""A cycle lasts until its slowest feed answers (issue 14): every poll records how long the
feed's server took to answer (a body, a 304 or a failure), and the next cycle starts the feeds
that took ``SLOW_FETCH_SECONDS`` or more first, so their wait overlaps the other polls. Against
the real feed server, SQLite and the engine's own cycle; durations are checked from below only
(the server did sleep that long), never from above."""

from __future__ import annotations

from datetime import timedelta

from storage.feeds import SLOW_FETCH_SECONDS
from storage.records import FeedRecord
from storage.terms import to_db
from tests.engine.conftest import START, World

SLOW = SLOW_FETCH_SECONDS + 0.2


async def _slow_and_fast(world: World) -> tuple[FeedRecord, FeedRecord]:
    """Two subscribed feeds of the same server: ``?lent`` answers after ``SLOW`` seconds."""
    world.state.add("a", published=START - timedelta(hours=1))
    world.state.delays["/feed.xml?lent"] = SLOW
    fast = await world.storage.add_feed(world.feed_url, now=START)
    slow = await world.storage.add_feed(f"{world.feed_url}?lent", now=START)
    for channel, feed in ((100, fast), (200, slow)):
        await world.storage.add_subscription(
            guild_id=1, channel_id=channel, feed_id=feed.id, now=START
        )
    return slow, fast


async def _stored(world: World, feed: FeedRecord) -> FeedRecord:
    found = await world.storage.get_feed(feed.id)
    assert found is not None
    return found


async def test_each_outcome_records_how_long_the_server_took(world: World) -> None:
    slow, fast = await _slow_and_fast(world)
    reports = await world.engine.poll_due_feeds()
    assert sorted(r.outcome for r in reports) == ["baseline", "baseline"]
    assert (await _stored(world, slow)).fetch_seconds >= SLOW  # type: ignore[operator]
    assert (await _stored(world, fast)).fetch_seconds is not None
    world.clock.advance(timedelta(days=1))
    world.state.delays["/feed.xml?lent"] = SLOW + 0.5  # now a 304, slower still
    [report] = [r for r in await world.engine.poll_due_feeds() if r.feed_id == slow.id]
    assert report.outcome == "not_modified"
    assert (await _stored(world, slow)).fetch_seconds >= SLOW + 0.5  # type: ignore[operator]
    world.clock.advance(timedelta(days=1))
    world.state.status = 503  # a failure takes its time too
    [report] = [r for r in await world.engine.poll_due_feeds() if r.feed_id == slow.id]
    assert report.outcome == "failed"
    assert (await _stored(world, slow)).fetch_seconds >= SLOW + 0.5  # type: ignore[operator]


async def test_the_slow_feed_is_polled_first_though_the_fast_one_is_due_sooner(
    world: World,
) -> None:
    slow, fast = await _slow_and_fast(world)
    await world.engine.poll_due_feeds()  # both baselines; the slow one's duration recorded
    # The fast feed is the more overdue of the two: soonest-due first would take it first.
    world.clock.advance(timedelta(days=1))
    for feed, due in ((fast, START), (slow, START + timedelta(hours=12))):
        await world.storage._write_one(
            "UPDATE feeds SET next_poll_at = ? WHERE id = ?", (to_db(due), feed.id)
        )
    world.engine.concurrency = 1  # one lane: polls in claim order
    world.state.arrivals.clear()
    reports = await world.engine.poll_due_feeds()
    assert [r.feed_id for r in reports] == [slow.id, fast.id]
    assert [path for path, _ in world.state.arrivals] == ["/feed.xml?lent", "/feed.xml"]
