"""The one wiring of both run modes: storage, guarded client, worker pool, engine, delivery,
health monitor and scheduler, opened together and closed in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from bot.clock import SystemClock
from bot.delivery.outbox import Delivery, DeliveryNotice
from bot.delivery.publishers import Publisher
from bot.net.client import GuardedClient
from bot.news.engine import Engine, FeedNotice, PollReport
from bot.news.workers import WorkerPool
from bot.run.console import UserFacingError
from bot.run.health import health_monitor
from bot.run.scheduler import JobScheduler, build_scheduler
from bot.settings import Settings
from storage import Storage
from storage.errors import StorageError

log = logging.getLogger(__name__)

CONSOLE_GUILD = 0  # console-mode subscriptions live in a pseudo guild and channel 0


@dataclass
class Runtime:
    settings: Settings
    storage: Storage
    fetcher: GuardedClient
    workers: WorkerPool
    engine: Engine
    delivery: Delivery
    scheduler: JobScheduler


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings,
    publisher: Publisher,
    *,
    on_feed_notice: Callable[[FeedNotice], Awaitable[None]] | None = None,
    on_delivery_notice: Callable[[DeliveryNotice], Awaitable[None]] | None = None,
    on_poll: Callable[[list[PollReport]], Awaitable[None]] | None = None,
) -> AsyncIterator[Runtime]:
    """Everything the bot runs on; closed in reverse order on exit."""
    try:
        storage = await Storage.open(settings.database)
    except StorageError as exc:
        raise UserFacingError(str(exc)) from exc
    workers = WorkerPool(size=2)
    clock = SystemClock()
    try:
        async with health_monitor(), GuardedClient.from_settings(settings) as fetcher:
            engine = Engine(settings, storage, fetcher, workers, clock, on_notice=on_feed_notice)
            delivery = Delivery(storage, publisher, clock, tz=settings.timezone)
            await delivery.recover()
            await engine.release_leases()  # those a crash of this process left: ours again
            scheduler = build_scheduler(
                engine,
                delivery,
                settings,
                on_delivery_notice=on_delivery_notice,
                on_poll=on_poll,
            )
            try:
                yield Runtime(settings, storage, fetcher, workers, engine, delivery, scheduler)
            finally:
                await scheduler.stop()  # in-flight jobs end before what they use is closed
                try:  # the polls cut short: their feeds go to another process at once
                    await engine.release_leases()
                except StorageError as exc:  # the leases then end by themselves
                    log.warning("feed leases not released error=%s", exc)
    finally:
        workers.close()
        await storage.close()


async def wait_for_stop_signal() -> None:
    """Return when SIGINT or SIGTERM arrives."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
