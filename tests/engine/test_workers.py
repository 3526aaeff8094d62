"""The worker pool: real processes, results, errors and the hard timeout with recycling."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from bot.news.workers import BACKGROUND, URGENT, WorkerPool, WorkerTimeout, _Slots, parse_task
from summarizer.errors import FeedError
from tests.patience import PATIENCE

RSS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>Une nouvelle</title><link>https://exemple.fr/a</link></item>"
    b"</channel></rss>"
)


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


async def test_process_pool_runs_parses_and_recycles_on_timeout() -> None:
    """S14: a task over its hard timeout kills its worker process; a fresh pool then answers."""
    pool = WorkerPool(size=1, mode="process")
    try:
        parsed = await pool.run(parse_task, RSS, "https://exemple.fr/rss", None, timeout=30)
        assert [e.title for e in parsed.entries] == ["Une nouvelle"]
        with pytest.raises(FeedError):
            await pool.run(parse_task, b"pas un flux", None, None, timeout=30)
        with pytest.raises(WorkerTimeout):
            await pool.run(_sleep, 60.0, timeout=0.5)
        assert await pool.run(_sleep, 0.0, timeout=30) == 0.0  # a fresh pool answers
    finally:
        pool.close()


async def test_a_task_killed_by_another_tasks_timeout_runs_again() -> None:
    """Recycling the pool for a stuck task kills its neighbour too; the neighbour is re-run
    once on the fresh pool instead of failing with BrokenProcessPool (S13, F25)."""
    pool = WorkerPool(size=2, mode="process")
    try:
        await pool.run(_sleep, 0.0, timeout=30)  # start the workers
        stuck = asyncio.create_task(pool.run(_sleep, 60.0, timeout=1.0))
        neighbour = asyncio.create_task(pool.run(_sleep, 1.5, timeout=30))
        with pytest.raises(WorkerTimeout):
            await stuck
        assert await neighbour == 1.5
    finally:
        pool.close()


async def test_the_pools_own_timeout_applies_unless_a_task_names_one() -> None:
    """The hard limit is the pool's (10 s in the bot, the suite's patience in slow tests);
    a task may still name its own."""
    pool = WorkerPool(size=1, mode="thread", timeout=0.2)
    try:
        with pytest.raises(WorkerTimeout) as raised:
            await pool.run(_sleep, 5.0)
        assert raised.value.timeout == 0.2
        assert await pool.run(_sleep, 0.5, timeout=30) == 0.5
    finally:
        pool.close()


def _wait_then_record(gate: threading.Event, log: list[str], name: str) -> str:
    gate.wait(PATIENCE)
    log.append(name)
    return name


async def test_an_urgent_task_takes_the_next_free_worker_before_queued_background_work() -> None:
    """``/summary`` during a poll cycle: the person's task runs as soon as a worker frees up,
    not after the pages already queued (FIFO served them first before)."""
    pool = WorkerPool(size=1, mode="thread", timeout=PATIENCE)
    gate, order = threading.Event(), []
    try:
        busy = asyncio.create_task(pool.run(_wait_then_record, gate, order, "en cours"))
        queued = [
            asyncio.create_task(pool.run(_wait_then_record, gate, order, f"page {n}"))
            for n in range(3)
        ]
        await asyncio.sleep(0)  # each task has reached the pool and waits for the worker
        urgent = asyncio.create_task(
            pool.run(_wait_then_record, gate, order, "résumé", urgent=True)
        )
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(busy, *queued, urgent)
        assert order == ["en cours", "résumé", "page 0", "page 1", "page 2"]
    finally:
        pool.close()


async def test_a_waiter_cancelled_in_the_queue_or_just_after_its_turn_loses_no_worker() -> None:
    slots = _Slots(1)
    await slots.acquire(BACKGROUND)
    in_queue = asyncio.create_task(slots.acquire(BACKGROUND))
    handed = asyncio.create_task(slots.acquire(BACKGROUND))
    await asyncio.sleep(0)
    in_queue.cancel()  # gives up while waiting
    slots.release()  # the first live waiter gets the slot...
    handed.cancel()  # ...and is cancelled before it could use it: the slot is passed on
    for task in (in_queue, handed):
        with pytest.raises(asyncio.CancelledError):
            await task
    await asyncio.wait_for(slots.acquire(URGENT), PATIENCE)  # the one slot is free again
