"""D5 against the stand-in, which keeps no nonce in history like Discord: a post that Discord
created but the bot died before recording is found after the nonce window, in a channel where
more than 100 messages followed it, for an article whose link cannot be shown (a private
address, S17) and for one without a link. The bot posts nothing twice."""

from __future__ import annotations

import contextlib
from pathlib import Path

from bot.clock import SystemClock
from bot.delivery.outbox import Delivery
from bot.delivery.publishers import OutgoingPost
from bot.delivery.reconcile import PAGE_LIMIT
from bot.delivery.references import post_reference, references_in
from bot.discord.app import DepecheBot
from bot.discord.publisher import DiscordPublisher
from storage.records import PlannedPost, PostState, TargetKind
from storage.storage import Storage
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import ADMIN_ID, BOT_ID, CHANNEL_ID, MEMBER_ID
from tests.storage.helpers import NOW, article, feed_with_subscription, seen

LATER_MESSAGES = 150  # > one page of history


class Died(BaseException):
    """The bot process dying: no job boundary catches it."""


class DiesAfterSend(DiscordPublisher):
    """The Discord publisher of a process killed right after Discord created the message,
    before the ``sent`` update."""

    async def publish(self, post: OutgoingPost) -> str | None:
        await super().publish(post)
        raise Died


async def enqueue(storage: Storage) -> None:
    feed_id, sub_id = await feed_with_subscription(storage, channel_id=CHANNEL_ID)
    sub = await storage.get_subscription(sub_id)
    items = {
        "prive": "http://192.168.1.20/marche-couvert",  # never shown as the embed link (S17)
        "sans-lien": None,
    }
    for key, url in items.items():
        await storage.save_article(
            article(feed_id, key, url=url, title=f"Marché couvert : {key}"),
            now=NOW,
            seen=seen(key),
            posts=[PlannedPost(sub)],
        )


def bot_messages(stand_in: StandIn) -> list[dict[str, object]]:
    messages = stand_in.world.messages.get(CHANNEL_ID, [])
    return [m for m in messages if m["author"]["id"] == str(BOT_ID)]  # type: ignore[index]


async def crash_after_one_send(storage: Storage, bot: DepecheBot, stand_in: StandIn) -> None:
    """One delivery round killed after its send; then a busy channel while the bot is down."""
    delivery = Delivery(storage, DiesAfterSend(bot), SystemClock())
    await delivery.recover()
    with contextlib.suppress(Died):
        await delivery.deliver_pending()
    member = stand_in.world.users[MEMBER_ID]
    for n in range(LATER_MESSAGES):
        stand_in.world.add_message(CHANNEL_ID, member, f"discussion {n}")


async def test_d5_found_by_reference_after_a_busy_outage(
    tmp_path: Path, stand_in: StandIn, bot: DepecheBot
) -> None:
    stand_in.world.nonce_window = 0.0  # long past: Discord would accept the nonce again
    db = tmp_path / "depeche.db"
    storage = await Storage.open(db)
    try:
        await enqueue(storage)
        await crash_after_one_send(storage, bot, stand_in)  # "prive" created, not recorded
    finally:
        await storage.close()
    storage = await Storage.open(db)  # the restart
    try:
        await crash_after_one_send(storage, bot, stand_in)  # "prive" found; "sans-lien" lost
    finally:
        await storage.close()
    assert len(bot_messages(stand_in)) == 2
    earlier_reads = len(stand_in.sent("GET", rf"/channels/{CHANNEL_ID}/messages"))
    storage = await Storage.open(db)
    try:
        delivery = Delivery(storage, DiscordPublisher(bot), SystemClock())
        await delivery.recover()
        report = await delivery.deliver_pending()
        posts = await storage.list_posts()
    finally:
        await storage.close()
    assert report.sent == 1  # "sans-lien", reconciled
    created = bot_messages(stand_in)
    assert len(created) == 2 and len(stand_in.sent("POST")) == 2  # nothing posted twice
    assert [p.state for p in posts] == [PostState.SENT, PostState.SENT]
    assert [p.message_id for p in posts] == [m["id"] for m in created]
    for post, message in zip(posts, created, strict=True):
        assert references_in(message) == {post_reference(post.id)}
        assert all("url" not in embed for embed in message["embeds"])  # type: ignore[attr-defined]
    reads = stand_in.sent("GET", rf"/channels/{CHANNEL_ID}/messages")
    assert all("after" in r.query and r.query["limit"] == str(PAGE_LIMIT) for r in reads)
    # The last search starts before "prive" (created at the first attempt); "sans-lien" came
    # after LATER_MESSAGES more, beyond the first page: found on the second.
    cursors = [int(r.query["after"]) for r in reads[earlier_reads:]]
    assert len(cursors) == 2 and cursors[0] < int(created[0]["id"]) < cursors[1]


async def test_the_publisher_reads_a_dm_history_and_knows_its_own_messages(
    stand_in: StandIn, bot: DepecheBot
) -> None:
    publisher = DiscordPublisher(bot)
    channel = publisher.client.get_partial_messageable(CHANNEL_ID)
    sent = await channel.send("du bot")
    member = stand_in.world.add_message(CHANNEL_ID, stand_in.world.users[MEMBER_ID], "salut")
    page = await publisher.messages_after(TargetKind.CHANNEL, CHANNEL_ID, after=0, limit=100)
    assert [m["id"] for m in page] == [member["id"], str(sent.id)]  # newest first
    assert [publisher.is_own(m) for m in page] == [False, True]
    dm = await (await publisher.client.fetch_user(ADMIN_ID)).create_dm()
    direct = await dm.send("en privé")
    page = await publisher.messages_after(TargetKind.DM, ADMIN_ID, after=0, limit=100)
    assert [m["id"] for m in page] == [str(direct.id)] and publisher.is_own(page[0])
