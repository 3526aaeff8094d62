"""Discord faults on the delivery path, end to end: the real engine, storage, delivery and
``DiscordPublisher`` against the stand-in, each fault scripted there and each outcome asserted on
what the stand-in received (X2, X3, X4, X6, X7, X8).

The clock is the newsroom's ``FrozenClock``: cool-downs are crossed by moving it, never by
sleeping.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.delivery.outbox import UNAVAILABLE_PAUSE_SECONDS, Delivery
from bot.discord.notifier import DiscordNotifier
from bot.discord.publisher import CLOUDFLARE_COOLDOWN_SECONDS, DiscordPublisher
from bot.news.engine import FeedNotice
from bot.settings import Settings
from storage.records import FollowDelivery, FollowKind, PostState, SubscriptionState
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, seed
from tests.discord_stand_in.driver import delete_channel, remove_guild
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID

MESSAGES = r"/channels/\d+/messages"
EXTRA_CHANNELS = (920_000_000_000_000_101, 920_000_000_000_000_102, 920_000_000_000_000_103)


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def subscribe(room: Newsroom, *channels: int) -> None:
    """Subscribe ``CHANNEL_ID`` through ``/feed add`` (baseline poll), then ``channels``."""
    seed(room, 1)
    room.state.page_status = 404  # summaries from the feed's own text: quick and stable
    assert "Abonnement ajouté" in (await add_feed(room, room.feed_url)).texts()
    [first] = await room.storage.list_for_guild(GUILD_ID)
    for channel_id in channels:
        await room.storage.add_subscription(
            guild_id=GUILD_ID, channel_id=channel_id, feed_id=first.feed_id, now=room.clock.now()
        )


async def publish_news(room: Newsroom, *titles: str, categories: tuple[str, ...] = ()) -> None:
    """New items in the feed, then one poll: their posts wait in the outbox."""
    for title in titles:
        key = f"k{len(room.state.items)}"
        room.state.add(key, title=title, published=room.clock.now(), categories=categories)
    room.clock.advance(timedelta(minutes=15))
    await room.engine.poll_due_feeds()


def titles_in(room: Newsroom, channel_id: int) -> list[str]:
    """Titles of the messages that exist in the stand-in's channel (after nonce de-dup)."""
    return [m["embeds"][0]["title"] for m in room.stand_in.world.messages.get(channel_id, [])]


async def states(room: Newsroom) -> Counter[PostState]:
    return Counter(p.state for p in await room.storage.list_posts())


async def test_x2_global_429_pauses_every_send_then_each_post_goes_once(room: Newsroom) -> None:
    for number, channel_id in enumerate(EXTRA_CHANNELS):
        room.stand_in.world.add_channel(channel_id, f"salon-{number}")
    channels = (CHANNEL_ID, OTHER_CHANNEL_ID, *EXTRA_CHANNELS)
    await subscribe(room, *channels[1:])
    await publish_news(room, "Le préfet annonce un plan contre les crues")
    assert (await states(room))[PostState.PENDING] == 5
    # Discord's global limit answers 429 to every request until it resets (sends run in
    # parallel lanes, so several can be in flight when it starts).
    room.stand_in.fail("global_ratelimit", path=MESSAGES, seconds=0.5, retry_after=0.5)

    report = await asyncio.wait_for(room.deliver(), 10)

    assert report.sent == 5 and not report.stopped
    sends = room.stand_in.sent("POST", MESSAGES)
    assert sends[0].status == 429
    delivered = [r for r in sends if r.status == 200]
    assert len(delivered) == 5 and {r.status for r in sends} == {200, 429}
    assert all(r.at - sends[0].at >= 0.5 for r in delivered)  # every post waited the reset
    for channel_id in channels:
        assert titles_in(room, channel_id) == ["Le préfet annonce un plan contre les crues"]
    assert await states(room) == Counter({PostState.SENT: 5})


