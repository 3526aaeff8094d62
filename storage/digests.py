"""Daily digests (issue 11, ``/digest schedule``): a schedule per channel, and each local day's
digest enqueued once into the outbox as a post with no article (``storage.outbox``).

Once per day, never twice: ``enqueue_digest`` inserts the key (schedule, local day) and the
post in one transaction, so a restart around the hour, or two processes due at once, cannot
enqueue a second one (the key's insert does nothing the second time: PostgreSQL makes the
second writer wait for the first one's commit, then conflict). After that the post is the
outbox's: pending, sending, sent, recovered after a crash and reconciled before any resend.

When a schedule is due (``due_digests``) is the pure ``summarizer.digest.next_digest_at``: the
local time today if today's digest is not enqueued yet, even if that time has passed (a bot
that was down posts it on return, the same local day), never for a time before the schedule
was set (a schedule made at 21:00 for 08:00 starts tomorrow).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from storage.connection import Connection, Row
from storage.records import PostRecord, nonce_of
from storage.rows import post_from_row
from storage.terms import from_db, to_db
from summarizer.digest import digest_day, next_digest_at


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    id: int
    guild_id: int
    channel_id: int
    at: time  # local time of day, in the bot's TIMEZONE
    topics: tuple[str, ...]  # only the stories whose articles carry one of them; () for all
    created_by: int | None
    since: datetime  # when it was set: no digest is due for an earlier instant
    last_day: date | None = None  # the last local day whose digest was enqueued


@dataclass(frozen=True, slots=True)
class DueDigest:
    schedule: DigestSchedule
    day: date  # the local day of the digest
    due_at: datetime  # the UTC instant it was due


def digest_nonce(schedule_id: int, day: date) -> str:
    """The nonce of a schedule's digest of ``day``."""
    return nonce_of(f"digest:{schedule_id}:{day.isoformat()}")


def _schedule(row: Row) -> DigestSchedule:
    hours, minutes = str(row["at_time"]).split(":")
    last = row["last_day"]
    return DigestSchedule(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        at=time(int(hours), int(minutes)),
        topics=tuple(json.loads(row["topics"])),
        created_by=row["created_by"],
        since=from_db(row["created_at"]),
        last_day=date.fromisoformat(str(last)) if last else None,
    )


_SELECT = (
    "SELECT s.*, (SELECT max(d.day) FROM digests d WHERE d.schedule_id = s.id) AS last_day"
    " FROM digest_schedules s"
)


class DigestScheduleStore(Connection):
    async def set_digest_schedule(
        self,
        *,
        guild_id: int,
        channel_id: int,
        at: time,
        topics: Sequence[str] = (),
        created_by: int | None,
        now: datetime,
    ) -> DigestSchedule:
        """Schedule a channel's digest at ``at`` (replacing its time and topics if it had one;
        the days already done stay done)."""
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO digest_schedules (guild_id, channel_id, at_time, topics, created_by,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel_id) DO UPDATE SET"
                " guild_id = excluded.guild_id, at_time = excluded.at_time,"
                " topics = excluded.topics, created_by = excluded.created_by,"
                " created_at = excluded.created_at",
                (guild_id, channel_id, at.strftime("%H:%M"),
                 json.dumps(list(topics), ensure_ascii=False), created_by, to_db(now)),
            )  # fmt: skip
            row = await db.fetchone(f"{_SELECT} WHERE s.channel_id = ?", (channel_id,))
        assert row is not None
        return _schedule(row)

    async def digest_schedules(self, guild_id: int | None = None) -> list[DigestSchedule]:
        """A server's schedules (every one without ``guild_id``), by time of day."""
        if guild_id is None:
            rows = await self._fetchall(f"{_SELECT} ORDER BY s.at_time, s.id")
        else:
            rows = await self._fetchall(
                f"{_SELECT} WHERE s.guild_id = ? ORDER BY s.at_time, s.id", (guild_id,)
            )
        return [_schedule(row) for row in rows]

    async def remove_digest_schedule(self, guild_id: int, channel_id: int) -> bool:
        """End a channel's schedule; a digest still waiting in the outbox is cancelled (one
        being sent finishes). False if the channel had none."""
        return await self._end_schedule(
            "s.guild_id = ? AND s.channel_id = ?", (guild_id, channel_id)
        )

    async def forget_digest_channel(self, channel_id: int) -> bool:
        """The channel is gone (deleted, bot removed): its schedule ends, its waiting digest is
        cancelled. False if it had none."""
        return await self._end_schedule("s.channel_id = ?", (channel_id,))

    async def _end_schedule(self, where: str, params: tuple[int, ...]) -> bool:
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET state = 'cancelled' WHERE state = 'pending' AND id IN"
                " (SELECT d.post_id FROM digests d JOIN digest_schedules s ON s.id = d.schedule_id"
                f" WHERE {where})",
                params,
            )
            removed = await db.execute(
                f"DELETE FROM digest_schedules WHERE id IN (SELECT s.id FROM digest_schedules s"
                f" WHERE {where})",
                params,
            )
        return removed > 0

    async def due_digests(self, now: datetime, tz: str) -> list[DueDigest]:
        """The schedules whose digest of today (local day in ``tz``) is due at ``now`` and not
        enqueued yet (see the module docstring)."""
        due: list[DueDigest] = []
        for schedule in await self.digest_schedules():
            at = next_digest_at(
                now, schedule.at, tz, done_for=schedule.last_day, since=schedule.since
            )
            if at > now:
                continue
            due.append(DueDigest(schedule, digest_day(now, tz), at))
        return due

    async def enqueue_digest(
        self, due: DueDigest, message: Mapping[str, Any], *, stories: int, now: datetime
    ) -> PostRecord | None:
        """Enqueue the digest of ``due.day`` with its rendered ``message``, once: None when it
        was enqueued already (by this process before a restart, or by another one) or its
        schedule has just been removed."""
        schedule = due.schedule
        async with self._tx() as db:
            inserted = await db.execute(
                "INSERT INTO digests (schedule_id, day, stories, created_at)"
                " SELECT id, ?, ?, ? FROM digest_schedules WHERE id = ?"
                " ON CONFLICT (schedule_id, day) DO NOTHING",
                (due.day.isoformat(), stories, to_db(now), schedule.id),
            )
            if not inserted:
                return None
            row = await db.fetchone(
                "INSERT INTO posts (article_id, target_kind, target_id, guild_id, state, nonce,"
                " created_at, digest) VALUES (NULL, 'channel', ?, ?, 'pending', ?, ?, ?)"
                " RETURNING *",
                (schedule.channel_id, schedule.guild_id, digest_nonce(schedule.id, due.day),
                 to_db(now), json.dumps(dict(message), ensure_ascii=False)),
            )  # fmt: skip
            assert row is not None
            await db.execute(
                "UPDATE digests SET post_id = ? WHERE schedule_id = ? AND day = ?",
                (row["id"], schedule.id, due.day.isoformat()),
            )
        return post_from_row(row)

    async def digest_posts(self, schedule_id: int) -> list[tuple[date, PostRecord | None]]:
        """Each day's digest of a schedule and its outbox post, oldest first."""
        rows = await self._fetchall(
            "SELECT d.day AS digest_day, p.* FROM digests d LEFT JOIN posts p ON p.id = d.post_id"
            " WHERE d.schedule_id = ? ORDER BY d.day",
            (schedule_id,),
        )
        return [
            (date.fromisoformat(str(r["digest_day"])), post_from_row(r) if r["id"] else None)
            for r in rows
        ]
