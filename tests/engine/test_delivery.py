"""Delivery: outbox state transitions with a recording publisher, crash and restart."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery
from bot.delivery.publishers import (
    BadPayload,
    ConsolePublisher,
    Forbidden,
    OutgoingPost,
    PublishError,
    RateLimited,
    TargetGone,
    Unavailable,
)
from storage.records import PlannedPost, PostState, SubscriptionState
from storage.storage import Storage
from tests.engine.conftest import START
from tests.patience import PATIENCE
from tests.storage.helpers import article, seen


class RecordingPublisher:
    """Records every publish; raises the scripted error for a channel when there is one."""

    def __init__(self) -> None:
        self.calls: list[OutgoingPost] = []
        self.errors: dict[int, PublishError] = {}

    async def publish(self, post: OutgoingPost) -> str | None:
        self.calls.append(post)
        error = self.errors.get(post.target_id)
        if error is not None:
            raise error
        return f"m{len(self.calls)}"


@pytest.fixture
async def storage(tmp_path: Path) -> Storage:
    opened = await Storage.open(tmp_path / "depeche.db")
    yield opened  # type: ignore[misc]
    await opened.close()


async def enqueue(storage: Storage, keys: str, channels: tuple[int, ...] = (100,)) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=START)
    subs = []
    for channel in channels:
        existing = [s for s in await storage.subscriptions_for_channel(channel)]
        subs.append(
            existing[0]
            if existing
            else await storage.add_subscription(
                guild_id=1, channel_id=channel, feed_id=feed.id, now=START
            )
        )
    for key in keys:
        await storage.save_article(
            article(feed.id, key), now=START, seen=seen(key), posts=[PlannedPost(s) for s in subs]
        )


async def test_pending_posts_are_sent_once(storage: Storage) -> None:
    await enqueue(storage, "ab", channels=(100, 200))
    publisher = RecordingPublisher()
    delivery = Delivery(storage, publisher, FrozenClock(START))
    report = await delivery.deliver_pending()
    assert report.sent == 4 and len(publisher.calls) == 4
    assert (await delivery.deliver_pending()).sent == 0
    assert {p.state for p in await storage.list_posts()} == {PostState.SENT}
    assert all(c.payload.embed["footer"]["text"].startswith("Résumé") for c in publisher.calls)


async def test_forbidden_pauses_channel_and_stops_sending_there(storage: Storage) -> None:
    await enqueue(storage, "abc", channels=(100, 200))
    publisher = RecordingPublisher()
    publisher.errors[100] = Forbidden("50013")
    delivery = Delivery(storage, publisher, FrozenClock(START))
    report = await delivery.deliver_pending()
    assert len(report.notices) == 1 and report.notices[0].channel_id == 100
    assert [c.target_id for c in publisher.calls].count(100) == 1
    assert report.sent == 3
    [sub] = await storage.subscriptions_for_channel(100)
    assert sub.state is SubscriptionState.PAUSED_PERMISSIONS
    assert (await delivery.deliver_pending()).sent == 0
    del publisher.errors[100]
    await storage.enable_subscription(sub.id)
    assert (await delivery.deliver_pending()).sent == 3


async def test_target_gone_cancels_pending(storage: Storage) -> None:
    """X6: a 404 Unknown Channel (10003) fails that post, marks the subscription
    ``channel_gone`` and cancels the channel's other pending posts: one request, no more."""
    await enqueue(storage, "abc")
    publisher = RecordingPublisher()
    publisher.errors[100] = TargetGone("10003")
    report = await Delivery(storage, publisher, FrozenClock(START)).deliver_pending()
    assert len(publisher.calls) == 1 and report.failed == 1
    states = sorted(p.state for p in await storage.list_posts())
    assert states == [PostState.CANCELLED, PostState.CANCELLED, PostState.FAILED_PERMANENT]
    [sub] = await storage.subscriptions_for_channel(100)
    assert sub.state is SubscriptionState.CHANNEL_GONE


