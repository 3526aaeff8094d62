"""Fixtures of the Discord end-to-end tests: the stand-in and a real ``DepecheBot`` on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.discord.app import DepecheBot, Services
from bot.settings import Settings
from tests.discord_stand_in.fixtures import running, stand_in  # noqa: F401
from tests.discord_stand_in.server import StandIn

AVAILABLE_COGS = ("bot.discord.cogs.general",)  # the summary cog needs services


class FakeScheduler:
    """Counts starts; the real APScheduler is exercised by the engine's tests."""

    def __init__(self) -> None:
        self.starts = 0
        self.shutdowns = 0

    def start(self) -> None:
        self.starts += 1

    def shutdown(self, wait: bool = True) -> None:
        self.shutdowns += 1


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # The feed servers tell one story under every key; grouping is tested with it on
    # (tests/discord/test_story_grouping.py).
    return Settings(
        discord_token="stand-in-token", database_path=tmp_path / "depeche.db", story_grouping=False
    )


BotFactory = Callable[..., DepecheBot]


@pytest.fixture
def make_bot(settings: Settings) -> BotFactory:
    def make(services: Services | None = None, **kwargs: Any) -> DepecheBot:
        async def build(bot: DepecheBot) -> Services:
            return services or Services()

        kwargs.setdefault("cogs", AVAILABLE_COGS)
        return DepecheBot(
            kwargs.pop("settings", settings), build, guild_ready_timeout=0.05, **kwargs
        )

    return make


@pytest.fixture
async def bot(stand_in: StandIn, make_bot: BotFactory) -> AsyncIterator[DepecheBot]:  # noqa: F811
    instance = make_bot()
    async with running(instance):
        yield instance
