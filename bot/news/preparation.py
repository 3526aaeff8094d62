"""Entries and URLs turned into summarized articles.

``prepare_entry`` fetches the article page through the guarded client, extracts it off the
event loop, falls back to the feed's own content, then summarizes and tags it (off-loop too).
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
from bot.news.workers import (
    WorkerPool,
    WorkerTimeout,
    entry_article_task,
    extract_task,
    summarize_task,
)
from bot.settings import Settings
from storage.records import (
    NewArticle,
)
from summarizer.discovery import looks_like_feed
from summarizer.errors import ExtractionError, SummarizerError
from summarizer.model import Article, Entry, Summary, TextOrigin

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


async def _page_article(
    url: str, fetcher: Fetcher, workers: WorkerPool, *, date_known: bool
) -> Article | None:
    """``date_known``: the feed dated the entry, so the page's date is not searched for."""
    try:
        result = await fetcher.fetch(url, kind="page")
        body, final_url = result.body, result.final_url
        article: Article = await workers.run(extract_task, body, final_url, date_known)
    except (FetchError, SummarizerError, WorkerTimeout) as exc:
        log.info("page unavailable url=%s reason=%s", url, getattr(exc, "reason", exc))
        return None
    return article if article.text.strip() else None


def _merge(page: Article, entry: Entry) -> Article:
    """The page's article completed with what the feed knows better (date, authors, image)."""
    return replace(
        page,
        title=page.title or entry.title,
        url=entry.link or page.url,
        authors=page.authors or entry.authors,
        published=entry.published or page.published,
        categories=tuple(dict.fromkeys((*entry.categories, *page.categories))),
        image=page.image or entry.image,
    )


async def summarize_article(
    article: Article, *, workers: WorkerPool, settings: Settings, source_name: str | None,
    urgent: bool = False,
) -> PreparedArticle:  # fmt: skip
    budget = (
        settings.summary_max_sentences,
        settings.summary_max_chars,
        settings.summary_algorithm,
    )
    summary, topics = await workers.run(
        summarize_task, article.text, article.title, article.categories, budget, urgent=urgent
    )
    return PreparedArticle(article, summary, topics, source_name)


async def prepare_entry(
    entry: Entry, *, feed_title: str | None, fetcher: Fetcher, workers: WorkerPool,
    settings: Settings, fetch_page: bool = True,
) -> PreparedArticle:  # fmt: skip
    """Page first (through the guarded client), else the feed's own content (only that with
    ``fetch_page=False``). A worker that times out or dies costs this entry its summary (S14),
    never its post or the feed's later entries: it still goes out with its title and link."""
    wanted = entry.link if fetch_page else None
    known = entry.published is not None
    page = await _page_article(wanted, fetcher, workers, date_known=known) if wanted else None
    try:
        if page is not None:
            article = _merge(page, entry)
        else:
            article = await workers.run(entry_article_task, entry)
        return await summarize_article(
            article, workers=workers, settings=settings, source_name=feed_title or None
        )
    except (WorkerTimeout, BrokenExecutor) as exc:
        log.warning("summary unavailable url=%s reason=%s", entry.link, type(exc).__name__)
        bare = Article(
            title=entry.title, text="", url=entry.link, authors=entry.authors,
            published=entry.published, categories=entry.categories, image=entry.image,
            origin=TextOrigin.FEED,
        )  # fmt: skip
        unavailable = Summary((), algorithm="unavailable")
        return PreparedArticle(bare, unavailable, entry.categories, feed_title or None)


async def prepare_url(
    url: str, *, fetcher: Fetcher, workers: WorkerPool, settings: Settings
) -> PreparedArticle:
    """``/summary <url>`` and the CLI: raises ``FetchError`` or ``SummarizerError`` (reason
    ``IS_A_FEED`` when the address is a feed). Someone waits for the answer: its work goes
    before the poll cycle's (``urgent``)."""
    result = await fetcher.fetch(url, kind="page")
    if looks_like_feed(result.body):  # a feed is not an article: its markup is no summary
        raise ExtractionError(IS_A_FEED, url=result.final_url, detail="the page is a feed")
    article: Article = await workers.run(extract_task, result.body, result.final_url, urgent=True)
    return await summarize_article(
        article, workers=workers, settings=settings, source_name=None, urgent=True
    )
