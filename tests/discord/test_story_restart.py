"""Same story after a restart (issue 11): a new engine (a restarted bot) rebuilds its story index
from storage, so an outlet retelling a story posted before the restart is still grouped."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.news.engine import Engine
from bot.settings import Settings
from tests.discord.newsroom import Newsroom, open_newsroom
from tests.discord.test_story_grouping import DISPATCH, RETOLD, _messages, _news, outlets
from tests.discord_stand_in.server import StandIn


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, replace(settings, story_grouping=True)) as newsroom:
        yield newsroom


async def test_a_restarted_engine_still_groups_a_story_posted_before(room: Newsroom) -> None:
    async with outlets(room, "Le Figaro") as (monde, figaro):
        await _news(room, monde, "m1", "La Marseillaise reprise par Maritima Médias", DISPATCH)
        [first] = _messages(room)
        old = room.engine
        room.engine = Engine(old.settings, room.storage, old.fetcher, old.workers, room.clock,
                             rng=random.Random(5))  # fmt: skip
        assert room.engine.stories is not old.stories
        room.clock.advance(timedelta(hours=3))
        await _news(room, figaro, "f1", "La Marseillaise sauvée", RETOLD)
        assert len(_messages(room)) == 1
        [edit] = room.stand_in.edits.of(first["id"])
        assert edit.body["embeds"][0]["fields"][-1] == {
            "name": "Aussi chez", "value": "Le Figaro", "inline": False
        }  # fmt: skip
