"""/trends (/tendances, issue 11) through the real bot on the stand-in: a topic several articles
of the day carry, unseen the week before, rises; one the week already knew does not."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.settings import Settings
from tests.discord.newsroom import EPHEMERAL, Newsroom, open_newsroom
from tests.discord.test_story_grouping import outlets
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


async def _poll(room: Newsroom) -> None:
    room.clock.advance(timedelta(minutes=15))
    await room.engine.poll_due_feeds()


async def test_trends_show_what_rises_against_the_week_before(room: Newsroom) -> None:
    async with outlets(room) as (monde,):
        for n in range(3):  # the week before: one "Météo" article a day
            monde.add(f"w{n}", title=f"Le temps du jour {n}", categories=("Météo",),
                      description=f"Un bulletin de la semaine, numéro {n}, écrit ici.",
                      published=room.clock.now())  # fmt: skip
            await _poll(room)
            room.clock.advance(timedelta(days=2))
        for n in range(3):
            topics = ("Retraites", "Météo") if n == 0 else ("Retraites",)
            text = f"Un texte différent sur la réforme, partie {n}, écrit ici."
            title = ("Réforme des retraites : le Sénat vote", "Réforme des retraites : grève",
                     "Réforme des retraites : les syndicats reçus")[n]  # fmt: skip
            monde.add(f"r{n}", title=title, categories=topics,
                      published=room.clock.now(), description=text)  # fmt: skip
            await _poll(room)
        answer = await answered(await slash(room.stand_in, "trends", admin=False), 15)
        assert answer.response is not None
        data = answer.response["data"]
        assert data["flags"] & EPHEMERAL
        [embed] = data["embeds"]
        assert embed["title"] == "Tendances des dernières 24 h"
        lines = embed["description"].split("\n")
        assert lines[0] == "**Retraites** : 3 articles (nouveau, ×4)"
        assert not any("Météo" in line for line in lines)  # once today, as usual
        assert embed["footer"]["text"] == "3 articles comparés à la semaine d'avant"
