"""Articles, their posts and the outbox (D3, claim/sent/release, cancel, caps)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.postgres import PostgresSession
from storage.records import (
    PlannedPost,
    PostState,
    SeenStatus,
    SubscriptionState,
    TargetKind,
)
from storage.sqlite import SqliteSession
from storage.storage import Storage
from tests.storage.helpers import NOW, article, feed_with_subscription, seen


async def test_save_article_records_key_and_one_post_per_subscription(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    result = await storage.save_article(
        article(feed_id, "a"), now=NOW, seen=seen("a"), posts=[PlannedPost(sub)]
    )
    assert [(p.target_kind, p.target_id, p.state) for p in result.posts] == [
        (TargetKind.CHANNEL, 100, PostState.PENDING)
    ]
    assert await storage.known_keys(feed_id, ["a", "b"]) == {"a"}
    nonce = result.posts[0].nonce
    assert 0 < len(nonce) <= 25


async def test_same_article_is_never_enqueued_twice_for_a_channel(storage: Storage) -> None:
    """D3: ``UNIQUE (article_id, target_kind, target_id)`` keeps one post per entry and channel,
    whichever path enqueues it again."""
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    first = await storage.save_article(article(feed_id, "a"), now=NOW, posts=[PlannedPost(sub)])
    again = await storage.save_article(article(feed_id, "a"), now=NOW, posts=[PlannedPost(sub)])
    await storage.enqueue_post(first.article.id, PlannedPost(sub), now=NOW)
    assert again.article.id == first.article.id
    assert len(await storage.list_posts()) == 1


async def test_an_article_posts_to_every_channel_in_one_statement(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14: a poll's writes are the bot's own CPU (one aiosqlite thread trip or PostgreSQL
    round trip per statement); an article's channel posts go in one ``executemany``, whatever
    the number of channels, and a new article is one ``INSERT ... RETURNING``."""
    feed_id, first = await feed_with_subscription(storage, channel_id=100)
    subs = [await storage.get_subscription(first)]
    for channel in (200, 300):
        added = await storage.add_subscription(
            guild_id=1, channel_id=channel, feed_id=feed_id, now=NOW
        )
        subs.append(await storage.get_subscription(added.id))
    statements: list[str] = []
    # What reaches the driver: PostgreSQL's executemany runs its multi-row statements through
    # its own execute, SQLite's goes to aiosqlite as it is.
    spied = {SqliteSession: ("execute", "executemany", "fetchall"),
             PostgresSession: ("execute", "fetchall")}  # fmt: skip
    for session, names in spied.items():
        for name in names:
            method = getattr(session, name)

            async def spy(self, sql, *args, _method=method):  # type: ignore[no-untyped-def]
                statements.append(sql)
                return await _method(self, sql, *args)

            monkeypatch.setattr(session, name, spy)
    plans = [PlannedPost(sub) for sub in subs if sub is not None]
    await storage.save_article(article(feed_id, "a"), now=NOW, posts=plans)
    assert sum(sql.startswith("INSERT INTO posts") for sql in statements) == 1
    assert sum("INTO articles" in sql or "articles WHERE feed_id" in sql for sql in statements) == 1
    assert sorted(p.target_id for p in await storage.list_posts()) == [100, 200, 300]


