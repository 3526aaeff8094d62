"""Feed polling claims with a lease (migration 0006), on both backends: two ``Storage`` objects
on one database are two processes; time is the ``now`` each call is given, never a sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage.feeds import SLOW_FETCH_SECONDS
from storage.records import FeedState, FeedSuccess
from storage.storage import Storage
from tests.storage.helpers import NOW

LEASE = timedelta(minutes=10)


@pytest.fixture
async def two(database: Path | str) -> AsyncIterator[tuple[Storage, Storage]]:
    first, second = await Storage.open(database), await Storage.open(database)
    yield first, second
    await first.close()
    await second.close()


async def _feeds(storage: Storage, count: int) -> list[int]:
    ids = []
    for n in range(count):
        feed = await storage.add_feed(f"https://exemple.fr/flux-{n}.xml", now=NOW)
        await storage.add_subscription(guild_id=1, channel_id=100 + n, feed_id=feed.id, now=NOW)
        ids.append(feed.id)
    return ids


async def test_two_processes_claiming_at_once_never_share_a_feed(
    two: tuple[Storage, Storage],
) -> None:
    first, second = two
    ids = await _feeds(first, 40)
    batches = await asyncio.gather(
        *(
            store.claim_due_feeds(NOW, 3, owner=name, lease=LEASE)
            for store, name in ((first, "a"), (second, "b")) * 8
        )
    )
    claimed = [feed.id for batch in batches for feed, _ in batch]
    assert len(claimed) == len(set(claimed)) == 40
    assert set(claimed) == set(ids)
    owners = {owner for owner, _ in (await first.feed_leases()).values()}
    assert owners == {"a", "b"}
    # Nothing is left for anyone, the claimers themselves included, until a lease ends.
    assert await first.claim_due_feeds(NOW, 100, owner="a", lease=LEASE) == []
    assert await second.claim_due_feeds(NOW + LEASE / 2, 100, owner="c", lease=LEASE) == []


async def test_the_feeds_of_a_dead_process_are_taken_over_when_its_lease_ends(
    two: tuple[Storage, Storage],
) -> None:
    first, second = two
    ids = await _feeds(first, 3)
    held = await first.claim_due_feeds(NOW, 10, owner="mort", lease=LEASE)
    assert [feed.id for feed, _ in held] == ids
    # "mort" dies mid-poll: it records nothing. Just before the end of its lease, nothing moves.
    before = NOW + LEASE - timedelta(seconds=1)
    assert await second.claim_due_feeds(before, 10, owner="vivant", lease=LEASE) == []
    after = NOW + LEASE
    taken = await second.claim_due_feeds(after, 10, owner="vivant", lease=LEASE)
    assert [feed.id for feed, _ in taken] == ids
    leases = await first.feed_leases()
    assert leases == {feed_id: ("vivant", after + LEASE) for feed_id in ids}


async def test_every_outcome_of_a_poll_ends_its_lease(two: tuple[Storage, Storage]) -> None:
    first, second = two
    ok, not_modified, failed = await _feeds(first, 3)
    assert len(await first.claim_due_feeds(NOW, 10, owner="a", lease=LEASE)) == 3
    # Each outcome makes the feed due again at once, so only the lease could hold it back.
    success = FeedSuccess(NOW, None, None, None, None, None, None, None, False)
    await first.record_poll(ok, now=NOW, success=success)
    await first.record_not_modified(not_modified, now=NOW, next_poll_at=NOW)
    await first.record_poll_failure(failed, now=NOW, error="500", next_poll_at=NOW)
    assert await first.feed_leases() == {}
    again = await second.claim_due_feeds(NOW, 10, owner="b", lease=LEASE)
    assert sorted(feed.id for feed, _ in again) == [ok, not_modified, failed]


async def test_a_clean_stop_releases_only_its_own_leases(two: tuple[Storage, Storage]) -> None:
    first, second = two
    await _feeds(first, 4)
    mine = await first.claim_due_feeds(NOW, 2, owner="a", lease=LEASE)
    theirs = await second.claim_due_feeds(NOW, 2, owner="b", lease=LEASE)
    assert await first.release_leases("a") == 2
    assert set(await first.feed_leases()) == {feed.id for feed, _ in theirs}
    again = await second.claim_due_feeds(NOW, 10, owner="b2", lease=LEASE)
    assert {feed.id for feed, _ in again} == {feed.id for feed, _ in mine}


async def test_only_due_wanted_active_feeds_are_claimed(storage: Storage) -> None:
    due, later, disabled = await _feeds(storage, 3)
    lonely = await storage.add_feed("https://exemple.fr/sans-abonne.xml", now=NOW)
    await storage.record_not_modified(later, now=NOW, next_poll_at=NOW + timedelta(hours=1))
    await storage.set_feed_state(disabled, FeedState.DISABLED_FAILING, reason="essai")
    claimed = await storage.claim_due_feeds(NOW, 10, owner="a", lease=LEASE)
    assert [feed.id for feed, _ in claimed] == [due]
    assert lonely.id not in await storage.feed_leases()
    history = claimed[0][1]
    assert history.has_seen is False  # the history comes with the claim, as with due_feeds


async def test_claims_come_soonest_first_and_respect_the_limit(storage: Storage) -> None:
    ids = await _feeds(storage, 5)
    for offset, feed_id in enumerate(ids):  # the last feed is the most overdue
        moment = NOW - timedelta(minutes=offset)
        await storage.record_not_modified(feed_id, now=moment, next_poll_at=moment)
    first = await storage.claim_due_feeds(NOW, 2, owner="a", lease=LEASE)
    assert [feed.id for feed, _ in first] == [ids[4], ids[3]]
    assert await storage.claim_due_feeds(NOW, 0, owner="a", lease=LEASE) == []


async def test_feeds_that_answered_slowly_are_claimed_first_then_the_soonest(
    storage: Storage,
) -> None:
    """Migration 0010: the last fetch's duration, kept when an outcome has none (a document
    fetched by someone else), orders the claims: slow (``SLOW_FETCH_SECONDS`` or more) first."""
    ids = await _feeds(storage, 4)
    seconds = (0.2, SLOW_FETCH_SECONDS + 4, None, SLOW_FETCH_SECONDS)
    for offset, (feed_id, took) in enumerate(zip(ids, seconds, strict=True)):
        moment = NOW - timedelta(minutes=10 - offset)  # the first feed is the most overdue
        await storage.record_not_modified(
            feed_id, now=moment, next_poll_at=moment, fetch_seconds=took
        )
    success = FeedSuccess(NOW - timedelta(minutes=20), fetch_seconds=None)
    await storage.record_poll(ids[1], now=NOW - timedelta(minutes=20), success=success)
    await storage.record_poll_failure(
        ids[3], now=NOW - timedelta(minutes=30), error="délai dépassé",
        next_poll_at=NOW - timedelta(minutes=30),
    )  # fmt: skip
    claimed = await storage.claim_due_feeds(NOW, 10, owner="a", lease=LEASE)
    assert [feed.id for feed, _ in claimed] == [ids[3], ids[1], ids[0], ids[2]]
    stored = {feed.id: feed.fetch_seconds for feed, _ in claimed}
    assert stored == dict(zip(ids, seconds, strict=True))
