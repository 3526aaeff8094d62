"""The health monitor (bot/run/health.py): pure lag statistics, the log line the soak benchmark
parses, the rate-limited warning, a real run of the task on a blocked loop, and its wiring in
``open_runtime``."""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from pathlib import Path

import pytest

from bot.delivery.publishers import ConsolePublisher
from bot.run.health import (
    HealthMonitor,
    LagStats,
    current_rss_mb,
    health_line,
    health_monitor,
    lag_stats,
    percentile,
)
from bot.run.runtime import open_runtime
from bot.settings import Settings

LINE = re.compile(
    r"health loop_lag_ms_p50=(?P<p50>[\d.]+) loop_lag_ms_p99=(?P<p99>[\d.]+) "
    r"loop_lag_ms_max=(?P<max>[\d.]+) rss_mb=(?P<rss>[\d.]+) tasks=(?P<tasks>\d+) "
    r"samples=(?P<samples>\d+) lag_warnings=(?P<warnings>\d+)"
)


def test_stats_of_a_known_window() -> None:
    samples = [float(n) for n in range(100, 0, -1)]  # 1..100, unsorted
    assert lag_stats(samples) == LagStats(samples=100, p50_ms=50.0, p99_ms=99.0, max_ms=100.0)


def test_one_outlier_is_the_max_but_not_the_median() -> None:
    stats = lag_stats([1.0] * 199 + [900.0])
    assert stats.p50_ms == 1.0
    assert stats.p99_ms == 1.0  # 1 sample in 200 is above the 99th percentile
    assert stats.max_ms == 900.0


def test_empty_window_is_all_zero() -> None:
    assert lag_stats([]) == LagStats(0, 0.0, 0.0, 0.0)


def test_percentile_is_nearest_rank() -> None:
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.51) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 1.0) == 4.0


def test_health_line_carries_every_figure() -> None:
    line = health_line(LagStats(120, 0.42, 3.0, 251.26), rss_mb=88.04, tasks=17, warnings=1)
    match = LINE.fullmatch(line)
    assert match is not None, line
    assert match["p99"] == "3.0" and match["max"] == "251.3" and match["rss"] == "88.0"
    assert match["tasks"] == "17" and match["samples"] == "120" and match["warnings"] == "1"


def test_rss_of_this_process_is_plausible() -> None:
    assert 5.0 < current_rss_mb() < 64_000.0


def test_warning_is_rate_limited_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    monitor = HealthMonitor(warn_ms=250.0, warn_every=10.0)
    caplog.set_level(logging.INFO, logger="bot.run.health")
    for now, lag in ((0.0, 300.0), (1.0, 400.0), (2.0, 10.0), (11.0, 260.0)):
        monitor.record(lag, now)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "health loop lag lag_ms=300 threshold_ms=250",
        "health loop lag lag_ms=260 threshold_ms=250",
    ]
    stats = monitor.report()
    assert stats.max_ms == 400.0 and stats.samples == 4
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(info) == 1 and "lag_warnings=3" in info[0]
    assert monitor.report().samples == 0  # a report starts a new window


async def test_real_run_sees_a_blocked_loop(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="bot.run.health")
    monitor = HealthMonitor(interval=0.01, report_every=0.05)
    async with health_monitor(monitor):
        await asyncio.sleep(0.05)
        time.sleep(0.3)  # noqa: ASYNC251 -- the stall under test
        while len(monitor.reports) < 2:  # noqa: ASYNC110 -- polling the monitor's own record
            await asyncio.sleep(0.01)
    assert monitor.max_ms >= 290.0  # the probe woke at least 0.3 - 0.01 s late
    assert max(stats.max_ms for stats in monitor.reports) == monitor.max_ms
    assert any("health loop lag" in r.getMessage() for r in caplog.records)
    lines = [LINE.fullmatch(r.getMessage()) for r in caplog.records if r.levelno == logging.INFO]
    assert lines and all(lines)
    assert all(float(m["rss"]) > 0 and int(m["tasks"]) >= 2 for m in lines if m)
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "health-monitor"]


async def test_stop_is_idempotent_and_start_does_not_duplicate() -> None:
    monitor = HealthMonitor(interval=0.01)
    first = monitor.start()
    assert monitor.start() is first
    await monitor.stop()
    await monitor.stop()
    assert first.cancelled()


async def test_open_runtime_runs_the_monitor_and_stops_it(tmp_path: Path) -> None:
    settings = Settings(database_path=tmp_path / "depeche.db", default_feeds=())
    async with open_runtime(settings, ConsolePublisher(io.StringIO())):
        running = [t for t in asyncio.all_tasks() if t.get_name() == "health-monitor"]
        assert len(running) == 1 and not running[0].done()
    assert running[0].done()
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "health-monitor"]
