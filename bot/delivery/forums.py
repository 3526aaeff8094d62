"""Pure helpers for posts that open a forum thread: the thread's title (Discord's 100
characters) and the forum tags that match an article (accent- and case-insensitive, at most
Discord's five), as ``bot.discord.publisher`` and ``/feed add`` use them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.delivery.embeds import clean_text, truncate
from summarizer.topics import normalize_term

THREAD_NAME_MAX = 100
TAGS_MAX = 5  # Discord's limit of tags on one forum post


@dataclass(frozen=True, slots=True)
class ForumTag:
    id: int
    name: str
    moderated: bool = False  # only members with Manage Threads may apply it


def thread_name(title: str) -> str:
    """The forum post's title: the article's, cleaned, on one line, at most 100 characters.
    A thread name shows no markdown and pings nobody, so nothing is escaped."""
    return truncate(clean_text(title), THREAD_NAME_MAX) or "Sans titre"


def _words(text: str) -> tuple[str, ...]:
    return tuple(normalize_term(text).split())


def _matches(tag: str, term: str) -> bool:
    """A tag matches a term equal to it or holding its words in a row (« Économie » matches
    « économie mondiale »), accents and case folded."""
    wanted, words = _words(tag), _words(term)
    if not wanted:
        return False
    size = len(wanted)
    return any(words[i : i + size] == wanted for i in range(len(words) - size + 1))


def matching_tags(
    tags: Sequence[ForumTag],
    terms: Iterable[str],
    *,
    fallback: int | None = None,
    can_moderate: bool = False,
) -> list[int]:
    """The ids of the forum's tags that match ``terms`` (an article's topics and source), in
    the forum's order, at most ``TAGS_MAX``; ``fallback`` (the tag a forum requiring one got at
    subscribe time) when none matches. Moderated tags only with ``can_moderate``."""
    usable = [tag for tag in tags if can_moderate or not tag.moderated]
    wanted = [term for term in terms if term]
    found = [tag.id for tag in usable if any(_matches(tag.name, term) for term in wanted)]
    if not found and fallback is not None and any(tag.id == fallback for tag in usable):
        found = [fallback]
    return found[:TAGS_MAX]


def closest_tag(tags: Sequence[ForumTag], terms: Iterable[str]) -> ForumTag | None:
    """For a forum that requires a tag: the first usable tag matching one of ``terms`` (the
    feed's title, its source), else None (the subscription is refused)."""
    wanted = list(terms)
    for tag in tags:
        if not tag.moderated and any(_matches(tag.name, term) for term in wanted):
            return tag
    return None