async def test_x3_huge_retry_after_keeps_the_row_for_a_later_cycle(room: Newsroom) -> None:
    await subscribe(room)
    await publish_news(room, "La rentrée scolaire décalée d'une semaine")
    room.stand_in.fail_channel("ratelimit", CHANNEL_ID, retry_after=3600)

    report = await asyncio.wait_for(room.deliver(), 5)  # the job does not hang

    assert report.stopped and report.released == 1
    assert await states(room) == Counter({PostState.PENDING: 1})
    tries = len(room.stand_in.sent("POST", MESSAGES))
    room.clock.advance(timedelta(minutes=59))
    await room.deliver()  # still inside Retry-After: no request at all
    assert len(room.stand_in.sent("POST", MESSAGES)) == tries == 1
    room.clock.advance(timedelta(minutes=2))
    assert (await room.deliver()).sent == 1
    assert titles_in(room, CHANNEL_ID) == ["La rentrée scolaire décalée d'une semaine"]


async def test_x4_cloudflare_429_silences_the_delivery_path_then_resumes(room: Newsroom) -> None:
    await subscribe(room)
    await publish_news(room, "Un nouveau pont sur la Loire", "La gare rouvre ses guichets")
    room.stand_in.fail_channel("cloudflare", CHANNEL_ID)

    first = await room.deliver()

    assert first.stopped and first.sent == 0
    assert CLOUDFLARE_COOLDOWN_SECONDS >= 600
    requests_before = len(room.stand_in.requests)
    for _ in range(9):  # nine more delivery rounds, one simulated minute apart
        room.clock.advance(timedelta(minutes=1))
        report = await room.deliver()
        assert report.stopped and report.sent == 0
    assert len(room.stand_in.requests) == requests_before  # 0 REST requests in the cool-down
    assert await states(room) == Counter({PostState.PENDING: 2})
    room.clock.advance(timedelta(minutes=1, seconds=1))
    assert (await room.deliver()).sent == 2
    assert sorted(titles_in(room, CHANNEL_ID)) == [
        "La gare rouvre ses guichets",
        "Un nouveau pont sur la Loire",
    ]


async def test_x4_notices_wait_out_the_cloudflare_cool_down(room: Newsroom) -> None:
    """X4 for the whole bot: a feed notice raised during the ban sends nothing, then is posted
    once the cool-down is over (notices were the one path that still reached Discord)."""
    await subscribe(room)
    await publish_news(room, "Un nouveau pont sur la Loire")
    room.stand_in.fail_channel("cloudflare", CHANNEL_ID)
    assert (await room.deliver()).stopped
    notifier = DiscordNotifier(room.bot, room.delivery.cooldown)
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    feed = await room.storage.get_feed(sub.feed_id)
    notice = FeedNotice(feed, (sub,), "Le flux « Exemple » est désactivé.")
    requests_before = len(room.stand_in.requests)

    await notifier.feed_notice(notice)
    room.clock.advance(timedelta(minutes=5))
    await asyncio.sleep(1.5)  # the releaser has looked at the (frozen) clock at least once

    assert notifier.held == 1
    assert len(room.stand_in.requests) == requests_before  # 0 REST requests in the cool-down
    room.clock.advance(timedelta(minutes=6))
    await asyncio.wait_for(notifier.released(), 10)
    assert notifier.held == 0
    posted = [m["content"] for m in room.stand_in.world.messages.get(CHANNEL_ID, [])]
    assert "Le flux « Exemple » est désactivé." in posted


async def test_x7_one_bad_payload_fails_alone_three_disable(room: Newsroom) -> None:
    await subscribe(room)
    await publish_news(room, "Premier titre du jour", "Deuxième titre du jour")
    room.stand_in.fail_channel("invalid_form", CHANNEL_ID, times=1)
    report = await room.deliver()
    assert report.failed == 1 and report.sent == 1
    assert len(titles_in(room, CHANNEL_ID)) == 1
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.ACTIVE
    await room.deliver()
    assert len(room.stand_in.sent("POST", MESSAGES)) == 2  # the failed one is never retried

    await publish_news(room, "Titre trois", "Titre quatre", "Titre cinq", "Titre six")
    room.stand_in.fail_channel("invalid_form", CHANNEL_ID, times=3)
    report = await room.deliver()
    assert report.failed == 3 and len(report.notices) == 1
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.BAD_FORMAT
    await room.deliver()
    assert len(room.stand_in.sent("POST", MESSAGES)) == 5  # nothing after the third 400
    assert (await states(room))[PostState.PENDING] == 1


