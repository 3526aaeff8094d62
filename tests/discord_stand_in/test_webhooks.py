"""The stand-in's channel webhooks through the unmodified discord.py client: creation needs
Manage Webhooks and a proper name, an execution with ``wait=True`` returns the message authored
by the webhook under the name and avatar given, takes no nonce (two executions, two messages),
and a deleted webhook answers 404 10015."""

from __future__ import annotations

from collections.abc import AsyncIterator

import discord
import pytest

from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.test_stand_in import TinyBot
from tests.discord_stand_in.webhooks import MANAGE_WEBHOOKS
from tests.discord_stand_in.world import CHANNEL_ID, OTHER_CHANNEL_ID

THREAD_ID = 920_000_000_000_000_901


@pytest.fixture
async def bot(stand_in: StandIn) -> AsyncIterator[TinyBot]:
    stand_in.world.grant_bot(MANAGE_WEBHOOKS)
    stand_in.world.add_thread(THREAD_ID, "fil", CHANNEL_ID)
    client = TinyBot()
    async with running(client):
        yield client


async def refused(awaitable: object) -> tuple[int, int]:
    with pytest.raises(discord.HTTPException) as caught:
        await awaitable  # type: ignore[misc]
    return caught.value.status, caught.value.code


async def test_a_webhook_posts_as_the_source(stand_in: StandIn, bot: TinyBot) -> None:
    data = await bot.http.create_webhook(CHANNEL_ID, name="Dépêche")
    assert data["token"] and data["channel_id"] == str(CHANNEL_ID)
    hook = discord.Webhook.partial(int(data["id"]), data["token"], client=bot)
    sent = await hook.send(
        "Le pont rouvre", username="Le Journal", avatar_url="https://exemple.fr/logo.png",
        wait=True,
    )  # fmt: skip
    assert sent.author.name == "Le Journal" and sent.webhook_id == int(data["id"])
    again = await hook.send("Le pont rouvre", username="Le Journal", wait=True)
    assert again.id != sent.id  # no nonce: nothing de-duplicates an execution
    stored = stand_in.world.messages[CHANNEL_ID]
    assert [m["author"]["id"] for m in stored] == [data["id"], data["id"]]
    assert stand_in.hooks.executions[0]["avatar_url"] == "https://exemple.fr/logo.png"
    listed = await bot.http.channel_webhooks(CHANNEL_ID)
    assert [h["id"] for h in listed] == [data["id"]]
    in_thread = await hook.send("dans le fil", thread=discord.Object(THREAD_ID), wait=True)
    assert in_thread.channel.id == THREAD_ID

    stand_in.hooks.delete(data["id"])  # an admin deleted it
    assert await refused(hook.send("x", wait=True)) == (404, 10015)
    assert len(stand_in.world.messages[CHANNEL_ID]) == 2


async def test_creating_a_webhook_follows_discords_rules(stand_in: StandIn, bot: TinyBot) -> None:
    assert await refused(bot.http.create_webhook(CHANNEL_ID, name="Discord News")) == (400, 50035)
    assert await refused(bot.http.create_webhook(CHANNEL_ID, name="")) == (400, 50035)
    assert await refused(bot.http.create_webhook(THREAD_ID, name="Dépêche")) == (400, 50024)
    stand_in.world.deny_bot(OTHER_CHANNEL_ID, MANAGE_WEBHOOKS)
    assert await refused(bot.http.create_webhook(OTHER_CHANNEL_ID, name="Dépêche")) == (
        403,
        50013,
    )
    for _ in range(15):
        await bot.http.create_webhook(CHANNEL_ID, name="Dépêche")
    assert await refused(bot.http.create_webhook(CHANNEL_ID, name="Dépêche")) == (400, 30007)
    data = await bot.http.channel_webhooks(CHANNEL_ID)
    hook = discord.Webhook.partial(int(data[0]["id"]), "mauvais-jeton", client=bot)
    assert await refused(hook.send("x", wait=True)) == (404, 10015)
    good = discord.Webhook.partial(int(data[0]["id"]), data[0]["token"], client=bot)
    assert await refused(good.send("x", username="clyde", wait=True)) == (400, 50035)
