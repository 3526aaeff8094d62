"""Webhook identity through the real bot on the stand-in: one webhook per channel, created once
and reused, each article posted under the source's name and its logo (found through the guarded
client, kept; never a private address handed to Discord); a deleted webhook made again once;
when it cannot be, the bot's own messages and a notice; and no duplicate after an execution
whose outcome the bot never learnt (executions take no nonce: reconciliation finds it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from bot.clock import SystemClock
from bot.delivery.outbox import Delivery
from bot.delivery.publishers import OutgoingPost
from bot.delivery.references import post_reference, references_in
from bot.discord.publisher import DiscordPublisher
from bot.settings import Settings
from storage.records import PostState
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, seed
from tests.discord.test_corrections import correct
from tests.discord.test_faults_delivery import publish_news
from tests.discord.test_reconcile_history import Died
from tests.discord_stand_in.fixtures import TOKEN
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.webhooks import MANAGE_WEBHOOKS
from tests.discord_stand_in.world import BOT_ID, CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID

PUBLIC_LOGO = "https://images.journal-de-test.example/logo.png"


def grant(stand_in: StandIn) -> None:
    stand_in.world.grant_bot(MANAGE_WEBHOOKS)


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings, before_start=grant) as newsroom:
        yield newsroom


async def subscribed(room: Newsroom, **options: Any) -> int:
    seed(room, 1)
    room.state.page_status = 404  # summaries from the feed's own text
    answer = await add_feed(room, room.feed_url, webhook=True, **options)
    assert "Abonnement ajouté" in answer.texts(), answer.texts()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    assert sub.webhook
    return sub.id


def executions(stand_in: StandIn, *, every: bool = False) -> list[Any]:
    """The channel webhooks' executions (interaction follow-ups use the application's id)."""
    found = stand_in.sent("POST", rf"/webhooks/(?!{BOT_ID}/)\d+/[^/]+")
    return [r for r in found if every or r.status == 200]


async def test_articles_go_out_as_the_source_through_one_reused_webhook(room: Newsroom) -> None:
    sub = await room.storage.get_subscription(await subscribed(room))
    found = await room.storage.feed_avatars([sub.feed_id])
    assert found == {sub.feed_id: f"{room.base}/logo.png"}  # the site's logo, checked and kept
    await publish_news(room, "Le pont de la mairie rouvre")
    await room.deliver()
    [first] = executions(room.stand_in)
    assert first.query["wait"] == "1" and first.json["username"] == "Le Journal de Test"
    assert "avatar_url" not in first.json  # a loopback address is never handed to Discord
    await room.storage.set_feed_avatar(sub.feed_id, PUBLIC_LOGO)
    await publish_news(room, "La piscine rouvre aussi")
    await room.deliver()
    second = executions(room.stand_in)[1]
    assert second.json["avatar_url"] == PUBLIC_LOGO
    assert len(room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/webhooks")) == 1  # reused
    assert room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/messages") == []
    messages = room.stand_in.world.messages[CHANNEL_ID]
    assert [m["author"]["username"] for m in messages] == ["Le Journal de Test"] * 2
    posts = sorted(await room.storage.list_posts(), key=lambda p: p.id)
    assert [p.message_id for p in posts] == [m["id"] for m in messages]
    assert [references_in(m) for m in messages] == [{post_reference(p.id)} for p in posts]
    assert first.json["allowed_mentions"] == {"parse": []}


async def test_a_deleted_webhook_is_made_again_once(room: Newsroom) -> None:
    await subscribed(room)
    await publish_news(room, "Premier article")
    await room.deliver()
    [hook] = room.stand_in.hooks.in_channel(CHANNEL_ID)
    room.stand_in.hooks.delete(hook["id"])  # an admin deleted it
    await publish_news(room, "Deuxième article")
    await room.deliver()
    statuses = [r.status for r in executions(room.stand_in, every=True)]
    assert statuses == [200, 404, 200]
    [again] = room.stand_in.hooks.in_channel(CHANNEL_ID)
    stored = await room.storage.channel_webhook(CHANNEL_ID)
    assert stored is not None and str(stored.webhook_id) == again["id"] != hook["id"]
    assert len(room.stand_in.world.messages[CHANNEL_ID]) == 2


async def test_without_a_webhook_the_bot_posts_itself_and_tells_admins(room: Newsroom) -> None:
    sub_id = await subscribed(room)
    await publish_news(room, "Premier article")
    await room.deliver()
    [hook] = room.stand_in.hooks.in_channel(CHANNEL_ID)
    room.stand_in.hooks.delete(hook["id"])
    room.stand_in.world.deny_bot(CHANNEL_ID, MANAGE_WEBHOOKS)
    await publish_news(room, "Deuxième article")
    report = await room.deliver()
    [notice] = report.notices
    assert "webhook" in notice.message and "sous le nom du bot" in notice.message
    assert not (await room.storage.get_subscription(sub_id)).webhook
    assert room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/webhooks")[-1].status == 403
    await room.deliver()  # the next round: the bot's own message
    [own] = room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/messages")
    assert own.status == 200 and own.json["embeds"][0]["title"] == "Deuxième article"
    assert len(room.stand_in.world.messages[CHANNEL_ID]) == 2  # nothing twice, nothing lost
    assert {p.state for p in await room.storage.list_posts()} == {PostState.SENT}


class DiesAfterExecution(DiscordPublisher):
    """A process killed right after Discord created the webhook's message, before the bot
    learnt its id: the outcome is unknown to the bot, and no nonce protects it."""

    async def publish(self, post: OutgoingPost) -> str | None:
        await super().publish(post)
        raise Died


async def test_an_execution_whose_outcome_was_lost_is_never_sent_twice(room: Newsroom) -> None:
    await subscribed(room)
    await publish_news(room, "Le marché couvert rouvre")
    dying = DiesAfterExecution(room.bot, webhooks=room.storage)
    with pytest.raises(Died):
        await Delivery(room.storage, dying, SystemClock()).deliver_pending()
    # Discord's snowflakes follow the wall clock: so does the delivery that searches them.
    publisher = DiscordPublisher(room.bot, webhooks=room.storage)
    restarted = Delivery(room.storage, publisher, SystemClock())
    assert await restarted.recover() == 1
    report = await restarted.deliver_pending()
    assert report.sent == 1
    assert len(executions(room.stand_in)) == 1  # found in the history, not executed again
    [message] = room.stand_in.world.messages[CHANNEL_ID]
    [post] = await room.storage.list_posts()
    assert post.state is PostState.SENT and post.message_id == message["id"]
    reads = room.stand_in.sent("GET", rf"/channels/{CHANNEL_ID}/messages")
    assert len(reads) == 1


async def test_identity_needs_a_text_channel_and_manage_webhooks(
    stand_in: StandIn, settings: Settings
) -> None:
    def refuse(stand_in: StandIn) -> None:
        grant(stand_in)
        stand_in.world.deny_bot(OTHER_CHANNEL_ID, MANAGE_WEBHOOKS)

    async with open_newsroom(stand_in, settings, before_start=refuse) as room:
        seed(room, 1)
        answer = await add_feed(room, room.feed_url, webhook=True, channel=OTHER_CHANNEL_ID)
        assert "« Gérer les webhooks »" in answer.texts(), answer.texts()
        assert await room.storage.list_for_guild(GUILD_ID) == []


async def test_a_correction_is_edited_through_the_webhook(room: Newsroom) -> None:
    await subscribed(room)
    await publish_news(room, "Le stade change de nom")
    await room.deliver()
    [message] = room.stand_in.world.messages[CHANNEL_ID]
    await correct(room, title="MàJ : le stade change de nom en janvier")
    [hook] = room.stand_in.hooks.in_channel(CHANNEL_ID)
    [patch] = room.stand_in.sent("PATCH", rf"/webhooks/{hook['id']}/[^/]+/messages/\d+")
    assert patch.status == 200 and patch.path.endswith(f"/messages/{message['id']}")
    assert room.stand_in.sent("PATCH", rf"/channels/{CHANNEL_ID}/messages/\d+") == []
    [now] = room.stand_in.world.messages[CHANNEL_ID]
    assert now["embeds"][0]["title"] == "MàJ : le stade change de nom en janvier"
    assert "mis à jour · réf." in now["embeds"][0]["footer"]["text"]
    assert now["author"]["username"] == "Le Journal de Test" and len(executions(room.stand_in)) == 1


async def test_a_process_delivering_before_the_gateway_sent_its_guilds_still_uses_the_webhook(
    room: Newsroom,
) -> None:
    """A restarted process delivers as soon as it is logged in: its channel cache is empty
    until the gateway's guilds arrive. The channel is fetched, so the article still goes out
    through the channel's webhook (the chaos test once saw it posted as the bot)."""
    await subscribed(room)
    await publish_news(room, "Le pont de la mairie rouvre")
    cold = discord.Client(intents=discord.Intents.none())
    await cold.login(TOKEN)  # HTTP only: no gateway, no cached guild or channel
    try:
        assert cold.get_channel(CHANNEL_ID) is None
        report = await Delivery(
            room.storage, DiscordPublisher(cold, webhooks=room.storage), SystemClock()
        ).deliver_pending()
    finally:
        await cold.close()
    assert report.sent == 1
    [execution] = executions(room.stand_in)
    assert execution.json["username"] == "Le Journal de Test"
    assert room.stand_in.sent("POST", rf"/channels/{CHANNEL_ID}/messages") == []