async def test_x8_500_storm_stops_the_round_and_nothing_is_doubled(room: Newsroom) -> None:
    await subscribe(room)
    titles = [f"Dépêche numéro {n} de la matinée" for n in range(1, 6)]
    await publish_news(room, *titles)
    delivery = Delivery(
        room.storage, DiscordPublisher(room.bot, budget=1.5), room.clock, tz="Europe/Paris"
    )
    room.stand_in.fail_channel("server_error", CHANNEL_ID, times=1000)

    report = await asyncio.wait_for(delivery.deliver_pending(), 10)

    assert report.stopped and report.sent == 0 and report.released == 5
    # discord.py alone would retry this 500 five times (about 25 s) for every post; the
    # budget cuts the first post short and the breaker keeps the four others unsent.
    assert len(room.stand_in.sent("POST", MESSAGES)) <= 2
    assert await states(room) == Counter({PostState.PENDING: 5})
    room.stand_in.faults.clear()  # Discord recovers
    await delivery.deliver_pending()
    assert len(room.stand_in.sent("POST", MESSAGES)) <= 2  # still cooling down
    room.clock.advance(timedelta(seconds=UNAVAILABLE_PAUSE_SECONDS + 1))
    assert (await delivery.deliver_pending()).sent == 5
    assert sorted(titles_in(room, CHANNEL_ID)) == sorted(titles)  # each once, none doubled


async def test_x6_channel_delete_events_cancel_everything_for_those_channels(
    room: Newsroom,
) -> None:
    followed = EXTRA_CHANNELS[0]  # a channel whose subscription a topic filter narrows
    channel = room.stand_in.world.add_channel(followed, "culture")
    await room.stand_in.gateway.dispatch("CHANNEL_CREATE", channel)
    await subscribe(room, OTHER_CHANNEL_ID, followed)
    await room.storage.add_follow(
        kind=FollowKind.TOPIC, term="culture", delivery=FollowDelivery.CHANNEL,
        now=room.clock.now(), guild_id=GUILD_ID, channel_id=followed,
    )  # fmt: skip
    await publish_news(room, "Le festival de théâtre affiche complet", categories=("Culture",))
    pending = Counter(p.target_id for p in await room.storage.list_posts(PostState.PENDING))
    assert pending == Counter({CHANNEL_ID: 1, OTHER_CHANNEL_ID: 1, followed: 1})

    await delete_channel(room.stand_in, CHANNEL_ID)
    await delete_channel(room.stand_in, followed)
    for _ in range(100):
        if len(await room.storage.list_posts(PostState.CANCELLED)) == 2:
            break
        await asyncio.sleep(0.02)
    await room.deliver()
    await publish_news(room, "Le musée prolonge son exposition", categories=("Culture",))
    await room.deliver()

    assert room.stand_in.sent("POST", rf"/channels/({CHANNEL_ID}|{followed})/messages") == []
    assert [s.channel_id for s in await room.storage.list_for_guild(GUILD_ID)] == [OTHER_CHANNEL_ID]
    assert len(titles_in(room, OTHER_CHANNEL_ID)) == 2  # the other channel is untouched


async def test_x6_guild_delete_event_cancels_every_channel(room: Newsroom) -> None:
    await subscribe(room, OTHER_CHANNEL_ID)
    await publish_news(room, "La médiathèque ouvre le dimanche")
    assert (await states(room))[PostState.PENDING] == 2

    await remove_guild(room.stand_in)
    for _ in range(100):
        if not await room.storage.list_posts(PostState.PENDING):
            break
        await asyncio.sleep(0.02)
    await room.deliver()

    assert room.stand_in.sent("POST", MESSAGES) == []
    assert await room.storage.list_for_guild(GUILD_ID) == []
    assert await states(room) == Counter({PostState.CANCELLED: 2})
