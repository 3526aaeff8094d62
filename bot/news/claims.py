"""The feeds of one poll cycle, leased from storage as the engine's lanes need them.

``FeedClaims.next()`` hands out one due feed at a time; when its batch is empty it leases the
next ``batch`` feeds (``Storage.claim_due_feeds``, one transaction), so a lease only has to
outlast one poll, never a whole cycle of thousands of feeds. The cycle ends when storage has no
more due feed that no process holds, or after ``limit`` feeds. A failed claim (the database is
unavailable) ends the cycle for every lane: the one that met it raises, the others stop.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import Clock
from storage.feeds import PollHistory
from storage.records import FeedRecord
from storage.storage import Storage


class FeedClaims:
    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        *,
        owner: str,
        lease: timedelta,
        batch: int,
        limit: int,
    ) -> None:
        self._storage = storage
        self._clock = clock
        self._owner = owner
        self._lease = lease
        self._size = max(1, batch)
        self._left = limit
        self._batch: list[tuple[FeedRecord, PollHistory]] = []
        self._lock = asyncio.Lock()
        self._done = limit <= 0
        self.claimed = 0  # feeds leased so far in this cycle

    async def next(self) -> tuple[FeedRecord, PollHistory] | None:
        """The next feed to poll, leased to this process; None when the cycle is over."""
        async with self._lock:
            if not self._batch and not self._done:
                wanted = min(self._size, self._left)
                self._done = True  # unless the claim succeeds and may have left some
                claimed = await self._storage.claim_due_feeds(
                    self._clock.now(), wanted, owner=self._owner, lease=self._lease
                )
                self.claimed += len(claimed)
                self._left -= len(claimed)
                self._done = len(claimed) < wanted or self._left <= 0
                self._batch = claimed[::-1]
            return self._batch.pop() if self._batch else None
