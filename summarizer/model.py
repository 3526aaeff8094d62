"""Domain types of the pure core: frozen, slotted, timezone-aware (UTC) dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TextOrigin(StrEnum):
    """Where an article's text came from."""

    PAGE = "page"  # extracted from the fetched article page
    FEED = "feed"  # the feed's own content or description (page unavailable)
    TEXT = "text"  # a plain-text document (CLI, seed files)


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a feed. ``key`` is the identity of the item inside its feed."""

    key: str
    title: str
    link: str | None = None  # canonical absolute http(s) URL
    summary: str = ""  # plain text of the description/summary
    content_html: str = ""  # content:encoded / Atom content, "" when absent
    authors: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published: datetime | None = None  # aware, UTC; None when undated
    image: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed document."""

    title: str
    link: str | None
    entries: tuple[Entry, ...]
    is_loose: bool = False  # the XML was malformed and parsed leniently (feedparser "bozo")


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article: body text without headings, bylines or boilerplate."""

    title: str
    text: str  # paragraphs separated by a blank line
    url: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    source: str | None = None  # the "Source : X" credit of the article
    site_name: str | None = None
    categories: tuple[str, ...] = ()
    image: str | None = None
    origin: TextOrigin = TextOrigin.PAGE


@dataclass(frozen=True, slots=True)
class Summary:
    """An extractive summary: whole sentences of the source, verbatim, in source order."""

    sentences: tuple[str, ...]
    algorithm: str

    @property
    def text(self) -> str:
        return " ".join(self.sentences)
