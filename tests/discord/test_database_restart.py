"""The bot rides out a restart of its PostgreSQL server: the real bot on the stand-in, the real
engine and delivery, the test cluster stopped and started again on the same port. Meanwhile a
slash command answers in French that the database is unavailable, the poll and delivery runs
fail at their boundary; afterwards every new article is posted exactly once."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.discord.error_handler import DATABASE_DOWN
from bot.settings import Settings
from storage.errors import UnavailableError
from tests.discord.newsroom import EPHEMERAL, add_feed, open_newsroom, seed
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.server import StandIn
from tests.patience import PATIENCE
from tests.postgres import PostgresServer


async def test_a_database_restart_loses_nothing_and_commands_say_so_in_french(
    stand_in: StandIn, settings: Settings, stoppable_postgres: PostgresServer, postgres_url: str
) -> None:
    settings = replace(settings, database_url=postgres_url)
    async with open_newsroom(stand_in, settings) as room:
        seed(room, 2)
        room.state.page_status = 404  # summaries from the feed's own text: quick and stable
        assert "Abonnement ajouté" in (await add_feed(room, room.feed_url)).texts()
        for n in (3, 4, 5):
            room.state.add(str(n), title=f"Article numéro {n} du journal",
                           published=room.clock.now() - timedelta(minutes=10 - n))  # fmt: skip
        room.clock.advance(timedelta(minutes=15))
        await room.engine.poll_due_feeds()  # three posts pending, none sent yet
        stoppable_postgres.shut_down("fast")
        with pytest.raises(UnavailableError):
            await room.deliver()
        with pytest.raises(UnavailableError):
            await room.engine.poll_due_feeds()
        call = await answered(await slash(room.stand_in, "feed", "list"))
        assert call.texts() == DATABASE_DOWN
        assert call.response is not None and call.response["data"]["flags"] == EPHEMERAL
        stoppable_postgres.start_again()
        async with asyncio.timeout(PATIENCE):
            while not room.storage.is_available:  # noqa: ASYNC110 - the backend's own state
                await asyncio.sleep(0.05)
        await room.deliver()
        await room.next_cycle()  # nothing new: posts nothing
        titles = Counter(p["embeds"][0]["title"] for p in room.posts_in())
        assert titles == Counter(f"Article numéro {n} du journal" for n in (3, 4, 5))
        listing = await answered(await slash(room.stand_in, "feed", "list"))
        assert listing.texts() != DATABASE_DOWN
