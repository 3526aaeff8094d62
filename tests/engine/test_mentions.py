"""Delivery adds the mentions of members' mention follows to the posts of their channel, and to
no other post (other channels, DMs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery
from storage.records import FollowDelivery, FollowKind, PlannedPost, TargetKind
from storage.storage import Storage
from tests.engine.conftest import START
from tests.engine.test_delivery import RecordingPublisher
from tests.storage.helpers import article

ALICE, BOB, CAROL = 7, 8, 9
NEWS, OTHER = 100, 101


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await Storage.open(tmp_path / "depeche.db")
    yield opened
    await opened.close()


async def follow(
    storage: Storage, user_id: int, term: str, channel_id: int | None, kind: FollowKind
) -> None:
    await storage.add_follow(
        kind=kind, term=term, now=START, guild_id=1, user_id=user_id, channel_id=channel_id,
        delivery=FollowDelivery.DM if channel_id is None else FollowDelivery.CHANNEL,
    )  # fmt: skip


async def test_posts_mention_exactly_the_matching_followers_of_their_channel(
    storage: Storage,
) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=START)
    subs = [
        await storage.add_subscription(guild_id=1, channel_id=c, feed_id=feed.id, now=START)
        for c in (NEWS, OTHER)
    ]
    await follow(storage, ALICE, "Budget", NEWS, FollowKind.TOPIC)
    await follow(storage, ALICE, "Agnès Durand", NEWS, FollowKind.AUTHOR)  # same user, once
    await follow(storage, BOB, "sport", NEWS, FollowKind.TOPIC)  # does not match
    await follow(storage, CAROL, "budget", OTHER, FollowKind.TOPIC)
    await follow(storage, BOB, "budget", None, FollowKind.TOPIC)  # a DM follow
    await storage.add_follow(
        kind=FollowKind.TOPIC, term="budget", delivery=FollowDelivery.CHANNEL, now=START,
        guild_id=1, channel_id=NEWS,
    )  # a channel filter: mentions nobody  # fmt: skip
    await storage.save_article(
        article(feed.id, "k1", title="Le budget municipal adopté", authors=("Agnès Durand",)),
        now=START, posts=[PlannedPost(s) for s in subs],
    )  # fmt: skip
    publisher = RecordingPublisher()

    report = await Delivery(storage, publisher, FrozenClock(START)).deliver_pending()

    assert report.sent == 3
    payloads = {(c.target_kind, c.target_id): c.payload for c in publisher.calls}
    assert payloads[(TargetKind.CHANNEL, NEWS)].content == f"<@{ALICE}>"
    assert payloads[(TargetKind.CHANNEL, NEWS)].allowed_user_ids == (ALICE,)
    assert payloads[(TargetKind.CHANNEL, OTHER)].content == f"<@{CAROL}>"
    assert payloads[(TargetKind.CHANNEL, OTHER)].allowed_user_ids == (CAROL,)
    assert payloads[(TargetKind.DM, BOB)].content == ""
    assert payloads[(TargetKind.DM, BOB)].allowed_user_ids == ()


async def test_no_follower_no_mention(storage: Storage) -> None:
    feed = await storage.add_feed("https://exemple.fr/rss", now=START)
    sub = await storage.add_subscription(guild_id=1, channel_id=NEWS, feed_id=feed.id, now=START)
    await follow(storage, ALICE, "sport", NEWS, FollowKind.TOPIC)
    await storage.save_article(
        article(feed.id, "k1", title="Le budget municipal adopté"), now=START,
        posts=[PlannedPost(sub)],
    )  # fmt: skip
    publisher = RecordingPublisher()
    await Delivery(storage, publisher, FrozenClock(START)).deliver_pending()
    [call] = publisher.calls
    assert (call.payload.content, call.payload.allowed_user_ids) == ("", ())
