"""The dataclasses of stories and decisions (issue 11): what the engine asks storage to keep of
the story matcher's choice and of the posts an article did not get, and what it reads back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class HeldReason(StrEnum):
    """Why a subscription did not post an article (``article_decisions.outcome``)."""

    FILTER = "filter"  # the subscription's own /feed filter
    TOPIC_FILTER = "topic_filter"  # the channel's topic filters (channel follows)
    CYCLE_CAP = "cycle_cap"  # more new articles in one poll than the cap
    DAY_CAP = "day_cap"  # the subscription's posts of the day reached the cap
    GROUPED = "grouped"  # the channel already had the story: the first post was edited


@dataclass(frozen=True, slots=True)
class StoryChoice:
    """The matcher's decision for one article, stored with it (``article_stories``).

    ``key`` is the article's own story key (``feed_id:entry_key``), ``story`` the key of the
    story's first article; ``group_since``: a channel that got ``story`` after this time does
    not get the article again (when the subscription groups)."""

    key: str
    story: str
    score: float
    matched: str | None
    shared: tuple[str, ...]
    lede: str
    published_at: datetime
    group_since: datetime


@dataclass(frozen=True, slots=True)
class HeldPost:
    """A subscription that wanted the article's feed but did not post it, and why."""

    subscription_id: int
    reason: HeldReason
    detail: str | None = None  # the filter or the rule, in French, for /feed why


@dataclass(frozen=True, slots=True)
class StoredStory:
    """An article as the story index is rebuilt from (``recent_stories``)."""

    article_key: str
    story_key: str
    title: str
    lede: str
    published_at: datetime


@dataclass(frozen=True, slots=True)
class Companion:
    """Another outlet's article grouped under a post: "Aussi chez : <source>" with its link."""

    article_id: int
    source: str
    url: str | None
    title: str


@dataclass(frozen=True, slots=True)
class ArticleDecision:
    """One stored decision of ``article_decisions``."""

    article_id: int
    subscription_id: int
    reason: HeldReason
    detail: str | None
    group_post_id: int | None
    decided_at: datetime
