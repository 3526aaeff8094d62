"""The worst realistic cycle (X13), shared by its test and by ``benchmarks/loop_lag.py``.

The real ``DepecheBot`` is logged in to the Discord stand-in; the real engine, delivery, guarded
client, SQLite file and process ``WorkerPool`` (two processes, as the runner wires it) do the
work. The cycle polls 20 feeds served from loopback (each one a flood of new items, so every feed
is parsed, five articles per feed are fetched, extracted and summarized, the rest recorded as
skipped), then delivers the posts, while three users run ``/summary`` on large pages and
``/ping`` is sent every half second. The stand-in announces a short heartbeat interval so that
discord.py's keep-alive thread really beats during the cycle.

What the test can prove on any machine is what happened: the CPU work ran in the workers (a
tripwire in this process counts any call of the core's heavy functions here), the loop went on
serving (pings answered, heartbeats acknowledged, no "heartbeat blocked"). How late the loop
woke (the probe) and how long pings waited are figures: the benchmark prints them.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from bot.clock import FrozenClock
from bot.delivery.outbox import Delivery, DeliveryReport
from bot.discord.app import DepecheBot, Services
from bot.discord.publisher import DiscordPublisher
from bot.net.client import GuardedClient
from bot.news.engine import Engine, PollReport
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.storage import Storage
from tests.discord.heavy_cycle import (
    FEED_CAP,
    FEEDS,
    FRESH,
    START,
    Documents,
    HeavySite,
    LagProbe,
    heavy_app,
    rebase,
)
from tests.discord_stand_in.driver import answered, slash
from tests.discord_stand_in.fixtures import running
from tests.discord_stand_in.gateway import HEARTBEAT_ACK, HELLO
from tests.discord_stand_in.server import StandIn
from tests.discord_stand_in.world import CHANNEL_ID, GUILD_ID
from tests.patience import PATIENCE
from tests.servers import serve

HEARTBEAT_MS = 500  # instead of Discord's 41-45 s: the keep-alive thread beats during the cycle
SUMMARY_USERS = (951_000_000_000_000_101, 951_000_000_000_000_102, 951_000_000_000_000_103)
# The core's CPU-heavy entry points: none may run in the bot's own process during the cycle.
HEAVY = (
    ("summarizer.feeds", "parse_feed"),
    ("summarizer.article", "extract_article"),
    ("summarizer.article", "article_from_entry"),
    ("summarizer.summary", "summarize"),
    ("summarizer.topics", "topics_for"),
)


@dataclass
class Cycle:
    stand_in: StandIn
    bot: DepecheBot
    storage: Storage
    site: HeavySite
    base: str
    clock: FrozenClock
    engine: Engine
    delivery: Delivery
    heartbeats: list[float]


@dataclass
class Observed:
    reports: list[PollReport]
    delivered: DeliveryReport
    ping_waits: list[float]  # seconds from sending /ping to its answer
    pings_during: int  # pings answered while the cycle was running
    summaries: list[Any]
    acks_during: int
    here: Counter[str] = field(default_factory=Counter)  # heavy calls made in this process


@contextlib.contextmanager
def short_heartbeat(stand_in: StandIn) -> Iterator[list[float]]:
    """Make the stand-in announce a short heartbeat interval; collect the ACK times."""
    acks: list[float] = []
    original = stand_in.gateway._send
    loop = asyncio.get_running_loop()

    async def send(socket: Any, op: int, data: Any) -> None:
        if op == HELLO:
            data = {**data, "heartbeat_interval": HEARTBEAT_MS}
        elif op == HEARTBEAT_ACK:
            acks.append(loop.time())
        await original(socket, op, data)

    stand_in.gateway._send = send  # type: ignore[method-assign]
    try:
        yield acks
    finally:
        stand_in.gateway._send = original  # type: ignore[method-assign]


@contextlib.contextmanager
def tripwire() -> Iterator[Counter[str]]:
    """Count calls of the core's heavy functions made in this process. The worker processes
    import their own copies of these modules, so work done there is not counted."""
    import importlib

    calls: Counter[str] = Counter()
    saved = []
    for module_name, name in HEAVY:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        def counted(*args: Any, _name: str = name, _fn: Any = original, **kwargs: Any) -> Any:
            calls[_name] += 1
            return _fn(*args, **kwargs)

        saved.append((module, name, original))
        setattr(module, name, counted)
    try:
        yield calls
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


@contextlib.asynccontextmanager
async def open_cycle(
    stand_in: StandIn, settings: Settings, documents: Documents
) -> AsyncIterator[Cycle]:
    settings = replace(settings, poll_interval_minutes=10)
    storage = await Storage.open(settings.database_path)
    workers = WorkerPool(size=2, timeout=PATIENCE)  # process mode, as bot.run.runtime wires it
    clock = FrozenClock(START)
    site = HeavySite(large_page=documents.large_page, short_page=documents.short_page)
    try:
        async with serve(heavy_app(site)) as base, GuardedClient.from_settings(settings) as fetcher:
            site.small = {n: rebase(doc, base) for n, doc in documents.small.items()}
            site.big = {n: rebase(doc, base) for n, doc in documents.big.items()}
            assert all(len(doc) <= FEED_CAP for doc in site.big.values())
            engine = Engine(settings, storage, fetcher, workers, clock, rng=random.Random(13))
            services = Services(storage=storage, fetcher=fetcher, engine=engine, workers=workers)

            async def build(bot: DepecheBot) -> Services:
                return services

            cogs = ("bot.discord.cogs.general", "bot.discord.cogs.summary")
            bot = DepecheBot(settings, build, cogs=cogs, guild_ready_timeout=0.05)
            delivery = Delivery(storage, DiscordPublisher(bot), clock, tz=settings.timezone)
            for user_id in SUMMARY_USERS:
                stand_in.world.add_user(user_id, f"lectrice{user_id % 1000}")
            with short_heartbeat(stand_in) as acks:
                async with running(bot):
                    yield Cycle(stand_in, bot, storage, site, base, clock, engine, delivery, acks)
    finally:
        workers.close()
        await storage.close()


async def subscribe_all(cycle: Cycle) -> None:
    """20 subscriptions, then the baseline poll on the small versions (F1: posts nothing)."""
    for n in range(FEEDS):
        feed = await cycle.storage.add_feed(f"{cycle.base}/feed/{n}.xml", now=START)
        await cycle.storage.add_subscription(
            guild_id=GUILD_ID, channel_id=CHANNEL_ID, feed_id=feed.id, now=START
        )
    baseline = await cycle.engine.poll_due_feeds()
    assert sorted(r.outcome for r in baseline) == ["baseline"] * FEEDS
    cycle.site.serve_big = True
    cycle.clock.advance(timedelta(hours=1))  # every feed is due again


async def ping_until(stand_in: StandIn, done: asyncio.Task[Any]) -> tuple[list[float], int]:
    """/ping every half second until ``done``; the waits, and how many answers came while
    ``done`` was still running."""
    loop = asyncio.get_running_loop()
    waits: list[float] = []
    during = 0
    while not done.done():
        sent = loop.time()
        await answered(await slash(stand_in, "ping"))
        waits.append(loop.time() - sent)
        during += not done.done()
        await asyncio.sleep(0.5)
    return waits, during


async def run_worst_cycle(cycle: Cycle, probe: LagProbe) -> Observed:
    async def poll_then_deliver() -> tuple[list[PollReport], DeliveryReport]:
        reports = await cycle.engine.poll_due_feeds()
        return reports, await cycle.delivery.deliver_pending(limit=FEEDS * FRESH)

    acks_before = len(cycle.heartbeats)
    with tripwire() as here:
        async with probe.running():
            job = asyncio.create_task(poll_then_deliver())
            summaries = [
                await slash(
                    cycle.stand_in, "summary", user_id=user, url=f"{cycle.base}/dossier/{k}"
                )
                for k, user in enumerate(SUMMARY_USERS)
            ]
            waits, during = await ping_until(cycle.stand_in, job)
            reports, delivered = await job
            for call in summaries:
                await answered(call)
            acks_during = len(cycle.heartbeats) - acks_before
    return Observed(reports, delivered, waits, during, summaries, acks_during, here)