async def test_three_bad_payloads_mark_bad_format(storage: Storage) -> None:
    await enqueue(storage, "abcd")
    publisher = RecordingPublisher()
    publisher.errors[100] = BadPayload("50035")
    report = await Delivery(storage, publisher, FrozenClock(START)).deliver_pending()
    assert report.failed == 3 and len(report.notices) == 1
    [sub] = await storage.subscriptions_for_channel(100)
    assert sub.state is SubscriptionState.BAD_FORMAT
    states = [p.state for p in await storage.list_posts()]
    assert states.count(PostState.FAILED_PERMANENT) == 3 and states[-1] is PostState.PENDING


@pytest.mark.parametrize("error", [RateLimited(30.0), Unavailable("500")])
async def test_rate_limit_or_outage_trips_the_breaker(
    storage: Storage, error: PublishError
) -> None:  # X8
    await enqueue(storage, "abcde")
    publisher = RecordingPublisher()
    publisher.errors[100] = error
    clock = FrozenClock(START)
    delivery = Delivery(storage, publisher, clock)
    report = await delivery.deliver_pending()
    assert report.stopped and len(publisher.calls) == 1 and report.released == 5
    assert {p.state for p in await storage.list_posts()} == {PostState.PENDING}
    del publisher.errors[100]
    assert (await delivery.deliver_pending()).sent == 0  # held back: X3/X4/X8 cool-down
    assert len(publisher.calls) == 1
    clock.advance(timedelta(seconds=31))
    assert (await delivery.deliver_pending()).sent == 5
    nonces = [c.nonce for c in publisher.calls]
    assert nonces[0] == nonces[1]  # the retried post keeps its nonce


async def test_crash_between_claim_and_sent_posts_once_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "depeche.db"
    storage = await Storage.open(path)
    await enqueue(storage, "a")
    [claimed] = await storage.claim_due_posts(now=START)  # then the process dies
    await storage.close()

    storage = await Storage.open(path)
    try:
        publisher = RecordingPublisher()
        delivery = Delivery(storage, publisher, FrozenClock(START))
        assert (await delivery.deliver_pending()).sent == 0  # still "sending": not re-claimed
        assert await delivery.recover() == 1
        assert (await delivery.deliver_pending()).sent == 1
        assert [c.nonce for c in publisher.calls] == [claimed.post.nonce]
        assert (await delivery.deliver_pending()).sent == 0
    finally:
        await storage.close()


async def test_console_publisher_prints_french(storage: Storage) -> None:
    await enqueue(storage, "a")
    stream = io.StringIO()
    report = await Delivery(storage, ConsolePublisher(stream), FrozenClock(START)).deliver_pending()
    text = stream.getvalue()
    assert report.sent == 1
    assert "Titre a" in text and "https://exemple.fr/a" in text
    assert "salon 100" in text and "Résumé automatique extractif" in text


class GatedPublisher(RecordingPublisher):
    """Channel 100 is 'rate limited by its own bucket' until channel 200 has been served."""

    def __init__(self) -> None:
        super().__init__()
        self.other_channel_served = asyncio.Event()

    async def publish(self, post: OutgoingPost) -> str | None:
        if post.target_id == 100:
            await self.other_channel_served.wait()
        message_id = await super().publish(post)
        if post.target_id == 200:
            self.other_channel_served.set()
        return message_id


async def test_a_slow_channel_does_not_hold_the_others_back(storage: Storage) -> None:
    """Issue 6: targets are served in parallel lanes, each target's posts in order."""
    await enqueue(storage, "abc", channels=(100, 200))
    publisher = GatedPublisher()
    delivery = Delivery(storage, publisher, FrozenClock(START))
    report = await asyncio.wait_for(delivery.deliver_pending(), timeout=PATIENCE)
    assert report.sent == 6
    for channel in (100, 200):
        ids = [c.post.id for c in publisher.calls if c.target_id == channel]
        assert ids == sorted(ids) and len(ids) == 3  # in order within the channel
    serial = Delivery(storage, GatedPublisher(), FrozenClock(START), parallel_targets=1)
    await enqueue(storage, "d", channels=(100, 200))
    with pytest.raises(TimeoutError):  # one lane: channel 100 blocks channel 200 forever
        await asyncio.wait_for(serial.deliver_pending(), timeout=1)


