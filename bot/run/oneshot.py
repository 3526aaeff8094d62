"""The one-shot CLI commands: ``summarize`` (a URL or a local file), ``preview`` (the newest
entries of a feed) and ``backup``; the guarded client and a one-process worker pool."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path

from bot.net.client import GuardedClient
from bot.net.errors import FetchError
from bot.news.preparation import PreparedArticle, prepare_entry, prepare_url
from bot.news.workers import WorkerPool, parse_task
from bot.run import console
from bot.run.console import UserFacingError
from bot.settings import Settings
from storage import Storage
from storage.errors import StorageError
from summarizer.catalogue import find_source
from summarizer.errors import SummarizerError

_HTML_SNIFF = re.compile(rb"<(!doctype html|html|head|body|article|p[\s>]|div)", re.IGNORECASE)


@contextlib.asynccontextmanager
async def _tools(settings: Settings) -> AsyncIterator[tuple[GuardedClient, WorkerPool]]:
    workers = WorkerPool(size=1)
    try:
        async with GuardedClient.from_settings(settings) as fetcher:
            yield fetcher, workers
    finally:
        workers.close()


async def summarize_url(settings: Settings, url: str) -> PreparedArticle:
    """``depeche summarize URL`` through the guarded client."""
    async with _tools(settings) as (fetcher, workers):
        try:
            return await prepare_url(url, fetcher=fetcher, workers=workers, settings=settings)
        except FetchError as exc:
            raise UserFacingError(f"{exc.user_message} ({exc.reason})") from exc
        except SummarizerError as exc:
            raise UserFacingError(f"aucun article lisible ({exc.reason})") from exc


async def preview(
    settings: Settings, feed: str, *, limit: int, local: bytes | None = None
) -> list[PreparedArticle]:
    """``depeche preview``: the newest entries of a feed (``local``: a file's bytes)."""
    async with _tools(settings) as (fetcher, workers):
        if local is not None:
            data, base_url, content_type, title = local, None, None, Path(feed).stem
        else:
            data, base_url, content_type, title = await _feed_bytes(feed, fetcher)
        try:
            parsed = await workers.run(parse_task, data, base_url, content_type)
        except SummarizerError as exc:
            raise UserFacingError(f"ce n'est pas un flux lisible ({exc.reason})") from exc
        entries = sorted(parsed.entries, key=_published_key, reverse=True)[:limit]
        prepared = []
        for entry in console.progress(entries, "Préparation des articles"):
            prepared.append(
                await prepare_entry(
                    entry,
                    feed_title=parsed.title or title,
                    fetcher=fetcher,
                    workers=workers,
                    settings=settings,
                )
            )
        return prepared


def _published_key(entry: object) -> float:
    published = getattr(entry, "published", None)
    return published.timestamp() if published else float("-inf")


async def _feed_bytes(
    feed: str, fetcher: GuardedClient
) -> tuple[bytes, str | None, str | None, str]:
    source = find_source(feed)
    url = source.feed_url if source else feed
    try:
        result = await fetcher.fetch(url, kind="feed")
    except FetchError as exc:
        raise UserFacingError(f"{exc.user_message} ({exc.reason})") from exc
    return result.body, result.final_url, result.content_type, source.name if source else ""


async def backup(settings: Settings, destination: Path) -> None:
    """``depeche backup PATH``: an online copy of the database."""
    try:
        storage = await Storage.open(settings.database)
    except StorageError as exc:
        raise UserFacingError(str(exc)) from exc
    try:
        await storage.backup(destination)
    finally:
        await storage.close()


def summarize_source(source: str, settings: Settings) -> PreparedArticle:
    """Summarize a local file (HTML or plain text) or an http(s) URL."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", source):
        return asyncio.run(summarize_url(settings, source))
    path = Path(source)
    if not path.is_file():
        raise UserFacingError(f"fichier introuvable : {source}")
    return prepare_file(path, settings)


def prepare_file(path: Path, settings: Settings) -> PreparedArticle:
    """A local document, summarized in this process (a CLI has no event loop to protect)."""
    from summarizer.article import article_from_text, extract_article
    from summarizer.errors import SummarizerError
    from summarizer.summary import summarize
    from summarizer.topics import topics_for

    data = path.read_bytes()
    try:
        if _HTML_SNIFF.search(data[:4096]):
            article = extract_article(data)
        else:
            article = article_from_text(data.decode("utf-8", errors="replace"))
    except SummarizerError as exc:
        raise UserFacingError(f"impossible de lire un article dans {path} ({exc.reason})") from exc
    summary = summarize(
        article.text,
        title=article.title,
        max_sentences=settings.summary_max_sentences,
        max_chars=settings.summary_max_chars,
        algorithm=settings.summary_algorithm,
    )
    topics = topics_for(article.title, article.categories, article.text)
    return PreparedArticle(article=article, summary=summary, topics=topics, source_name=None)
