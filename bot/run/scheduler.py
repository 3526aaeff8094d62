"""APScheduler wiring: the poll job, the delivery job, the retention job (F24, F25) and the
digest job (issue 11: every ``digest_seconds``, the daily digests due at the engine's clock
enqueued into the outbox, once per schedule and local day; the delivery job sends them).

Every job has ``max_instances=1`` (no overlap) and ``coalesce=True`` (a backlog runs once), and
a ``misfire_grace_time`` of half its interval so a stalled loop does not silently drop runs
(APScheduler's default grace is 1 s). Job bodies catch everything: the scheduler survives.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from bot.delivery.daily_digests import enqueue_due_digests
from bot.delivery.outbox import Delivery, DeliveryNotice
from bot.news.engine import Engine, PollReport
from bot.settings import Settings
from storage.errors import UnavailableError

log = logging.getLogger(__name__)

RETENTION_DAYS = 90
DIGEST_SECONDS = 30.0  # how often the digest job looks for the schedules due


class JobScheduler(AsyncIOScheduler):  # type: ignore[misc]
    """An ``AsyncIOScheduler`` that knows its running job tasks, so that ``stop()`` can end them
    before the storage they use is closed (a SIGTERM during a poll, D6)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.running_jobs: set[asyncio.Task[Any]] = set()
        self._stopping = False

    def start(self, paused: bool = False) -> None:
        self._stopping = False
        super().start(paused)

    def shutdown(self, wait: bool = True) -> None:
        """Idempotent. ``DepecheBot.close`` shuts the scheduler down, then the runtime stops it;
        APScheduler runs the shutdown in a later loop callback, so ``running`` is still true at
        the second call, whose callback then raised (an ERROR line at every SIGTERM)."""
        if self._stopping:
            return
        self._stopping = True
        super().shutdown(wait)

    async def stop(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - a grace period
        """Stop scheduling, then cancel and await the jobs still running."""
        if self.running:
            self.shutdown(wait=False)
        tasks = [task for task in self.running_jobs if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)


def _guarded(
    name: str, job: Callable[[], Awaitable[object]], running: set[asyncio.Task[Any]]
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        task = asyncio.current_task()
        if task is not None:
            running.add(task)
        try:
            await job()
        except asyncio.CancelledError:  # stopped at shutdown: not a failure
            log.info("job cancelled job=%s", name)
        except UnavailableError as exc:  # the server restarts: storage reconnects, next run
            log.warning("job skipped job=%s database unavailable: %s", name, exc.detail)
        except Exception:
            log.exception("job failed job=%s", name)
        finally:
            if task is not None:
                running.discard(task)

    run.__name__ = f"{name}_job"
    return run


def build_scheduler(
    engine: Engine,
    delivery: Delivery,
    settings: Settings,
    *,
    poll_seconds: float | None = None,
    delivery_seconds: float = 5.0,
    first_run_delay: float = 5.0,
    digest_seconds: float = DIGEST_SECONDS,
    on_delivery_notice: Callable[[DeliveryNotice], Awaitable[None]] | None = None,
    on_poll: Callable[[list[PollReport]], Awaitable[None]] | None = None,
) -> JobScheduler:
    """The scheduler (not started: call ``start()`` inside the running loop; ``stop()``)."""
    interval = poll_seconds or settings.poll_interval_minutes * 60.0
    now = datetime.now(UTC)  # APScheduler runs on wall-clock time
    scheduler = JobScheduler(timezone="UTC")

    async def poll() -> None:
        reports = await engine.poll_due_feeds()
        if on_poll is not None:
            await on_poll(reports)

    async def deliver() -> None:
        report = await delivery.drain(budget_seconds=delivery_seconds * 0.8)
        if on_delivery_notice is not None:
            for notice in report.notices:
                await on_delivery_notice(notice)

    async def retention() -> None:
        cutoff = engine.clock.now() - timedelta(days=RETENTION_DAYS)
        removed = await engine.storage.prune_articles(older_than=cutoff)
        log.info("retention pruned articles=%d", removed)

    async def digests() -> None:
        await enqueue_due_digests(engine.storage, engine.clock, settings.timezone)

    jobs: list[tuple[str, Callable[[], Awaitable[object]], float, float]] = [
        ("poll", poll, interval, first_run_delay * (1 + random.random())),
        ("deliver", deliver, delivery_seconds, first_run_delay / 2),
        ("retention", retention, 24 * 3600.0, 3600.0),
        ("digest", digests, digest_seconds, first_run_delay / 2),
    ]
    for name, job, seconds, delay in jobs:
        scheduler.add_job(
            _guarded(name, job, scheduler.running_jobs),
            IntervalTrigger(seconds=seconds, start_date=now + timedelta(seconds=delay)),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(seconds / 2)),
            replace_existing=True,
        )
    return scheduler
