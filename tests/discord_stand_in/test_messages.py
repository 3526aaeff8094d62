"""The stand-in edits a channel message as Discord does, through the unmodified discord.py client
(``Message.edit`` and ``HTTPClient.edit_message``): the author alone changes content and embeds,
an unknown message is 404 10008, Discord's limits hold, an edit cannot empty a message or touch
an archived thread, ``edited_timestamp`` is set and MESSAGE_UPDATE reaches the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import discord
import pytest

from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, MEMBER_ID
from tests.patience import PATIENCE

THREAD_ID = 920_000_000_000_000_701


class ListeningBot(discord.Client):
    """A client with the guild messages intent, so that MESSAGE_UPDATE reaches it."""

    def __init__(self) -> None:
        intents = discord.Intents(guilds=True, guild_messages=True)
        super().__init__(intents=intents, guild_ready_timeout=0.05)


@pytest.fixture
async def bot(stand_in: StandIn) -> AsyncIterator[ListeningBot]:
    stand_in.world.add_thread(THREAD_ID, "fil", CHANNEL_ID, archived=False)
    client = ListeningBot()
    async with running(client):
        yield client


def _params(**fields: Any) -> Any:
    with discord.http.handle_message_parameters(**fields) as params:
        return params


async def refused(awaitable: Any) -> tuple[int, int]:
    with pytest.raises(discord.HTTPException) as caught:
        await awaitable
    return caught.value.status, caught.value.code


async def test_the_author_edits_content_and_embeds_in_place(
    stand_in: StandIn, bot: ListeningBot
) -> None:
    channel = bot.get_channel(CHANNEL_ID)
    assert isinstance(channel, discord.TextChannel)
    sent = await channel.send("Titre", embed=discord.Embed(title="Avant"), nonce="n-edit")
    assert sent.edited_at is None
    updates: asyncio.Future[discord.RawMessageUpdateEvent] = asyncio.ensure_future(
        bot.wait_for("raw_message_edit", timeout=PATIENCE)
    )
    edited = await sent.edit(content="Titre (mis à jour)")
    assert edited.id == sent.id and edited.content == "Titre (mis à jour)"
    assert edited.edited_at is not None
    assert [e.title for e in edited.embeds] == ["Avant"]  # embeds not given: kept
    stored = stand_in.world.messages[CHANNEL_ID]
    assert len(stored) == 1 and stored[0]["content"] == "Titre (mis à jour)"
    assert "nonce" not in stored[0] and stored[0]["edited_timestamp"]
    event = await updates
    assert event.message_id == sent.id and event.data["content"] == "Titre (mis à jour)"
    again = await sent.edit(content=None, embed=discord.Embed(title="Après"))
    assert again.content == "" and [e.title for e in again.embeds] == ["Après"]
    assert [len(stand_in.edits.of(sent.id))] == [2]


async def test_edits_discord_refuses(stand_in: StandIn, bot: ListeningBot) -> None:
    http = bot.http
    world = stand_in.world
    own = await http.send_message(CHANNEL_ID, params=_params(content="à moi"))
    own_id = int(own["id"])
    missing = http.edit_message(CHANNEL_ID, 1, params=_params(content="x"))
    assert await refused(missing) == (404, 10008)
    nowhere = http.edit_message(1, own_id, params=_params(content="x"))
    assert await refused(nowhere) == (404, 10003)
    too_long = http.edit_message(CHANNEL_ID, own_id, params=_params(content="x" * 2001))
    assert await refused(too_long) == (400, 50035)
    big = discord.Embed(title="t", description="d" * 4097)
    assert await refused(http.edit_message(CHANNEL_ID, own_id, params=_params(embed=big))) == (
        400,
        50035,
    )
    emptied = http.edit_message(CHANNEL_ID, own_id, params=_params(content=None))
    assert await refused(emptied) == (400, 50006)
    member = world.add_message(CHANNEL_ID, world.users[MEMBER_ID], "chez moi")
    theirs = http.edit_message(CHANNEL_ID, int(member["id"]), params=_params(content="à toi"))
    assert await refused(theirs) == (403, 50005)
    flags_only = http.edit_message(
        CHANNEL_ID,
        int(member["id"]),
        params=_params(flags=discord.MessageFlags(suppress_embeds=True)),
    )
    assert await refused(flags_only) == (403, 50013)  # without Manage Messages
    hooked = world.add_message(CHANNEL_ID, world.bot_user, "par webhook", webhook_id="77")
    by_hook = http.edit_message(CHANNEL_ID, int(hooked["id"]), params=_params(content="y"))
    assert await refused(by_hook) == (403, 50005)  # a webhook's message is the webhook's
    in_thread = await http.send_message(THREAD_ID, params=_params(content="dans le fil"))
    (world.find_channel(THREAD_ID) or {})["thread_metadata"]["archived"] = True
    archived = http.edit_message(THREAD_ID, int(in_thread["id"]), params=_params(content="z"))
    assert await refused(archived) == (400, 50083)
    assert [m["content"] for m in world.messages[CHANNEL_ID]] == [
        "à moi",
        "chez moi",
        "par webhook",
    ]
    assert stand_in.edits.edits == [] and all(
        m["edited_timestamp"] is None for m in world.messages[CHANNEL_ID]
    )


async def test_only_suppress_embeds_changes_among_the_flags(
    stand_in: StandIn, bot: ListeningBot
) -> None:
    sent = await bot.http.send_message(CHANNEL_ID, params=_params(content="https://exemple.fr"))
    stored = stand_in.world.messages[CHANNEL_ID][0]
    stored["flags"] = 1  # crossposted, say: not an edit's business
    edited = await bot.http.edit_message(
        CHANNEL_ID,
        int(sent["id"]),
        params=_params(flags=discord.MessageFlags(suppress_embeds=True)),
    )
    assert edited["flags"] == 1 | 4 and edited["edited_timestamp"] is None
