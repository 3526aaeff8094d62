"""The poll cycle: fetch -> parse (off-loop) -> new entries -> prepare -> store + enqueue posts.

Rules are those of docs/reliability.md (F1-F25). Decisions that need no I/O live in pure
helpers (``bot.news.polling``, ``bot.news.selection``); this module does the I/O. A cycle
polls every due feed of this process's poller partitions with a bounded number of feeds in
flight (docs/scaling.md), never one coroutine per due feed.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.net.errors import FetchError
from bot.news.backfill import backfill as backfill_subscription
from bot.news.polling import (
    ChangeHistory,
    Partitioning,
    adaptive_interval,
    backoff_delay,
    first_poll_delay,
    jittered,
    next_poll_after_failure,
    observe_change,
    partitioning_for,
    should_disable,
)
from bot.news.preparation import Fetcher, PreparedArticle, prepare_entry
from bot.news.selection import classify_entries, entry_norms, passes_filters
from bot.news.workers import WorkerPool, WorkerTimeout, parse_task
from bot.settings import Settings
from storage.feeds import PollHistory
from storage.records import (
    FeedRecord,
    FeedState,
    Follow,
    PlannedPost,
    PostState,
    SeenKey,
    SeenStatus,
    Subscription,
)
from storage.storage import Storage
from summarizer.errors import FeedError
from summarizer.model import Entry, ParsedFeed

if TYPE_CHECKING:
    from bot.net.client import FetchResult

log = logging.getLogger(__name__)

# Re-exported: the failure rules moved to bot.news.polling with the rest of the policy.
__all__ = ["Engine", "FeedNotice", "PollReport", "backoff_delay", "next_poll_after_failure"]

DUE_LIMIT = 10_000  # feeds taken per cycle; the rest wait for the next run


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
    """Per-subscription counters of one poll (F18), and the topic filters (channel-level
    follows) of the subscribed channels, loaded once per poll."""

    used_today: dict[int, int] = field(default_factory=dict)
    used_now: dict[int, int] = field(default_factory=dict)
    topic_filters: dict[int, tuple[Follow, ...]] = field(default_factory=dict)


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
        concurrency: int | None = None,
        partitioning: Partitioning | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.fetcher = fetcher
        self.workers = workers
        self.clock = clock
        self._rng = rng or random.Random()
        self._on_notice = on_notice
        # Feeds in flight: enough to keep the fetch slots and the CPU workers busy.
        self.concurrency = concurrency or settings.fetch_concurrency * 2
        self.partitioning = partitioning or partitioning_for(
            settings.shard_count, settings.shard_ids
        )

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.settings.poll_interval_minutes)

    def _next_poll(self, now: datetime, history: ChangeHistory | None = None) -> datetime:
        delay = adaptive_interval(self.interval, history or ChangeHistory(), now)
        return now + jittered(delay, self._rng)

    async def poll_due_feeds(self, limit: int = DUE_LIMIT) -> list[PollReport]:
        """The scheduled job: every due feed of this process's partitions, ``concurrency`` at a
        time; one failure never stops the others."""
        part = self.partitioning
        due = await self.storage.due_feeds_with_history(
            self.clock.now(), limit, partitions=part.count, owned=part.owned
        )
        queue = iter(due)
        reports: list[PollReport] = []

        async def lane() -> None:
            for feed, history in queue:  # shared iterator: each feed is taken by one lane
                report = await self._poll_guarded(feed, history)
                if report is not None:
                    reports.append(report)

        lanes = min(self.concurrency, len(due))
        await asyncio.gather(*(lane() for _ in range(lanes)))
        await self._send_notices(reports)
        return reports

    async def _send_notices(self, reports: Sequence[PollReport]) -> None:
        for report in reports:
            if report.notice is not None and self._on_notice is not None:
                try:
                    await self._on_notice(report.notice)
                except Exception:
                    log.exception("notice delivery failed feed_id=%s", report.feed_id)

    async def _poll_guarded(self, feed: FeedRecord, history: PollHistory) -> PollReport | None:
        """The job boundary of one feed (F25): an unexpected error is logged and counted as a
        failure, so the feed backs off instead of crashing again at every cycle."""
        try:
            return await self.poll_feed(feed, history)
        except Exception as exc:
            log.exception("poll crashed feed_id=%s", feed.id)
            try:
                error = f"internal: {type(exc).__name__}"
                return await self._failed(feed, self.clock.now(), error, "internal_error", None)
            except Exception:
                log.exception("crash not recorded feed_id=%s", feed.id)
                return None

    async def poll_feed(
        self,
        feed: FeedRecord,
        history: PollHistory | None = None,
        *,
        prefetched: FetchResult | None = None,
    ) -> PollReport:
        """One poll of ``feed``. ``prefetched``: the document ``/feed add`` has just fetched, used
        instead of fetching it again for the new feed's first poll."""
        now = self.clock.now()
        if history is None:
            history = await self.storage.poll_history(feed.id)
        changes = ChangeHistory(
            history.last_changed_at,
            None
            if history.change_interval_s is None
            else timedelta(seconds=history.change_interval_s),
        )
        try:
            if prefetched is not None:
                result = prefetched
            else:
                result = await self.fetcher.fetch(
                    feed.url, kind="feed", etag=feed.etag, last_modified=feed.last_modified
                )
        except FetchError as exc:
            return await self._failed(feed, now, str(exc), exc.reason, exc.retry_after)
        if result.status == 304:
            await self.storage.record_not_modified(
                feed.id, now=now, next_poll_at=self._next_poll(now, changes)
            )
            return PollReport(feed.id, "not_modified")
        seen_any = await self.storage.has_seen_entries(feed.id)
        first_run = feed.is_new or not seen_any
        if not first_run and result.body_sha256 and result.body_sha256 == feed.body_hash:
            await self._succeed(feed, now, result, changes=changes)
            return PollReport(feed.id, "unchanged")
        try:
            parsed: ParsedFeed = await self.workers.run(
                parse_task, result.body, result.final_url, result.content_type
            )
        except FeedError as exc:
            if exc.reason == "empty":  # a valid feed with no items yet: a quiet feed, not a fault
                await self._succeed(feed, now, result, changes=changes)
                return PollReport(feed.id, "empty")
            return await self._failed(feed, now, f"parse: {exc}", "parse_error", None)
        except WorkerTimeout as exc:
            return await self._failed(feed, now, f"parse: {exc}", "parse_error", None)
        if first_run:
            return await self._baseline(feed, now, result, parsed)
        report, fresh = await self._process(feed, now, parsed)
        changed = observe_change(changes, now) if fresh else None
        await self._succeed(feed, now, result, parsed, changes=changed or changes, record=changed)
        return report

    async def _succeed(
        self,
        feed: FeedRecord,
        now: datetime,
        result: object,
        parsed: ParsedFeed | None = None,
        *,
        changes: ChangeHistory,
        record: ChangeHistory | None = None,
        next_poll_at: datetime | None = None,
    ) -> FeedRecord:
        """Record a 200; ``record`` (new entries were found) replaces the change history."""
        stored = None
        if record is not None:
            interval = record.change_interval
            seconds = None if interval is None else interval.total_seconds()
            stored = PollHistory(record.last_changed_at, seconds)
        return await self.storage.record_poll_success(
            feed.id,
            now=now,
            next_poll_at=next_poll_at or self._next_poll(now, changes),
            changed=stored,
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
        start = ChangeHistory(now, None)  # history starts now; the next poll is spread out
        spread = now + first_poll_delay(self.interval, self._rng)
        await self._succeed(
            feed, now, result, parsed, changes=start, record=start, next_poll_at=spread
        )
        log.info("feed baseline feed_id=%s keys=%d", feed.id, len(keys))
        return PollReport(feed.id, "baseline", skipped=len(keys))

    async def _process(
        self, feed: FeedRecord, now: datetime, parsed: ParsedFeed
    ) -> tuple[PollReport, bool]:
        """Prepare, store and enqueue the new entries; also say whether any entry was unseen."""
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
        if not selection.candidates:  # nothing to post: no per-subscription work at all
            return PollReport(feed.id, "processed", skipped=len(selection.skipped)), bool(fresh)
        subs = await self.storage.subscriptions_for_feed(feed.id)
        filters = await self.storage.channel_filter_follows(s.channel_id for s in subs)
        caps = _CycleCaps(topic_filters=filters)
        used = await self.storage.count_posts_since((s.id for s in subs), now - timedelta(days=1))
        caps.used_today.update({sub.id: used.get(sub.id, 0) for sub in subs})
        articles = posts = 0
        title = parsed.title or feed.title
        for entry in reversed(selection.candidates):  # oldest first: channels read in order
            prepared = await prepare_entry(
                entry, feed_title=title, fetcher=self.fetcher, workers=self.workers,
                settings=self.settings,
            )  # fmt: skip
            posts += await self._store(feed, entry, prepared, subs, caps, now)
            articles += 1
        report = PollReport(feed.id, "processed", articles, posts, len(selection.skipped))
        return report, bool(fresh)

    def _plan(
        self, prepared: PreparedArticle, subs: Sequence[Subscription], caps: _CycleCaps
    ) -> list[PlannedPost]:
        """Own filters, then the channel's topic filters (channel follows), then caps (F18)."""
        plans: list[PlannedPost] = []
        for sub in subs:
            if not passes_filters(sub, caps.topic_filters, prepared):
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
            text += " Utilisez /flux activer pour le réactiver."
        notice = FeedNotice(updated, tuple(subs), text)
        outcome = "gone" if state is FeedState.GONE else "disabled"
        return PollReport(feed.id, outcome, error=error, notice=notice)

    async def backfill(
        self, subscription: Subscription, n: int, *, parsed: ParsedFeed | None = None
    ) -> int:
        """Post the ``n`` newest entries of the feed to one new subscription (opt-in);
        ``parsed``: the feed as ``/feed add`` has just read it, instead of fetching it again."""
        return await backfill_subscription(self, subscription, n, parsed=parsed)
