"""Follows in storage: DM follows scoped to the guilds an article is posted in, channel follows
that never fan out, the mention and channel-filter lookups (indexed), removal by guild."""

from __future__ import annotations

import pytest

from storage.records import (
    Follow,
    FollowDelivery,
    FollowKind,
    PlannedPost,
    PostState,
    Subscription,
    TargetKind,
)
from storage.social import CHANNEL_FILTERS_SQL, DM_SCOPE, MENTION_SCOPE
from storage.storage import Storage
from tests.storage.conftest import sqlite_only
from tests.storage.helpers import NOW, article, seen

GUILD_A, GUILD_B = 1, 2
CHANNEL_A, CHANNEL_B, CHANNEL_A2 = 100, 200, 101
ALICE, BOB = 7, 8
TITLE = "Le conseil municipal vote le budget"


async def subscribe(storage: Storage, guild_id: int, channel_id: int) -> Subscription:
    feed = await storage.add_feed(f"https://exemple.fr/rss/{guild_id}", now=NOW)
    return await storage.add_subscription(
        guild_id=guild_id, channel_id=channel_id, feed_id=feed.id, now=NOW
    )


async def follow(
    storage: Storage,
    term: str,
    *,
    guild_id: int,
    user_id: int | None = None,
    channel_id: int | None = None,
    kind: FollowKind = FollowKind.TOPIC,
) -> Follow:
    delivery = FollowDelivery.DM if channel_id is None else FollowDelivery.CHANNEL
    return await storage.add_follow(
        kind=kind, term=term, delivery=delivery, now=NOW, guild_id=guild_id, user_id=user_id,
        channel_id=channel_id,
    )  # fmt: skip


def targets(posts: object) -> list[tuple[TargetKind, int]]:
    return sorted((p.target_kind, p.target_id) for p in posts)  # type: ignore[attr-defined]


async def test_a_dm_follow_fires_only_for_its_own_guild(storage: Storage) -> None:
    sub_a = await subscribe(storage, GUILD_A, CHANNEL_A)
    sub_b = await subscribe(storage, GUILD_B, CHANNEL_B)
    await follow(storage, "Budget", guild_id=GUILD_A, user_id=ALICE)
    await follow(storage, "budget", guild_id=GUILD_B, user_id=BOB)

    only_b = await storage.save_article(
        article(sub_b.feed_id, "b1", title=TITLE), now=NOW, seen=seen("b1"),
        posts=[PlannedPost(sub_b)],
    )  # fmt: skip
    assert targets(only_b.posts) == [(TargetKind.CHANNEL, CHANNEL_B), (TargetKind.DM, BOB)]

    only_a = await storage.save_article(
        article(sub_a.feed_id, "a1", title=TITLE), now=NOW, posts=[PlannedPost(sub_a)]
    )
    assert targets(only_a.posts) == [(TargetKind.CHANNEL, CHANNEL_A), (TargetKind.DM, ALICE)]
    [dm] = [p for p in only_a.posts if p.target_kind is TargetKind.DM]
    assert dm.guild_id == GUILD_A and dm.state is PostState.PENDING


async def test_one_dm_per_user_and_none_for_skipped_or_unmatched(storage: Storage) -> None:
    sub_a = await subscribe(storage, GUILD_A, CHANNEL_A)
    sub_a2 = await storage.add_subscription(
        guild_id=GUILD_A, channel_id=CHANNEL_A2, feed_id=sub_a.feed_id, now=NOW
    )
    await follow(storage, "budget", guild_id=GUILD_A, user_id=ALICE)
    await follow(storage, "conseil municipal", guild_id=GUILD_A, user_id=ALICE)
    await follow(storage, "Agnès Durand", guild_id=GUILD_A, user_id=ALICE, kind=FollowKind.AUTHOR)

    both = await storage.save_article(
        article(sub_a.feed_id, "k1", title=TITLE, authors=("Agnès Durand",)), now=NOW,
        posts=[PlannedPost(sub_a), PlannedPost(sub_a2)],
    )  # fmt: skip
    assert [p.target_id for p in both.posts if p.target_kind is TargetKind.DM] == [ALICE]

    flooded = await storage.save_article(
        article(sub_a.feed_id, "k2", title=TITLE), now=NOW,
        posts=[PlannedPost(sub_a, PostState.SKIPPED_FLOOD)],
    )  # fmt: skip
    assert targets(flooded.posts) == [(TargetKind.CHANNEL, CHANNEL_A)]
    unrelated = await storage.save_article(
        article(sub_a.feed_id, "k3", title="La fête du village"), now=NOW,
        posts=[PlannedPost(sub_a)],
    )  # fmt: skip
    assert targets(unrelated.posts) == [(TargetKind.CHANNEL, CHANNEL_A)]
    backfilled = await storage.save_article(
        article(sub_a.feed_id, "k4", title=TITLE), now=NOW, posts=[PlannedPost(sub_a)],
        match_follows=False,
    )  # fmt: skip
    assert targets(backfilled.posts) == [(TargetKind.CHANNEL, CHANNEL_A)]


async def test_channel_follows_never_fan_articles_out(storage: Storage) -> None:
    sub_a = await subscribe(storage, GUILD_A, CHANNEL_A)
    await follow(storage, "budget", guild_id=GUILD_A, channel_id=CHANNEL_A2)  # filter elsewhere
    await follow(storage, "budget", guild_id=GUILD_A, user_id=BOB, channel_id=CHANNEL_A2)
    saved = await storage.save_article(
        article(sub_a.feed_id, "k1", title=TITLE), now=NOW, posts=[PlannedPost(sub_a)]
    )
    assert targets(saved.posts) == [(TargetKind.CHANNEL, CHANNEL_A)]
    alone = await storage.save_article(article(None, None, title=TITLE), now=NOW)
    assert alone.posts == ()


