"""The dataclasses ``Storage`` returns (never rows) and their state enums."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.story_records import HeldPost, StoryChoice


class FeedState(StrEnum):
    ACTIVE = "active"
    DISABLED_FAILING = "disabled_failing"
    GONE = "gone"


class SeenStatus(StrEnum):
    BASELINE = "baseline"  # present at the first successful poll: never posted
    NEW = "new"  # turned into an article
    SKIPPED_FLOOD = "skipped_flood"
    SKIPPED_OLD = "skipped_old"
    BLOCKED_DUPLICATE = "blocked_duplicate"  # same normalised link or title as a known entry
    FILTERED = "filtered"  # no subscription or follow wanted it


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    PAUSED_PERMISSIONS = "paused_permissions"
    CHANNEL_GONE = "channel_gone"
    BAD_FORMAT = "bad_format"


class PostFormat(StrEnum):
    """How a subscription's posts look (``bot.delivery.formats`` renders them)."""

    COMPLET = "complet"  # the full embed: title, summary, source, author, date, topics
    COMPACT = "compact"  # a small embed: title, source and one sentence
    TEXTE = "texte"  # a plain message, for readers who turned embeds off
    LIEN = "lien"  # the link alone: Discord's own preview
    MODELE = "modele"  # the subscription's template with French placeholders


class FollowKind(StrEnum):
    TOPIC = "topic"
    AUTHOR = "author"


class FollowDelivery(StrEnum):
    DM = "dm"
    CHANNEL = "channel"


class TargetKind(StrEnum):
    CHANNEL = "channel"
    DM = "dm"


class PostState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED_PERMANENT = "failed_permanent"
    CANCELLED = "cancelled"
    SKIPPED_FLOOD = "skipped_flood"


@dataclass(frozen=True, slots=True)
class FeedRecord:
    id: int
    url: str
    title: str
    site_url: str | None
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    next_poll_at: datetime | None
    failure_count: int
    first_failure_at: datetime | None
    last_error: str | None
    state: FeedState
    state_reason: str | None
    is_new: bool  # never polled successfully
    is_default: bool  # polled in console mode without any subscription
    created_at: datetime
    fetch_seconds: float | None = None  # the server's time to answer the last fetch


@dataclass(frozen=True, slots=True)
class Filters:
    """A subscription's filters. Terms are matched accent- and case-insensitively."""

    include: tuple[str, ...] = ()  # keywords: at least one must occur (when any are given)
    exclude: tuple[str, ...] = ()  # keywords: none may occur
    authors: tuple[str, ...] = ()  # at least one author must match (when any are given)
    categories: tuple[str, ...] = ()  # at least one category/topic must match (when any)

    @property
    def is_empty(self) -> bool:
        return not (self.include or self.exclude or self.authors or self.categories)

    def to_json(self) -> str:
        data = {
            "include": list(self.include),
            "exclude": list(self.exclude),
            "authors": list(self.authors),
            "categories": list(self.categories),
        }
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Filters:
        data = json.loads(text or "{}")

        def terms(name: str) -> tuple[str, ...]:
            return tuple(str(item) for item in data.get(name, ()))

        return cls(terms("include"), terms("exclude"), terms("authors"), terms("categories"))


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    guild_id: int
    channel_id: int
    feed_id: int
    filters: Filters
    state: SubscriptionState
    state_reason: str | None
    created_by: int | None
    created_at: datetime
    bad_format_streak: int = 0
    format: PostFormat = PostFormat.COMPLET
    template: str | None = None  # the ``modele`` format's text (validated when it was set)
    crosspost: bool = False  # an announcement channel's posts published to its followers
    forum_tag_id: int | None = None  # a forum's required tag, when no other tag matches
    discussion: bool = False  # a thread opened under each post of a text/announcement channel
    grouping: bool = True  # the channel gets each story once, the first post edited (issue 11)
    corrections: bool = True  # a sent post is edited in place when its article is corrected
    webhook: bool = False  # posted through the channel's webhook, as the source


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    guild_id: int | None
    user_id: int | None
    channel_id: int | None
    kind: FollowKind
    term: str
    term_norm: str
    delivery: FollowDelivery
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SeenKey:
    """One entry key to record for a feed, with its normalised link and title (F17 blocking)."""

    key: str
    link_norm: str | None
    title_norm: str | None
    status: SeenStatus


