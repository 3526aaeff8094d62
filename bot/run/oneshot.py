"""The one-shot CLI commands: ``summarize`` (a URL or a local file), ``preview`` (the newest
entries of a feed) and ``backup``; the guarded client and a one-process worker pool."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import re
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

from bot.net.client import GuardedClient
from bot.net.errors import FetchError
from bot.net.policy import redact_url
from bot.news.preparation import IS_A_FEED, PreparedArticle, prepare_entry, prepare_url
from bot.news.workers import WorkerPool, WorkerTimeout, parse_task
from bot.run import console
from bot.run.console import UserFacingError
from bot.settings import Settings
from storage import Storage
from storage.errors import StorageError
from summarizer.catalogue import find_source
from summarizer.discovery import looks_like_feed
from summarizer.errors import FeedError, SummarizerError
from summarizer.metadata import MAX_HTML_BYTES, decode_html, is_binary

log = logging.getLogger(__name__)

_HTML_SNIFF = re.compile(rb"<(!doctype html|html|head|body|article|p[\s>]|div)", re.IGNORECASE)


@contextlib.asynccontextmanager
async def _tools(settings: Settings) -> AsyncIterator[tuple[GuardedClient, WorkerPool]]:
    workers = WorkerPool(size=1)
    try:
        async with GuardedClient.from_settings(settings) as fetcher:
            yield fetcher, workers
    finally:
        workers.close()


MAX_PREVIEW = 20
_OS_REASONS = {
    errno.EACCES: "accès refusé",
    errno.EPERM: "accès refusé",
    errno.EISDIR: "c'est un dossier, pas un fichier",
    errno.ENOENT: "fichier introuvable",
    errno.EIO: "erreur de lecture du disque",
    errno.ENAMETOOLONG: "nom de fichier trop long",
}
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def _fetch_failure(exc: FetchError, what: str) -> UserFacingError:
    """``what``: "cette page" or "ce flux"; the reason in words, its code in the log only."""
    log.info("cli.fetch_failed reason=%s url=%s", exc.reason, redact_url(exc.url))
    if exc.reason in ("invalid_url", "bad_scheme"):
        return UserFacingError(exc.user_message)
    return UserFacingError(f"impossible de récupérer {what} : {console.reason_words(exc.reason)}.")


def _unreadable(exc: SummarizerError, what: str) -> UserFacingError:
    log.info("cli.unreadable reason=%s detail=%s", exc.reason, exc.detail)
    return UserFacingError(f"{what} : {console.reason_words(exc.reason)}.")


def _a_feed(source: str) -> UserFacingError:
    return UserFacingError(
        f"{source} est un flux, pas une page : « depeche preview {source} » montre ses articles."
    )


async def summarize_url(settings: Settings, url: str) -> PreparedArticle:
    """``depeche summarize URL`` through the guarded client."""
    async with _tools(settings) as (fetcher, workers):
        try:
            return await prepare_url(url, fetcher=fetcher, workers=workers, settings=settings)
        except FetchError as exc:
            raise _fetch_failure(exc, "cette page") from exc
        except SummarizerError as exc:
            if exc.reason == IS_A_FEED:
                raise _a_feed(url) from exc
            raise _unreadable(exc, "aucun article lisible sur cette page") from exc
        except WorkerTimeout as exc:
            raise UserFacingError("l'analyse de cette page a pris trop de temps.") from exc


async def preview(
    settings: Settings,
    feed: str,
    *,
    limit: int,
    local: bytes | None = None,
    fetch_pages: bool = True,
) -> list[PreparedArticle]:
    """``depeche preview``: the newest entries of a feed (a catalogue name or a URL, or
    ``local``: a file's bytes, see ``local_feed``); each entry's page is fetched unless
    ``fetch_pages`` is False. An empty feed gives an empty list."""
    async with _tools(settings) as (fetcher, workers):
        if local is not None:
            data, base_url, content_type, title = local, None, None, Path(feed).stem
        else:
            data, base_url, content_type, title = await _feed_bytes(feed, fetcher)
        try:
            parsed = await workers.run(parse_task, data, base_url, content_type)
        except FeedError as exc:
            if exc.reason == "empty":  # a valid feed with no items yet (a new blog)
                return []
            raise _unreadable(exc, "flux illisible") from exc
        except WorkerTimeout as exc:
            raise UserFacingError("l'analyse de ce flux a pris trop de temps.") from exc
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
                    fetch_page=fetch_pages,
                )
            )
        return prepared


def _published_key(entry: object) -> float:
    published = getattr(entry, "published", None)
    return published.timestamp() if published else float("-inf")


def local_feed(feed: str) -> bytes | None:
    """``preview``'s argument: None for a catalogue name or an http(s) URL (to fetch), else
    the local file's bytes; a missing file is said to be missing."""
    if find_source(feed) is not None or _URL_RE.match(feed):
        return None
    path = Path(feed)
    if path.is_dir():
        raise UserFacingError(f"{feed} est un dossier : il faut un fichier de flux.")
    if not path.is_file():
        raise UserFacingError(
            f"fichier introuvable : {feed} (ni un fichier, ni un nom du catalogue, "
            "ni une adresse http ou https)"
        )
    data = read_local(path)
    if not data.strip():
        raise UserFacingError(f"{feed} est vide : il faut un fichier de flux.")
    return data


async def _feed_bytes(
    feed: str, fetcher: GuardedClient
) -> tuple[bytes, str | None, str | None, str]:
    source = find_source(feed)
    url = source.feed_url if source else feed
    try:
        result = await fetcher.fetch(url, kind="feed")
    except FetchError as exc:
        raise _fetch_failure(exc, "ce flux") from exc
    return result.body, result.final_url, result.content_type, source.name if source else ""


def read_local(path: Path) -> bytes:
    """A local file's bytes, a gzip file decompressed (at most ``MAX_HTML_BYTES``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:  # the system's words are English: French ones, errno in the log
        log.info("cli.unreadable_file path=%s errno=%s", path, exc.errno)
        why = _OS_REASONS.get(exc.errno or 0, "erreur du système (détails dans le journal)")
        raise UserFacingError(f"impossible de lire {path} : {why}.") from exc
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(wbits=31)  # gzip header
    try:
        inflated = inflater.decompress(data, MAX_HTML_BYTES + 1)
    except zlib.error as exc:
        raise UserFacingError(f"{path} : fichier gzip illisible ou tronqué.") from exc
    if len(inflated) > MAX_HTML_BYTES:
        raise UserFacingError(f"{path} : une fois décompressé, le fichier dépasse 5 Mo.")
    if not inflater.eof:
        raise UserFacingError(f"{path} : fichier gzip illisible ou tronqué.")
    return inflated


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
    """Summarize a local file (HTML or plain text, maybe gzipped) or an http(s) URL."""
    if _URL_RE.match(source):
        return asyncio.run(summarize_url(settings, source))
    path = Path(source)
    if path.is_dir():
        raise UserFacingError(f"{source} est un dossier : il faut une page HTML ou un texte.")
    if not path.is_file():
        raise UserFacingError(f"fichier introuvable : {source}")
    return prepare_file(path, settings)


def prepare_file(path: Path, settings: Settings) -> PreparedArticle:
    """A local document, summarized in this process (a CLI has no event loop to protect).
    Binary input (a program, an image, an archive) is refused, never printed as text."""
    from summarizer.article import article_from_text, extract_article
    from summarizer.summary import summarize
    from summarizer.topics import topics_for

    data = read_local(path)
    if not data.strip():
        raise UserFacingError(f"{path} est vide : il faut une page HTML ou un fichier texte.")
    if looks_like_feed(data):
        raise _a_feed(str(path))
    if is_binary(data):
        log.info("cli.binary_input path=%s", path)
        raise UserFacingError(
            f"{path} n'est pas un document texte (programme, image ou archive ?) : "
            "il faut une page HTML ou un fichier texte."
        )
    try:
        if _HTML_SNIFF.search(data[:4096]):
            article = extract_article(data)
        else:
            article = article_from_text(decode_html(data))
    except SummarizerError as exc:
        raise _unreadable(exc, f"impossible de lire un article dans {path}") from exc
    summary = summarize(
        article.text,
        title=article.title,
        max_sentences=settings.summary_max_sentences,
        max_chars=settings.summary_max_chars,
        algorithm=settings.summary_algorithm,
    )
    topics = topics_for(article.title, article.categories, article.text)
    return PreparedArticle(article=article, summary=summary, topics=topics, source_name=None)
