"""Polling policy, pure: when to poll a feed next.

No I/O here; the engine passes in the clock's ``now``, the feed's change history and a
``random.Random``. Three rules (docs/scaling.md):

- **Adaptive interval.** A feed that changed recently (within ``RECENT_FACTOR`` x the base
  interval) is polled at the base interval. Otherwise the interval grows with how long the feed
  usually stays quiet (an exponentially weighted estimate of the time between changes) and how
  long it has been quiet now: ``FRACTION`` x the larger of the two, bounded between the base
  interval and ``MAX_INTERVAL``. A feed that changes once a day is polled every 6 h, not every
  10 min; a feed that changes every 20 min stays at the base interval.
- **Jitter.** Every next poll is spread by +/- ``JITTER``; the poll after a feed's first
  (baseline) poll is spread over half to one and a half intervals, so feeds added together
  (an import, a fresh database) do not stay in lockstep.
- **Failures.** Retry-After when given, else exponential backoff; disable after 10 failures
  over 3 days (docs/reliability.md F5-F7).

Which process polls a feed is not a policy but a claim: a lease in storage (``storage.leases``,
``bot.news.claims``), so the feeds of a process that died are taken over.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_INTERVAL = timedelta(hours=6)
RECENT_FACTOR = 2  # changed within 2 base intervals: still "recent", poll at the base interval
FRACTION = 0.25  # poll about four times per expected quiet period
SMOOTHING = 0.3  # weight of the newest observed gap in the change-interval estimate
JITTER = 0.05
FIRST_SPREAD = (0.5, 1.5)
BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=24)
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER_AGE = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class ChangeHistory:
    """What the policy knows of a feed: its last change and the usual gap between changes."""

    last_changed_at: datetime | None = None
    change_interval: timedelta | None = None  # smoothed gap between observed changes


def observe_change(history: ChangeHistory, now: datetime) -> ChangeHistory:
    """The history after a poll that found new entries at ``now``."""
    last = history.last_changed_at
    if last is None or now <= last:
        return ChangeHistory(now, history.change_interval)
    gap = now - last
    previous = history.change_interval
    if previous is None:
        return ChangeHistory(now, gap)
    smoothed = previous * (1 - SMOOTHING) + gap * SMOOTHING
    return ChangeHistory(now, smoothed)


def adaptive_interval(
    base: timedelta,
    history: ChangeHistory,
    now: datetime,
    *,
    ceiling: timedelta = MAX_INTERVAL,
) -> timedelta:
    """The interval before the next poll (without jitter), within ``[base, max(base, ceiling)]``."""
    ceiling = max(base, ceiling)
    last = history.last_changed_at
    if last is None:
        return base
    quiet = max(now - last, timedelta(0))
    if quiet <= base * RECENT_FACTOR:
        return base
    usual = history.change_interval or quiet
    wanted = max(usual, quiet) * FRACTION
    return min(max(wanted, base), ceiling)


def jittered(delay: timedelta, rng: random.Random, spread: float = JITTER) -> timedelta:
    """``delay`` scaled by a uniform factor in ``[1 - spread, 1 + spread]``."""
    return delay * (1 + rng.uniform(-spread, spread))


def first_poll_delay(base: timedelta, rng: random.Random) -> timedelta:
    """The delay after a feed's baseline poll: spread over 0.5-1.5 intervals (de-synchronise)."""
    low, high = FIRST_SPREAD
    return base * rng.uniform(low, high)


# --- failures (reliability F5-F7) ------------------------------------------------------


def backoff_delay(failures: int) -> timedelta:
    """5 min * 2^(n-1), capped at 24 h (F6)."""
    exponent = min(max(failures - 1, 0), 20)
    return min(BACKOFF_BASE * (1 << exponent), BACKOFF_CAP)


def next_poll_after_failure(
    failures: int, *, now: datetime, interval: timedelta, retry_after: float | None
) -> datetime:
    """Retry-After when given (F5), else the larger of the backoff and the interval (F6)."""
    if retry_after is not None and retry_after > 0:
        return now + min(timedelta(seconds=retry_after), BACKOFF_CAP)
    return now + min(max(backoff_delay(failures), interval), BACKOFF_CAP)


def should_disable(failures: int, first_failure_at: datetime, now: datetime) -> bool:
    """F7: at least 10 consecutive failures and at least 3 days without a success."""
    return failures >= DISABLE_AFTER_FAILURES and now - first_failure_at >= DISABLE_AFTER_AGE
