"""Entries and URLs turned into summarized articles.

``prepare_entry`` fetches the article page through the guarded client, then one worker task
extracts it, completes it with the entry's fields, summarizes and tags it off the event loop (the
text never travels between the two steps); without a usable page, the feed's own content is
summarized the same way.
The pure rules that choose which entries to prepare and where they go are in
``bot.news.selection``.
"""

from __future__ import annotations

import logging
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal, Protocol

from bot.net.errors import FetchError
from bot.news.workers import WorkerPool, WorkerTimeout, entry_prepare_task, page_prepare_task
from bot.settings import Settings
from storage.records import (
    NewArticle,
)
from summarizer.discovery import looks_like_feed
from summarizer.errors import ExtractionError, SummarizerError
from summarizer.model import Article, Entry, Summary, TextOrigin
from summarizer.story_features import StoryFeatures

log = logging.getLogger(__name__)
IS_A_FEED = "is_a_feed"  # ExtractionError reason: /summary or summarize of a feed's address

OLD_ENTRY_AGE = timedelta(days=2)  # F19


class Fetcher(Protocol):
    async def fetch(
        self,
        url: str,
        *,
        kind: Literal["feed", "page", "image"] = "feed",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Any: ...


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    article: Article
    summary: Summary
    topics: tuple[str, ...]
    source_name: str | None = None  # the feed's title
    # What the story matcher compares, computed by the worker (None: the matcher computes it).
    story: StoryFeatures | None = None

    def to_new_article(self, feed_id: int | None, entry_key: str | None) -> NewArticle:
        art = self.article
        return NewArticle(
            feed_id=feed_id,
            entry_key=entry_key,
            url=art.url,
            title=art.title,
            summary=self.summary.text,
            text_origin=art.origin.value,
            authors=art.authors,
            topics=self.topics,
            published_at=art.published,
            source=self.source_name or art.source or art.site_name,
            site_name=art.site_name,
            image=art.image,
        )


def _budget(settings: Settings) -> tuple[int, int, str]:
    return (
        settings.summary_max_sentences,
        settings.summary_max_chars,
        settings.summary_algorithm,
    )


async def _from_page(
    url: str, entry: Entry, fetcher: Fetcher, workers: WorkerPool, settings: Settings
) -> PreparedArticle | None:
    """The page's article completed by the entry, summarized, in one worker round trip; None
    when the page cannot be fetched or read, or its worker timed out or died."""
    try:
        result = await fetcher.fetch(url, kind="page")
        done = await workers.run(
            page_prepare_task, result.body, result.final_url, entry, _budget(settings)
        )
    except (FetchError, SummarizerError, WorkerTimeout, BrokenExecutor) as exc:
        log.info("page unavailable url=%s reason=%s", url, getattr(exc, "reason", exc))
        return None
    if done is None:
        return None
    article, summary, topics, story = done
    return PreparedArticle(article, summary, topics, story=story)


async def prepare_entry(
    entry: Entry, *, feed_title: str | None, fetcher: Fetcher, workers: WorkerPool,
    settings: Settings, fetch_page: bool = True,
) -> PreparedArticle:  # fmt: skip
    """Page first (through the guarded client), else the feed's own content (only that with
    ``fetch_page=False``). A worker that times out or dies costs this entry its summary (S14),
    never its post or the feed's later entries: it still goes out with its title and link."""
    source = feed_title or None
    wanted = entry.link if fetch_page else None
    page = await _from_page(wanted, entry, fetcher, workers, settings) if wanted else None
    if page is not None:
        return replace(page, source_name=source)
    try:
        article, summary, topics, story = await workers.run(
            entry_prepare_task, entry, _budget(settings)
        )
        return PreparedArticle(article, summary, topics, source, story)
    except (WorkerTimeout, BrokenExecutor) as exc:
        log.warning("summary unavailable url=%s reason=%s", entry.link, type(exc).__name__)
        bare = Article(
            title=entry.title, text="", url=entry.link, authors=entry.authors,
            published=entry.published, categories=entry.categories, image=entry.image,
            origin=TextOrigin.FEED,
        )  # fmt: skip
        unavailable = Summary((), algorithm="unavailable")
        return PreparedArticle(bare, unavailable, entry.categories, source)


async def prepare_url(
    url: str, *, fetcher: Fetcher, workers: WorkerPool, settings: Settings
) -> PreparedArticle:
    """``/summary <url>`` and the CLI: raises ``FetchError`` or ``SummarizerError`` (reason
    ``IS_A_FEED`` when the address is a feed). Someone waits for the answer: its work goes
    before the poll cycle's (``urgent``)."""
    result = await fetcher.fetch(url, kind="page")
    if looks_like_feed(result.body):  # a feed is not an article: its markup is no summary
        raise ExtractionError(IS_A_FEED, url=result.final_url, detail="the page is a feed")
    done = await workers.run(
        page_prepare_task, result.body, result.final_url, None, _budget(settings), urgent=True
    )
    if done is None:
        raise ExtractionError("empty", url=result.final_url)
    article, summary, topics, story = done
    return PreparedArticle(article, summary, topics, story=story)
