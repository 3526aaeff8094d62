"""The real APScheduler (short intervals) drives the real engine and delivery: a new article is
posted to the subscribed channel exactly once, and the next cycle posts nothing."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest

from bot.settings import Settings
from storage.records import PostState
from tests.discord.test_feed_commands import Newsroom, add_feed, open_newsroom, seed
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID

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


async def polls_after(room: Newsroom, count: int) -> None:
    """Wait for ``count`` more fetches of the feed by the scheduled poll job."""
    seen = len(room.state.requests)
    await eventually(lambda: len(room.state.requests) >= seen + count)


@pytest.fixture
async def scheduled(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings, scheduler=FAST) as room:
        yield room


async def test_scheduled_poll_posts_a_new_article_exactly_once(scheduled: Newsroom) -> None:
    room = scheduled
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
