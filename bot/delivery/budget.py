"""This process's share of Discord's global budget: 50 requests per second per bot token, for
all the processes of the bot together (Discord's global rate limit).

With ``SHARD_COUNT`` processes each running some of the shards, each one keeps to
``50 x its shards / SHARD_COUNT`` requests per second (``share_of``), a token bucket of that
rate whose burst is one second's worth: the processes together stay under 50 per second
without talking to each other. Delivery takes one token before each post it hands to Discord
(a post's follow-up calls, a crosspost or a thread, ride on the same token: the budget
leaves a margin below 50 for them and for slash commands). The clock and the sleep are
injected so tests can count waits without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

DISCORD_GLOBAL_PER_SECOND = 50.0
MARGIN = 0.8  # of the share: room for the other requests (commands, crossposts, threads)


def share_of(shard_count: int | None, owned: int) -> float:
    """Requests per second for a process running ``owned`` of ``shard_count`` shards."""
    if not shard_count or owned <= 0 or owned >= shard_count:
        return DISCORD_GLOBAL_PER_SECOND * MARGIN
    return DISCORD_GLOBAL_PER_SECOND * MARGIN * owned / shard_count


class RequestBudget:
    def __init__(
        self,
        per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("the budget must be positive")
        self.per_second = per_second
        self._burst = max(1.0, per_second)
        self._tokens = self._burst
        self._monotonic = monotonic
        self._sleep = sleep
        self._last = monotonic()
        self._lock = asyncio.Lock()
        self.waited = 0.0  # seconds spent waiting for tokens, for logs and tests

    async def take(self) -> None:
        """Wait until one request fits in the budget, then spend it (callers in order)."""
        async with self._lock:
            while True:
                now = self._monotonic()
                self._tokens = min(self._burst, self._tokens + (now - self._last) * self.per_second)
                self._last = now
                if self._tokens >= 1 - 1e-9:  # a float short of one after an exact wait
                    self._tokens = max(0.0, self._tokens - 1)
                    return
                wait = (1 - self._tokens) / self.per_second
                self.waited += wait
                await self._sleep(wait)
