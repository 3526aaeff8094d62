"""Pytest fixtures and helpers: start the stand-in, point discord.py at it, run the real bot.

Use from a conftest: ``from tests.discord_stand_in.fixtures import stand_in  # noqa: F401``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.discord_stand_in.server import StandIn
from tests.patience import PATIENCE

TOKEN = "stand-in-token"


@pytest.fixture
async def stand_in(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[StandIn]:
    """A running stand-in; ``Route.BASE`` and ``DEFAULT_GATEWAY`` point at it (restored after).

    Discord forgets an interaction not answered within 3 s (10062). That rule is a clock: on a
    busy machine the bot's loop may reach the last of 200 queued interactions later than that
    while doing nothing wrong, so the suite's stand-in waits for the patience instead. What the
    rule protects (the answer, or the deferral, comes before any slow work) is proven by what
    happened: the deferral precedes the page fetch (X12 tests)."""
    server = StandIn(interaction_deadline=PATIENCE)
    await server.start()
    monkeypatch.setattr(Route, "BASE", server.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway.url))
    try:
        yield server
    finally:
        await server.close()


@contextlib.asynccontextmanager
async def running(
    bot: discord.Client, *, token: str = TOKEN, within: float = PATIENCE
) -> AsyncIterator[None]:
    """Log the real bot in to the stand-in, connect it and wait until it is ready; close after."""
    await bot.login(token)
    task = asyncio.create_task(bot.connect(reconnect=True), name="stand-in-bot")
    try:
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, task}, timeout=within, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            ready.cancel()
            task.result()  # raises the connection error
        if ready not in done:
            ready.cancel()
            raise TimeoutError("the bot did not become ready")
        yield
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)
