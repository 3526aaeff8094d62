"""Entries and URLs turned into summarized articles, plus the pure entry-selection rules.

``prepare_entry`` fetches the article page through the guarded client, extracts it off the
event loop, falls back to the feed's own content, then summarizes and tags it (off-loop too).
``classify_entries``, ``matches_filters`` and ``matches_follows`` (a channel's topic filters) are
pure decisions used by the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from bot.fetch_errors import FetchError
from bot.settings import Settings
from bot.workers import (
    WorkerPool,
    WorkerTimeout,
    entry_article_task,
    extract_task,
    summarize_task,
)
from storage.records import (
    Filters,
    Follow,
    FollowKind,
    NewArticle,
    SeenKey,
    SeenStatus,
    Subscription,
)
from storage.terms import fold_term
from summarizer.errors import SummarizerError
from summarizer.model import Article, Entry, Summary, TextOrigin
from summarizer.topics import article_terms
from summarizer.urls import normalize_title

log = logging.getLogger(__name__)

OLD_ENTRY_AGE = timedelta(days=2)  # F19


class Fetcher(Protocol):
    async def fetch(
        self,
        url: str,
        *,
        kind: Literal["feed", "page"] = "feed",
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


async def _page_article(url: str, fetcher: Fetcher, workers: WorkerPool) -> Article | None:
    try:
        result = await fetcher.fetch(url, kind="page")
        article: Article = await workers.run(extract_task, result.body, result.final_url)
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
    article: Article, *, workers: WorkerPool, settings: Settings, source_name: str | None
) -> PreparedArticle:
    budget = (
        settings.summary_max_sentences,
        settings.summary_max_chars,
        settings.summary_algorithm,
    )
    summary, topics = await workers.run(
        summarize_task, article.text, article.title, article.categories, budget
    )
    return PreparedArticle(article, summary, topics, source_name)


async def prepare_entry(
    entry: Entry, *, feed_title: str | None, fetcher: Fetcher, workers: WorkerPool,
    settings: Settings,
) -> PreparedArticle:  # fmt: skip
    """Page first (through the guarded client), else the feed's own content. A worker that
    times out or dies costs this entry its summary (S14), never its post or the feed's later
    entries: it still goes out with its title and link."""
    page = await _page_article(entry.link, fetcher, workers) if entry.link else None
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
    """``/summary <url>`` and the CLI: raises ``FetchError`` or ``SummarizerError``."""
    result = await fetcher.fetch(url, kind="page")
    article: Article = await workers.run(extract_task, result.body, result.final_url)
    return await summarize_article(article, workers=workers, settings=settings, source_name=None)


# --- pure selection rules -----------------------------------------------------------------


def entry_norms(entry: Entry) -> tuple[str | None, str | None]:
    link = entry.link.rstrip("/").casefold() if entry.link else None
    title = normalize_title(entry.title) if entry.title else None
    return link, title or None


@dataclass(frozen=True, slots=True)
class Selection:
    """The new entries to prepare (newest first) and the keys to record as skipped."""

    candidates: tuple[Entry, ...]
    skipped: tuple[SeenKey, ...] = field(default_factory=tuple)


def classify_entries(
    entries: Sequence[Entry],
    *,
    known: set[str],
    blocked_links: set[str],
    blocked_titles: set[str],
    now: datetime,
    max_new: int,
) -> Selection:
    """F17 (blocking), F19 (old), F18 (flood) on the unseen entries of one poll."""
    links, titles = set(blocked_links), set(blocked_titles)
    candidates: list[Entry] = []
    skipped: list[SeenKey] = []
    for entry in entries:
        if entry.key in known:
            continue
        link, title = entry_norms(entry)
        status: SeenStatus | None = None
        if (link and link in links) or (title and title in titles):
            status = SeenStatus.BLOCKED_DUPLICATE
        elif entry.published is not None and entry.published < now - OLD_ENTRY_AGE:
            status = SeenStatus.SKIPPED_OLD
        links.update([link] if link else [])
        titles.update([title] if title else [])
        if status is None:
            candidates.append(entry)
        else:
            skipped.append(SeenKey(entry.key, link, title, status))
    ordered = sorted(candidates, key=_recency, reverse=True)
    for entry in ordered[max_new:]:
        link, title = entry_norms(entry)
        skipped.append(SeenKey(entry.key, link, title, SeenStatus.SKIPPED_FLOOD))
    return Selection(tuple(ordered[:max_new]), tuple(skipped))


def _recency(entry: Entry) -> float:
    # Undated entries count as the newest: feeds list their latest items first.
    return entry.published.timestamp() if entry.published else float("inf")


def _contains(haystack: str, terms: Iterable[str]) -> bool:
    padded = f" {haystack} "
    return any(f" {fold_term(t)} " in padded for t in terms if fold_term(t))


def matches_filters(filters: Filters, prepared: PreparedArticle) -> bool:
    """Include/exclude keywords (title + summary), authors, categories/topics."""
    if filters.is_empty:
        return True
    art = prepared.article
    text = fold_term(f"{art.title} {prepared.summary.text}")
    if filters.include and not _contains(text, filters.include):
        return False
    if filters.exclude and _contains(text, filters.exclude):
        return False
    if filters.authors and not _contains(" | ".join(fold_term(a) for a in art.authors) or "",
                                         filters.authors):  # fmt: skip
        return False
    tags = " | ".join(fold_term(t) for t in (*art.categories, *prepared.topics))
    return not (filters.categories and not _contains(tags, filters.categories))


def matches_follows(follows: Iterable[Follow], prepared: PreparedArticle) -> bool:
    """Whether the article matches at least one of ``follows`` (a channel's topic filters),
    by the rule storage uses to find follows: ``summarizer.topics.article_terms`` over the
    stored title, topics and authors."""
    art = prepared.article
    topic_terms, author_terms = article_terms(art.title, prepared.topics, art.authors)
    return any(
        f.term_norm in (topic_terms if f.kind is FollowKind.TOPIC else author_terms)
        for f in follows
    )


def passes_filters(
    sub: Subscription, topic_filters: Mapping[int, Sequence[Follow]], prepared: PreparedArticle
) -> bool:
    """A subscription's own ``/feed filter`` and, when its channel has any in ``topic_filters``
    (channel-level follows by channel id), the channel's topic filters: one must match."""
    if not matches_filters(sub.filters, prepared):
        return False
    channel_filters = topic_filters.get(sub.channel_id, ())
    return not channel_filters or matches_follows(channel_filters, prepared)
