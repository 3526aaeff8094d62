"""The stand-in's forums, threads and announcement channels refuse what Discord refuses, through
the unmodified discord.py HTTP client: forum post names and tags, a required tag, no nonce
de-duplication on forum posts, no message into a forum or an archived thread, unarchiving a
locked thread, crossposting once and only in an announcement channel, archived-thread paging."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.test_stand_in import TinyBot
from tests.discord_stand_in.world import ANNOUNCEMENT, CHANNEL_ID, GUILD_ID

FORUM_ID, STRICT_ID = 920_000_000_000_000_501, 920_000_000_000_000_502
NEWS_ID = 920_000_000_000_000_503
THREAD_ID, LOCKED_ID = 920_000_000_000_000_601, 920_000_000_000_000_602


@pytest.fixture
async def http(stand_in: StandIn) -> AsyncIterator[discord.http.HTTPClient]:
    world = stand_in.world
    world.add_forum(FORUM_ID, "forum", [f"tag{n}" for n in range(7)])
    world.add_forum(STRICT_ID, "strict", ["seul"], require_tag=True)
    world.add_channel(NEWS_ID, "annonces", kind=ANNOUNCEMENT)
    world.add_thread(THREAD_ID, "fil", CHANNEL_ID, archived=True)
    world.add_thread(LOCKED_ID, "verrou", CHANNEL_ID, archived=True, locked=True)
    bot = TinyBot()
    async with running(bot):
        yield bot.http


async def post(http: discord.http.HTTPClient, forum_id: int, **fields: Any) -> Any:
    channel = {"name": "Un article", "auto_archive_duration": 1440, **fields}
    message = channel.pop("message", {"content": "bonjour"})
    with discord.http.handle_message_parameters(
        content=message.get("content") or discord.utils.MISSING, channel_payload=channel
    ) as params:
        return await http.start_thread_in_forum(forum_id, params=params)


async def refused(awaitable: Any) -> tuple[int, int]:
    with pytest.raises(discord.HTTPException) as caught:
        await awaitable
    return caught.value.status, caught.value.code


async def test_forum_posts_follow_discords_rules(stand_in: StandIn, http: Any) -> None:
    tags = [t["id"] for t in (stand_in.world.find_channel(FORUM_ID) or {})["available_tags"]]
    created = await post(http, FORUM_ID, applied_tags=tags[:5])
    assert created["id"] == created["message"]["id"] and created["applied_tags"] == tags[:5]
    assert created["parent_id"] == str(FORUM_ID)
    assert await refused(post(http, FORUM_ID, name="x" * 101)) == (400, 50035)
    assert await refused(post(http, FORUM_ID, name="")) == (400, 50035)
    assert await refused(post(http, FORUM_ID, applied_tags=tags[:6])) == (400, 50035)
    assert await refused(post(http, FORUM_ID, applied_tags=["123"])) == (400, 50035)
    assert await refused(post(http, STRICT_ID)) == (400, 40067)
    assert await refused(post(http, FORUM_ID, message={"content": "x" * 2001})) == (400, 50035)
    again = await post(http, FORUM_ID)
    twice = await post(http, FORUM_ID)  # same body: nothing de-duplicates a forum post
    assert again["id"] != twice["id"]
    assert await refused(http.send_message(FORUM_ID, params=_content("x"))) == (400, 50008)
    assert await refused(http.logs_from(FORUM_ID, 100)) == (400, 50024)
    starter = await http.get_message(int(twice["id"]), int(twice["id"]))
    assert starter["content"] == "bonjour"


def _content(text: str) -> Any:
    with discord.http.handle_message_parameters(content=text) as params:
        return params


async def test_archived_threads_refuse_messages_until_unarchived(
    stand_in: StandIn, http: Any
) -> None:
    assert await refused(http.send_message(THREAD_ID, params=_content("x"))) == (400, 50083)
    active = await http.get_active_threads(GUILD_ID)
    assert str(THREAD_ID) not in [t["id"] for t in active["threads"]]
    archived = await http.get_public_archived_threads(CHANNEL_ID, limit=2)
    assert {t["id"] for t in archived["threads"]} == {str(THREAD_ID), str(LOCKED_ID)}
    assert await refused(http.get_public_archived_threads(CHANNEL_ID, limit=101)) == (400, 50035)
    assert await refused(http.edit_channel(LOCKED_ID, archived=False)) == (403, 50013)
    await http.edit_channel(THREAD_ID, archived=False)
    await http.send_message(THREAD_ID, params=_content("réveillé"))
    assert [m["content"] for m in stand_in.world.messages[THREAD_ID]] == ["réveillé"]
    active = await http.get_active_threads(GUILD_ID)
    assert str(THREAD_ID) in [t["id"] for t in active["threads"]]


async def test_crossposts_once_and_only_from_an_announcement_channel(
    stand_in: StandIn, http: Any
) -> None:
    news = await http.send_message(NEWS_ID, params=_content("annonce"))
    published = await http.publish_message(NEWS_ID, int(news["id"]))
    assert published["flags"] & 1 and stand_in.world.crossposts == [news["id"]]
    assert await refused(http.publish_message(NEWS_ID, int(news["id"]))) == (400, 40033)
    plain = await http.send_message(CHANNEL_ID, params=_content("texte"))
    assert await refused(http.publish_message(CHANNEL_ID, int(plain["id"]))) == (400, 50024)
    assert await refused(http.publish_message(NEWS_ID, 1)) == (404, 10008)


async def test_one_thread_under_a_message_of_a_text_channel(stand_in: StandIn, http: Any) -> None:
    sent = await http.send_message(CHANNEL_ID, params=_content("à discuter"))
    thread = await http.start_thread_with_message(
        CHANNEL_ID, int(sent["id"]), name="Discussion", auto_archive_duration=1440
    )
    assert thread["id"] == sent["id"] and thread["parent_id"] == str(CHANNEL_ID)
    again = http.start_thread_with_message(
        CHANNEL_ID, int(sent["id"]), name="Encore", auto_archive_duration=1440
    )
    assert await refused(again) == (400, 160004)
    other = await http.send_message(CHANNEL_ID, params=_content("autre"))
    too_long = http.start_thread_with_message(
        CHANNEL_ID, int(other["id"]), name="x" * 101, auto_archive_duration=1440
    )
    assert await refused(too_long) == (400, 50035)
    in_forum = http.start_thread_with_message(
        FORUM_ID, int(other["id"]), name="x", auto_archive_duration=1440
    )
    assert await refused(in_forum) == (400, 50024)
