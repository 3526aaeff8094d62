"""The real APScheduler (short intervals) drives the real engine and delivery: a new article is
posted to the subscribed channel exactly once, and the next cycle posts nothing. Also what
delivery failures look like through the commands: a 403 pauses, /feed enable resumes."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from bot.settings import Settings
from storage.records import FeedState, PostState, SubscriptionState
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, room, seed  # noqa: F401
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, EMBED_LINKS, GUILD_ID

FAST = {"poll_seconds": 0.3, "delivery_seconds": 0.1, "first_run_delay": 0.05}


async def eventually(check: Callable[[], bool | Awaitable[bool]], within: float = 15.0) -> None:
    """Wait until ``check()`` holds: the scheduler runs on its own, with no event to await."""

    async def wait() -> None:
        while True:
            outcome = check()
            if await outcome if inspect.isawaitable(outcome) else outcome:
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), within)


async def polls_after(newsroom: Newsroom, count: int) -> None:
    """Wait for ``count`` more fetches of the feed by the scheduled poll job."""
    seen = len(newsroom.state.requests)
    await eventually(lambda: len(newsroom.state.requests) >= seen + count)


@pytest.fixture
async def scheduled(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings, scheduler=FAST) as newsroom:
        yield newsroom


async def test_scheduled_poll_posts_a_new_article_exactly_once(scheduled: Newsroom) -> None:
    room = scheduled  # noqa: F811
    seed(room, 3)
    room.state.page_status = 404  # the feed's own text is summarized
    assert "Abonnement ajouté" in (await add_feed(room, room.feed_url)).texts()
    assert room.bot.scheduler_starts == 1
    title = "Le conseil municipal vote le budget"
    room.state.add("nouveau", title=title, published=room.clock.now())
    room.clock.advance(timedelta(minutes=15))  # the feed is due again
    await room.stand_in.wait_for_request("POST", rf"/channels/{CHANNEL_ID}/messages", within=15)
    await eventually(lambda: len(room.posts_in()) == 1)
    [post] = room.posts_in()
    assert post["embeds"][0]["title"] == title
    assert post["allowed_mentions"] == {"parse": []} and post["enforce_nonce"] is True

    room.clock.advance(timedelta(minutes=15))  # a second cycle over the same feed
    await polls_after(room, 1)
    [feed] = await room.storage.list_feeds()

    async def polled() -> bool:
        return (await room.storage.get_feed(feed.id)).last_success_at == room.clock.now()

    await eventually(polled)
    await asyncio.sleep(0.3)  # more delivery rounds run: they must find nothing to send
    posts = await room.storage.list_posts()
    assert [p.state for p in posts] == [PostState.SENT]
    assert len(room.posts_in()) == 1
    assert len(room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/messages")) == 1


async def test_a_403_pauses_then_enable_resumes(room: Newsroom) -> None:  # noqa: F811 (X5)
    seed(room, 1)
    room.state.page_status = 404
    await add_feed(room, room.feed_url)
    room.stand_in.fail_channel("forbidden", CHANNEL_ID)
    room.state.add("new-1", title="Une première nouvelle", published=room.clock.now())
    await room.next_cycle()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.PAUSED_PERMISSIONS
    tries = len(room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/messages"))
    assert tries == 1
    room.state.add("new-2", title="Une deuxième nouvelle", published=room.clock.now())
    await room.next_cycle()
    assert len(room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/messages")) == tries
    listing = await answered(await slash(room.stand_in, "feed", "list"))
    assert "En pause : permissions manquantes" in listing.texts()
    assert "/flux activer" in listing.texts()
    enabled = await answered(await slash(room.stand_in, "feed", "enable", subscription=str(sub.id)))
    assert "Abonnement réactivé" in enabled.texts()
    assert (await room.storage.get_subscription(sub.id)).state is SubscriptionState.ACTIVE
    await room.deliver()
    await room.deliver()
    # The post held back by the 403 goes out once; nothing was queued while paused.
    assert [p["embeds"][0]["title"] for p in room.posts_in()] == ["Une première nouvelle"]


async def test_enable_refuses_while_permissions_are_missing(room: Newsroom) -> None:  # noqa: F811
    seed(room, 1)
    await add_feed(room, room.feed_url)
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    await room.storage.set_subscription_state(sub.id, SubscriptionState.PAUSED_PERMISSIONS)
    room.stand_in.world.deny_bot(CHANNEL_ID, EMBED_LINKS)
    channel = room.stand_in.world.find_channel(CHANNEL_ID)
    await room.stand_in.gateway.dispatch("CHANNEL_UPDATE", channel)
    answer = await answered(await slash(room.stand_in, "feed", "enable", subscription=str(sub.id)))
    assert "Intégrer des liens" in answer.texts()
    stored = await room.storage.get_subscription(sub.id)
    assert stored.state is SubscriptionState.PAUSED_PERMISSIONS


async def test_enable_resets_a_disabled_feed(room: Newsroom) -> None:  # noqa: F811
    """F7: ``/feed list`` shows a disabled feed with its reason; ``/feed enable`` resets it."""
    seed(room, 1)
    await add_feed(room, room.feed_url)
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    now = room.clock.now()
    await room.storage.record_poll_failure(
        sub.feed_id, now=now, error="timeout", next_poll_at=now + timedelta(days=1),
        state=FeedState.DISABLED_FAILING, state_reason="Le flux échoue depuis le 01/01/2026.",
    )  # fmt: skip
    listing = await answered(await slash(room.stand_in, "feed", "list"))
    assert "Flux désactivé" in listing.texts() and "Échecs consécutifs : 1" in listing.texts()
    assert "Raison : Le flux échoue depuis le 01/01/2026." in listing.texts()
    await answered(await slash(room.stand_in, "feed", "enable", subscription=str(sub.id)))
    feed = await room.storage.get_feed(sub.feed_id)
    assert feed.state is FeedState.ACTIVE and feed.failure_count == 0
    assert feed.next_poll_at is not None and feed.next_poll_at <= room.clock.now()
