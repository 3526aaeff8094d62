"""The poll cycle: fetch -> parse (off-loop) -> new entries -> prepare -> store + enqueue posts.

Rules are those of docs/reliability.md (F1-F25). Decisions that need no I/O live in pure
helpers (``next_poll_after_failure``, ``bot.articles.classify_entries``); this module does the I/O.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.articles import (
    Fetcher,
    PreparedArticle,
    classify_entries,
    entry_norms,
    matches_filters,
    prepare_entry,
)
from bot.clock import Clock
from bot.fetch_errors import FetchError
from bot.settings import Settings
from bot.workers import WorkerPool, WorkerTimeout, parse_task
from storage.records import (
    FeedRecord,
    FeedState,
    PlannedPost,
    PostState,
    SeenKey,
    SeenStatus,
    Subscription,
)
from storage.storage import Storage
from summarizer.errors import FeedError
from summarizer.model import Entry, ParsedFeed

log = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(minutes=5)
BACKOFF_CAP = timedelta(hours=24)
DISABLE_AFTER_FAILURES = 10
DISABLE_AFTER_AGE = timedelta(days=3)
JITTER = 0.05


@dataclass(frozen=True, slots=True)
class FeedNotice:
    """A message for the guilds subscribed to a feed (disabled or gone), posted once."""

    feed: FeedRecord
    subscriptions: tuple[Subscription, ...]
    message: str  # French


@dataclass(frozen=True, slots=True)
class PollReport:
    feed_id: int
    outcome: str  # baseline, processed, not_modified, unchanged, empty, failed, disabled, gone
    articles: int = 0
    posts: int = 0
    skipped: int = 0
    error: str | None = None
    notice: FeedNotice | None = None


@dataclass(slots=True)
class _CycleCaps:
    """Per-subscription counters of one poll (F18)."""

    used_today: dict[int, int] = field(default_factory=dict)
    used_now: dict[int, int] = field(default_factory=dict)


def backoff_delay(failures: int) -> timedelta:
    """5 min * 2^(n-1), capped at 24 h (F6)."""
    exponent = min(max(failures - 1, 0), 20)
    return min(BACKOFF_BASE * (1 << exponent), BACKOFF_CAP)


def next_poll_after_failure(
    failures: int, *, now: datetime, interval: timedelta, retry_after: float | None
) -> datetime:
    """Retry-After when given (F5), else the larger of the backoff and the interval (F6)."""
    if retry_after is not None and retry_after > 0:
        return now + min(timedelta(seconds=retry_after), BACKOFF_CAP)
    return now + min(max(backoff_delay(failures), interval), BACKOFF_CAP)


def should_disable(failures: int, first_failure_at: datetime, now: datetime) -> bool:
    """F7: at least 10 consecutive failures and at least 3 days without a success."""
    return failures >= DISABLE_AFTER_FAILURES and now - first_failure_at >= DISABLE_AFTER_AGE


class Engine:
    def __init__(
        self,
        settings: Settings,
        storage: Storage,
        fetcher: Fetcher,
        workers: WorkerPool,
        clock: Clock,
        *,
        rng: random.Random | None = None,
        on_notice: Callable[[FeedNotice], Awaitable[None]] | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.fetcher = fetcher
        self.workers = workers
        self.clock = clock
        self._rng = rng or random.Random()
        self._on_notice = on_notice

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.settings.poll_interval_minutes)

    def _next_poll(self, now: datetime) -> datetime:
        factor = 1 + self._rng.uniform(-JITTER, JITTER)
        return now + self.interval * factor

    async def poll_due_feeds(self, limit: int = 200) -> list[PollReport]:
        """The scheduled job: every due feed concurrently; one failure never stops the others."""
        feeds = await self.storage.due_feeds(self.clock.now(), limit)
        results = await asyncio.gather(*(self._poll_guarded(feed) for feed in feeds))
        reports = [report for report in results if report is not None]
        for report in reports:
            if report.notice is not None and self._on_notice is not None:
                try:
                    await self._on_notice(report.notice)
                except Exception:
                    log.exception("notice delivery failed feed_id=%s", report.feed_id)
        return reports

    async def _poll_guarded(self, feed: FeedRecord) -> PollReport | None:
        try:
            return await self.poll_feed(feed)
        except Exception:
            log.exception("poll crashed feed_id=%s", feed.id)
            return None

    async def poll_feed(self, feed: FeedRecord) -> PollReport:
        now = self.clock.now()
        try:
            result = await self.fetcher.fetch(
                feed.url, kind="feed", etag=feed.etag, last_modified=feed.last_modified
            )
        except FetchError as exc:
            return await self._failed(feed, now, str(exc), exc.reason, exc.retry_after)
        if result.status == 304:
            await self.storage.record_not_modified(
                feed.id, now=now, next_poll_at=self._next_poll(now)
            )
            return PollReport(feed.id, "not_modified")
        seen_any = await self.storage.has_seen_entries(feed.id)
        first_run = feed.is_new or not seen_any
        if not first_run and result.body_sha256 and result.body_sha256 == feed.body_hash:
            await self._succeed(feed, now, result)
            return PollReport(feed.id, "unchanged")
        try:
            parsed: ParsedFeed = await self.workers.run(
                parse_task, result.body, result.final_url, result.content_type
            )
        except FeedError as exc:
            if exc.reason == "empty":  # a valid feed with no items yet: a quiet feed, not a fault
                await self._succeed(feed, now, result)
                return PollReport(feed.id, "empty")
            return await self._failed(feed, now, f"parse: {exc}", "parse_error", None)
        except WorkerTimeout as exc:
            return await self._failed(feed, now, f"parse: {exc}", "parse_error", None)
        if first_run:
            return await self._baseline(feed, now, result, parsed)
        report = await self._process(feed, now, parsed)
        await self._succeed(feed, now, result, parsed)
        return report

    async def _succeed(
        self, feed: FeedRecord, now: datetime, result: object, parsed: ParsedFeed | None = None
    ) -> FeedRecord:
        return await self.storage.record_poll_success(
            feed.id,
            now=now,
            next_poll_at=self._next_poll(now),
            etag=getattr(result, "etag", None),
            last_modified=getattr(result, "last_modified", None),
            body_hash=getattr(result, "body_sha256", None) or None,
            title=parsed.title if parsed else None,
            site_url=parsed.link if parsed else None,
        )

    async def _baseline(
        self, feed: FeedRecord, now: datetime, result: object, parsed: ParsedFeed
    ) -> PollReport:
        """F1 / D13: the first successful poll records every key and posts nothing."""
        keys = [SeenKey(e.key, *entry_norms(e), SeenStatus.BASELINE) for e in parsed.entries]
        await self.storage.record_seen(feed.id, keys, now=now)
        await self._succeed(feed, now, result, parsed)
        log.info("feed baseline feed_id=%s keys=%d", feed.id, len(keys))
        return PollReport(feed.id, "baseline", skipped=len(keys))

    async def _process(self, feed: FeedRecord, now: datetime, parsed: ParsedFeed) -> PollReport:
        entries = parsed.entries
        known = await self.storage.known_keys(feed.id, [e.key for e in entries])
        fresh = [e for e in entries if e.key not in known]
        norms = [entry_norms(e) for e in fresh]
        links, titles = await self.storage.blocking_matches(
            feed.id,
            link_norms=[link for link, _ in norms if link],
            title_norms=[title for _, title in norms if title],
        )
        selection = classify_entries(
            fresh, known=known, blocked_links=links, blocked_titles=titles, now=now,
            max_new=self.settings.max_posts_per_cycle,
        )  # fmt: skip
        await self.storage.record_seen(feed.id, selection.skipped, now=now)
        subs = await self.storage.subscriptions_for_feed(feed.id)
        caps = _CycleCaps()
        for sub in subs:
            since = now - timedelta(days=1)
            caps.used_today[sub.id] = await self.storage.count_posts_since(sub.id, since)
        articles = posts = 0
        title = parsed.title or feed.title
        for entry in reversed(selection.candidates):  # oldest first: channels read in order
            prepared = await prepare_entry(
                entry, feed_title=title, fetcher=self.fetcher, workers=self.workers,
                settings=self.settings,
            )  # fmt: skip
            posts += await self._store(feed, entry, prepared, subs, caps, now)
            articles += 1
        return PollReport(feed.id, "processed", articles, posts, len(selection.skipped))

    def _plan(
        self, prepared: PreparedArticle, subs: Sequence[Subscription], caps: _CycleCaps
    ) -> list[PlannedPost]:
        plans: list[PlannedPost] = []
        for sub in subs:
            if not matches_filters(sub.filters, prepared):
                continue
            now_used = caps.used_now.get(sub.id, 0)
            today = caps.used_today.get(sub.id, 0) + now_used
            if now_used < self.settings.max_posts_per_cycle and (
                today < self.settings.max_posts_per_day
            ):
                caps.used_now[sub.id] = now_used + 1
                plans.append(PlannedPost(sub, PostState.PENDING))
            else:
                plans.append(PlannedPost(sub, PostState.SKIPPED_FLOOD))
        return plans

    async def _store(
        self,
        feed: FeedRecord,
        entry: Entry,
        prepared: PreparedArticle,
        subs: Sequence[Subscription],
        caps: _CycleCaps,
        now: datetime,
    ) -> int:
        plans = self._plan(prepared, subs, caps)
        if any(p.state is PostState.PENDING for p in plans):
            status = SeenStatus.NEW
        elif plans:
            status = SeenStatus.SKIPPED_FLOOD
        else:
            status = SeenStatus.FILTERED
        link, title = entry_norms(entry)
        result = await self.storage.save_article(
            prepared.to_new_article(feed.id, entry.key),
            now=now,
            seen=SeenKey(entry.key, link, title, status),
            posts=plans,
        )
        return sum(1 for p in result.posts if p.state is PostState.PENDING)

    async def _failed(
        self, feed: FeedRecord, now: datetime, error: str, reason: str, retry_after: float | None
    ) -> PollReport:
        failures = feed.failure_count + 1
        first = feed.first_failure_at or now
        next_at = next_poll_after_failure(
            failures, now=now, interval=self.interval, retry_after=retry_after
        )
        state: FeedState | None = None
        message: str | None = None
        if reason == "gone":
            state, message = FeedState.GONE, "Le flux a été supprimé par le site (410 Gone)."
        elif should_disable(failures, first, now):
            state = FeedState.DISABLED_FAILING
            since = first.strftime("%d/%m/%Y")
            message = f"Le flux échoue depuis le {since} ({failures} échecs de suite)."
        updated = await self.storage.record_poll_failure(
            feed.id, now=now, error=error, next_poll_at=next_at, state=state, state_reason=message
        )
        log.warning("poll failed feed_id=%s failures=%d reason=%s", feed.id, failures, reason)
        if state is None or message is None:
            return PollReport(feed.id, "failed", error=error)
        subs = await self.storage.subscriptions_for_feed(feed.id, active_only=False)
        text = f"Flux désactivé : {feed.title or feed.url}. {message}"
        if state is FeedState.DISABLED_FAILING:
            text += " Utilisez /feed enable pour le réactiver."
        notice = FeedNotice(updated, tuple(subs), text)
        outcome = "gone" if state is FeedState.GONE else "disabled"
        return PollReport(feed.id, outcome, error=error, notice=notice)

    async def backfill(self, subscription: Subscription, n: int) -> int:
        """Post the ``n`` newest entries of the feed to one new subscription (opt-in)."""
        if n <= 0:
            return 0
        feed = await self.storage.get_feed(subscription.feed_id)
        result = await self.fetcher.fetch(feed.url, kind="feed")
        parsed: ParsedFeed = await self.workers.run(
            parse_task, result.body, result.final_url, result.content_type
        )
        newest = sorted(parsed.entries, key=lambda e: e.published or self.clock.now())[-n:]
        plan = [PlannedPost(subscription, PostState.PENDING)]
        now = self.clock.now()
        for entry in newest:
            stored = await self.storage.article_for_entry(feed.id, entry.key)
            if stored is not None:
                await self.storage.enqueue_post(stored.id, plan[0], now=now)
                continue
            prepared = await prepare_entry(
                entry, feed_title=parsed.title or feed.title, fetcher=self.fetcher,
                workers=self.workers, settings=self.settings,
            )  # fmt: skip
            link, title = entry_norms(entry)
            await self.storage.save_article(
                prepared.to_new_article(feed.id, entry.key),
                now=now,
                seen=SeenKey(entry.key, link, title, SeenStatus.NEW),
                posts=plan,
                match_follows=False,
            )
        return len(newest)
