"""``Newsroom``: the end-to-end harness of the Discord tests. Everything real but Discord: the
real bot logged in to the protocol-level stand-in, a real SQLite file, the real guarded client,
engine and delivery, and a local feed server (optionally the real APScheduler too)."""

from __future__ import annotations

import contextlib
import ipaddress
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery, DeliveryReport
from bot.discord.app import COGS, DepecheBot, Services
from bot.discord.publisher import DiscordPublisher
from bot.net.client import FetchLimits, GuardedClient
from bot.news.engine import Engine
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.storage import Storage
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID
from tests.engine.feedserver import FeedState, feed_app
from tests.patience import PATIENCE
from tests.servers import serve

EPHEMERAL = 64
LOCAL = (ipaddress.ip_network("127.0.0.1/32"),)
SITE = (
    "<!doctype html><html lang='fr'><head><title>Le Journal de Test</title>"
    "<link rel='alternate' type='application/rss+xml' title='Flux' href='/feed.xml'>"
    "<link rel='apple-touch-icon' href='/logo.png'>"
    "</head><body><p>La page d'accueil du journal.</p></body></html>"
)
# A 1x1 PNG: the site's logo, a webhook's avatar for the source.
LOGO = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
NO_FEED = "<!doctype html><html><head><title>Vide</title></head><body><p>Rien.</p></body></html>"


def news_app(state: FeedState) -> web.Application:
    """The engine's feed server plus a home page advertising the feed and one without."""
    app = feed_app(state)

    async def home(request: web.Request) -> web.Response:
        return web.Response(text=SITE, content_type="text/html")

    async def bare(request: web.Request) -> web.Response:
        return web.Response(text=NO_FEED, content_type="text/html")

    async def logo(request: web.Request) -> web.Response:
        return web.Response(body=LOGO, content_type="image/png")

    app.router.add_get("/", home)
    app.router.add_get("/logo.png", logo)
    app.router.add_get("/sans-flux", bare)
    return app


@dataclass
class Newsroom:
    stand_in: StandIn
    bot: DepecheBot
    storage: Storage
    state: FeedState
    base: str
    clock: FrozenClock
    engine: Engine
    delivery: Delivery

    @property
    def feed_url(self) -> str:
        return f"{self.base}/feed.xml"

    async def deliver(self) -> DeliveryReport:
        return await self.delivery.deliver_pending()

    async def next_cycle(self) -> None:
        """Move the clock past the poll interval, poll every due feed, deliver."""
        self.clock.advance(timedelta(minutes=15))
        await self.engine.poll_due_feeds()
        await self.deliver()

    def posts_in(self, channel_id: int = CHANNEL_ID) -> list[dict[str, Any]]:
        sent = self.stand_in.sent("POST", rf"/channels/{channel_id}/messages")
        return [r.json for r in sent if r.status == 200]


@contextlib.asynccontextmanager
async def open_newsroom(
    stand_in: StandIn,
    settings: Settings,
    *,
    scheduler: dict[str, float] | None = None,
    before_start: Any = None,
    start: datetime | None = None,
) -> AsyncIterator[Newsroom]:
    """Everything real but Discord (the stand-in): optionally the real APScheduler too; the
    swappable clock at ``start`` (else now) from the first job on."""
    from bot.run.scheduler import build_scheduler

    settings = replace(settings, allowed_private_networks=LOCAL, poll_interval_minutes=10)
    state = FeedState(etag=None)  # no 304s: every poll reads the body
    clock = FrozenClock(start or datetime.now(UTC).replace(microsecond=0))
    workers = WorkerPool(size=2, mode="thread", timeout=PATIENCE)
    storage = await Storage.open(settings.database)  # DATABASE_URL when set
    limits = FetchLimits(total=5, connect=2, sock_read=5)
    fetcher = GuardedClient.from_settings(settings, limits=limits)
    async with contextlib.AsyncExitStack() as stack:  # closed even when the test body fails
        stack.push_async_callback(storage.close)
        stack.callback(workers.close)
        base = await stack.enter_async_context(serve(news_app(state)))
        await stack.enter_async_context(fetcher)
        state.base = base
        engine = Engine(settings, storage, fetcher, workers, clock, rng=random.Random(3))
        services = Services(storage=storage, fetcher=fetcher, engine=engine, workers=workers)

        async def build(bot: DepecheBot) -> Services:
            return services

        bot = DepecheBot(settings, build, cogs=COGS, guild_ready_timeout=0.05)
        publisher = DiscordPublisher(bot, webhooks=storage)  # wired as bot.run.discord_mode does
        delivery = Delivery(storage, publisher, clock, tz=settings.timezone)
        if scheduler is not None:
            services.scheduler = build_scheduler(engine, delivery, settings, **scheduler)
        if before_start is not None:
            before_start(stand_in)
        room = Newsroom(stand_in, bot, storage, state, base, clock, engine, delivery)
        async with running(bot):
            yield room


@pytest.fixture
async def room(stand_in: StandIn, settings: Settings) -> AsyncIterator[Newsroom]:
    async with open_newsroom(stand_in, settings) as newsroom:
        yield newsroom


def seed(room: Newsroom, count: int = 5) -> None:
    """``count`` recent items, the newest first (keys 1..count, 1 the oldest)."""
    for n in range(1, count + 1):
        room.state.add(
            str(n), title=f"Article numéro {n} du journal", published=room.clock.now()
            - timedelta(hours=count - n + 1),
        )  # fmt: skip


async def add_feed(room: Newsroom, source: str, **options: Any) -> Any:
    return await answered(await slash(room.stand_in, "feed", "add", source=source, **options), 15)