async def test_mention_follows_of_a_channel(storage: Storage) -> None:
    await follow(storage, "Budget", guild_id=GUILD_A, user_id=ALICE, channel_id=CHANNEL_A)
    await follow(storage, "Agnès Durand", guild_id=GUILD_A, user_id=ALICE, channel_id=CHANNEL_A,
                 kind=FollowKind.AUTHOR)  # fmt: skip
    await follow(storage, "budget", guild_id=GUILD_A, user_id=BOB, channel_id=CHANNEL_A2)
    await follow(storage, "budget", guild_id=GUILD_A, user_id=BOB)  # a DM follow
    await follow(storage, "budget", guild_id=GUILD_A, channel_id=CHANNEL_A)  # a filter
    await follow(storage, "sport", guild_id=GUILD_A, user_id=BOB, channel_id=CHANNEL_A)

    found = await storage.mention_follows(
        CHANNEL_A, title=TITLE, topics=("Politique",), authors=("agnes durand",)
    )
    assert sorted((f.user_id, f.kind) for f in found) == [
        (ALICE, FollowKind.AUTHOR),
        (ALICE, FollowKind.TOPIC),
    ]
    assert all(f.channel_id == CHANNEL_A for f in found)
    other = await storage.mention_follows(CHANNEL_A2, title=TITLE, topics=(), authors=())
    assert [f.user_id for f in other] == [BOB]
    assert await storage.mention_follows(CHANNEL_B, title=TITLE, topics=(), authors=()) == []


async def test_channel_filters_by_channel_and_guild(storage: Storage) -> None:
    budget = await follow(storage, "budget", guild_id=GUILD_A, channel_id=CHANNEL_A)
    durand = await follow(storage, "Durand", guild_id=GUILD_A, channel_id=CHANNEL_A,
                          kind=FollowKind.AUTHOR)  # fmt: skip
    sport = await follow(storage, "sport", guild_id=GUILD_B, channel_id=CHANNEL_B)
    await follow(storage, "budget", guild_id=GUILD_A, user_id=ALICE, channel_id=CHANNEL_A)

    found = await storage.channel_filter_follows([CHANNEL_A, CHANNEL_B, CHANNEL_A2, CHANNEL_A])
    assert {c: [f.id for f in fs] for c, fs in found.items()} == {
        CHANNEL_A: [budget.id, durand.id],
        CHANNEL_B: [sport.id],
    }
    assert await storage.channel_filter_follows([]) == {}
    assert [f.id for f in await storage.channel_follows_for_guild(GUILD_A)] == [
        durand.id,
        budget.id,
    ]
    assert await storage.remove_channel_follow(sport.id, guild_id=GUILD_A) is False
    assert await storage.remove_channel_follow(sport.id, guild_id=GUILD_B) is True
    assert await storage.channel_follows_for_guild(GUILD_B) == []
    mention = (await storage.list_follows_for_user(ALICE))[0]
    assert await storage.remove_channel_follow(mention.id, guild_id=GUILD_A) is False


@pytest.mark.parametrize(
    ("sql", "params"),
    [
        (CHANNEL_FILTERS_SQL.format(channels="?,?"), (CHANNEL_A, CHANNEL_B)),
        (
            "SELECT * FROM follows WHERE kind = ? AND term_norm IN (?, ?)" + MENTION_SCOPE,
            ("topic", "budget", "conseil", CHANNEL_A),
        ),
        (
            "SELECT * FROM follows WHERE kind = ? AND term_norm IN (?, ?)"
            + DM_SCOPE.format(guilds="?"),
            ("topic", "budget", "conseil", GUILD_A),
        ),
    ],
)
@sqlite_only  # EXPLAIN QUERY PLAN
async def test_follow_lookups_use_an_index(
    storage: Storage, sql: str, params: tuple[object, ...]
) -> None:
    for n in range(200):  # enough rows for the planner to prefer an index if it has one
        await follow(storage, f"thème {n}", guild_id=GUILD_A, user_id=1000 + n)
    plan = " ".join(str(tuple(row)[-1]) for row in await storage._fetchall(
        "EXPLAIN QUERY PLAN " + sql, params))  # fmt: skip
    assert "USING INDEX" in plan and "SCAN follows" not in plan


async def test_the_same_dm_follow_in_two_servers_is_two_follows(storage: Storage) -> None:
    """A member following "climat" in two servers is followed in both (migration 0003): the
    second used to be dropped by the unique key and never fired."""
    first = await storage.add_follow(
        kind=FollowKind.TOPIC, term="climat", delivery=FollowDelivery.DM, now=NOW,
        guild_id=1, user_id=42,
    )  # fmt: skip
    second = await storage.add_follow(
        kind=FollowKind.TOPIC, term="Climat", delivery=FollowDelivery.DM, now=NOW,
        guild_id=2, user_id=42,
    )  # fmt: skip
    assert first.id != second.id and (first.guild_id, second.guild_id) == (1, 2)
    again = await storage.add_follow(
        kind=FollowKind.TOPIC, term="climat", delivery=FollowDelivery.DM, now=NOW,
        guild_id=2, user_id=42,
    )  # fmt: skip
    assert again.id == second.id  # still idempotent within one server
