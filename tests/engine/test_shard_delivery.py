"""Delivery by guild shard: each of two processes (two ``Storage`` objects, two ``Delivery``
with their ``ShardScope``) sends only the posts of its guilds' shard; together, every post once.
``SHARD_IDS`` outside ``SHARD_COUNT`` is refused in French at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery
from bot.delivery.publishers import OutgoingPost
from bot.run.console import UserFacingError
from bot.run.runtime import shard_scope
from bot.settings import Settings
from storage.records import (
    ArticleCorrection,
    FeedRecord,
    FeedSuccess,
    PlannedPost,
    ShardScope,
    Subscription,
)
from storage.storage import Storage
from tests.engine.conftest import START
from tests.engine.test_delivery import RecordingPublisher
from tests.patience import PATIENCE
from tests.storage.helpers import article, seen


async def _feed_in_guilds(store: Storage, count: int) -> tuple[FeedRecord, list[Subscription]]:
    """A feed subscribed in ``count`` guilds whose shards (of 2) alternate 0, 1, 0, 1..."""
    feed = await store.add_feed("https://exemple.fr/rss", now=START)
    subs = [
        await store.add_subscription(
            guild_id=(n << 22) | 7, channel_id=1000 + n, feed_id=feed.id, now=START
        )
        for n in range(count)
    ]
    return feed, subs


async def test_two_processes_deliver_their_own_shards_posts_once(tmp_path: Path) -> None:
    stores = [await Storage.open(tmp_path / "depeche.db") for _ in range(2)]
    try:
        feed, subs = await _feed_in_guilds(stores[0], 6)  # guilds on shards 0, 1, 0, 1, 0, 1
        for key in ("a", "b"):
            await stores[0].save_article(
                article(feed.id, key), now=START, seen=seen(key),
                posts=[PlannedPost(s) for s in subs],
            )  # fmt: skip
        publishers = [RecordingPublisher(), RecordingPublisher()]
        for shard, (store, publisher) in enumerate(zip(stores, publishers, strict=True)):
            delivery = Delivery(
                store, publisher, FrozenClock(START), shards=ShardScope(2, (shard,))
            )
            report = await delivery.deliver_pending(limit=50)
            assert report.sent == 6
            assert {(c.post.guild_id or 0) >> 22 & 1 for c in publisher.calls} == {shard}
        sent = [c.post.id for p in publishers for c in p.calls]
        assert sorted(sent) == sorted({p.id for p in await stores[0].list_posts()})
    finally:
        for store in stores:
            await store.close()


class EditingPublisher(RecordingPublisher):
    def __init__(self) -> None:
        super().__init__()
        self.edits: list[OutgoingPost] = []

    async def edit(self, post: OutgoingPost) -> None:
        self.edits.append(post)


async def test_each_process_edits_only_the_messages_of_its_shards(tmp_path: Path) -> None:
    """A corrected article: each process edits the messages it sent, in its own channels."""
    stores = [await Storage.open(tmp_path / "depeche.db") for _ in range(2)]
    try:
        feed, subs = await _feed_in_guilds(stores[0], 4)  # guilds on shards 0, 1, 0, 1
        saved = await stores[0].save_article(
            article(feed.id, "a"), now=START, seen=seen("a"), posts=[PlannedPost(s) for s in subs]
        )
        publishers = [EditingPublisher(), EditingPublisher()]
        deliveries = [
            Delivery(store, publisher, FrozenClock(START), shards=ShardScope(2, (shard,)))
            for shard, (store, publisher) in enumerate(zip(stores, publishers, strict=True))
        ]
        for delivery in deliveries:
            assert (await delivery.deliver_pending(limit=50)).sent == 2
        fix = ArticleCorrection(saved.article.id, "1" * 32, "MàJ : le pont rouvre", "Résumé.")
        await stores[0].record_poll(
            feed.id, now=START, success=FeedSuccess(next_poll_at=START), corrections=[fix]
        )
        for shard, (delivery, publisher) in enumerate(zip(deliveries, publishers, strict=True)):
            report = await delivery.drain(budget_seconds=PATIENCE)
            assert report.edited == 2
            assert {(e.post.guild_id or 0) >> 22 & 1 for e in publisher.edits} == {shard}
            assert {e.post.target_id for e in publisher.edits} == {
                c.post.target_id for c in publisher.calls
            }  # the messages it sent itself
    finally:
        for store in stores:
            await store.close()


def test_shard_ids_come_from_the_settings() -> None:
    assert shard_scope(Settings()) is None
    assert shard_scope(Settings(shard_count=3)) is None  # every shard: every post
    assert shard_scope(Settings(shard_count=3, shard_ids=(2, 0))) == ShardScope(3, (2, 0))
    with pytest.raises(UserFacingError, match="entre 0 et 2"):
        shard_scope(Settings(shard_count=3, shard_ids=(3,)))
