"""One poll of one feed as storage sees it: one read before the decisions, one write after.

The poll cycle (``bot.news.engine``) fetches and parses a feed, then asks ``poll_context`` what
storage knows of its entries (seen keys, blocking links and titles, and, when an entry is new,
who the feed's articles can go to). It decides and prepares without storage, then records the
outcome with exactly one call, one transaction:

- ``record_not_modified`` (a 304);
- ``record_poll_failure`` (any failure; returns the subscriptions to tell when the feed changes
  state);
- ``record_poll`` (a 200: the seen keys to record, the articles with their planned posts, and
  what the feed row learns), for a baseline, an unchanged or empty feed, or new entries.

A crash before that call records nothing: the feed is still due and the next cycle starts over.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.connection import in_chunks
from storage.corrections import CorrectionStore, apply_corrections
from storage.entries import EntryStore, insert_seen, store_article, upsert_terms
from storage.feeds import FeedStore, apply_success
from storage.leases import LeaseStore
from storage.outbox import OutboxStore
from storage.records import (
    ArticleCorrection,
    ArticleIntent,
    Audience,
    EntryRef,
    FeedSuccess,
    PollContext,
    PollRecorded,
    SeenKey,
)
from storage.social import SocialStore
from storage.webhooks import WebhookStore
from storage.why import DigestStore


class PollStore(
    FeedStore,
    LeaseStore,
    EntryStore,
    DigestStore,
    SocialStore,
    OutboxStore,
    CorrectionStore,
    WebhookStore,
):
    async def poll_context(
        self,
        feed_id: int,
        entries: Sequence[EntryRef],
        *,
        since: datetime,
        now: datetime | None = None,
    ) -> PollContext:
        """What is known of ``entries`` for the feed; the audience (``since``: the start of the
        day-cap window) only when one of them is unseen; the recent articles of the known ones
        (``now``: the correction window's end; corrections are only looked for with it)."""
        known = await self.known_keys(feed_id, [e.key for e in entries])
        fresh = [e for e in entries if e.key not in known]
        links, titles = await self.blocking_matches(
            feed_id,
            link_norms=[e.link_norm for e in fresh if e.link_norm],
            title_norms=[e.title_norm for e in fresh if e.title_norm],
        )
        audience = await self._audience(feed_id, since) if fresh else None
        recent = await self.recent_articles(feed_id, sorted(known), now=now) if now else {}
        return PollContext(frozenset(known), frozenset(links), frozenset(titles), audience, recent)

    async def _audience(self, feed_id: int, since: datetime) -> Audience:
        subscriptions = tuple(await self.subscriptions_for_feed(feed_id))
        if not subscriptions:
            return Audience()
        filters = await self.channel_filter_follows(s.channel_id for s in subscriptions)
        used = await self.count_posts_since((s.id for s in subscriptions), since)
        return Audience(subscriptions, filters, {s.id: used.get(s.id, 0) for s in subscriptions})

    async def record_poll(
        self,
        feed_id: int,
        *,
        now: datetime,
        success: FeedSuccess,
        seen: Sequence[SeenKey] = (),
        articles: Sequence[ArticleIntent] = (),
        corrections: Sequence[ArticleCorrection] = (),
    ) -> PollRecorded:
        """A successful poll in one transaction: the skipped or baseline keys, each article with
        its seen key, posts and follow DMs (idempotent, as ``save_article``), the corrections
        of known entries (``storage.corrections``), the feed row."""
        async with self._tx() as db:
            if seen:
                await insert_seen(db, feed_id, seen, now)
            await upsert_terms(db, [i.article for i in articles], now)  # first, in one order
            ids = [
                await store_article(
                    db,
                    i.article,
                    now,
                    i.seen,
                    i.posts,
                    match_follows=True,
                    story=i.story,
                    held=i.held,
                    with_terms=False,
                )
                for i in articles
            ]
            edits = await apply_corrections(db, corrections, now) if corrections else 0
            await apply_success(db, feed_id, now, success)
            pending = 0
            for chunk, marks in in_chunks(ids):
                row = await db.fetchone(
                    f"SELECT count(*) FROM posts WHERE article_id IN ({marks})"
                    " AND state = 'pending'",
                    chunk,
                )
                pending += int(row[0]) if row else 0
        return PollRecorded(tuple(ids), pending, edits)
