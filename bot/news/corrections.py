"""Corrections of entries already posted: what the feed said of an entry (``entry_hash``), the
entries whose title or summary it changed since (pure, ``wanted_corrections``), and the
corrected articles (``prepare_corrections``: the page read again, like a new entry).

A news title often gains « MàJ » or changes after publication; the feed's summary too. The
article's new title is the feed's when the feed changed the title (the page may still show the
old headline), else the page's, as for a new entry; its summary is made again. Storage then
edits the messages already posted (``storage.corrections``); nothing is ever posted twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from bot.news.preparation import Fetcher, prepare_entry
from bot.news.workers import WorkerPool
from bot.settings import Settings
from storage.corrections import MAX_CORRECTIONS
from storage.records import ArticleCorrection, RecentArticle
from summarizer.model import Entry

HALF = 16  # hex digits of each half of the hash: the title's, then the summary's


def _digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()[:HALF]


def entry_hash(entry: Entry) -> str:
    """The entry's title and summary as the feed gives them, hashed (spaces folded, so that a
    reflowed summary is no correction)."""
    return _digest(entry.title) + _digest(entry.summary)


def title_changed(before: str, after: str) -> bool:
    return before[:HALF] != after[:HALF]


def wanted_corrections(
    entries: Sequence[Entry], recent: Mapping[str, RecentArticle], *, limit: int
) -> list[tuple[Entry, RecentArticle]]:
    """The known entries of recent articles whose title or summary the feed changed, at most
    ``limit`` per poll and ``MAX_CORRECTIONS`` per article (a feed that rewrites an entry at
    every poll stops being followed there)."""
    wanted = []
    for entry in entries:
        stored = recent.get(entry.key)
        if stored is None or stored.corrections >= MAX_CORRECTIONS:
            continue
        if entry_hash(entry) != stored.entry_hash:
            wanted.append((entry, stored))
    return wanted[:limit]


async def prepare_corrections(
    wanted: Sequence[tuple[Entry, RecentArticle]],
    *,
    feed_title: str | None,
    fetcher: Fetcher,
    workers: WorkerPool,
    settings: Settings,
) -> list[ArticleCorrection]:
    """Each corrected entry prepared again; a summary that could not be made keeps the old."""
    fixes = []
    for entry, stored in wanted:
        prepared = await prepare_entry(
            entry, feed_title=feed_title, fetcher=fetcher, workers=workers, settings=settings
        )
        new_hash = entry_hash(entry)
        title = prepared.article.title or stored.title
        if title_changed(stored.entry_hash, new_hash) and entry.title.strip():
            title = entry.title.strip()
        summary = prepared.summary.text or stored.summary
        fixes.append(ArticleCorrection(stored.article_id, new_hash, title, summary))
    return fixes
