"""The outbox: posts move pending -> sending -> sent (or failed_permanent / cancelled).

A post is recorded before it is sent and confirmed after: a crash between the two leaves it
``sending``; ``recover_sending`` puts it back to ``pending`` at the next start and the stored
nonce lets Discord drop the duplicate. A daily digest (issue 11, ``storage.digests``) is a post
with no article: its row carries the message rendered when it was enqueued (``digest``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta

from storage.connection import Connection, in_chunks
from storage.records import ClaimedPost, PostRecord, PostState, ShardScope, SubscriptionState
from storage.rows import article_from_row, post_from_row
from storage.terms import to_db

BAD_FORMAT_LIMIT = 3  # consecutive 400s on one subscription before it becomes bad_format
# A post still ``sending`` this long after its claim is not in flight any more (a send gives up
# after discord.py's 60 s rate-limit cap): its ``sent`` update was lost (D12, disk full). It is
# claimed again, and delivery's reconciliation (D5) looks for it before any new send.
STALE_SENDING = timedelta(minutes=10)


def shard_clause(shards: ShardScope | None) -> tuple[str, list[int]]:
    """SQL keeping the posts of the owned guild shards (``ShardScope``), or nothing."""
    if shards is None or shards.is_everything:
        return "", []
    owned = sorted(set(shards.owned))
    channel = (
        f"(p.target_kind = 'channel' AND ((coalesce(p.guild_id, 0) >> 22) % ?)"
        f" IN ({','.join('?' * len(owned))}))"
    )
    dms = " OR p.target_kind = 'dm'" if shards.sends_dms else ""
    return f" AND ({channel}{dms})", [shards.count, *owned]


class OutboxStore(Connection):
    async def claim_due_posts(
        self, *, now: datetime, limit: int = 20, shards: ShardScope | None = None
    ) -> list[ClaimedPost]:
        """Move up to ``limit`` pending posts (oldest first) to ``sending`` and return them;
        with ``shards``, only those of this process's guild shards (and DMs with shard 0).

        Posts of a subscription that is not active (paused, gone) wait in ``pending``. A post
        left ``sending`` for ``STALE_SENDING`` is claimed again (its attempts keep counting)."""
        scope, extra = shard_clause(shards)
        async with self._tx() as db:
            rows = await db.fetchall(
                "SELECT p.id FROM posts p LEFT JOIN subscriptions s ON s.id = p.subscription_id"
                " WHERE (p.state = 'pending' OR (p.state = 'sending' AND p.claimed_at < ?))"
                f" AND (p.subscription_id IS NULL OR s.state = 'active'){scope}"
                f" ORDER BY p.id LIMIT ?{db.dialect.skip_locked('p')}",
                (to_db(now - STALE_SENDING), *extra, limit),
            )
            ids = [row[0] for row in rows]
            claimed: list[ClaimedPost] = []
            for post_id in ids:
                await db.execute(
                    "UPDATE posts SET state = 'sending', attempts = attempts + 1, claimed_at = ?,"
                    " first_attempt_at = coalesce(first_attempt_at, ?) WHERE id = ?",
                    (to_db(now), to_db(now), post_id),
                )
                post_row = await db.fetchone("SELECT * FROM posts WHERE id = ?", (post_id,))
                article_row = await db.fetchone(
                    "SELECT a.* FROM articles a JOIN posts p ON p.article_id = a.id WHERE p.id = ?",
                    (post_id,),
                )
                if post_row is None:
                    continue
                if article_row is not None:
                    claimed.append(
                        ClaimedPost(post_from_row(post_row), article_from_row(article_row))
                    )
                elif post_row["digest"] is not None:  # a digest: its message, rendered at enqueue
                    digest = json.loads(post_row["digest"])
                    claimed.append(ClaimedPost(post_from_row(post_row), None, digest))
        return claimed

    async def mark_sent(self, post_id: int, *, message_id: str | None, now: datetime) -> None:
        """Confirm a post; a success also resets its subscription's bad-format streak."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET state = 'sent', message_id = ?, sent_at = ?, last_error = NULL"
                " WHERE id = ?",
                (message_id, to_db(now), post_id),
            )
            await db.execute(
                "UPDATE subscriptions SET bad_format_streak = 0"
                " WHERE id = (SELECT subscription_id FROM posts WHERE id = ?)",
                (post_id,),
            )

    async def mark_failed(self, post_id: int, *, error: str, bad_format: bool = False) -> bool:
        """A permanent failure. With ``bad_format``, count it on the subscription; returns True
        when that subscription has just been switched to ``bad_format``."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET state = 'failed_permanent', last_error = ? WHERE id = ?",
                (error[:500], post_id),
            )
            if not bad_format:
                return False
            await db.execute(
                "UPDATE subscriptions SET bad_format_streak = bad_format_streak + 1"
                " WHERE id = (SELECT subscription_id FROM posts WHERE id = ?)",
                (post_id,),
            )
            changed = await db.execute(
                "UPDATE subscriptions SET state = ?, state_reason = ?"
                " WHERE id = (SELECT subscription_id FROM posts WHERE id = ?)"
                " AND state = 'active' AND bad_format_streak >= ?",
                (SubscriptionState.BAD_FORMAT.value, error[:200], post_id, BAD_FORMAT_LIMIT),
            )
            return changed > 0

    async def release(
        self, post_id: int, *, error: str | None = None, attempted: bool = True
    ) -> None:
        """Back to ``pending`` (rate limit, outage): it will be retried with the same nonce.

        ``attempted=False`` when Discord surely did not create the message (never handed to
        the publisher, or refused with a 403 or 429): the claim is not counted as an attempt,
        so no reconciliation read (D5) is spent on it later, and a post never attempted has no
        ``first_attempt_at`` (its next claim sets it)."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET state = 'pending', last_error = coalesce(?, last_error),"
                " attempts = attempts - CASE WHEN ? THEN 0 ELSE 1 END,"
                " first_attempt_at = CASE WHEN ? OR attempts > 1 THEN first_attempt_at END"
                " WHERE id = ? AND state = 'sending'",
                (error, attempted, attempted, post_id),
            )

    async def recover_sending(self, shards: ShardScope | None = None) -> int:
        """At start-up: posts left ``sending`` by a crash go back to ``pending``; with
        ``shards``, only this process's (another process may be sending its own right now)."""
        scope, extra = shard_clause(shards)
        async with self._tx() as db:
            return await db.execute(
                f"UPDATE posts AS p SET state = 'pending' WHERE p.state = 'sending'{scope}", extra
            )

    async def cancel_for_channel(self, channel_id: int) -> int:
        """Cancel every pending post to a channel (channel deleted, bot removed)."""
        async with self._tx() as db:
            return await db.execute(
                "UPDATE posts SET state = 'cancelled' WHERE target_kind = 'channel'"
                " AND target_id = ? AND state IN ('pending', 'sending')",
                (channel_id,),
            )

    async def count_posts_since(
        self, subscription_ids: Iterable[int], since: datetime
    ) -> dict[int, int]:
        """Per subscription: posts enqueued since ``since`` that count against its day cap, in one
        query (per ``IN_CHUNK`` subscriptions); a subscription without any is absent."""
        counts: dict[int, int] = {}
        for chunk, marks in in_chunks(list(dict.fromkeys(subscription_ids))):
            rows = await self._fetchall(
                "SELECT subscription_id, count(*) FROM posts"
                f" WHERE subscription_id IN ({marks}) AND created_at >= ?"
                " AND state IN ('pending', 'sending', 'sent') GROUP BY subscription_id",
                (*chunk, to_db(since)),
            )
            counts.update({int(r[0]): int(r[1]) for r in rows})
        return counts

    async def count_sent_today(self, subscription_id: int, *, now: datetime) -> int:
        """Posts sent for a subscription since midnight UTC of ``now``."""
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        row = await self._fetchone(
            "SELECT count(*) FROM posts WHERE subscription_id = ? AND state = 'sent'"
            " AND sent_at >= ?",
            (subscription_id, to_db(midnight)),
        )
        return int(row[0]) if row else 0

    async def posts_for_article(self, article_id: int) -> list[PostRecord]:
        rows = await self._fetchall(
            "SELECT * FROM posts WHERE article_id = ? ORDER BY id", (article_id,)
        )
        return [post_from_row(r) for r in rows]

    async def list_posts(self, state: PostState | None = None) -> list[PostRecord]:
        if state is None:
            rows = await self._fetchall("SELECT * FROM posts ORDER BY id")
        else:
            rows = await self._fetchall(
                "SELECT * FROM posts WHERE state = ? ORDER BY id", (state.value,)
            )
        return [post_from_row(r) for r in rows]
