"""Corrections through the real bot on the stand-in: an entry already posted whose title (a
« MàJ ») or summary the feed corrects is edited in place, marked « mis à jour », its reference
kept, never posted twice; /feed format corrections:False turns it off; a crash between the edit
and its record edits the same message again; a message deleted meanwhile is left alone."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.delivery.outbox import Delivery
from bot.delivery.publishers import OutgoingPost
from bot.delivery.references import post_reference, references_in
from bot.discord.publisher import DiscordPublisher
from bot.settings import Settings
from tests.discord.newsroom import Newsroom, add_feed, open_newsroom, seed
from tests.discord.test_faults_delivery import publish_news
from tests.discord.test_reconcile_history import Died
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID
from tests.patience import PATIENCE


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def posted(room: Newsroom, title: str, **options: Any) -> tuple[int, dict[str, Any]]:
    """A subscription (summaries from the feed's text) and one article posted: (its
    subscription id, the message as the channel holds it)."""
    seed(room, 1)
    room.state.page_status = 404
    answer = await add_feed(room, room.feed_url, **options)
    assert "Abonnement ajouté" in answer.texts(), answer.texts()
    [sub] = await room.storage.list_for_guild(GUILD_ID)
    await publish_news(room, title)
    await room.delivery.drain(budget_seconds=PATIENCE)
    [message] = room.stand_in.world.messages[CHANNEL_ID]
    return sub.id, message


async def correct(room: Newsroom, **changes: str) -> None:
    """The feed changes its newest item, then one poll and one delivery job."""
    for name, value in changes.items():
        setattr(room.state.items[0], name, value)
    room.clock.advance(room.engine.interval * 2)
    await room.engine.poll_due_feeds()
    await room.delivery.drain(budget_seconds=PATIENCE)


def footer(message: dict[str, Any]) -> str:
    return str(message["embeds"][0]["footer"]["text"])


async def test_a_corrected_title_edits_the_message_in_place(room: Newsroom) -> None:
    _, message = await posted(room, "Le pont de la mairie rouvre")
    [post] = [p for p in await room.storage.list_posts() if p.message_id]
    reference = post_reference(post.id)
    assert footer(message).endswith(f"· réf. {reference}") and "mis à jour" not in footer(message)

    await correct(room, title="MàJ : le pont de la mairie rouvre lundi")
    assert len(room.posts_in()) == 1  # never posted twice
    [edit] = room.stand_in.edits.of(message["id"])
    assert edit.channel_id == CHANNEL_ID
    [now] = room.stand_in.world.messages[CHANNEL_ID]
    assert now["id"] == message["id"] and now["edited_timestamp"]
    assert now["embeds"][0]["title"] == "MàJ : le pont de la mairie rouvre lundi"
    assert footer(now).endswith(f"· mis à jour · réf. {reference}")
    assert references_in(now) == {reference}  # reconciliation still knows it
    assert edit.body["allowed_mentions"] == {"parse": []}

    await correct(room)  # the same feed again: nothing to correct
    assert len(room.stand_in.edits.of(message["id"])) == 1
    await correct(
        room, description="Le pont rouvre lundi après deux ans de travaux, annonce la mairie."
    )
    assert len(room.stand_in.edits.of(message["id"])) == 2
    [now] = room.stand_in.world.messages[CHANNEL_ID]
    assert "deux ans de travaux" in now["embeds"][0]["description"]
    assert len(room.posts_in()) == 1


async def test_a_text_post_says_it_was_updated_on_its_last_line(room: Newsroom) -> None:
    _, before = await posted(room, "La piscine ferme pour travaux", format="texte")
    await correct(room, title="La piscine ferme pour travaux jusqu'en mars")
    [now] = room.stand_in.world.messages[CHANNEL_ID]
    assert now["id"] == before["id"]
    assert now["content"].startswith("**La piscine ferme pour travaux jusqu'en mars**")
    [post] = [p for p in await room.storage.list_posts() if p.message_id]
    assert now["content"].splitlines()[-1] == f"-# mis à jour · réf. {post_reference(post.id)}"
    assert references_in(now) == {post_reference(post.id)} and len(room.posts_in()) == 1


async def test_corrections_can_be_turned_off(room: Newsroom) -> None:
    sub_id, message = await posted(room, "Le marché couvert rouvre")
    answer = await answered(
        await slash(room.stand_in, "feed", "format", subscription=str(sub_id), corrections=False)
    )
    assert "Corrections désactivées" in answer.texts(), answer.texts()
    await correct(room, title="MàJ : le marché couvert rouvre samedi")
    assert room.stand_in.sent("PATCH", r"/channels/\d+/messages/\d+") == []
    assert room.stand_in.world.messages[CHANNEL_ID] == [message]
    assert len(room.posts_in()) == 1


class DiesAfterEdit(DiscordPublisher):
    """The publisher of a process killed right after Discord took the edit, before the bot
    recorded it."""

    async def edit(self, post: OutgoingPost) -> None:
        await super().edit(post)
        raise Died


async def test_a_crash_after_the_edit_edits_the_same_message_again(room: Newsroom) -> None:
    _, message = await posted(room, "La bibliothèque ouvre le dimanche")
    room.state.items[0].title = "MàJ : la bibliothèque ouvre aussi le dimanche"
    room.clock.advance(room.engine.interval * 2)
    await room.engine.poll_due_feeds()
    dying = Delivery(room.storage, DiesAfterEdit(room.bot), room.clock, tz="Europe/Paris")
    with pytest.raises(Died):
        await dying.drain(budget_seconds=PATIENCE)
    await room.delivery.drain(budget_seconds=PATIENCE)  # the restarted process
    edits = room.stand_in.edits.of(message["id"])
    assert len(edits) == 2 and edits[0].body == edits[1].body  # the same text, twice
    assert [m["id"] for m in room.stand_in.world.messages[CHANNEL_ID]] == [message["id"]]
    await room.delivery.drain(budget_seconds=PATIENCE)
    assert len(room.stand_in.edits.of(message["id"])) == 2  # recorded this time
    assert len(room.posts_in()) == 1


async def test_a_deleted_message_is_left_alone(room: Newsroom) -> None:
    _, message = await posted(room, "Le stade change de nom")
    room.stand_in.world.messages[CHANNEL_ID].clear()  # an admin deleted it
    await correct(room, title="MàJ : le stade change de nom en janvier")
    [patch] = room.stand_in.sent("PATCH", rf"/channels/{CHANNEL_ID}/messages/{message['id']}")
    assert patch.status == 404
    assert (
        room.posts_in() == [room.posts_in()[0]] and room.stand_in.world.messages[CHANNEL_ID] == []
    )
    [post] = [p for p in await room.storage.list_posts() if p.message_id]
    assert not post.edit_pending and post.last_error and "edit" in post.last_error
    await room.delivery.drain(budget_seconds=PATIENCE)
    assert len(room.stand_in.sent("PATCH", r"/channels/\d+/messages/\d+")) == 1


FORUM_ID = 920_000_000_000_000_801


async def test_a_forum_post_is_edited_in_its_thread_even_once_archived(
    stand_in: StandIn, settings: Settings
) -> None:
    def forum(stand_in: StandIn) -> None:
        stand_in.world.add_forum(FORUM_ID, "revue-de-presse", ["Sport"])

    async with open_newsroom(stand_in, settings, before_start=forum) as room:
        seed(room, 1)
        room.state.page_status = 404
        answer = await add_feed(room, room.feed_url, channel=FORUM_ID)
        assert "Abonnement ajouté" in answer.texts(), answer.texts()
        await publish_news(room, "Le club de rugby monte en première division")
        await room.delivery.drain(budget_seconds=PATIENCE)
        [thread] = [t for t in stand_in.world.guilds[GUILD_ID]["threads"]
                    if t["parent_id"] == str(FORUM_ID)]  # fmt: skip
        thread["thread_metadata"]["archived"] = True  # a day later, Discord archived it
        await correct(room, title="MàJ : le club de rugby monte en première division")
        tid = int(thread["id"])
        patches = stand_in.sent("PATCH", rf"/channels/{tid}/messages/{tid}")
        assert [p.status for p in patches] == [400, 200]  # 50083, unarchived, then edited
        assert stand_in.sent("PATCH", rf"/channels/{tid}")[0].json == {"archived": False}
        [starter] = stand_in.world.messages[tid]
        assert starter["embeds"][0]["title"].startswith("MàJ : le club de rugby")
        assert "mis à jour · réf." in footer(starter)
        assert len(stand_in.sent("POST", rf"/channels/{FORUM_ID}/threads")) == 1
