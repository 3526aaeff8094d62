"""Feed polling claims with a lease (migration 0006): several processes over one database never
poll the same feed at once, and the feeds of a process that died are polled again once its
lease ends, with no operator action.

A process names itself (``owner``, ``owner_name``: its host and shards, or ``PROCESS_NAME``; the
same name across its restarts) and claims due feeds a few at a time with ``claim_due_feeds``:
in one transaction, the due feeds whose lease is absent or over are given
``lease_owner = owner`` and ``lease_until = now + lease``.
PostgreSQL locks the rows it picks and skips those another claim holds (``FOR UPDATE ... SKIP
LOCKED``); SQLite's ``BEGIN IMMEDIATE`` lets one claim in at a time. A feed leased by another
process is skipped, and so is one leased by the claimer itself: a cycle never takes a feed
twice. Every outcome of the poll (``record_poll``, ``record_not_modified``,
``record_poll_failure``) ends the lease; ``release_leases`` ends those of a process that stops
cleanly in the middle of a cycle, and those its previous run left when it starts again after a
crash (its own name: nobody else polls them). Another process takes them when they end.

The lease must outlast one poll (fetch, pages, summaries: a few minutes at worst); a poll that
overruns it may meet a second poller of the same feed, which stays harmless (seen keys and
posts are unique, the second write finds them) but costs a fetch.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import datetime, timedelta

from storage.connection import Connection, in_chunks
from storage.feeds import (
    DUE_ORDER_SQL,
    DUE_SQL,
    HAS_SEEN_SQL,
    PollHistory,
    feed_from_row,
    history_from_row,
)
from storage.records import FeedRecord
from storage.terms import from_db, to_db


def owner_name(configured: str = "", shard_ids: Sequence[int] = ()) -> str:
    """This process's name on its leases: ``PROCESS_NAME`` when set, else ``host/shards-0,1``
    (``host/shards-tous`` without ``SHARD_IDS``); the same at every restart, so a restarted
    process can end the leases its crashed run left."""
    if configured.strip():
        return configured.strip()
    shards = ",".join(str(s) for s in sorted(set(shard_ids))) or "tous"
    return f"{socket.gethostname()[:60]}/shards-{shards}"


class LeaseStore(Connection):
    async def claim_due_feeds(
        self, now: datetime, limit: int, *, owner: str, lease: timedelta
    ) -> list[tuple[FeedRecord, PollHistory]]:
        """Lease up to ``limit`` due feeds (the slow ones, then the soonest due: ``DUE_ORDER_SQL``)
        to ``owner`` until ``now + lease``; the feeds (as stored before the claim) with their
        history."""
        if limit <= 0:
            return []
        async with self._tx() as db:
            rows = await db.fetchall(
                f"SELECT f.id FROM feeds f WHERE {DUE_SQL}"
                " AND (f.lease_until IS NULL OR f.lease_until <= ?)"
                f" ORDER BY {DUE_ORDER_SQL} LIMIT ?{db.dialect.skip_locked('f')}",
                (to_db(now), to_db(now), limit),
            )
            ids = [int(row[0]) for row in rows]
            claimed: list[tuple[FeedRecord, PollHistory]] = []
            for chunk, marks in in_chunks(ids):
                await db.execute(
                    f"UPDATE feeds SET lease_owner = ?, lease_until = ? WHERE id IN ({marks})",
                    (owner, to_db(now + lease), *chunk),
                )
                found = await db.fetchall(
                    f"SELECT *, {HAS_SEEN_SQL} FROM feeds f WHERE f.id IN ({marks})", chunk
                )
                claimed += [(feed_from_row(r), history_from_row(r)) for r in found]
        order = {feed_id: n for n, feed_id in enumerate(ids)}
        claimed.sort(key=lambda item: order[item[0].id])
        return claimed

    async def release_leases(self, owner: str) -> int:
        """End every lease ``owner`` still holds (a clean stop mid-cycle): how many."""
        async with self._tx() as db:
            return await db.execute(
                "UPDATE feeds SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?",
                (owner,),
            )

    async def feed_leases(self) -> dict[int, tuple[str, datetime]]:
        """Every lease held, by feed id: (owner, end). For tests and the operator's eye."""
        rows = await self._fetchall(
            "SELECT id, lease_owner, lease_until FROM feeds WHERE lease_owner IS NOT NULL"
        )
        return {int(r["id"]): (str(r["lease_owner"]), from_db(r["lease_until"])) for r in rows}
