"""Health monitor: event-loop lag, resident memory and task count, logged once a minute.

A task sleeps ``interval`` seconds (0.5) in a loop and records how late it wakes up: that
overshoot is the event-loop lag every other coroutine suffered at that moment (a blocking call,
a CPU-heavy parse on the loop). Once per ``report_every`` seconds it logs one INFO line::

    health loop_lag_ms_p50=0.4 loop_lag_ms_p99=2.1 loop_lag_ms_max=3.0 rss_mb=88.2 tasks=14 ...

and a WARNING (at most one per ``warn_every`` seconds) when a single lag exceeds ``warn_ms``
(250 ms, reliability.md T4). A stall that starts and ends inside one sleep is not seen; any stall
longer than ``interval`` is. The soak benchmark (``benchmarks/soak.py``) parses these lines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import resource
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 0.5
REPORT_SECONDS = 60.0
WARN_MS = 250.0
WARN_EVERY_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class LagStats:
    """Lag over one window, in milliseconds (nearest-rank percentiles)."""

    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float


def percentile(ordered: Sequence[float], share: float) -> float:
    """Nearest-rank percentile of an already sorted, non-empty sequence (``share`` in 0..1)."""
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def lag_stats(samples_ms: Sequence[float]) -> LagStats:
    """p50 / p99 / max of a window of lag samples; all zero for an empty window."""
    if not samples_ms:
        return LagStats(0, 0.0, 0.0, 0.0)
    ordered = sorted(samples_ms)
    return LagStats(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.99), ordered[-1])


def current_rss_mb() -> float:
    """Resident memory of this process now (``/proc/self/statm``); the peak where there is no
    /proc (``ru_maxrss``, kilobytes on Linux, bytes on macOS)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if os.uname().sysname == "Darwin" else peak / 1024


def health_line(stats: LagStats, *, rss_mb: float, tasks: int, warnings: int) -> str:
    """The one INFO line per window (key=value, parsed by the soak benchmark)."""
    return (
        f"health loop_lag_ms_p50={stats.p50_ms:.1f} loop_lag_ms_p99={stats.p99_ms:.1f} "
        f"loop_lag_ms_max={stats.max_ms:.1f} rss_mb={rss_mb:.1f} tasks={tasks} "
        f"samples={stats.samples} lag_warnings={warnings}"
    )


class HealthMonitor:
    """The lag probe and its periodic report. ``start()`` in a running loop, ``stop()`` at exit."""

    def __init__(
        self,
        *,
        interval: float = INTERVAL_SECONDS,
        report_every: float = REPORT_SECONDS,
        warn_ms: float = WARN_MS,
        warn_every: float = WARN_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.report_every = report_every
        self.warn_ms = warn_ms
        self.warn_every = warn_every
        self._clock = clock
        self._window: list[float] = []
        self._warnings = 0
        self._last_warning = -math.inf
        self._task: asyncio.Task[None] | None = None
        self.reports: deque[LagStats] = deque(maxlen=60)  # the last hour of windows
        self.max_ms = 0.0  # worst lag since start

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="health-monitor")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run(self) -> None:
        next_report = self._clock() + self.report_every
        while True:
            before = self._clock()
            await asyncio.sleep(self.interval)
            now = self._clock()
            self.record(max(0.0, (now - before - self.interval) * 1000.0), now)
            if now >= next_report:
                self.report()
                next_report = now + self.report_every

    def record(self, lag_ms: float, now: float) -> None:
        """Keep one sample; warn (rate-limited) when it is over the threshold."""
        self._window.append(lag_ms)
        self.max_ms = max(self.max_ms, lag_ms)
        if lag_ms > self.warn_ms:
            self._warnings += 1
            if now - self._last_warning >= self.warn_every:
                self._last_warning = now
                log.warning("health loop lag lag_ms=%.0f threshold_ms=%.0f", lag_ms, self.warn_ms)

    def report(self) -> LagStats:
        """Log the window's line and start a new window."""
        stats = lag_stats(self._window)
        try:
            tasks = len(asyncio.all_tasks())
        except RuntimeError:  # no running loop (a direct call from synchronous code)
            tasks = 0
        line = health_line(stats, rss_mb=current_rss_mb(), tasks=tasks, warnings=self._warnings)
        log.info("%s", line)
        self.reports.append(stats)
        self._window = []
        self._warnings = 0
        return stats


@contextlib.asynccontextmanager
async def health_monitor(monitor: HealthMonitor | None = None) -> AsyncIterator[HealthMonitor]:
    """A running monitor for the duration of the block (``open_runtime`` uses this)."""
    monitor = monitor or HealthMonitor()
    monitor.start()
    try:
        yield monitor
    finally:
        await monitor.stop()
