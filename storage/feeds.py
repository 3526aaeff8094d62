"""Feed rows: registration, the due list (optionally one poller partition), the outcome of each
poll and the change history the adaptive polling interval is computed from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.connection import Connection, Row, Session
from storage.errors import NotFoundError
from storage.records import FailureRecorded, FeedRecord, FeedState, FeedSuccess, Subscription
from storage.rows import subscription_from_row
from storage.terms import from_db, from_db_opt, to_db, to_db_opt


@dataclass(frozen=True, slots=True)
class PollHistory:
    """When a feed last had new entries and the smoothed seconds between such changes."""

    last_changed_at: datetime | None = None
    change_interval_s: float | None = None
    has_seen: bool = True  # some entry key of the feed is recorded (else the poll is a baseline)


HAS_SEEN_SQL = "EXISTS (SELECT 1 FROM seen_entries s WHERE s.feed_id = f.id) AS has_seen"
# A feed to poll (one ``?``: now): active, due, wanted by an active subscription or a console
# default. ``storage.leases`` adds "and not leased by another process".
DUE_SQL = (
    "f.state = 'active' AND (f.next_poll_at IS NULL OR f.next_poll_at <= ?)"
    " AND (f.is_default = 1 OR EXISTS (SELECT 1 FROM subscriptions s"
    "      WHERE s.feed_id = f.id AND s.state = 'active'))"
)
# The order in which due feeds are polled: those whose server took ``SLOW_FETCH_SECONDS`` or
# more to answer last time first, then the soonest due. A cycle lasts until its slowest feed
# answers: started first, a slow feed's wait overlaps the other feeds' polls instead of being
# added at the end (migration 0010). Unknown durations count as fast.
SLOW_FETCH_SECONDS = 1.0
DUE_ORDER_SQL = (
    f"(coalesce(f.fetch_seconds, 0) >= {SLOW_FETCH_SECONDS}) DESC, f.next_poll_at NULLS FIRST, f.id"
)
# Every outcome of a poll ends its lease (``storage.leases``): the feed is free for the next one.
END_LEASE_SQL = "lease_owner = NULL, lease_until = NULL"
# ... and records how long the fetch took (one ``?``; None keeps the last known duration).
POLL_ENDED_SQL = f"fetch_seconds = coalesce(?, fetch_seconds), {END_LEASE_SQL}"


def history_from_row(row: Row) -> PollHistory:
    """From a row selected with ``HAS_SEEN_SQL``."""
    return PollHistory(
        from_db_opt(row["last_changed_at"]), row["change_interval_s"], bool(row["has_seen"])
    )


async def apply_success(db: Session, feed_id: int, now: datetime, success: FeedSuccess) -> None:
    """A 200 with a body: validators and hash, failures reset, ``is_new`` cleared; the change
    history replaced when the poll found new entries."""
    if success.changed:
        await db.execute(
            "UPDATE feeds SET last_changed_at = ?, change_interval_s = ? WHERE id = ?",
            (to_db_opt(success.last_changed_at), success.change_interval_s, feed_id),
        )
    await db.execute(
        "UPDATE feeds SET etag = ?, last_modified = ?, body_hash = ?,"
        " title = coalesce(nullif(?, ''), title), site_url = coalesce(?, site_url),"
        " last_success_at = ?, last_attempt_at = ?, next_poll_at = ?, failure_count = 0,"
        " first_failure_at = NULL, last_error = NULL, is_new = 0,"
        f" {POLL_ENDED_SQL} WHERE id = ?",
        (success.etag, success.last_modified, success.body_hash, success.title,
         success.site_url, to_db(now), to_db(now), to_db(success.next_poll_at),
         success.fetch_seconds, feed_id),
    )  # fmt: skip


def _partition_clause(partitions: int, owned: Sequence[int]) -> tuple[str, list[int]]:
    """SQL restricting feeds to the owned partitions (``id % partitions``), or nothing."""
    wanted = sorted({p for p in owned if 0 <= p < partitions})
    if partitions <= 1 or len(wanted) == partitions:
        return "", []
    if not wanted:
        return " AND 1 = 0", []
    marks = ",".join("?" * len(wanted))
    return f" AND (f.id % ?) IN ({marks})", [partitions, *wanted]


def feed_from_row(row: Row) -> FeedRecord:
    return FeedRecord(
        id=row["id"],
        url=row["url"],
        title=row["title"],
        site_url=row["site_url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        body_hash=row["body_hash"],
        last_success_at=from_db_opt(row["last_success_at"]),
        last_attempt_at=from_db_opt(row["last_attempt_at"]),
        next_poll_at=from_db_opt(row["next_poll_at"]),
        failure_count=row["failure_count"],
        first_failure_at=from_db_opt(row["first_failure_at"]),
        last_error=row["last_error"],
        state=FeedState(row["state"]),
        state_reason=row["state_reason"],
        is_new=bool(row["is_new"]),
        is_default=bool(row["is_default"]),
        created_at=from_db(row["created_at"]),
        fetch_seconds=row["fetch_seconds"],
    )


class FeedStore(Connection):
    async def add_feed(
        self,
        url: str,
        *,
        now: datetime,
        title: str = "",
        site_url: str | None = None,
        is_default: bool = False,
    ) -> FeedRecord:
        """Register a feed by canonical URL; idempotent (returns the existing row)."""
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO feeds (url, title, site_url, is_default, next_poll_at, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " is_default = CASE WHEN excluded.is_default > feeds.is_default"
                " THEN excluded.is_default ELSE feeds.is_default END,"
                " title = CASE WHEN feeds.title = '' THEN excluded.title ELSE feeds.title END",
                (url, title, site_url, int(is_default), to_db(now), to_db(now)),
            )
        feed = await self.feed_by_url(url)
        assert feed is not None
        return feed

    async def get_feed(self, feed_id: int) -> FeedRecord:
        row = await self._fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        if row is None:
            raise NotFoundError(f"feed {feed_id}")
        return feed_from_row(row)

    async def feed_by_url(self, url: str) -> FeedRecord | None:
        row = await self._fetchone("SELECT * FROM feeds WHERE url = ?", (url,))
        return None if row is None else feed_from_row(row)

    async def list_feeds(self) -> list[FeedRecord]:
        return [feed_from_row(r) for r in await self._fetchall("SELECT * FROM feeds ORDER BY id")]

    async def due_feeds(
        self, now: datetime, limit: int = 100, *, partitions: int = 1, owned: Sequence[int] = (0,)
    ) -> list[FeedRecord]:
        """Active feeds wanted by an active subscription (or console defaults) that are due."""
        due = await self.due_feeds_with_history(now, limit, partitions=partitions, owned=owned)
        return [feed for feed, _ in due]

    async def due_feeds_with_history(
        self, now: datetime, limit: int = 100, *, partitions: int = 1, owned: Sequence[int] = (0,)
    ) -> list[tuple[FeedRecord, PollHistory]]:
        """The due feeds of the owned poller partitions (``DUE_ORDER_SQL``), with their history."""
        clause, extra = _partition_clause(partitions, owned)
        sql = (
            f"SELECT *, {HAS_SEEN_SQL} FROM feeds f WHERE {DUE_SQL}{clause}"
            f" ORDER BY {DUE_ORDER_SQL} LIMIT ?"
        )
        rows = await self._fetchall(
            sql,
            (to_db(now), *extra, limit),
        )
        return [(feed_from_row(r), history_from_row(r)) for r in rows]

    async def poll_history(self, feed_id: int) -> PollHistory:
        row = await self._fetchone(
            f"SELECT last_changed_at, change_interval_s, {HAS_SEEN_SQL} FROM feeds f WHERE id = ?",
            (feed_id,),
        )
        if row is None:
            raise NotFoundError(f"feed {feed_id}")
        return history_from_row(row)

    async def record_poll_success(
        self,
        feed_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        etag: str | None,
        last_modified: str | None,
        body_hash: str | None,
        title: str | None = None,
        site_url: str | None = None,
        changed: PollHistory | None = None,
    ) -> FeedRecord:
        """A 200 with a body and nothing else to store (the poll cycle uses ``record_poll``)."""
        success = FeedSuccess(
            next_poll_at, etag, last_modified, body_hash, title, site_url,
            changed.last_changed_at if changed else None,
            changed.change_interval_s if changed else None, changed is not None,
        )  # fmt: skip
        async with self._tx() as db:
            await apply_success(db, feed_id, now, success)
        return await self.get_feed(feed_id)

    async def record_not_modified(
        self,
        feed_id: int,
        *,
        now: datetime,
        next_poll_at: datetime,
        fetch_seconds: float | None = None,
    ) -> None:
        """A 304: a success that keeps the stored validators (one statement, the most
        frequent write of a cycle: ``_write_one``)."""
        await self._write_one(
            "UPDATE feeds SET last_success_at = ?, last_attempt_at = ?, next_poll_at = ?,"
            " failure_count = 0, first_failure_at = NULL, last_error = NULL,"
            f" {POLL_ENDED_SQL} WHERE id = ?",
            (to_db(now), to_db(now), to_db(next_poll_at), fetch_seconds, feed_id),
        )

    async def record_poll_failure(
        self,
        feed_id: int,
        *,
        now: datetime,
        error: str,
        next_poll_at: datetime,
        state: FeedState | None = None,
        state_reason: str | None = None,
        fetch_seconds: float | None = None,
    ) -> FailureRecorded:
        """One more consecutive failure; optionally a new state (gone, disabled_failing), then
        the feed as stored and, on a state change, its subscriptions (for the notice)."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE feeds SET failure_count = failure_count + 1,"
                " first_failure_at = coalesce(first_failure_at, ?), last_attempt_at = ?,"
                " last_error = ?, next_poll_at = ?, state = coalesce(?, state),"
                " state_reason = coalesce(?, state_reason),"
                f" {POLL_ENDED_SQL} WHERE id = ?",
                (to_db(now), to_db(now), error[:500], to_db(next_poll_at),
                 None if state is None else state.value, state_reason, fetch_seconds, feed_id),
            )  # fmt: skip
            row = await db.fetchone("SELECT * FROM feeds WHERE id = ?", (feed_id,))
            if row is None:
                raise NotFoundError(f"feed {feed_id}")
            subscriptions: tuple[Subscription, ...] = ()
            if state is not None:
                rows = await db.fetchall(
                    "SELECT * FROM subscriptions WHERE feed_id = ? ORDER BY id", (feed_id,)
                )
                subscriptions = tuple(subscription_from_row(r) for r in rows)
        return FailureRecorded(feed_from_row(row), subscriptions)

    async def set_feed_state(
        self,
        feed_id: int,
        state: FeedState,
        *,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> FeedRecord:
        """Change a feed's state. Back to ``active`` also resets failures and polls soon."""
        async with self._tx() as db:
            if state is FeedState.ACTIVE:
                await db.execute(
                    "UPDATE feeds SET state = 'active', state_reason = NULL, failure_count = 0,"
                    " first_failure_at = NULL, last_error = NULL,"
                    " next_poll_at = coalesce(?, next_poll_at) WHERE id = ?",
                    (to_db_opt(now), feed_id),
                )
            else:
                await db.execute(
                    "UPDATE feeds SET state = ?, state_reason = ? WHERE id = ?",
                    (state.value, reason, feed_id),
                )
        return await self.get_feed(feed_id)
