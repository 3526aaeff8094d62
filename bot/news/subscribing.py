"""What ``/feed add`` does, without Discord: turn what a user typed into a working feed, then
subscribe a channel to it.

Resolution: a catalogue name (``find_source``) gives its feed URL; an http(s) address is
fetched through the guarded client; a feed is parsed (off the event loop), an HTML page is
searched for advertised feeds (``discover_feeds``) and the first candidate that fetches and parses
wins. Subscribing records the feed's current entries as seen (the engine's baseline), so nothing
old is posted, unless a backfill of the N newest is asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.errors import BotError
from bot.net.client import FetchResult
from bot.net.errors import FetchError
from bot.news.preparation import Fetcher
from bot.news.workers import WorkerPool, WorkerTimeout, parse_task
from storage.errors import IntegrityError
from storage.records import FeedRecord, Subscription
from summarizer.catalogue import Source, find_source
from summarizer.discovery import discover_feeds, looks_like_feed
from summarizer.errors import FeedError, SummarizerError, UrlError
from summarizer.model import ParsedFeed
from summarizer.urls import canonicalize_url, is_http_url

log = logging.getLogger(__name__)

MAX_CANDIDATES = 3  # feeds advertised by a page that we try, best first
MAX_BACKFILL = 10

UNKNOWN_NAME = (
    "« {text} » n'est ni une adresse web ni une source du catalogue. "
    "Donnez l'adresse d'un site ou d'un flux (https://…) ou un nom comme « le-monde »."
)
NOT_A_FEED = "Je n'ai trouvé aucun flux RSS ou Atom lisible à cette adresse."
ALREADY = "Ce salon est déjà abonné à ce flux."
AT_CAPACITY = (
    "Ce serveur a atteint sa limite de {limit} abonnements. "
    "Retirez-en un avec /flux retirer avant d'en ajouter un autre."
)

SourceLookup = Callable[[str], Source | None]


class SubscribeError(BotError):
    """``/feed add`` cannot go on; ``message`` is French, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ResolvedFeed:
    url: str  # canonical feed URL (after redirects)
    parsed: ParsedFeed
    source: Source | None = None  # when the user named a catalogue source
    fetched: FetchResult | None = None  # the document, reused by the first poll and backfill

    @property
    def title(self) -> str:
        return self.parsed.title or (self.source.name if self.source else "") or self.url


@dataclass(frozen=True, slots=True)
class Subscribed:
    feed: FeedRecord
    subscription: Subscription
    backfilled: int = 0
    backfill_failed: bool = False


def _canonical(url: str) -> str:
    try:
        return canonicalize_url(url)
    except UrlError:
        return url


def target_url(text: str, lookup: SourceLookup | None = None) -> tuple[str, Source | None]:
    """The URL to fetch for what the user typed (a catalogue name or an address)."""
    text = text.strip()
    if is_http_url(text):
        return text, None
    source = (lookup or find_source)(text)
    if source is not None:
        return source.feed_url, source
    bare = text.removeprefix("//")
    if "." in bare and " " not in bare and is_http_url("https://" + bare):
        return "https://" + bare, None  # "lemonde.fr"
    raise SubscribeError(UNKNOWN_NAME.format(text=text[:80]))


def asked_for(text: str, lookup: SourceLookup | None = None) -> Literal["feed", "address"]:
    """What a failed fetch of ``text`` is called: a catalogue name is a feed; an address may
    be a feed or a page to find one in."""
    try:
        return "feed" if target_url(text, lookup)[1] is not None else "address"
    except SubscribeError:
        return "address"


async def _parse(result: Any, workers: WorkerPool) -> ParsedFeed | None:
    try:
        parsed: ParsedFeed = await workers.run(
            parse_task, result.body, result.final_url, result.content_type
        )
    except FeedError as exc:
        if exc.reason == "empty":  # a valid feed with no items yet (a new blog): accepted
            return ParsedFeed(title="", link=None, entries=())
        log.info("not a readable feed url=%s reason=%s", result.final_url, exc)
        return None
    except (SummarizerError, WorkerTimeout) as exc:
        log.info("not a readable feed url=%s reason=%s", result.final_url, exc)
        return None
    return parsed


async def resolve_source(
    text: str, *, fetcher: Fetcher, workers: WorkerPool, lookup: SourceLookup | None = None
) -> ResolvedFeed:
    """Raises ``FetchError`` (address unreachable or refused) or ``SubscribeError``."""
    url, source = target_url(text, lookup)
    result = await fetcher.fetch(url, kind="feed")
    if looks_like_feed(result.body):
        parsed = await _parse(result, workers)
        if parsed is None:
            raise SubscribeError(NOT_A_FEED)
        return ResolvedFeed(_canonical(result.final_url), parsed, source, result)
    candidates = await workers.run(discover_feeds, result.body, result.final_url)
    for candidate in candidates[:MAX_CANDIDATES]:
        try:
            found = await fetcher.fetch(candidate, kind="feed")
        except FetchError as exc:
            log.info("discovered feed unavailable url=%s reason=%s", candidate, exc.reason)
            continue
        parsed = await _parse(found, workers) if looks_like_feed(found.body) else None
        if parsed is not None:
            return ResolvedFeed(_canonical(found.final_url), parsed, source, found)
    raise SubscribeError(NOT_A_FEED)


async def check_capacity(storage: Any, guild_id: int, limit: int) -> None:
    if await storage.count_for_guild(guild_id) >= limit:
        raise SubscribeError(AT_CAPACITY.format(limit=limit))


async def subscribe(
    resolved: ResolvedFeed,
    *,
    storage: Any,
    engine: Any,
    guild_id: int,
    channel_id: int,
    user_id: int | None,
    backfill: int,
    now: datetime,
    style: Mapping[str, Any] | None = None,
) -> Subscribed:
    """Save the feed and the subscription; baseline a new feed; optionally backfill.

    ``style``: more columns of the subscription, as ``storage.add_subscription`` takes them
    (the post format and its template, chosen and validated by the caller)."""
    existing = await storage.feed_by_url(resolved.url)
    if existing is not None and any(
        s.channel_id == channel_id and s.feed_id == existing.id
        for s in await storage.list_for_guild(guild_id)
    ):
        raise SubscribeError(ALREADY)
    site = resolved.parsed.link or (resolved.source.site_url if resolved.source else None)
    feed = await storage.add_feed(resolved.url, now=now, title=resolved.title, site_url=site)
    try:
        subscription = await storage.add_subscription(
            guild_id=guild_id, channel_id=channel_id, feed_id=feed.id, now=now,
            created_by=user_id, **(style or {}),
        )  # fmt: skip
    except IntegrityError as exc:
        raise SubscribeError(ALREADY) from exc
    if feed.is_new and engine is not None:
        # First poll, on the document just fetched: every entry recorded as seen.
        report = await engine.poll_feed(feed, prefetched=resolved.fetched)
        log.info("feed added feed_id=%s first_poll=%s", feed.id, report.outcome)
    wanted = max(0, min(backfill, MAX_BACKFILL))
    done, failed = 0, False
    if wanted and engine is not None:
        try:
            done = await engine.backfill(subscription, wanted, parsed=resolved.parsed)
        except (FetchError, SummarizerError, WorkerTimeout) as exc:
            log.info("backfill failed subscription_id=%s error=%s", subscription.id, exc)
            failed = True
    return Subscribed(await storage.get_feed(feed.id), subscription, done, failed)
