"""/feed why (/flux pourquoi, issue 11) through the real bot on the stand-in: for an article URL,
what happened in this server and why, in French: posted (with the message's link), grouped with
the story's first post, held by a filter, too old, already there at the first poll, not seen yet
(with the next poll), a failing feed (with its error)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.settings import Settings
from tests.discord.newsroom import EPHEMERAL, Newsroom, open_newsroom
from tests.discord.test_story_grouping import DISPATCH, OTHER, RETOLD, _messages, _news, outlets
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    from dataclasses import replace

    async with open_newsroom(stand_in, replace(settings, story_grouping=True)) as newsroom:
        yield newsroom


async def why(room: Newsroom, link: str) -> str:
    answer = await answered(await slash(room.stand_in, "feed", "why", link=link), 15)
    assert answer.response is not None
    data = answer.response["data"]
    assert data["flags"] & EPHEMERAL and data["allowed_mentions"] == {"parse": []}
    return str(answer.texts())


async def test_feed_why_tells_what_happened_to_each_article(room: Newsroom) -> None:
    async with outlets(room, "Le Figaro") as (monde, figaro):
        assert "déjà dans le flux au premier relevé" in await why(
            room, f"{monde.base}/article/ancien"
        )
        await _news(room, monde, "m1", "La Marseillaise reprise par Maritima Médias", DISPATCH)
        await _news(room, figaro, "f1", "La Marseillaise sauvée", RETOLD)
        [first] = _messages(room)
        link = f"https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/{first['id']}"
        posted = await why(room, f"{monde.base}/article/m1?utm_source=x")
        assert f"**Le Monde** → <#{CHANNEL_ID}> : publié le " in posted and link in posted
        grouped = await why(room, f"{figaro.base}/article/f1")
        assert "même sujet qu'un article déjà publié dans le salon" in grouped
        assert f"« Aussi chez » de {link}" in grouped

        [monde_sub] = [s for s in await room.storage.list_for_guild(GUILD_ID)
                       if (await room.storage.get_feed(s.feed_id)).title == "Le Monde"]  # fmt: skip
        await answered(
            await slash(
                room.stand_in, "feed", "filter", subscription=str(monde_sub.id), exclude="glaciers"
            )
        )
        await _news(room, monde, "m2", "Les glaciers des Alpes fondent", OTHER)
        held = await why(room, f"{monde.base}/article/m2")
        assert "retenu par le filtre de l'abonnement (mot exclu : « glaciers »)" in held

        old = room.clock.now() - timedelta(days=5)
        monde.add("m3", title="Un article de la semaine dernière", published=old)
        await _news(room, figaro, "f2", "Rien de neuf", "Un texte sans rapport, écrit ici.")
        assert "trop ancien" in await why(room, f"{monde.base}/article/m3")

        unseen = await why(room, "https://www.exemple.fr/jamais-vu")
        assert "Aucun flux de ce serveur n'a encore montré cet article." in unseen
        assert "**Le Figaro** : pas encore vu ; prochain relevé le " in unseen
        figaro.status = 500
        room.clock.advance(timedelta(minutes=15))
        await room.engine.poll_due_feeds()
        failing = await why(room, "https://www.exemple.fr/jamais-vu")
        assert "**Le Figaro** échoue (1 fois de suite : " in failing
        assert "Adresse invalide" in await why(room, "pas une adresse")
