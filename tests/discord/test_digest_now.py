"""/digest now (/revue maintenant, issue 11) through the real bot on the stand-in: the day's
stories of the server, the one told by two outlets first with both named, ephemeral for a
member, public only for an admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.settings import Settings
from summarizer.digest import digest_day, digest_title
from tests.discord.newsroom import EPHEMERAL, Newsroom, open_newsroom
from tests.discord.test_story_grouping import DISPATCH, OTHER, RETOLD, _news, outlets
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, replace(settings, story_grouping=True)) as newsroom:
        yield newsroom


async def test_the_days_review_ranks_the_story_most_outlets_told_first(room: Newsroom) -> None:
    async with outlets(room, "Le Figaro", "Franceinfo") as (monde, figaro, franceinfo):
        await _news(room, monde, "m1", "La Marseillaise reprise par Maritima Médias", DISPATCH)
        await _news(room, franceinfo, "i1", "Les glaciers des Alpes fondent", OTHER)
        await _news(room, figaro, "f1", "La Marseillaise sauvée", RETOLD)
        answer = await answered(await slash(room.stand_in, "digest", "now", admin=False), 15)
        assert answer.response is not None
        data = answer.response["data"]
        assert data["flags"] & EPHEMERAL and data["allowed_mentions"] == {"parse": []}
        [embed] = data["embeds"]
        assert embed["title"] == digest_title(digest_day(room.clock.now(), "Europe/Paris"))
        first, second = embed["description"].split("\n\n")
        assert first.startswith("**1. La Marseillaise reprise par Maritima Médias** (2 sources)")
        assert first.endswith("Le Monde · Le Figaro")  # 127.0.0.1 links are not shown (S17)
        assert second.startswith("**2. Les glaciers des Alpes fondent**")

        refused = await answered(
            await slash(room.stand_in, "digest", "now", public=True, admin=False), 15
        )
        assert "Seuls les membres qui gèrent le serveur" in refused.texts()
        shown = await answered(await slash(room.stand_in, "digest", "now", public=True), 15)
        assert shown.response is not None
        assert not shown.response["data"].get("flags", 0) & EPHEMERAL
