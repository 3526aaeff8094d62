"""Backfill: on request, the newest entries of a feed posted to one new subscription.

It is the only path that posts entries a feed already had, so it applies the same rule as a
poll (``passes_filters``: the subscription's own filters and its channel's topic filters) to
every candidate, whether freshly prepared or already stored for another server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.articles import PreparedArticle, entry_norms, passes_filters, prepare_entry
from bot.workers import parse_task
from storage.records import PlannedPost, PostState, SeenKey, SeenStatus, StoredArticle, Subscription
from summarizer.model import Article, Entry, ParsedFeed, Summary, TextOrigin

if TYPE_CHECKING:
    from bot.engine import Engine

CANDIDATES_PER_POST = 3  # entries examined for each one wanted, when filters reject some


async def backfill(
    engine: Engine, subscription: Subscription, n: int, *, parsed: ParsedFeed | None = None
) -> int:
    """Post up to ``n`` of the newest entries that pass the filters, oldest first; the feed is
    fetched unless ``parsed`` is given."""
    if n <= 0:
        return 0
    storage, now = engine.storage, engine.clock.now()
    feed = await storage.get_feed(subscription.feed_id)
    if parsed is None:
        result = await engine.fetcher.fetch(feed.url, kind="feed")
        parsed = await engine.workers.run(
            parse_task, result.body, result.final_url, result.content_type
        )
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
                entry, feed_title=parsed.title or feed.title, fetcher=engine.fetcher,
                workers=engine.workers, settings=engine.settings,
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
            prepared.to_new_article(feed.id, entry.key),
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
