"""Backfill: on request, the newest entries of a feed posted to one new subscription.

It is the only path that posts entries a feed already had, so it applies the same rule as a
poll (``passes_filters``: the subscription's own filters and its channel's topic filters) to
every candidate, whether freshly prepared or already stored for another server.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from bot.clock import Clock
from bot.news.corrections import entry_hash
from bot.news.preparation import Fetcher, PreparedArticle, prepare_entry
from bot.news.selection import entry_norms, passes_filters
from bot.news.workers import WorkerPool, parse_task
from bot.settings import Settings
from storage.records import PlannedPost, PostState, SeenKey, SeenStatus, StoredArticle, Subscription
from storage.storage import Storage
from summarizer.model import Article, Entry, ParsedFeed, Summary, TextOrigin

CANDIDATES_PER_POST = 3  # entries examined for each one wanted, when filters reject some


class Parts(Protocol):
    """What a backfill works with (the engine's parts: ``bot.news.engine.Engine`` has them)."""

    storage: Storage
    fetcher: Fetcher
    workers: WorkerPool
    settings: Settings
    clock: Clock


async def backfill(
    parts: Parts, subscription: Subscription, n: int, *, parsed: ParsedFeed | None = None
) -> int:
    """Post up to ``n`` of the newest entries that pass the filters, oldest first; the feed is
    fetched unless ``parsed`` is given."""
    if n <= 0:
        return 0
    storage, now = parts.storage, parts.clock.now()
    feed = await storage.get_feed(subscription.feed_id)
    if parsed is None:
        result = await parts.fetcher.fetch(feed.url, kind="feed")
        fetched: ParsedFeed = await parts.workers.run(
            parse_task, result.body, result.final_url, result.content_type
        )
        parsed = fetched
    topic_filters = await storage.channel_filter_follows([subscription.channel_id])
    newest_first = sorted(parsed.entries, key=lambda e: e.published or now, reverse=True)
    plan = PlannedPost(subscription, PostState.PENDING)
    chosen: list[tuple[Entry, PreparedArticle, StoredArticle | None]] = []
    for entry in newest_first[: n * CANDIDATES_PER_POST]:
        stored = await storage.article_for_entry(feed.id, entry.key)
        if stored is not None:
            prepared = _prepared_from_stored(stored)
        else:
            prepared = await prepare_entry(
                entry, feed_title=parsed.title or feed.title, fetcher=parts.fetcher,
                workers=parts.workers, settings=parts.settings,
            )  # fmt: skip
        if passes_filters(subscription, topic_filters, prepared):
            chosen.append((entry, prepared, stored))
        if len(chosen) == n:
            break
    for entry, prepared, stored in reversed(chosen):  # channels read in publication order
        if stored is not None:
            await storage.enqueue_post(stored.id, plan, now=now)
            continue
        link, title = entry_norms(entry)
        await storage.save_article(
            replace(prepared.to_new_article(feed.id, entry.key), entry_hash=entry_hash(entry)),
            now=now,
            seen=SeenKey(entry.key, link, title, SeenStatus.NEW),
            posts=[plan],
            match_follows=False,
        )
    return len(chosen)


def _prepared_from_stored(stored: StoredArticle) -> PreparedArticle:
    """What the filters need (title, summary, authors, topics) of an article stored earlier."""
    article = Article(
        title=stored.title,
        text=stored.summary,
        url=stored.url,
        authors=stored.authors,
        published=stored.published_at,
        source=stored.source,
        site_name=stored.site_name,
        image=stored.image,
        origin=TextOrigin(stored.text_origin),
    )
    summary = Summary((stored.summary,) if stored.summary else (), algorithm="stored")
    return PreparedArticle(article, summary, stored.topics, stored.source)