async def test_the_breaker_stops_every_lane(storage: Storage) -> None:
    """X8 with lanes: once one target trips the breaker, the other lanes send nothing more."""
    await enqueue(storage, "abcd", channels=(100, 200, 300))
    publisher = RecordingPublisher()
    publisher.errors[100] = Unavailable("500")
    delivery = Delivery(storage, publisher, FrozenClock(START), parallel_targets=3)
    report = await delivery.deliver_pending()
    assert report.stopped
    failing = next(i for i, c in enumerate(publisher.calls) if c.target_id == 100)
    assert failing == len(publisher.calls) - 1  # no send starts once the breaker has tripped
    posts = await storage.list_posts()
    assert {p.state for p in posts} <= {PostState.PENDING, PostState.SENT}
    assert report.sent + report.released == len(posts) == 12


async def test_drain_empties_a_backlog_larger_than_one_batch(storage: Storage) -> None:
    """The scheduled job loops rounds until nothing is due (not 20 posts per 5 s)."""
    await enqueue(storage, "abcdefghijklmnopqrstuvwxy", channels=(100, 200, 300, 400))
    publisher = RecordingPublisher()
    delivery = Delivery(storage, publisher, FrozenClock(START))
    report = await delivery.drain(budget_seconds=30, batch=20)
    assert report.sent == 100 and len(publisher.calls) == 100
    assert {p.state for p in await storage.list_posts()} == {PostState.SENT}


async def test_a_storage_fault_in_one_lane_ends_the_round_without_orphans(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """D12 with lanes: mark_sent failing for one post stops every lane, then the round raises
    (no lane is left running; the post stays 'sending', reclaimed and reconciled later)."""
    from storage.errors import StorageError

    await enqueue(storage, "ab", channels=(100, 200))
    original = storage.mark_sent
    calls = 0

    async def failing_mark_sent(post_id: int, **options: object) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise StorageError("database or disk is full")
        await original(post_id, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(storage, "mark_sent", failing_mark_sent)
    publisher = RecordingPublisher()
    with pytest.raises(StorageError, match="disk is full"):  # loud, at the job boundary
        await asyncio.wait_for(
            Delivery(storage, publisher, FrozenClock(START)).deliver_pending(), timeout=PATIENCE
        )
    states = [p.state for p in await storage.list_posts()]
    assert states.count(PostState.SENDING) >= 1  # the one whose confirmation failed
    assert len(asyncio.all_tasks()) == 1  # only this test's task: no orphan lane


class HistoryPublisher(RecordingPublisher):
    """A publisher that can also read a channel's history (D5 reconciliation), counting reads."""

    def __init__(self) -> None:
        super().__init__()
        self.history_reads = 0

    async def messages_after(
        self, target_kind: object, target_id: int, *, after: int, limit: int
    ) -> list:  # type: ignore[type-arg]
        self.history_reads += 1
        return []

    def is_own(self, message: object) -> bool:
        return True


@pytest.mark.parametrize(("error", "reads"), [(RateLimited(30.0), 0), (Unavailable("502"), 1)])
async def test_only_a_send_that_may_have_reached_discord_is_reconciled(
    storage: Storage, error: PublishError, reads: int
) -> None:
    """A 429 (and the posts the breaker held back) created nothing: the retry reads no channel
    history. A 5xx may have created the message: its retry looks first (D5)."""
    await enqueue(storage, "abc")
    publisher = HistoryPublisher()
    publisher.errors[100] = error
    clock = FrozenClock(START)
    delivery = Delivery(storage, publisher, clock)
    await delivery.deliver_pending()
    del publisher.errors[100]
    clock.advance(timedelta(seconds=31))
    assert (await delivery.deliver_pending()).sent == 3
    assert publisher.history_reads == reads