async def test_claim_then_sent_then_nothing_left(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.save_article(article(feed_id, "a"), now=NOW, posts=[PlannedPost(sub)])
    claimed = await storage.claim_due_posts(now=NOW, limit=10)
    assert len(claimed) == 1 and claimed[0].post.state is PostState.SENDING
    assert claimed[0].article.title == "Titre a"
    assert await storage.claim_due_posts(now=NOW) == []
    await storage.mark_sent(claimed[0].post.id, message_id="555", now=NOW)
    [post] = await storage.list_posts()
    assert (post.state, post.message_id, post.attempts) == (PostState.SENT, "555", 1)
    assert await storage.count_sent_today(sub_id, now=NOW) == 1


async def test_release_and_recover_keep_the_nonce(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.save_article(article(feed_id, "a"), now=NOW, posts=[PlannedPost(sub)])
    [first] = await storage.claim_due_posts(now=NOW)
    await storage.release(first.post.id, error="rate_limited")
    [second] = await storage.claim_due_posts(now=NOW)
    assert await storage.recover_sending() == 1
    [third] = await storage.claim_due_posts(now=NOW)
    assert first.post.nonce == second.post.nonce == third.post.nonce
    assert third.post.attempts == 3


async def test_first_attempt_is_kept_across_claims_and_cleared_when_none_was_made(
    storage: Storage,
) -> None:
    """D5 needs the time of the first send that may have reached Discord: later claims keep it;
    a claim released as "not attempted" (breaker, 429, 403) does not count as one."""
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.save_article(article(feed_id, "a"), now=NOW, posts=[PlannedPost(sub)])
    [post] = await storage.list_posts()
    assert post.first_attempt_at is None
    [claimed] = await storage.claim_due_posts(now=NOW + timedelta(minutes=1))
    assert claimed.post.first_attempt_at == NOW + timedelta(minutes=1)
    await storage.release(claimed.post.id, attempted=False)  # never handed to Discord
    [post] = await storage.list_posts()
    assert (post.attempts, post.first_attempt_at) == (0, None)
    [claimed] = await storage.claim_due_posts(now=NOW + timedelta(minutes=2))
    await storage.release(claimed.post.id)  # a 5xx: it may have been created
    [claimed] = await storage.claim_due_posts(now=NOW + timedelta(minutes=3))
    assert claimed.post.attempts == 2
    assert claimed.post.first_attempt_at == NOW + timedelta(minutes=2)
    await storage.release(claimed.post.id, attempted=False)  # held back this time
    [post] = await storage.list_posts()
    assert (post.attempts, post.first_attempt_at) == (1, NOW + timedelta(minutes=2))
    await storage.claim_due_posts(now=NOW + timedelta(minutes=4))
    assert await storage.recover_sending() == 1  # a crash: the first attempt stays known
    [post] = await storage.list_posts()
    assert post.first_attempt_at == NOW + timedelta(minutes=2)


async def test_bad_format_three_times_disables_subscription(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    switched = []
    for key in "abc":
        await storage.save_article(article(feed_id, key), now=NOW, posts=[PlannedPost(sub)])
        [claimed] = await storage.claim_due_posts(now=NOW)
        switched.append(await storage.mark_failed(claimed.post.id, error="400", bad_format=True))
    assert switched == [False, False, True]
    assert (await storage.get_subscription(sub_id)).state is SubscriptionState.BAD_FORMAT
    enabled = await storage.enable_subscription(sub_id)
    assert (enabled.state, enabled.bad_format_streak) == (SubscriptionState.ACTIVE, 0)


async def test_cancel_for_channel_and_flood_state(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    await storage.save_article(article(feed_id, "a"), now=NOW, posts=[PlannedPost(sub)])
    await storage.save_article(
        article(feed_id, "b"), now=NOW, posts=[PlannedPost(sub, PostState.SKIPPED_FLOOD)]
    )
    assert await storage.count_posts_since([sub_id, sub_id + 99], NOW - timedelta(days=1)) == {
        sub_id: 1
    }
    assert await storage.cancel_for_channel(100) == 1
    states = sorted(p.state for p in await storage.list_posts())
    assert states == [PostState.CANCELLED, PostState.SKIPPED_FLOOD]
    assert await storage.claim_due_posts(now=NOW) == []


async def test_due_feeds_needs_an_active_subscription(storage: Storage) -> None:
    lonely = await storage.add_feed("https://seul.fr/rss", now=NOW)
    feed_id, sub_id = await feed_with_subscription(storage)
    default = await storage.add_feed("https://defaut.fr/rss", now=NOW, is_default=True)
    due = {f.id for f in await storage.due_feeds(NOW)}
    assert due == {feed_id, default.id} and lonely.id not in due
    await storage.set_subscription_state(sub_id, SubscriptionState.PAUSED_PERMISSIONS)
    assert {f.id for f in await storage.due_feeds(NOW)} == {default.id}


async def test_seen_keys_and_blocking(storage: Storage) -> None:
    feed_id, _ = await feed_with_subscription(storage)
    assert not await storage.has_seen_entries(feed_id)
    await storage.record_seen(feed_id, [seen("a", SeenStatus.BASELINE)], now=NOW)
    assert await storage.has_seen_entries(feed_id)
    links, titles = await storage.blocking_matches(
        feed_id, link_norms=["exemple.fr/a", "exemple.fr/z"], title_norms=["titre a", "autre"]
    )
    assert (links, titles) == ({"exemple.fr/a"}, {"titre a"})


async def test_day_cap_counts_come_in_one_query_per_chunk_of_subscriptions(
    storage: Storage,
) -> None:
    """F18's counts for a feed with many subscriptions: ids split over several ``IN`` lists."""
    feed_id, sub_id = await feed_with_subscription(storage)
    sub = await storage.get_subscription(sub_id)
    for key in ("a", "b"):
        await storage.save_article(article(feed_id, key), now=NOW, posts=[PlannedPost(sub)])
    many = [sub_id + 10_000 + n for n in range(1_000)] + [sub_id]  # chunks of 500, 500, 1
    assert await storage.count_posts_since(many, NOW - timedelta(days=1)) == {sub_id: 2}
    assert await storage.count_posts_since([sub_id], NOW + timedelta(seconds=1)) == {}
