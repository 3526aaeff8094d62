"""The stand-in's history and nonces behave like Discord's: history pages by ``before``,
``after`` and ``around`` (newest first, ``limit`` 1-100, else 400), message ids are snowflakes of
their creation time, and a nonce is only in the create response and MESSAGE_CREATE, never in
history; ``enforce_nonce`` only de-duplicates inside its window."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.history import (
    HistoryQueryError,
    SnowflakeMaker,
    history_page,
    parse_query,
    snowflake_at,
    snowflake_time_ms,
)
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, MEMBER_ID
from tests.patience import PATIENCE


def messages(*ids: int) -> list[dict[str, Any]]:
    return [{"id": str(i)} for i in ids]


def ids(page: list[Any]) -> list[int]:
    return [int(m["id"]) for m in page]


HISTORY = messages(*range(10, 20))  # ten messages, oldest first


def test_pages_are_newest_first_whatever_the_cursor() -> None:
    assert ids(history_page(HISTORY, None, None, 3)) == [19, 18, 17]
    assert ids(history_page(HISTORY, "before", 15, 3)) == [14, 13, 12]
    assert ids(history_page(HISTORY, "after", 15, 3)) == [18, 17, 16]  # the oldest after 15
    assert ids(history_page(HISTORY, "after", 17, 100)) == [19, 18]
    assert ids(history_page(HISTORY, "after", 19, 100)) == []
    assert ids(history_page(HISTORY, "before", 10, 100)) == []


def test_around_gives_the_message_and_half_the_limit_on_each_side() -> None:
    assert ids(history_page(HISTORY, "around", 15, 4)) == [17, 16, 15, 14, 13]  # limit + 1
    assert ids(history_page(HISTORY, "around", 15, 3)) == [16, 15, 14]
    assert ids(history_page(HISTORY, "around", 15, 1)) == [15]
    assert ids(history_page(HISTORY, "around", 11, 100)) == list(range(19, 9, -1))
    unknown = history_page(messages(10, 20, 30), "around", 25, 2)  # a time, not a message
    assert ids(unknown) == [30, 20]


def test_paging_forward_with_after_visits_every_message_once() -> None:
    history = messages(*range(1000, 1250))
    seen: list[int] = []
    cursor = 999
    while True:
        page = history_page(history, "after", cursor, 100)
        seen += reversed(ids(page))
        if len(page) < 100:
            break
        cursor = ids(page)[0]  # the newest of the page, as discord.py's after strategy
    assert seen == list(range(1000, 1250))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "cent"}, "limit"),
        ({"after": "demain"}, "after"),
        ({"before": "-1"}, "before"),
        ({"before": "5", "after": "3"}, "after"),
        ({"after": "5", "around": "3"}, "around"),
    ],
)
def test_queries_discord_refuses(query: dict[str, str], field: str) -> None:
    with pytest.raises(HistoryQueryError) as caught:
        parse_query(query)
    assert caught.value.field == field


def test_query_defaults_and_bounds() -> None:
    assert parse_query({}) == (None, None, 50)
    assert parse_query({"limit": "1"}) == (None, None, 1)
    assert parse_query({"limit": "100", "after": "42"}) == ("after", 42, 100)


def test_snowflakes_follow_the_time_they_are_made_at() -> None:
    moment = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    millis = int(moment.timestamp() * 1000)
    assert snowflake_time_ms(snowflake_at(millis)) == millis
    assert snowflake_at(millis) == discord.utils.time_snowflake(moment)
    clock_ms = [millis]
    make = SnowflakeMaker(lambda: clock_ms[0])
    first, second = make(), make()
    assert snowflake_at(millis) <= first < second  # same millisecond: still increasing
    clock_ms[0] += 1
    assert make() >= snowflake_at(millis + 1)


class Listener(discord.Client):
    """A client with the intent that receives MESSAGE_CREATE, keeping the nonces it sees."""

    def __init__(self) -> None:
        intents = discord.Intents(guilds=True, guild_messages=True)
        super().__init__(intents=intents, guild_ready_timeout=0.05)
        self.created: asyncio.Queue[discord.Message] = asyncio.Queue()

    async def on_message(self, message: discord.Message) -> None:
        await self.created.put(message)


async def test_a_nonce_is_in_the_response_and_the_event_never_in_history(
    stand_in: StandIn,
) -> None:
    client = Listener()
    async with running(client):
        before = datetime.now(UTC)
        sent = await client.get_partial_messageable(CHANNEL_ID).send("salut", nonce="n-1")
        after = datetime.now(UTC)
        assert sent.nonce == "n-1"  # the create response
        event = await asyncio.wait_for(client.created.get(), PATIENCE)
        assert event.id == sent.id and event.nonce == "n-1"  # MESSAGE_CREATE
        assert discord.utils.time_snowflake(before) <= sent.id
        assert sent.id <= discord.utils.time_snowflake(after, high=True)
        raw = await client.http.logs_from(CHANNEL_ID, 10)
        assert [m["id"] for m in raw] == [str(sent.id)]
        assert "nonce" not in raw[0]
        [read] = [m async for m in client.get_partial_messageable(CHANNEL_ID).history(limit=5)]
        assert read.id == sent.id and read.nonce is None


async def test_enforce_nonce_deduplicates_inside_its_window_only(stand_in: StandIn) -> None:
    client = Listener()
    async with running(client):
        channel = client.get_partial_messageable(CHANNEL_ID)
        first = await channel.send("un", nonce="n-2")
        again = await channel.send("un", nonce="n-2")  # discord.py sets enforce_nonce
        assert again.id == first.id and len(stand_in.world.messages[CHANNEL_ID]) == 1
        stand_in.world.nonce_window = 0.0  # the window is over (a restart after an outage)
        late = await channel.send("un", nonce="n-2")
        assert late.id != first.id and len(stand_in.world.messages[CHANNEL_ID]) == 2
        body = stand_in.sent()[0].json
        assert body["enforce_nonce"] is True


async def test_discord_py_pages_history_through_the_stand_in(stand_in: StandIn) -> None:
    """250 messages (a member's and the bot's): discord.py's own history iterators, which
    page by ``before`` (newest first) and by ``after`` (oldest first), see each one once."""
    client = Listener()
    member = stand_in.world.users[MEMBER_ID]
    async with running(client):
        channel = client.get_partial_messageable(CHANNEL_ID)
        created = [
            stand_in.world.add_message(CHANNEL_ID, member, f"m{n}")["id"] for n in range(240)
        ]
        created += [str((await channel.send(f"bot {n}")).id) for n in range(10)]
        newest_first = [str(m.id) async for m in channel.history(limit=None)]
        assert newest_first == list(reversed(created))
        start = discord.Object(int(created[0]) - 1)
        oldest_first = [str(m.id) async for m in channel.history(limit=None, after=start)]
        assert oldest_first == created
        middle = int(created[100])
        around = [m.id async for m in channel.history(limit=7, around=discord.Object(middle))]
        assert sorted(around) == sorted(int(i) for i in created[97:104])
        gets = stand_in.sent("GET", rf"/channels/{CHANNEL_ID}/messages")
        assert all(1 <= int(r.query["limit"]) <= 100 for r in gets)
        with pytest.raises(discord.HTTPException) as caught:
            await client.http.logs_from(CHANNEL_ID, 101)
        assert (caught.value.status, caught.value.code) == (400, 50035)
        with pytest.raises(discord.HTTPException):
            await client.http.logs_from(CHANNEL_ID, 0)
