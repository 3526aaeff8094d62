"""The pure selection rules of a poll: which new entries to prepare, which to record as
skipped, and which subscriptions get a post (filters, a channel's topic filters, caps).

No I/O: the engine passes in what storage knows (known keys, blocking matches, counts) and the
clock's ``now``; these functions return decisions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache

from bot.news.corrections import entry_hash
from bot.news.preparation import PreparedArticle
from storage.records import (
    ArticleIntent,
    Audience,
    EntryRef,
    Filters,
    Follow,
    FollowKind,
    PlannedPost,
    PostState,
    SeenKey,
    SeenStatus,
    Subscription,
)
from storage.story_records import HeldPost, HeldReason, StoryChoice
from storage.terms import fold_term
from summarizer.model import Entry
from summarizer.topics import article_terms
from summarizer.urls import normalize_title

OLD_ENTRY_AGE = timedelta(days=2)  # F19


def entry_norms(entry: Entry) -> tuple[str | None, str | None]:
    """The entry's link and title as storage compares them (read several times a poll: cached)."""
    link = entry.link.rstrip("/").casefold() if entry.link else None
    title = _normalized_title(entry.title) if entry.title else None
    return link, title or None


_normalized_title = lru_cache(maxsize=4096)(normalize_title)


def entry_ref(entry: Entry) -> EntryRef:
    """The entry as storage matches it (key, normalised link and title)."""
    return EntryRef(entry.key, *entry_norms(entry))


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
    return filter_refusal(filters, prepared) is None


def _listed(terms: Sequence[str]) -> str:
    return ", ".join(f"« {term} »" for term in terms[:5])


def filter_refusal(filters: Filters, prepared: PreparedArticle) -> str | None:
    """Which rule of ``filters`` holds the article back, in French (``None``: it passes)."""
    if filters.is_empty:
        return None
    art = prepared.article
    text = fold_term(f"{art.title} {prepared.summary.text}")
    if filters.include and not _contains(text, filters.include):
        return f"aucun des mots demandés : {_listed(filters.include)}"
    if filters.exclude and _contains(text, filters.exclude):
        found = [t for t in filters.exclude if _contains(text, [t])]
        return f"mot exclu : {_listed(found)}"
    if filters.authors and not _contains(" | ".join(fold_term(a) for a in art.authors) or "",
                                         filters.authors):  # fmt: skip
        return f"aucun des auteurs demandés : {_listed(filters.authors)}"
    tags = " | ".join(fold_term(t) for t in (*art.categories, *prepared.topics))
    if filters.categories and not _contains(tags, filters.categories):
        return f"aucune des catégories demandées : {_listed(filters.categories)}"
    return None


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
    return held_by(sub, topic_filters, prepared) is None


def held_by(
    sub: Subscription, topic_filters: Mapping[int, Sequence[Follow]], prepared: PreparedArticle
) -> HeldPost | None:
    """Why ``passes_filters`` is false (the rule, in French, for ``/feed why``), else None."""
    refusal = filter_refusal(sub.filters, prepared)
    if refusal is not None:
        return HeldPost(sub.id, HeldReason.FILTER, refusal)
    channel_filters = topic_filters.get(sub.channel_id, ())
    if channel_filters and not matches_follows(channel_filters, prepared):
        terms = [f.term for f in channel_filters]
        return HeldPost(sub.id, HeldReason.TOPIC_FILTER, f"sujets du salon : {_listed(terms)}")
    return None


# --- where the prepared articles go ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caps:
    """F18: posts per subscription and poll, and per subscription and day."""

    per_cycle: int
    per_day: int


def plan_articles(
    feed_id: int,
    prepared: Sequence[tuple[Entry, PreparedArticle]],
    audience: Audience,
    caps: Caps,
    stories: Mapping[str, StoryChoice] | None = None,
) -> tuple[ArticleIntent, ...]:
    """The articles of one poll (oldest first) with their planned posts: a subscription's own
    filters, then its channel's topic filters, then the caps (over the limit: ``skipped_flood``).
    An article no subscription wants is still stored, as ``filtered``. Each article carries its
    story (``stories`` by entry key) and the subscriptions that hold it, with the reason."""
    used_now: dict[int, int] = {}
    intents = []
    for entry, article in prepared:
        plans = []
        held: list[HeldPost] = []
        for sub in audience.subscriptions:
            refusal = held_by(sub, audience.topic_filters, article)
            if refusal is not None:
                held.append(refusal)
                continue
            now_used = used_now.get(sub.id, 0)
            today = audience.used_today.get(sub.id, 0) + now_used
            if now_used < caps.per_cycle and today < caps.per_day:
                used_now[sub.id] = now_used + 1
                plans.append(PlannedPost(sub, PostState.PENDING))
            else:
                plans.append(PlannedPost(sub, PostState.SKIPPED_FLOOD))
                cap = HeldReason.CYCLE_CAP if now_used >= caps.per_cycle else HeldReason.DAY_CAP
                held.append(
                    HeldPost(sub.id, cap, f"{caps.per_cycle} par relevé, {caps.per_day} par jour")
                )
        if any(p.state is PostState.PENDING for p in plans):
            status = SeenStatus.NEW
        elif plans:
            status = SeenStatus.SKIPPED_FLOOD
        else:
            status = SeenStatus.FILTERED
        seen = SeenKey(entry.key, *entry_norms(entry), status)
        story = (stories or {}).get(entry.key)
        new = replace(article.to_new_article(feed_id, entry.key), entry_hash=entry_hash(entry))
        intents.append(ArticleIntent(new, seen, tuple(plans), story, tuple(held)))
    return tuple(intents)
