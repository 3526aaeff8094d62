"""Subscriptions (a feed posted to a channel) and follows (a topic or an author).

Three kinds of follow share one table and one matching rule (``summarizer.topics.
article_terms``): a member's DM follow (``delivery='dm'``, scoped to its guild), a member's
mention follow (``delivery='channel'`` with ``user_id``: pinged in that channel's posts) and a
channel-level follow (``delivery='channel'``, no ``user_id``: a topic filter on the channel's
subscriptions). Every lookup goes through an index (``follows_match`` on kind and term,
``follows_by_user`` for ``user_id IS NULL``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime

from storage.connection import Connection, Reader, Session, in_chunks
from storage.errors import IntegrityError, NotFoundError
from storage.records import (
    Filters,
    Follow,
    FollowDelivery,
    FollowKind,
    PostFormat,
    Subscription,
    SubscriptionState,
)
from storage.rows import follow_from_row, subscription_from_row
from storage.terms import fold_term, to_db
from summarizer.topics import article_terms

DM_SCOPE = " AND delivery = 'dm' AND guild_id IN ({guilds})"
MENTION_SCOPE = " AND delivery = 'channel' AND user_id IS NOT NULL AND channel_id = ?"
CHANNEL_FILTERS_SQL = (
    "SELECT * FROM follows WHERE user_id IS NULL AND delivery = 'channel'"
    " AND channel_id IN ({channels}) ORDER BY channel_id, id"
)


async def select_matching_follows(
    db: Reader,
    *,
    title: str,
    topics: Iterable[str],
    authors: Iterable[str],
    scope: str = "",
    params: Sequence[object] = (),
) -> list[Follow]:
    """Follows whose normalised term is one of the article's terms (``article_terms``), through
    the ``follows_match`` index; ``scope`` (SQL starting with `` AND``) and its ``params``
    narrow them down (``DM_SCOPE``, ``MENTION_SCOPE``)."""
    topic_terms, author_terms = article_terms(title, topics, authors)
    found: list[Follow] = []
    for kind, terms in ((FollowKind.TOPIC, topic_terms), (FollowKind.AUTHOR, author_terms)):
        for chunk, marks in in_chunks(sorted(terms)):
            rows = await db.fetchall(
                f"SELECT * FROM follows WHERE kind = ? AND term_norm IN ({marks}){scope}"
                " ORDER BY id",
                (kind.value, *chunk, *params),
            )
            found.extend(follow_from_row(row) for row in rows)
    return found


async def select_dm_follows(
    db: Session,
    guild_ids: Collection[int],
    *,
    title: str,
    topics: Iterable[str],
    authors: Iterable[str],
) -> list[Follow]:
    """The DM follows of ``guild_ids`` (the guilds an article is posted in) matching it."""
    if not guild_ids:
        return []
    scope = DM_SCOPE.format(guilds=",".join("?" * len(guild_ids)))
    return await select_matching_follows(
        db, title=title, topics=topics, authors=authors, scope=scope, params=tuple(guild_ids)
    )


class SocialStore(Connection):
    # --- subscriptions -------------------------------------------------------------------
    async def add_subscription(
        self,
        *,
        guild_id: int,
        channel_id: int,
        feed_id: int,
        now: datetime,
        created_by: int | None = None,
        filters: Filters | None = None,
        post_format: PostFormat = PostFormat.COMPLET,
        template: str | None = None,
        crosspost: bool = False,
        forum_tag_id: int | None = None,
        discussion: bool = False,
        corrections: bool = True,
        webhook: bool = False,
    ) -> Subscription:
        """Subscribe a channel (a text or announcement channel, a forum, a thread) to a feed;
        raises ``IntegrityError`` if it already is."""
        async with self._tx() as db:
            row = await db.fetchone(
                "INSERT INTO subscriptions (guild_id, channel_id, feed_id, filters, created_by,"
                " created_at, format, template, crosspost, forum_tag_id, discussion,"
                " corrections, webhook) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " RETURNING id",
                (guild_id, channel_id, feed_id, (filters or Filters()).to_json(), created_by,
                 to_db(now), post_format.value, template, int(crosspost), forum_tag_id,
                 int(discussion), int(corrections), int(webhook)),
            )  # fmt: skip
        assert row is not None
        return await self.get_subscription(int(row[0]))

    async def get_subscription(self, subscription_id: int) -> Subscription:
        row = await self._fetchone("SELECT * FROM subscriptions WHERE id = ?", (subscription_id,))
        if row is None:
            raise NotFoundError(f"subscription {subscription_id}")
        return subscription_from_row(row)

    async def remove_subscription(self, subscription_id: int) -> bool:
        """Delete a subscription and cancel its pending posts. False if it did not exist."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE posts SET state = 'cancelled' WHERE subscription_id = ?"
                " AND state IN ('pending', 'sending')",
                (subscription_id,),
            )
            return (
                await db.execute("DELETE FROM subscriptions WHERE id = ?", (subscription_id,)) > 0
            )

    async def list_for_guild(self, guild_id: int) -> list[Subscription]:
        rows = await self._fetchall(
            "SELECT * FROM subscriptions WHERE guild_id = ? ORDER BY channel_id, id", (guild_id,)
        )
        return [subscription_from_row(r) for r in rows]

    async def count_for_guild(self, guild_id: int) -> int:
        row = await self._fetchone(
            "SELECT count(*) FROM subscriptions WHERE guild_id = ?", (guild_id,)
        )
        return int(row[0]) if row else 0

    async def subscriptions_for_feed(
        self, feed_id: int, *, active_only: bool = True
    ) -> list[Subscription]:
        sql = "SELECT * FROM subscriptions WHERE feed_id = ?"
        if active_only:
            sql += " AND state = 'active'"
        rows = await self._fetchall(sql + " ORDER BY id", (feed_id,))
        return [subscription_from_row(r) for r in rows]

    async def subscriptions_for_channel(self, channel_id: int) -> list[Subscription]:
        rows = await self._fetchall(
            "SELECT * FROM subscriptions WHERE channel_id = ? ORDER BY id", (channel_id,)
        )
        return [subscription_from_row(r) for r in rows]

    async def set_subscription_state(
        self, subscription_id: int, state: SubscriptionState, *, reason: str | None = None
    ) -> Subscription:
        async with self._tx() as db:
            await db.execute(
                "UPDATE subscriptions SET state = ?, state_reason = ? WHERE id = ?",
                (state.value, reason, subscription_id),
            )
        return await self.get_subscription(subscription_id)

    async def set_channel_state(
        self, channel_id: int, state: SubscriptionState, *, reason: str | None = None
    ) -> list[Subscription]:
        """Set the state of every active subscription of a channel (permissions lost, gone)."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE subscriptions SET state = ?, state_reason = ?"
                " WHERE channel_id = ? AND state = 'active'",
                (state.value, reason, channel_id),
            )
        return await self.subscriptions_for_channel(channel_id)

    async def set_filters(self, subscription_id: int, filters: Filters) -> Subscription:
        async with self._tx() as db:
            await db.execute(
                "UPDATE subscriptions SET filters = ? WHERE id = ?",
                (filters.to_json(), subscription_id),
            )
        return await self.get_subscription(subscription_id)

    async def set_format(
        self, subscription_id: int, post_format: PostFormat, *, template: str | None = None
    ) -> Subscription:
        """How the subscription's next posts look; ``template`` is kept for ``modele`` only."""
        kept = template if post_format is PostFormat.MODELE else None
        async with self._tx() as db:
            changed = await db.execute(
                "UPDATE subscriptions SET format = ?, template = ? WHERE id = ?",
                (post_format.value, kept, subscription_id),
            )
        if not changed:
            raise NotFoundError(f"subscription {subscription_id}")
        return await self.get_subscription(subscription_id)

    async def subscriptions_by_id(self, subscription_ids: Iterable[int]) -> dict[int, Subscription]:
        """The subscriptions among ``subscription_ids`` that still exist, by id (delivery reads
        each post's format in one query per round)."""
        found: dict[int, Subscription] = {}
        for chunk, marks in in_chunks(sorted(set(subscription_ids))):
            rows = await self._fetchall(
                f"SELECT * FROM subscriptions WHERE id IN ({marks})", tuple(chunk)
            )
            for row in rows:
                found[int(row["id"])] = subscription_from_row(row)
        return found

    async def enable_subscription(self, subscription_id: int) -> Subscription:
        """Back to ``active`` (after the admin fixed permissions or the format problem)."""
        async with self._tx() as db:
            await db.execute(
                "UPDATE subscriptions SET state = 'active', state_reason = NULL,"
                " bad_format_streak = 0 WHERE id = ?",
                (subscription_id,),
            )
        return await self.get_subscription(subscription_id)

    # --- follows -------------------------------------------------------------------------
    async def add_follow(
        self,
        *,
        kind: FollowKind,
        term: str,
        delivery: FollowDelivery,
        now: datetime,
        guild_id: int | None = None,
        user_id: int | None = None,
        channel_id: int | None = None,
    ) -> Follow:
        """Follow a topic or an author; idempotent on (kind, term, delivery, user, channel)."""
        norm = fold_term(term)
        if not norm:
            raise IntegrityError("empty follow term")
        async with self._tx() as db:
            await db.execute(
                "INSERT INTO follows (guild_id, user_id, channel_id, kind, term, term_norm,"
                " delivery, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (guild_id, user_id, channel_id, kind.value, term.strip(), norm, delivery.value,
                 to_db(now)),
            )  # fmt: skip
        row = await self._fetchone(
            "SELECT * FROM follows WHERE kind = ? AND term_norm = ? AND delivery = ?"
            " AND coalesce(guild_id, 0) = ? AND coalesce(user_id, 0) = ?"
            " AND coalesce(channel_id, 0) = ?",
            (kind.value, norm, delivery.value, guild_id or 0, user_id or 0, channel_id or 0),
        )
        assert row is not None
        return follow_from_row(row)

    async def remove_follow(self, follow_id: int, *, user_id: int | None = None) -> bool:
        """Delete a follow (only the user's own when ``user_id`` is given)."""
        async with self._tx() as db:
            if user_id is None:
                removed = await db.execute("DELETE FROM follows WHERE id = ?", (follow_id,))
            else:
                removed = await db.execute(
                    "DELETE FROM follows WHERE id = ? AND user_id = ?", (follow_id, user_id)
                )
            return removed > 0

    async def list_follows_for_user(self, user_id: int) -> list[Follow]:
        rows = await self._fetchall(
            "SELECT * FROM follows WHERE user_id = ? ORDER BY kind, term_norm", (user_id,)
        )
        return [follow_from_row(r) for r in rows]

    async def list_follows_for_channel(self, channel_id: int) -> list[Follow]:
        """Every follow tied to the channel (mentions and filters), e.g. to forget them."""
        rows = await self._fetchall(
            "SELECT * FROM follows WHERE channel_id = ? AND delivery = 'channel'"
            " ORDER BY kind, term_norm",
            (channel_id,),
        )
        return [follow_from_row(r) for r in rows]

    async def channel_filter_follows(
        self, channel_ids: Iterable[int]
    ) -> dict[int, tuple[Follow, ...]]:
        """The channel-level follows (topic filters) of each channel that has any."""
        found: dict[int, list[Follow]] = {}
        for chunk, marks in in_chunks(sorted(set(channel_ids))):
            sql = CHANNEL_FILTERS_SQL.format(channels=marks)
            for row in await self._fetchall(sql, tuple(chunk)):
                follow = follow_from_row(row)
                found.setdefault(int(row["channel_id"]), []).append(follow)
        return {channel_id: tuple(follows) for channel_id, follows in found.items()}

    async def channel_follows_for_guild(self, guild_id: int) -> list[Follow]:
        """The channel-level follows (topic filters) of a guild, by channel then term."""
        rows = await self._fetchall(
            "SELECT * FROM follows WHERE user_id IS NULL AND delivery = 'channel'"
            " AND guild_id = ? ORDER BY channel_id, kind, term_norm",
            (guild_id,),
        )
        return [follow_from_row(r) for r in rows]

    async def remove_channel_follow(self, follow_id: int, *, guild_id: int) -> bool:
        """Delete a channel-level follow of ``guild_id``; False if there is no such follow."""
        async with self._tx() as db:
            removed = await db.execute(
                "DELETE FROM follows WHERE id = ? AND user_id IS NULL AND delivery = 'channel'"
                " AND guild_id = ?",
                (follow_id, guild_id),
            )
            return removed > 0

    async def mention_follows(
        self, channel_id: int, *, title: str, topics: Iterable[str], authors: Iterable[str]
    ) -> list[Follow]:
        """The members' mention follows of ``channel_id`` that match the article."""
        return await select_matching_follows(
            self._db, title=title, topics=topics, authors=authors, scope=MENTION_SCOPE,
            params=(channel_id,),
        )  # fmt: skip

    async def matching_follows(
        self, *, title: str, topics: Iterable[str], authors: Iterable[str]
    ) -> list[Follow]:
        """Every follow matching the article, whatever its guild or delivery."""
        return await select_matching_follows(self._db, title=title, topics=topics, authors=authors)
