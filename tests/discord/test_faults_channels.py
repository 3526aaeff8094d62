"""403s on a subscription's channel (X5) and a gateway disconnect during a poll (X11), end to end
on the stand-in with the real engine, storage, delivery and notifier."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.discord.notifier import DiscordNotifier
from bot.settings import Settings
from storage.records import PostState, SubscriptionState
from tests.discord.newsroom import Newsroom, open_newsroom
from tests.discord.test_faults_delivery import publish_news, subscribe, titles_in
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID

TO_CHANNEL = rf"/channels/{CHANNEL_ID}/messages"
TO_SYSTEM = rf"/channels/{OTHER_CHANNEL_ID}/messages"  # the guild's system channel


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def cycle_with_notices(room: Newsroom) -> None:
    """What the scheduler's delivery job does: deliver, then hand each notice to the notifier."""
    report = await room.deliver()
    notifier = DiscordNotifier(room.bot)
    for notice in report.notices:
        await notifier.delivery_notice(notice)


@pytest.mark.parametrize("kind", ["forbidden", "missing_access"])
async def test_x5_one_403_pauses_the_subscription_and_tells_the_admins_once(
    room: Newsroom, kind: str
) -> None:
    await subscribe(room)
    await publish_news(room, "Le marché de Noël ouvre vendredi")
    room.stand_in.fail_channel(kind, CHANNEL_ID, times=1000)  # the permission stays missing

    await cycle_with_notices(room)

    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.PAUSED_PERMISSIONS
    assert len(room.stand_in.sent("POST", TO_CHANNEL)) == 1  # paused after 1 response
    [notice] = room.stand_in.sent("POST", TO_SYSTEM)
    assert "permissions" in notice.json["content"] and "/flux activer" in notice.json["content"]
    assert notice.json["allowed_mentions"] == {"parse": []}
    for day in range(3):  # more news, more cycles: no request to that channel, no new notice
        await publish_news(room, f"Une autre nouvelle, jour {day}")
        await cycle_with_notices(room)
    assert len(room.stand_in.sent("POST", TO_CHANNEL)) == 1
    assert len(room.stand_in.sent("POST", TO_SYSTEM)) == 1
    assert {p.state for p in await room.storage.list_posts()} == {PostState.PENDING}


async def test_x5_a_failing_notice_is_tolerated_and_enable_retests(room: Newsroom) -> None:
    await subscribe(room)
    await publish_news(room, "La piscine municipale rouvre")
    room.stand_in.fail_channel("forbidden", CHANNEL_ID)
    room.stand_in.fail_channel("forbidden", OTHER_CHANNEL_ID)  # the notice fails as well

    await cycle_with_notices(room)  # no exception escapes

    assert len(room.stand_in.sent("POST", TO_SYSTEM)) == 1  # attempted once
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.state is SubscriptionState.PAUSED_PERMISSIONS
    enabled = await answered(
        await slash(room.stand_in, "feed", "enable", subscription=str(sub.id)), 10
    )
    assert "Abonnement réactivé" in enabled.texts()
    await room.deliver()
    assert titles_in(room, CHANNEL_ID) == ["La piscine municipale rouvre"]


async def test_x11_gateway_drop_during_a_poll_loses_and_doubles_nothing(room: Newsroom) -> None:
    """X11: the gateway goes away mid-poll and stays unreachable through the poll and the
    delivery; REST posts go out meanwhile, and after the new session nothing is lost or
    doubled."""
    await subscribe(room)
    for n in range(1, 4):
        room.state.add(f"x{n}", title=f"Brève numéro {n} du soir", published=room.clock.now())
    room.clock.advance(timedelta(minutes=15))
    gateway = room.stand_in.gateway
    resumes, identifies = gateway.resume_count, gateway.identify_count
    gateway.hold()  # reconnection attempts hang until released
    poll = asyncio.create_task(room.engine.poll_due_feeds())
    await gateway.drop_connections()  # the websocket dies mid-poll
    await poll
    report = await room.deliver()  # REST keeps going while the gateway is down
    assert report.sent == 3
    assert (gateway.resume_count, gateway.identify_count) == (resumes, identifies)  # still down

    gateway.release()
    await gateway.wait_for_session(resumes, identifies)
    await room.deliver()
    await room.next_cycle()
    assert sorted(titles_in(room, CHANNEL_ID)) == [f"Brève numéro {n} du soir" for n in (1, 2, 3)]
    assert len(room.stand_in.sent("POST", TO_CHANNEL)) == 3
    assert {p.state for p in await room.storage.list_posts()} == {PostState.SENT}
    ping = await answered(await slash(room.stand_in, "ping"))  # the new session works
    assert "Pong" in ping.texts()
