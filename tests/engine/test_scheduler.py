"""The real APScheduler: no overlap, misfire grace (F24), a raising job keeps it alive (F25)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)

from bot.clock import SystemClock
from bot.delivery.outbox import DeliveryReport
from bot.run.scheduler import build_scheduler
from bot.settings import Settings
from tests.patience import PATIENCE


class NoDigests:
    """The digest job's storage: no schedule is ever due."""

    async def due_digests(self, now: object, tz: str) -> list[object]:
        return []


class SlowEngine:
    """Stands in for Engine: each poll takes longer than the interval, or raises."""

    def __init__(self, duration: float = 0.0, fail_first: int = 0) -> None:
        self.duration = duration
        self.fail_first = fail_first
        self.running = 0
        self.max_running = 0
        self.calls = 0
        self.done = asyncio.Event()
        self.called = asyncio.Event()  # set at every call
        self.storage: Any = NoDigests()
        self.clock: Any = SystemClock()

    async def poll_due_feeds(self) -> list[object]:
        self.calls += 1
        self.called.set()
        self.running += 1
        self.max_running = max(self.max_running, self.running)
        try:
            if self.calls <= self.fail_first:
                raise RuntimeError(f"boom feed_id=7 call={self.calls}")
            await asyncio.sleep(self.duration)
            return []
        finally:
            self.running -= 1
            if self.calls >= 3:
                self.done.set()


async def until_calls(engine: SlowEngine, count: int) -> None:
    async with asyncio.timeout(PATIENCE):
        while engine.calls < count:
            engine.called.clear()
            await engine.called.wait()


class IdleDelivery:
    async def drain(self, *, budget_seconds: float) -> DeliveryReport:
        return DeliveryReport()


def start(engine: SlowEngine, poll_seconds: float) -> Any:
    scheduler = build_scheduler(
        engine, IdleDelivery(), Settings(), poll_seconds=poll_seconds,  # type: ignore[arg-type]
        delivery_seconds=60, first_run_delay=0.05,
    )  # fmt: skip
    scheduler.start()
    return scheduler


async def test_f24_overrunning_poll_never_overlaps() -> None:
    engine = SlowEngine(duration=0.5)
    scheduler = start(engine, poll_seconds=0.2)
    job_options = {j.id: (j.max_instances, j.coalesce) for j in scheduler.get_jobs()}
    try:
        await asyncio.wait_for(engine.done.wait(), 10)
    finally:
        scheduler.shutdown(wait=False)
    assert engine.max_running == 1
    assert job_options["poll"] == (1, True)


async def test_f24_loop_stall_over_a_run_time_does_not_drop_the_run() -> None:
    """The loop is blocked until 1.5 s past the next run time: beyond APScheduler's default
    grace of 1 s, within ours (half the interval, 4 s here); the run still happens."""
    engine = SlowEngine()
    scheduler = start(engine, poll_seconds=8)
    events: list[Any] = []
    scheduler.add_listener(events.append, EVENT_JOB_MISSED | EVENT_JOB_SUBMITTED)
    try:
        poll_job = scheduler.get_job("poll")
        assert poll_job.misfire_grace_time == 4
        await until_calls(engine, 1)  # the first run, soon after start
        next_run = poll_job.next_run_time
        stall = (next_run - datetime.now(UTC)).total_seconds() + 1.5
        time.sleep(max(stall, 0))  # noqa: ASYNC251 - the loop itself must be blocked
        await until_calls(engine, 2)
    finally:
        scheduler.shutdown(wait=False)
    polls = [e for e in events if e.job_id == "poll"]
    assert [e.code for e in polls] == [EVENT_JOB_SUBMITTED, EVENT_JOB_SUBMITTED]  # none missed
    assert polls[1].scheduled_run_times == [next_run]  # the stalled run itself, not the next
    assert engine.calls == 2


async def test_f25_raising_job_keeps_the_scheduler_running(
    caplog: pytest.LogCaptureFixture,
) -> None:
    engine = SlowEngine(fail_first=2)
    caplog.set_level(logging.ERROR)
    scheduler = start(engine, poll_seconds=0.1)
    try:
        await asyncio.wait_for(engine.done.wait(), 10)
        assert scheduler.running
    finally:
        scheduler.shutdown(wait=False)
    assert engine.calls >= 3
    failures = [r for r in caplog.records if "job failed job=poll" in r.getMessage()]
    assert len(failures) == 2 and "feed_id=7" in str(failures[0].exc_info[1])


async def test_stop_cancels_a_running_job_quietly(caplog: pytest.LogCaptureFixture) -> None:
    """D6: a SIGTERM during a poll ends the job before storage closes, without an ERROR."""
    caplog.set_level(logging.INFO, logger="bot.run.scheduler")
    engine = SlowEngine(duration=3600)
    scheduler = start(engine, poll_seconds=60)
    for _ in range(100):
        if engine.running:
            break
        await asyncio.sleep(0.02)
    assert engine.running == 1 and len(scheduler.running_jobs) == 1
    [job] = scheduler.running_jobs
    await scheduler.stop(timeout=PATIENCE)  # the job sleeps an hour: only a cancel ends it
    assert job.done() and engine.running == 0 and not scheduler.running
    await asyncio.sleep(0.05)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("job cancelled job=poll" in r.getMessage() for r in caplog.records)


async def test_shutdown_then_stop_at_sigterm_logs_no_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """D6: ``DepecheBot.close`` shuts the scheduler down, then the runtime stops it. APScheduler
    runs a shutdown in a later loop callback, so the second one raised there: an asyncio ERROR
    with a traceback at every SIGTERM (seen in the soak's log)."""
    caplog.set_level(logging.INFO)
    scheduler = start(SlowEngine(duration=0), poll_seconds=60)
    scheduler.shutdown(wait=False)
    await scheduler.stop(timeout=5)
    for _ in range(3):
        await asyncio.sleep(0)  # let the deferred shutdown callbacks run
    assert not scheduler.running
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
