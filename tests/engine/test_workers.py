"""The worker pool: real processes, results, errors and the hard timeout with recycling."""

from __future__ import annotations

import time

import pytest

from bot.news.workers import WorkerPool, WorkerTimeout, parse_task
from summarizer.errors import FeedError

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
    import asyncio

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
