"""Console mode (``depeche run`` without a token): the same engine and delivery as on Discord,
posts printed on the terminal instead of sent, subscriptions to the default feeds."""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from bot.clock import SystemClock
from bot.delivery.publishers import ConsolePublisher
from bot.errors import BotError
from bot.net.errors import FetchError
from bot.news.engine import PollReport
from bot.run import console
from bot.run.console_events import describe_cycle
from bot.run.runtime import CONSOLE_GUILD, Runtime, open_runtime, wait_for_stop_signal
from bot.settings import Settings
from storage.errors import IntegrityError
from summarizer.catalogue import find_source
from summarizer.errors import SummarizerError, UrlError
from summarizer.urls import canonicalize_url

log = logging.getLogger(__name__)

CONSOLE_BACKFILL = 2  # newest entries shown per default feed when console mode first starts
ONCE_DELIVERY_SECONDS = 60.0  # `depeche run --once`: time given to print what is due


async def run_console(
    settings: Settings, *, once: bool = False, stream: TextIO | None = None
) -> int:
    """Console mode: the same engine, posts printed instead of sent."""
    out = stream or sys.stdout
    clock = SystemClock()

    async def print_cycle(reports: list[PollReport]) -> None:
        for line in describe_cycle(reports, now=clock.now(), timezone=settings.timezone):
            print(line, file=out, flush=True)

    async with open_runtime(
        settings,
        ConsolePublisher(out),
        on_feed_notice=console.print_notice,
        on_delivery_notice=console.print_notice,
        on_poll=print_cycle,
    ) as runtime:
        await ensure_console_subscriptions(runtime)
        if once:
            await print_cycle(await runtime.engine.poll_due_feeds())
            await runtime.delivery.drain(budget_seconds=ONCE_DELIVERY_SECONDS)
            return 0
        runtime.scheduler.start()
        print(console.CONSOLE_STARTED.format(minutes=settings.poll_interval_minutes), file=out)
        await wait_for_stop_signal()  # open_runtime stops the scheduler and its running jobs
    print("Arrêt propre : à bientôt.", file=out)
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
        except FetchError as exc:  # the first poll, right after, says why and when it retries
            log.info("console backfill failed feed=%s reason=%s", url, exc.reason)
        except (BotError, SummarizerError) as exc:  # unreadable feed, worker timeout...
            log.info("console backfill failed feed=%s error=%s", url, exc)
            name = source.name if source else url
            print(console.BACKFILL_FAILED.format(name=name), file=sys.stderr)
