"""Delivery by guild shard, on both backends: three ``Storage`` objects are three processes, each
claiming the posts of its own Discord shard (``(guild_id >> 22) % 3``), direct messages going to
the one that owns shard 0; claiming together, they take every post exactly once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from storage.records import (
    ArticleCorrection,
    ArticleIntent,
    FeedSuccess,
    FollowDelivery,
    FollowKind,
    PlannedPost,
    PostState,
    ShardScope,
    TargetKind,
)
from storage.storage import Storage
from storage.story_records import StoryChoice
from tests.storage.helpers import NOW, article, seen

COUNT = 3


def guild_on(shard: int, n: int) -> int:
    """A guild id (a snowflake) whose shard among ``COUNT`` is ``shard``."""
    return ((n * COUNT + shard) << 22) | 12345


async def _posts(storage: Storage) -> dict[int, int | None]:
    """Six channel posts per shard and two DMs: post id -> shard (None for a DM)."""
    feed = await storage.add_feed("https://exemple.fr/rss", now=NOW)
    subs = []
    for shard in range(COUNT):
        for n in range(2):
            guild = guild_on(shard, n)
            subs.append(await storage.add_subscription(
                guild_id=guild, channel_id=guild + 1, feed_id=feed.id, now=NOW
            ))  # fmt: skip
    await storage.add_follow(
        guild_id=guild_on(1, 0), user_id=501, channel_id=None, kind=FollowKind.TOPIC,
        term="climat", delivery=FollowDelivery.DM, now=NOW,
    )  # fmt: skip
    for n in range(3):
        key = f"k{n}"
        new = article(feed.id, key, topics=("climat",) if n < 2 else ())
        await storage.save_article(
            new, now=NOW, seen=seen(key), posts=[PlannedPost(s) for s in subs]
        )
    shards: dict[int, int | None] = {}
    for post in await storage.list_posts():
        dm = post.target_kind is TargetKind.DM
        shards[post.id] = None if dm else ((post.guild_id or 0) >> 22) % COUNT
    return shards


async def test_three_processes_each_claim_their_shards_posts_once(database: Path | str) -> None:
    stores = [await Storage.open(database) for _ in range(COUNT)]
    try:
        shards = await _posts(stores[0])
        assert sorted(v for v in shards.values() if v is not None) == [0] * 6 + [1] * 6 + [2] * 6
        assert list(shards.values()).count(None) == 2
        scopes = [ShardScope(COUNT, (k,)) for k in range(COUNT)]
        batches = await asyncio.gather(
            *(s.claim_due_posts(now=NOW, limit=4, shards=scope)
              for s, scope in zip(stores, scopes, strict=True) for _ in range(4))
        )  # fmt: skip
        claimed = [(n // 4, c.post.id) for n, batch in enumerate(batches) for c in batch]
        ids = [post_id for _, post_id in claimed]
        assert len(ids) == len(set(ids)) == len(shards)  # every post, once
        for shard, post_id in claimed:
            assert shards[post_id] in (shard, None)
            if shards[post_id] is None:
                assert shard == 0  # DMs: the process of shard 0 only
    finally:
        for store in stores:
            await store.close()


async def test_a_process_running_every_shard_or_none_given_claims_everything(
    storage: Storage,
) -> None:
    shards = await _posts(storage)
    every = await storage.claim_due_posts(now=NOW, limit=50, shards=ShardScope(2, (1, 0)))
    assert len(every) == len(shards)


async def test_a_process_of_other_shards_leaves_dms_alone(storage: Storage) -> None:
    shards = await _posts(storage)
    mine = await storage.claim_due_posts(now=NOW, limit=50, shards=ShardScope(COUNT, (1, 2)))
    assert sorted(shards[c.post.id] for c in mine) == [1] * 6 + [2] * 6


def test_a_scope_outside_the_shard_count_is_refused() -> None:
    with pytest.raises(ValueError):
        ShardScope(2, (2,))
    with pytest.raises(ValueError):
        ShardScope(2, ())
    assert ShardScope(3, (0,)).owns_guild(None) and not ShardScope(3, (1,)).sends_dms


async def test_a_restarted_process_recovers_only_its_own_shards_sending_posts(
    storage: Storage,
) -> None:
    """Another process may be sending its posts at that moment: they stay ``sending``."""
    shards = await _posts(storage)
    claimed = await storage.claim_due_posts(now=NOW, limit=50)
    assert len(claimed) == len(shards)  # everything is "sending", as if mid-send everywhere
    assert await storage.recover_sending(ShardScope(COUNT, (1,))) == 6
    pending = {p.id for p in await storage.list_posts(PostState.PENDING)}
    assert sorted(shards[i] for i in pending) == [1] * 6
    assert await storage.recover_sending(ShardScope(COUNT, (0,))) == 6 + 2  # with the DMs
    assert await storage.recover_sending() == 6  # no scope: every shard (one process)


def _story(key: str, story: str, matched: str | None) -> StoryChoice:
    return StoryChoice(
        key=key, story=story, score=0.5 if matched else 0.0, matched=matched, shared=(),
        lede="", published_at=NOW, group_since=NOW - timedelta(hours=48),
    )  # fmt: skip


async def test_edits_of_sent_posts_are_claimed_by_the_process_of_their_shard(
    storage: Storage,
) -> None:
    """Corrections and « Aussi chez » edit messages in a channel: like its sends, only the
    process owning that channel's guild shard edits them (one rate-limit bucket, one process)."""
    monde = await storage.add_feed("https://monde.exemple/rss", now=NOW)
    figaro = await storage.add_feed("https://figaro.exemple/rss", now=NOW)
    subs: dict[int, list[PlannedPost]] = {monde.id: [], figaro.id: []}
    for shard in range(COUNT):
        for n in range(2):
            guild = guild_on(shard, n)
            for feed_id, plans in subs.items():
                plans.append(PlannedPost(await storage.add_subscription(
                    guild_id=guild, channel_id=guild + 1, feed_id=feed_id, now=NOW
                )))  # fmt: skip
    told = _story(f"{monde.id}:a", f"{monde.id}:a", None)
    first = ArticleIntent(article(monde.id, "a"), seen("a"), tuple(subs[monde.id]), told)
    done = await storage.record_poll(
        monde.id, now=NOW, success=FeedSuccess(next_poll_at=NOW), articles=[first]
    )
    for item in await storage.claim_due_posts(now=NOW, limit=50):
        await storage.mark_sent(item.post.id, message_id=f"9{item.post.id}", now=NOW)
    retold = _story(f"{figaro.id}:b", told.story, told.key)
    again = ArticleIntent(article(figaro.id, "b"), seen("b"), tuple(subs[figaro.id]), retold)
    await storage.record_poll(
        figaro.id, now=NOW, success=FeedSuccess(next_poll_at=NOW), articles=[again]
    )
    fix = ArticleCorrection(done.article_ids[0], "1" * 32, "MàJ : le titre", "Autre résumé.")
    await storage.record_poll(
        monde.id, now=NOW, success=FeedSuccess(next_poll_at=NOW), corrections=[fix]
    )
    shard_of = {p.id: ((p.guild_id or 0) >> 22) % COUNT for p in await storage.list_posts()}
    assert len(shard_of) == 2 * COUNT  # the second outlet was grouped, not posted
    for shard in range(COUNT):
        scope = ShardScope(COUNT, (shard,))
        edits = await storage.claim_due_edits(limit=50, shards=scope)
        stories = await storage.due_story_edits(50, scope)
        assert len(edits) == len(stories) == 2  # the two channels of that shard's guilds
        assert {shard_of[i.post.id] for i in edits} == {shard}
        assert {shard_of[p.id] for p, _ in stories} == {shard}
    assert len(await storage.claim_due_edits(limit=50)) == 2 * COUNT  # one process: all
    assert len(await storage.due_story_edits(50)) == 2 * COUNT