@dataclass(frozen=True, slots=True)
class NewArticle:
    """An article to store (input of ``save_article``)."""

    feed_id: int | None
    entry_key: str | None
    url: str | None
    title: str
    summary: str
    text_origin: str  # summarizer.model.TextOrigin value: page, feed or text
    authors: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    published_at: datetime | None = None
    source: str | None = None  # the feed's title, or the article's "Source : X" credit
    site_name: str | None = None
    image: str | None = None
    entry_hash: str | None = None  # what the feed said of the entry (corrections)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    feed_id: int | None
    entry_key: str | None
    url: str | None
    title: str
    summary: str
    text_origin: str
    authors: tuple[str, ...]
    topics: tuple[str, ...]
    published_at: datetime | None
    source: str | None
    site_name: str | None
    image: str | None
    created_at: datetime
    entry_hash: str | None = None  # what the feed said of the entry (see ``entry_hash``)
    corrections: int = 0  # corrections applied since it was stored
    corrected_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: int
    article_id: int | None  # None for a digest (issue 11), which carries its message instead
    target_kind: TargetKind
    target_id: int
    guild_id: int | None
    subscription_id: int | None
    follow_id: int | None
    state: PostState
    nonce: str
    attempts: int
    message_id: str | None
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    # The claim of the first attempt that may have reached Discord (None: never attempted, or
    # attempted before migration 0004); reconciliation looks at the messages created after it.
    first_attempt_at: datetime | None = None
    edit_pending: bool = False  # its message must be edited: the article was corrected
    edited_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The Discord shards a process delivers for (``SHARD_COUNT``, ``SHARD_IDS``): a guild's
    posts go out from the process of its shard, ``(guild_id >> 22) % count`` as Discord's
    gateway sharding, so one channel's rate-limit bucket lives in one process; direct messages
    (no guild shard) from the process that owns shard 0."""

    count: int
    owned: tuple[int, ...]

    def __post_init__(self) -> None:
        if self.count < 1 or not self.owned or any(not 0 <= s < self.count for s in self.owned):
            raise ValueError(f"shards must be within 0..{self.count - 1}")

    @property
    def is_everything(self) -> bool:
        return set(self.owned) == set(range(self.count))

    @property
    def sends_dms(self) -> bool:
        return 0 in self.owned

    def owns_guild(self, guild_id: int | None) -> bool:
        return ((guild_id or 0) >> 22) % self.count in self.owned


@dataclass(frozen=True, slots=True)
class ClaimedPost:
    """A post moved to ``sending``, with the article to render, or for a digest (no article)
    the message rendered when it was enqueued (``storage.digests``)."""

    post: PostRecord
    article: StoredArticle | None
    digest: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What ``save_article`` did: the article and the posts it enqueued (pending or skipped)."""

    article: StoredArticle
    posts: tuple[PostRecord, ...] = field(default_factory=tuple)


def nonce_of(basis: str) -> str:
    """Deterministic Discord nonce (<= 25 chars) of what a post is."""
    return hashlib.sha256(basis.encode()).hexdigest()[:25]


def make_nonce(article_id: int, target_kind: TargetKind, target_id: int) -> str:
    """The nonce of an article's post to a target."""
    return nonce_of(f"{article_id}:{target_kind.value}:{target_id}")


@dataclass(frozen=True, slots=True)
class PlannedPost:
    """A subscription an article goes to, as decided by the engine (pending or skipped_flood)."""

    subscription: Subscription
    state: PostState = PostState.PENDING


# --- one poll's unit of work (``Storage.poll_context`` then one ``record_...`` call) -----------


@dataclass(frozen=True, slots=True)
class EntryRef:
    """An entry of a fetched feed as storage matches it: its key, normalised link and title."""

    key: str
    link_norm: str | None
    title_norm: str | None


@dataclass(frozen=True, slots=True)
class Audience:
    """Who an article of a feed can go to: the feed's active subscriptions, the topic filters
    (channel-level follows) of their channels, and each one's posts of the last day (F18)."""

    subscriptions: tuple[Subscription, ...] = ()
    topic_filters: dict[int, tuple[Follow, ...]] = field(default_factory=dict)
    used_today: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PollContext:
    """What storage knows of one poll's entries, read at once before anything is decided:
    the keys already seen, the links and titles that block (F17), and the audience, read only
    when at least one entry is unseen."""

    known: frozenset[str]
    blocked_links: frozenset[str]
    blocked_titles: frozenset[str]
    audience: Audience | None = None
    recent: dict[str, RecentArticle] = field(default_factory=dict)  # known keys, for corrections


@dataclass(frozen=True, slots=True)
class RecentArticle:
    """An article of a known entry stored within the correction window, as a poll compares
    it with what the feed says now."""

    article_id: int
    entry_hash: str
    corrections: int
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class ArticleCorrection:
    """A correction to record: the article's new title and summary and the entry's new hash.
    When the text is unchanged, only the hash is kept and no message is edited."""

    article_id: int
    entry_hash: str
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class FeedSuccess:
    """What a 200 teaches the feed row: validators, body hash, next poll; ``changed`` (new
    entries were found) replaces the stored change history."""

    next_poll_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    title: str | None = None
    site_url: str | None = None
    last_changed_at: datetime | None = None
    change_interval_s: float | None = None
    changed: bool = False
    fetch_seconds: float | None = None  # the fetch's duration (None: not fetched, kept as is)


@dataclass(frozen=True, slots=True)
class ArticleIntent:
    """An article to store with its seen key and the posts planned for it."""

    article: NewArticle
    seen: SeenKey
    posts: tuple[PlannedPost, ...] = ()
    story: StoryChoice | None = None  # the story matcher's decision (issue 11)
    held: tuple[HeldPost, ...] = ()  # the subscriptions that did not post it, and why


@dataclass(frozen=True, slots=True)
class PollRecorded:
    """What ``record_poll`` stored: the articles and the pending posts they now have."""

    article_ids: tuple[int, ...] = ()
    pending_posts: int = 0
    edits: int = 0  # posts marked for an edit by the poll's corrections


@dataclass(frozen=True, slots=True)
class FailureRecorded:
    """A failed poll as stored; ``subscriptions`` (all states) only when the feed changed state,
    for the notice to their guilds."""

    feed: FeedRecord
    subscriptions: tuple[Subscription, ...] = ()
