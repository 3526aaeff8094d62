"""One poll's unit of work as storage sees it (``storage.polls``), on both backends: the read
before the decisions, then exactly one write per outcome (200, 304, failure)."""

from __future__ import annotations

from datetime import timedelta

from storage.records import (
    ArticleIntent,
    EntryRef,
    FeedState,
    FeedSuccess,
    FollowDelivery,
    FollowKind,
    PlannedPost,
    PostState,
    SeenStatus,
)
from storage.storage import Storage
from tests.storage.helpers import NOW, article, feed_with_subscription, seen


def refs(*keys: str) -> list[EntryRef]:
    return [EntryRef(k, f"exemple.fr/{k}", f"titre {k}") for k in keys]


async def test_a_poll_reads_once_then_records_its_articles_and_posts(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.add_follow(
        kind=FollowKind.TOPIC, term="budget", delivery=FollowDelivery.CHANNEL, now=NOW,
        guild_id=1, channel_id=100,
    )  # fmt: skip
    first = await storage.poll_context(feed_id, refs("a", "b"), since=NOW - timedelta(days=1))
    assert first.known == frozenset() and first.audience is not None
    assert [s.id for s in first.audience.subscriptions] == [sub_id]
    assert [f.term for f in first.audience.topic_filters[100]] == ["budget"]
    recorded = await storage.record_poll(
        feed_id,
        now=NOW,
        success=FeedSuccess(NOW + timedelta(minutes=10), etag='"v1"', body_hash="h", title="T",
                            last_changed_at=NOW, change_interval_s=600.0, changed=True),
        seen=[seen("old", SeenStatus.SKIPPED_OLD)],
        articles=[ArticleIntent(article(feed_id, k), seen(k), (PlannedPost(sub),)) for k in "ab"],
    )  # fmt: skip
    assert len(recorded.article_ids) == 2 and recorded.pending_posts == 2
    again = await storage.poll_context(feed_id, refs("a", "b", "c"), since=NOW)
    assert again.known == {"a", "b"} and again.audience is not None
    assert again.audience.used_today == {sub_id: 2}
    blocked = await storage.poll_context(feed_id, refs("old"), since=NOW)
    assert blocked.known == {"old"} and blocked.audience is None  # nothing new: no audience
    feed = await storage.get_feed(feed_id)
    assert (feed.etag, feed.body_hash, feed.title, feed.is_new) == ('"v1"', "h", "T", False)
    history = await storage.poll_history(feed_id)
    assert (history.last_changed_at, history.change_interval_s) == (NOW, 600.0)


async def test_not_modified_and_failures_update_the_feed_row(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    later = NOW + timedelta(minutes=5)
    await storage.record_not_modified(feed_id, now=NOW, next_poll_at=later)
    assert (await storage.get_feed(feed_id)).next_poll_at == later
    plain = await storage.record_poll_failure(feed_id, now=NOW, error="timeout", next_poll_at=later)
    assert (plain.feed.failure_count, plain.feed.last_error, plain.subscriptions) == (
        1,
        "timeout",
        (),
    )
    gone = await storage.record_poll_failure(
        feed_id, now=later, error="410", next_poll_at=later, state=FeedState.GONE,
        state_reason="410 Gone",
    )  # fmt: skip
    assert (gone.feed.state, gone.feed.state_reason, gone.feed.failure_count) == (
        FeedState.GONE,
        "410 Gone",
        2,
    )
    assert gone.feed.first_failure_at == NOW and [s.id for s in gone.subscriptions] == [sub_id]
    kept = await storage.record_poll_failure(feed_id, now=later, error="x", next_poll_at=later)
    assert kept.feed.state_reason == "410 Gone"  # no new state: the reason stays
    assert await storage.due_feeds(later + timedelta(days=1)) == []  # a gone feed is not due
    back = await storage.set_feed_state(feed_id, FeedState.ACTIVE, now=later)
    assert (back.state, back.failure_count, back.last_error) == (FeedState.ACTIVE, 0, None)


async def test_text_with_a_nul_character_is_stored_without_a_crash(storage: Storage) -> None:
    """PostgreSQL text cannot hold U+0000 (SQLite can, and keeps it): there it is stored as
    U+FFFD, in lookups too, so the entry is recorded once and never enqueued twice."""
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    key = "guid\x00with-nul"
    result = await storage.save_article(
        article(feed_id, key, title="Titre\x00nul"), now=NOW, seen=seen(key),
        posts=[PlannedPost(sub)],
    )  # fmt: skip
    assert [p.state for p in result.posts] == [PostState.PENDING]
    assert len(await storage.known_keys(feed_id, [key])) == 1
    assert await storage.article_for_entry(feed_id, key) is not None
    again = await storage.save_article(article(feed_id, key), now=NOW, posts=[PlannedPost(sub)])
    assert again.article.id == result.article.id and len(await storage.list_posts()) == 1
