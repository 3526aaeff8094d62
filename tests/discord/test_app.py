"""The real DepecheBot against the stand-in: login, command sync, /help, /ping, errors."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from bot.discord.app import DepecheBot, Services
from bot.settings import Settings
from tests.discord.conftest import BotFactory, FakeScheduler
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import GUILD_ID

EPHEMERAL = 64


async def test_sync_sends_french_localizations(stand_in: StandIn, bot: DepecheBot) -> None:
    commands = {c["name"]: c for c in stand_in.world.commands[None]}
    assert {"help", "ping"} <= set(commands)
    assert commands["help"]["name_localizations"]["fr"] == "aide"
    assert commands["help"]["description_localizations"]["fr"].startswith("Ce que fait")
    assert stand_in.world.command_puts[None] == 1


async def test_second_start_does_not_resync_unchanged_commands(
    stand_in: StandIn, make_bot: BotFactory
) -> None:
    async with running(make_bot()):
        pass
    async with running(make_bot()):
        pass
    assert stand_in.world.command_puts[None] == 1
    puts = [r for r in stand_in.requests if r.method == "PUT"]
    assert len(puts) == 1


async def test_guild_sync_when_guild_id_is_set(
    stand_in: StandIn, make_bot: BotFactory, settings: Settings
) -> None:
    bot = make_bot(settings=replace(settings, discord_guild_id=GUILD_ID))
    async with running(bot):
        assert [c["guild_id"] for c in stand_in.world.commands[GUILD_ID]] == [str(GUILD_ID)] * 2
        answer = await answered(await slash(stand_in, "ping"))
    assert answer.texts().startswith("Pong")


async def test_help_is_french_and_ephemeral(stand_in: StandIn, bot: DepecheBot) -> None:
    answer = await answered(await slash(stand_in, "help"))
    assert answer.response is not None
    assert answer.response["type"] == 4
    assert answer.response["data"]["flags"] & EPHEMERAL
    assert "/flux ajouter" in answer.texts()
    assert answer.response["data"]["allowed_mentions"] == {"parse": []}


async def test_ping_answers_at_once_without_deferring(stand_in: StandIn, bot: DepecheBot) -> None:
    """/ping replies in its interaction response (type 4), with no deferral or follow-up: the
    stand-in accepts a response only within Discord's three seconds."""
    answer = await answered(await slash(stand_in, "ping"))
    assert answer.texts().startswith("Pong")
    assert answer.response is not None and answer.response["type"] == 4
    assert answer.followups == []


async def test_x10_on_ready_three_times_starts_one_scheduler(
    stand_in: StandIn, make_bot: BotFactory
) -> None:
    """X10: three READYs (reconnects with a new session) start one scheduler and sync the
    commands once."""
    scheduler = FakeScheduler()
    bot = make_bot(Services(scheduler=scheduler))

    async def identify_at_once(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a non-initial IDENTIFY; skip that pacing only."""

    bot.before_identify_hook = identify_at_once  # type: ignore[method-assign]
    async with running(bot):
        for _ in range(2):
            reconnected = asyncio.ensure_future(bot.wait_for("ready", timeout=5))
            await stand_in.gateway.invalidate_sessions()
            await reconnected
        assert stand_in.gateway.identify_count == 3
        assert bot.ready_count == 3
        assert scheduler.starts == 1
        assert stand_in.world.command_puts[None] == 1
    assert scheduler.shutdowns == 1
