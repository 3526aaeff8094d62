"""Wiring, in one place: storage, guarded client, worker pool, engine, delivery and scheduler,
for the two run modes (Discord, console) and for the one-shot CLI commands."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot import console, notices
from bot.articles import PreparedArticle, prepare_entry, prepare_url
from bot.clock import SystemClock
from bot.delivery import Delivery, DeliveryNotice
from bot.engine import Engine, FeedNotice
from bot.errors import BotError
from bot.fetch_errors import FetchError
from bot.health import health_monitor
from bot.http import GuardedClient
from bot.publishers import ConsolePublisher, Publisher
from bot.scheduler import JobScheduler, build_scheduler
from bot.settings import Settings
from bot.workers import WorkerPool, parse_task
from storage import Storage
from storage.errors import IntegrityError, StorageError
from summarizer.catalogue import find_source
from summarizer.errors import SummarizerError, UrlError
from summarizer.urls import canonicalize_url

log = logging.getLogger(__name__)

CONSOLE_GUILD = 0  # console-mode subscriptions live in a pseudo guild and channel 0
CONSOLE_BACKFILL = 2  # newest entries shown per default feed when console mode first starts
ONCE_DELIVERY_SECONDS = 60.0  # `depeche run --once`: time given to print what is due


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
) -> AsyncIterator[Runtime]:
    """Everything the bot runs on; closed in reverse order on exit."""
    try:
        storage = await Storage.open(settings.database_path)
    except StorageError as exc:
        raise console.UserFacingError(str(exc)) from exc
    workers = WorkerPool(size=2)
    clock = SystemClock()
    try:
        async with health_monitor(), GuardedClient.from_settings(settings) as fetcher:
            engine = Engine(settings, storage, fetcher, workers, clock, on_notice=on_feed_notice)
            delivery = Delivery(storage, publisher, clock, tz=settings.timezone)
            await delivery.recover()
            scheduler = build_scheduler(
                engine, delivery, settings, on_delivery_notice=on_delivery_notice
            )
            try:
                yield Runtime(settings, storage, fetcher, workers, engine, delivery, scheduler)
            finally:
                await scheduler.stop()  # in-flight jobs end before what they use is closed
    finally:
        workers.close()
        await storage.close()


async def run(settings: Settings, *, once: bool = False) -> int:
    """``depeche run``: Discord with a token, the console otherwise."""
    if not settings.has_token:
        print(console.NO_TOKEN_BANNER, file=sys.stderr)
        return await run_console(settings, once=once)
    from bot.discord_runner import run_discord

    return await run_discord(settings)


async def run_console(
    settings: Settings, *, once: bool = False, stream: TextIO | None = None
) -> int:
    """Console mode: the same engine, posts printed instead of sent."""
    stream = stream or sys.stdout
    publisher = ConsolePublisher(stream)
    async with open_runtime(
        settings,
        publisher,
        on_feed_notice=notices.print_notice,
        on_delivery_notice=notices.print_notice,
    ) as runtime:
        await ensure_console_subscriptions(runtime)
        if once:
            await runtime.engine.poll_due_feeds()
            await runtime.delivery.drain(budget_seconds=ONCE_DELIVERY_SECONDS)
            return 0
        runtime.scheduler.start()
        print(console.CONSOLE_STARTED.format(minutes=settings.poll_interval_minutes), file=stream)
        await wait_for_stop_signal()  # open_runtime stops the scheduler and its running jobs
    print("Arrêt propre : à bientôt.", file=stream)
    return 0


async def ensure_console_subscriptions(runtime: Runtime) -> None:
    """Subscribe the console to the default feeds; a new one shows its newest entries."""
    storage, now = runtime.storage, runtime.engine.clock.now()
    for name in runtime.settings.default_feeds:
        source = find_source(name)
        try:
            url = canonicalize_url(source.feed_url if source else name)
        except UrlError:
            print(console.UNKNOWN_DEFAULT_FEED.format(name=name), file=sys.stderr)
            continue
        feed = await storage.add_feed(url, now=now, title=source.name if source else "")
        try:
            subscription = await storage.add_subscription(
                guild_id=CONSOLE_GUILD, channel_id=CONSOLE_GUILD, feed_id=feed.id, now=now
            )
        except IntegrityError:
            continue
        try:
            await runtime.engine.backfill(subscription, CONSOLE_BACKFILL)
        except (BotError, SummarizerError) as exc:  # unreachable feed, worker timeout...
            log.warning("console backfill failed feed=%s reason=%s", url, exc)


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


@contextlib.asynccontextmanager
async def _tools(settings: Settings) -> AsyncIterator[tuple[GuardedClient, WorkerPool]]:
    workers = WorkerPool(size=1)
    try:
        async with GuardedClient.from_settings(settings) as fetcher:
            yield fetcher, workers
    finally:
        workers.close()


async def summarize_url(settings: Settings, url: str) -> PreparedArticle:
    """``depeche summarize URL`` through the guarded client."""
    async with _tools(settings) as (fetcher, workers):
        try:
            return await prepare_url(url, fetcher=fetcher, workers=workers, settings=settings)
        except FetchError as exc:
            raise console.UserFacingError(f"{exc.user_message} ({exc.reason})") from exc
        except SummarizerError as exc:
            raise console.UserFacingError(f"aucun article lisible ({exc.reason})") from exc


async def preview(
    settings: Settings, feed: str, *, limit: int, local: bytes | None = None
) -> list[PreparedArticle]:
    """``depeche preview``: the newest entries of a feed (``local``: a file's bytes)."""
    async with _tools(settings) as (fetcher, workers):
        if local is not None:
            data, base_url, content_type, title = local, None, None, Path(feed).stem
        else:
            data, base_url, content_type, title = await _feed_bytes(feed, fetcher)
        try:
            parsed = await workers.run(parse_task, data, base_url, content_type)
        except SummarizerError as exc:
            raise console.UserFacingError(f"ce n'est pas un flux lisible ({exc.reason})") from exc
        entries = sorted(parsed.entries, key=_published_key, reverse=True)[:limit]
        prepared = []
        for entry in console.progress(entries, "Préparation des articles"):
            prepared.append(
                await prepare_entry(
                    entry,
                    feed_title=parsed.title or title,
                    fetcher=fetcher,
                    workers=workers,
                    settings=settings,
                )
            )
        return prepared


def _published_key(entry: object) -> float:
    published = getattr(entry, "published", None)
    return published.timestamp() if published else float("-inf")


async def _feed_bytes(
    feed: str, fetcher: GuardedClient
) -> tuple[bytes, str | None, str | None, str]:
    source = find_source(feed)
    url = source.feed_url if source else feed
    try:
        result = await fetcher.fetch(url, kind="feed")
    except FetchError as exc:
        raise console.UserFacingError(f"{exc.user_message} ({exc.reason})") from exc
    return result.body, result.final_url, result.content_type, source.name if source else ""


async def backup(settings: Settings, destination: Path) -> None:
    """``depeche backup PATH``: an online copy of the database."""
    try:
        storage = await Storage.open(settings.database_path)
    except StorageError as exc:
        raise console.UserFacingError(str(exc)) from exc
    try:
        await storage.backup(destination)
    finally:
        await storage.close()
