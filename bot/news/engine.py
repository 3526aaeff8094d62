"""The poll cycle: fetch -> parse (off-loop) -> decide -> prepare -> one storage write.

One poll of one feed talks to storage twice at most: ``poll_context`` (what is known of the
entries, read once) and one write per outcome (``record_not_modified``, ``record_poll_failure``
or ``record_poll``, each one transaction; see ``storage.polls``). The decisions need no I/O and
live in pure helpers (``bot.news.polling``: when to poll; ``bot.news.selection``: which entries,
which posts). Rules are those of docs/reliability.md (F1-F25). A cycle polls every due feed of
the database with a bounded number of feeds in flight (docs/scaling.md), never one coroutine
per due feed. Feeds are claimed a batch at a time with a lease (``storage.leases``): several
processes over one database never poll the same feed at once, and the feeds of one that died
are claimed again when its leases end.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.net.client import FetchResult
from bot.net.errors import FetchError
from bot.news.backfill import backfill as backfill_subscription
from bot.news.claims import FeedClaims
from bot.news.corrections import prepare_corrections, wanted_corrections
from bot.news.polling import (
    ChangeHistory,
    adaptive_interval,
    backoff_delay,
    first_poll_delay,
    jittered,
    next_poll_after_failure,
    observe_change,
    should_disable,
)
from bot.news.preparation import Fetcher, prepare_entry
from bot.news.selection import Caps, classify_entries, entry_norms, entry_ref, plan_articles
from bot.news.stories import StoryMatcher
from bot.news.workers import WorkerPool, WorkerTimeout, parse_task
from bot.settings import Settings
from storage.errors import UnavailableError
from storage.feeds import PollHistory
from storage.leases import owner_name
from storage.records import (
    Audience,
    FeedRecord,
    FeedState,
    FeedSuccess,
    SeenKey,
    SeenStatus,
    Subscription,
)
from storage.storage import Storage
from summarizer.errors import FeedError
from summarizer.model import ParsedFeed

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
    title: str = ""  # the feed's title (or URL), for what console mode prints
    next_poll_at: datetime | None = None
    reason: str | None = None  # the failure's reason code (``FetchError.reason``...)
    failures: int = 0  # consecutive failures, this one included
    new_titles: tuple[str, ...] = ()  # the articles prepared by this poll, oldest first
    edits: int = 0  # posts whose message will be edited: their article was corrected


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
        owner: str | None = None,
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
        # This process's name on the feed leases it holds (storage.leases).
        self.owner = owner or owner_name(settings.process_name, settings.shard_ids)
        self.lease = timedelta(seconds=settings.feed_lease_seconds)
        self.stories = StoryMatcher(storage)  # issue 11: one story, one post per channel

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.settings.poll_interval_minutes)

    def _next_poll(self, now: datetime, history: ChangeHistory | None = None) -> datetime:
        delay = adaptive_interval(self.interval, history or ChangeHistory(), now)
        return now + jittered(delay, self._rng)

    async def poll_due_feeds(self, limit: int = DUE_LIMIT) -> list[PollReport]:
        """The scheduled job: every due feed no other process holds, ``concurrency`` at a time,
        each leased before it is polled; one failure never stops the others."""
        claims = FeedClaims(
            self.storage, self.clock, owner=self.owner, lease=self.lease,
            batch=self.concurrency, limit=limit,
        )  # fmt: skip
        reports: list[PollReport] = []

        async def lane() -> None:
            while (item := await claims.next()) is not None:
                report = await self._poll_guarded(*item)
                if report is not None:
                    reports.append(report)

        # Every lane ends before the cycle does, even when a claim fails (the database is
        # unavailable): the polls in flight record their outcome, then the error is raised.
        ended = await asyncio.gather(
            *(lane() for _ in range(self.concurrency)), return_exceptions=True
        )
        await self._send_notices(reports)
        for result in ended:
            if isinstance(result, BaseException):
                raise result
        return reports

    async def release_leases(self) -> int:
        """End the leases this process holds: at a clean stop, those of the polls it cut short
        (another process takes them at once); at start-up, those its crashed run left."""
        released = await self.storage.release_leases(self.owner)
        if released:
            log.info("feed leases released owner=%s feeds=%d", self.owner, released)
        return released

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
        except UnavailableError as exc:  # nothing recorded: the feed is polled again later
            log.warning("poll not recorded feed_id=%s database unavailable: %s", feed.id,
                        exc.detail)  # fmt: skip
            return None
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
        """One poll of ``feed``: fetch, parse off the loop, decide, then one storage call for
        the outcome. ``prefetched``: the document ``/feed add`` has just fetched, used instead of
        fetching it again for the new feed's first poll."""
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
            result = prefetched or await self.fetcher.fetch(
                feed.url, kind="feed", etag=feed.etag, last_modified=feed.last_modified
            )
        except FetchError as exc:
            return await self._failed(
                feed, now, str(exc), exc.reason, exc.retry_after, fetch_seconds=exc.elapsed
            )
        if result.status == 304:
            next_at = self._next_poll(now, changes)
            await self.storage.record_not_modified(
                feed.id, now=now, next_poll_at=next_at, fetch_seconds=result.elapsed
            )
            return PollReport(feed.id, "not_modified", title=feed.title, next_poll_at=next_at)
        first_run = feed.is_new or not history.has_seen
        if not first_run and result.body_sha256 and result.body_sha256 == feed.body_hash:
            return await self._record(feed, now, result, None, changes, outcome="unchanged")
        try:
            parsed: ParsedFeed = await self.workers.run(
                parse_task, result.body, result.final_url, result.content_type
            )
        except (FeedError, WorkerTimeout) as exc:
            if isinstance(exc, FeedError) and exc.reason == "empty":  # a valid feed, no items yet
                return await self._record(feed, now, result, None, changes, outcome="empty")
            return await self._failed(
                feed, now, f"parse: {exc}", "parse_error", None, fetch_seconds=result.elapsed
            )
        if first_run:
            return await self._baseline(feed, now, result, parsed)
        return await self._process(feed, now, result, parsed, changes)

    def _success(
        self,
        result: FetchResult,
        parsed: ParsedFeed | None,
        next_poll_at: datetime,
        changed: ChangeHistory | None = None,
    ) -> FeedSuccess:
        """What the feed row learns from a 200; ``changed``: the new change history."""
        interval = changed.change_interval if changed else None
        return FeedSuccess(
            next_poll_at=next_poll_at,
            etag=result.etag,
            last_modified=result.last_modified,
            body_hash=result.body_sha256 or None,
            title=parsed.title if parsed else None,
            site_url=parsed.link if parsed else None,
            last_changed_at=changed.last_changed_at if changed else None,
            change_interval_s=None if interval is None else interval.total_seconds(),
            changed=changed is not None,
            fetch_seconds=result.elapsed,
        )

    async def _record(
        self,
        feed: FeedRecord,
        now: datetime,
        result: FetchResult,
        parsed: ParsedFeed | None,
        changes: ChangeHistory,
        *,
        outcome: str,
    ) -> PollReport:
        """A 200 with nothing new (``unchanged``, ``empty``): the feed row only."""
        next_at = self._next_poll(now, changes)
        success = self._success(result, parsed, next_at)
        await self.storage.record_poll(feed.id, now=now, success=success)
        return PollReport(feed.id, outcome, title=feed.title, next_poll_at=next_at)

    async def _baseline(
        self, feed: FeedRecord, now: datetime, result: FetchResult, parsed: ParsedFeed
    ) -> PollReport:
        """F1 / D13: the first successful poll records every key and posts nothing."""
        keys = [SeenKey(e.key, *entry_norms(e), SeenStatus.BASELINE) for e in parsed.entries]
        start = ChangeHistory(now, None)  # history starts now; the next poll is spread out
        next_at = now + first_poll_delay(self.interval, self._rng)
        success = self._success(result, parsed, next_at, changed=start)
        await self.storage.record_poll(feed.id, now=now, success=success, seen=keys)
        log.info("feed baseline feed_id=%s keys=%d", feed.id, len(keys))
        title = parsed.title or feed.title
        return PollReport(feed.id, "baseline", skipped=len(keys), title=title, next_poll_at=next_at)

    async def _process(
        self,
        feed: FeedRecord,
        now: datetime,
        result: FetchResult,
        parsed: ParsedFeed,
        changes: ChangeHistory,
    ) -> PollReport:
        """Read what storage knows, select (pure), prepare the candidates (network and
        workers, no storage), plan their posts (pure), then record it all at once."""
        entries = parsed.entries
        context = await self.storage.poll_context(
            feed.id, [entry_ref(e) for e in entries], since=now - timedelta(days=1), now=now
        )
        selection = classify_entries(
            entries, known=set(context.known), blocked_links=set(context.blocked_links),
            blocked_titles=set(context.blocked_titles), now=now,
            max_new=self.settings.max_posts_per_cycle,
        )  # fmt: skip
        title = parsed.title or feed.title
        prepared = []
        for entry in reversed(selection.candidates):  # oldest first: channels read in order
            article = await prepare_entry(
                entry, feed_title=title, fetcher=self.fetcher, workers=self.workers,
                settings=self.settings,
            )  # fmt: skip
            prepared.append((entry, article))
        wanted = wanted_corrections(
            entries, context.recent, limit=self.settings.max_posts_per_cycle
        )
        fixes = await prepare_corrections(
            wanted, feed_title=title, fetcher=self.fetcher, workers=self.workers,
            settings=self.settings,
        )  # fmt: skip
        caps = Caps(self.settings.max_posts_per_cycle, self.settings.max_posts_per_day)
        grouping = self.settings.story_grouping and bool(prepared)
        index = await self.stories.ready(now) if grouping else None
        stories = {
            entry.key: self.stories.choose(index, feed.id, entry, article, now)
            for entry, article in prepared
            if index is not None
        }
        audience = context.audience or Audience()
        intents = plan_articles(feed.id, prepared, audience, caps, stories)
        fresh = any(e.key not in context.known for e in entries)
        changed = observe_change(changes, now) if fresh else None
        next_at = self._next_poll(now, changed or changes)
        recorded = await self.storage.record_poll(
            feed.id, now=now, success=self._success(result, parsed, next_at, changed),
            seen=selection.skipped, articles=intents, corrections=fixes,
        )  # fmt: skip
        if recorded.edits:
            log.info("entries corrected feed_id=%s posts_to_edit=%d", feed.id, recorded.edits)
        return PollReport(
            feed.id, "processed", len(intents), recorded.pending_posts, len(selection.skipped),
            title=title, next_poll_at=next_at,
            new_titles=tuple(article.article.title for _, article in prepared),
            edits=recorded.edits,
        )  # fmt: skip

    async def _failed(
        self, feed: FeedRecord, now: datetime, error: str, reason: str, retry_after: float | None,
        *, fetch_seconds: float | None = None,
    ) -> PollReport:  # fmt: skip
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
        recorded = await self.storage.record_poll_failure(
            feed.id, now=now, error=error, next_poll_at=next_at, state=state,
            state_reason=message, fetch_seconds=fetch_seconds,
        )  # fmt: skip
        # Routine (a site down for a while): INFO; /feed list and console mode tell people.
        log.info("poll failed feed_id=%s failures=%d reason=%s", feed.id, failures, reason)
        report = PollReport(
            feed.id, "failed", error=error, reason=reason, title=feed.title or feed.url,
            next_poll_at=next_at, failures=failures,
        )  # fmt: skip
        if state is None or message is None:
            return report
        log.warning(
            "feed %s feed_id=%s failures=%d reason=%s", state.value, feed.id, failures, reason
        )
        text = f"Flux désactivé : {feed.title or feed.url}. {message}"
        if state is FeedState.DISABLED_FAILING:
            text += " Utilisez /flux activer pour le réactiver."
        notice = FeedNotice(recorded.feed, recorded.subscriptions, text)
        outcome = "gone" if state is FeedState.GONE else "disabled"
        return replace(report, outcome=outcome, notice=notice, next_poll_at=None)

    async def backfill(
        self, subscription: Subscription, n: int, *, parsed: ParsedFeed | None = None
    ) -> int:
        """Post the ``n`` newest entries of the feed to one new subscription (opt-in);
        ``parsed``: the feed as ``/feed add`` has just read it, instead of fetching it again."""
        return await backfill_subscription(self, subscription, n, parsed=parsed)
